"""One log line a request: JSON on standard error, through :mod:`logging`, that stays one line.

A log is read by people and by line-oriented tools. ``json.dumps(..., ensure_ascii=False)`` keeps
U+2028, U+2029 and U+0085 raw (editors and ``less`` break lines there) and bidi controls such as
U+202E (which reverse what follows on a terminal): a claim id chosen by a caller could make one
line read as two, or hide what it says. So every character that is not printable (controls,
format characters, line and paragraph separators, surrogates, private-use and unassigned code
points) is written as its JSON escape; the line stays valid JSON with the same content.
"""

from __future__ import annotations

import json
import logging
import sys
import time

log = logging.getLogger("mutualaid.server")

LOGGED_ID = 64
"""At most this many characters of a claim id go into a request's log line (a valid id has at most 64)."""


def escape(text: str) -> str:
    """``text`` with every non-printable character written as a JSON ``\\u`` escape (a space stays)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


class JsonLines(logging.Formatter):
    """A log record as one JSON line: its time, level, and the fields of the request."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        data = {"time": stamp, "level": record.levelname.lower()}
        fields = getattr(record, "fields", None)
        data.update(fields if isinstance(fields, dict) else {"message": record.getMessage()})
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)  # the log only, never the answer
        return escape(json.dumps(data, ensure_ascii=False, default=str))


def configure_logging(level: str) -> None:
    """One JSON line a record on standard error, unless the embedding program set up this logger."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(level.upper())


class RequestLog:
    """ASGI middleware: one log line a request, written when its answer is complete.

    The endpoint adds what it knows (claim id, outcome, lines of a batch) to ``request.state``,
    which is the ``state`` of the request's ASGI scope.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 0

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            fields = {"method": scope["method"], "path": scope["path"], "status": status or 500}
            for key in ("claim_id", "outcome", "lines", "error"):
                if key in state:
                    fields[key] = state[key]
            if isinstance(fields.get("claim_id"), str) and len(fields["claim_id"]) > LOGGED_ID:
                fields["claim_id"] = fields["claim_id"][:LOGGED_ID] + "..."
            fields["duration_ms"] = round((time.perf_counter() - start) * 1000, 3)
            log.info("request", extra={"fields": fields})
