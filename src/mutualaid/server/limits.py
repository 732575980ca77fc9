"""Connection limits uvicorn does not set by itself: how long and how large a request's head may be.

uvicorn's HTTP protocol has a keep-alive timeout between requests, but none for a connection that
sends nothing, or sends its request line and headers a byte at a time: such a socket stayed open
for minutes. And with ``httptools`` it puts no bound on the size of the headers. This protocol is
uvicorn's own (``httptools``), with two guards added:

- a **head timeout** (:attr:`Settings.header_timeout`), armed when a connection opens and when a
  request begins, disarmed when its headers are complete: a connection that sent nothing is
  closed, one that began a request gets 408 and is closed;
- a **head limit** (:attr:`Settings.header_limit`): the request line and headers are counted as
  the parser reads them; past the limit the answer is 431 and the connection is closed.

The slow body is the app's (:func:`mutualaid.server.transport.read_body`, 408); the number of
connections is uvicorn's ``limit_concurrency`` (503), set in :func:`mutualaid.server.run.uvicorn_options`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Optional

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..errors import FieldError
from .settings import Settings


@lru_cache(maxsize=1)
def _from_env():
    return Settings.from_env()


def _canned(status: int, reason: str, code: str, **params: Any) -> bytes:
    """A whole answer, written straight to the socket: the app is never reached."""
    error = FieldError.of("request", code, **params).as_json()
    body = json.dumps({"error": code, "errors": [error]}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n"
    return head.encode("ascii") + body


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head timeout and a head size limit (see the module)."""

    header_timeout: float = 10.0
    header_limit: int = 16 << 10

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = getattr(self.config, "mutualaid_settings", None)
        if settings is None:  # a worker process of several: the settings came in the environment
            settings = _from_env()
        self.header_timeout, self.header_limit = settings.header_timeout, settings.header_limit
        self._head_timer: Optional[Any] = None
        self._head_size = 0
        self._in_head = True
        self._began = False
        self._refused = False

    # --- the head timeout ---
    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._in_head:
            return
        if self._began:  # a request begun and not finished: say why it ends
            self._refuse(_canned(408, "Request Timeout", "request.head_too_slow", seconds=f"{self.header_timeout:g}"))
        else:
            self.transport.close()

    def _refuse(self, answer: bytes) -> None:
        self._refused = True
        self._disarm()
        self.transport.write(answer)
        self.transport.close()

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self._in_head and self._head_size > self.header_limit and not self._refused:
            self._too_large()

    def _too_large(self) -> None:
        self._refuse(_canned(431, "Request Header Fields Too Large", "request.head_too_large", limit=self.header_limit))

    # --- parser callbacks: count the head, and know where a request stands ---
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._began, self._head_size = True, True, 0
        self._arm()

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        self._in_head = False
        if self._head_size > self.header_limit:
            self._too_large()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        self._in_head, self._began, self._head_size = True, False, 0
        super().on_response_complete()
