"""A strict transport: what a request body must be before anything of it is decided.

- **One media type a door.** ``/v1/adjudicate`` and ``/v1/replay`` take ``application/json``,
  ``/v1/batch`` takes ``application/x-ndjson`` (or ``application/jsonl``), with no charset or
  ``charset=utf-8``: anything else is 415. A form, ``text/plain`` or multipart body is what a web
  page may post to another origin without a CORS preflight; refusing it keeps any page a browser
  opens from filing claims.
- **UTF-8 only** (RFC 8259 §8.1). Python's ``json`` would also read UTF-16 and UTF-32 by their
  first bytes; here a body that is not UTF-8 is 422 ``not_json`` (code ``body.not_utf8``).
- **A lone surrogate** (``"\\ud800"``) anywhere, key or value, is 422 naming its path (code
  ``body.lone_surrogate``): it is not Unicode text, and no answer or log line could carry it.
- **Bounded while read.** A ``Content-Length`` over the limit is 413 before a byte is read; a body
  without one is counted as it arrives. A body that takes longer than :attr:`Settings.body_timeout`
  to arrive is 408, and the connection is closed.
- **Nesting** deeper than :data:`MAX_DEPTH` is 422 ``too_deep`` before it reaches a model.
"""

from __future__ import annotations

import asyncio
import json
import re
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from ..errors import MISSING, FieldError, InvalidClaim
from ..values import read_json

MAX_DEPTH = 32
"""How deep a request's JSON may nest. A claim nests 6 levels and a stored record 8; anything far
deeper is no claim, and is refused before it reaches a model (or the parser's recursion limit)."""

JSON = "application/json"
JSON_LINES = "application/x-ndjson"
JSON_LINES_TYPES = (JSON_LINES, "application/jsonl")


class Refusal(Exception):
    """A request the service refuses: its status and its body (``{"error", "errors"}``)."""

    def __init__(self, status: int, error: str, errors: list[dict], headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.errors, self.headers = status, error, errors, headers or {}

    def response(self) -> Response:
        return json_response({"error": self.error, "errors": self.errors}, self.status, self.headers)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status, headers=headers, media_type=JSON)


def error(field_: str, code: str, value: Any = MISSING, **params: Any) -> dict:
    """One offending field as the service answers it: the catalogue's code and words (:mod:`mutualaid.errorcodes`)."""
    return FieldError.of(field_, code, value, **params).as_json()


def too_large(limit: int) -> Refusal:
    return Refusal(413, "body_too_large", [error("body", "body.too_large", limit=limit)])


def media_type(request: Request, accepted: tuple[str, ...]) -> None:
    """Refuse (415) a body whose ``Content-Type`` is not one of ``accepted`` in UTF-8."""
    given = request.headers.get("content-type", "")
    kind, _, params = given.partition(";")
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.I)
    if kind.strip().lower() in accepted and (charset is None or charset.group(1).lower() in ("utf-8", "utf8")):
        return
    raise Refusal(415, "unsupported_media_type", [error("content-type", "body.media_type", given or MISSING, expected=accepted[0], given=given or "nothing")])


def declared_length(request: Request, limit: int) -> None:
    """Refuse at once a body whose Content-Length passes ``limit`` (nothing of it is read)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large(limit)


def too_slow(seconds: float) -> Refusal:
    return Refusal(408, "body_timeout", [error("body", "body.too_slow", seconds=f"{seconds:g}")], headers={"Connection": "close"})


async def read_body(request: Request, limit: int, accepted: tuple[str, ...] = (JSON,)) -> bytes:
    """The body, of an accepted media type, read up to ``limit`` bytes within the body timeout.

    Past the limit, 413; too slow, 408. Never more than ``limit`` is held.
    """
    media_type(request, accepted)
    declared_length(request, limit)
    seconds = request.app.state.settings.body_timeout
    parts: list[bytes] = []
    size = 0
    try:
        async with deadline(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                parts.append(chunk)
    except TimeoutError:
        raise too_slow(seconds) from None
    except ClientDisconnect:  # nobody will read the answer; the log says what happened
        raise Refusal(400, "client_disconnected", []) from None
    return b"".join(parts)


def deadline(seconds: float) -> Any:
    """An async context that raises TimeoutError after ``seconds``: ``asyncio.timeout`` (a timer
    handle, 7 µs) where Python has it (3.11), else anyio's cancel scope."""
    if hasattr(asyncio, "timeout"):
        return asyncio.timeout(seconds)
    return _anyio_deadline(seconds)


@asynccontextmanager
async def _anyio_deadline(seconds: float):  # pragma: no cover - Python 3.10
    with anyio.fail_after(seconds):
        yield


def depth(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` (parsed JSON) nests no deeper than ``limit`` arrays and objects. Iterative."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            if d > limit:
                return False
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            if d > limit:
                return False
            stack.extend((x, d + 1) for x in v)
    return True


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def lone_surrogate(data: Any) -> str | None:
    """The path of the first string (key or value) in parsed JSON holding a lone surrogate, or None."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                return ".".join(map(str, where)) or "body"
        elif isinstance(value, dict):
            for k, v in value.items():
                if _has_surrogate(k):
                    return ".".join(map(str, (*where, k.encode("utf-8", "backslashreplace").decode("ascii"))))
                stack.append((v, (*where, k)))
        elif isinstance(value, list):
            stack.extend((v, (*where, i)) for i, v in enumerate(value))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_json(raw: bytes) -> Any:
    """The body as the library reads JSON (:func:`mutualaid.values.read_json`: each number by its
    exact text), or a 422 refusal: not UTF-8, not JSON, a lone surrogate, a repeated key, or nested
    deeper than :data:`MAX_DEPTH`."""
    try:
        text = raw.decode("utf-8")  # RFC 8259: UTF-8 only (json.loads of bytes would guess UTF-16/32)
    except UnicodeDecodeError as exc:
        raise Refusal(422, "not_json", [error("body", "body.not_utf8", detail=f"{exc.reason} at byte {exc.start}")]) from None
    nul = raw.find(b"\x00")
    if nul >= 0:  # JSON has no raw NUL, in a string or out: this is UTF-16 or UTF-32 without its mark
        raise Refusal(422, "not_json", [error("body", "body.not_utf8", detail=f"a NUL byte at byte {nul} (UTF-16 or UTF-32?)")])
    try:
        data = read_json(text)
    except RecursionError:
        raise too_deep() from None
    except InvalidClaim as exc:  # a repeated key (CONTRACT §7, revision 3), named by its path in the body
        raise invalid_claim(exc) from None
    except ValueError as exc:  # JSONDecodeError
        raise Refusal(422, "not_json", [error("body", "body.not_json", detail=exc)]) from None
    # A document can only nest as deep as it has brackets: most bodies are cleared by counting them.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and not depth(data):
        raise too_deep()
    if _SURROGATE_ESCAPE.search(raw):  # only an escape can make one (the text is valid UTF-8)
        where = lone_surrogate(data)
        if where is not None:
            raise Refusal(422, "not_json", [error(where, "body.lone_surrogate")])
    return data


def too_deep() -> Refusal:
    return Refusal(422, "too_deep", [error("body", "body.too_deep", depth=MAX_DEPTH)])


def invalid_claim(exc: InvalidClaim) -> Refusal:
    return Refusal(422, "invalid_claim", exc.as_json())
