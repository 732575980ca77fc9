"""How the service runs: every limit it enforces, from flags over ``MUTUALAID_*`` variables over defaults.

Every limit is stated here, with its default and why, so that ``docs/server.md`` and
``mutualaid serve --help`` say the same thing, and a deployment can see what one request may cost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Mapping, Optional

from ..edition import InvalidEdition, register
from ..plan import resolve


class SettingsError(ValueError):
    """A setting (flag or environment variable) that is not a valid value: the command exits 2."""


ENV = {
    "host": "MUTUALAID_HOST",
    "port": "MUTUALAID_PORT",
    "workers": "MUTUALAID_WORKERS",
    "body_limit": "MUTUALAID_BODY_LIMIT",
    "batch_limit": "MUTUALAID_BATCH_LIMIT",
    "line_limit": "MUTUALAID_LINE_LIMIT",
    "threads": "MUTUALAID_THREADS",
    "queue": "MUTUALAID_QUEUE",
    "connections": "MUTUALAID_CONNECTIONS",
    "header_limit": "MUTUALAID_HEADER_LIMIT",
    "header_timeout": "MUTUALAID_HEADER_TIMEOUT",
    "body_timeout": "MUTUALAID_BODY_TIMEOUT",
    "keep_alive": "MUTUALAID_KEEP_ALIVE",
    "editions": "MUTUALAID_EDITIONS",
    "db": "MUTUALAID_DB",
    "log_level": "MUTUALAID_LOG_LEVEL",
}
"""The environment variable of each setting. Flags win over these; these win over the defaults."""

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

_WHOLE = ("port", "workers", "body_limit", "batch_limit", "line_limit", "threads", "queue", "connections", "header_limit")
_SECONDS = ("header_timeout", "body_timeout", "keep_alive")


@dataclass(frozen=True)
class Settings:
    """How the service runs. ``mutualaid serve`` builds it from flags over :meth:`from_env`."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    body_limit: int = 1 << 20
    """Bytes a JSON request body may hold (``/v1/adjudicate``, ``/v1/replay``): 1 MiB by default,
    some 500 times a large claim."""
    batch_limit: int = 64 << 20
    """Bytes a ``/v1/batch`` body may hold: 64 MiB by default, about 90,000 claims. The request's
    own ledger holds each member's history for the length of the request (about 110 bytes a claim)."""
    line_limit: int = 256 << 10
    """Bytes one line of ``/v1/batch`` may hold: 256 KiB by default (a claim of some 3,000 items).
    A longer line is answered by an error record, and none of it is parsed."""
    threads: int = 2
    """Threads of each worker process's decision pool: how many decisions run at once in it."""
    queue: int = 64
    """Decisions that may wait for a thread of the pool; one more is refused with 503 and ``Retry-After``."""
    connections: int = 256
    """Connections (and requests in progress) a worker process keeps at once; beyond, uvicorn answers 503."""
    header_limit: int = 16 << 10
    """Bytes of request line and headers a request may send: 16 KiB; past it, 431 and the connection closes."""
    header_timeout: float = 10.0
    """Seconds a connection may take to send a request's line and headers (an idle new connection
    too); then it is closed (with 408 if it had begun a request)."""
    body_timeout: float = 30.0
    """Seconds a request's body may take to arrive in full; then 408 and the connection closes."""
    keep_alive: float = 5.0
    """Seconds an idle keep-alive connection stays open between requests."""
    editions: tuple[str, ...] = ()
    """Edition files to load at start, each registered under its id (``plan`` in a request)."""
    db: Optional[str] = None
    """A SQL store's URL (``--db``): adds the stateful endpoints of :mod:`mutualaid.server.claims`."""
    log_level: str = "info"

    def __post_init__(self) -> None:
        for name in _WHOLE:
            value = getattr(self, name)
            low = 0 if name in ("port", "queue") else 1
            if type(value) is not int or value < low or (name == "port" and value > 65535):
                raise SettingsError(f"{name.replace('_', ' ')} must be a whole number{' from 0 to 65535' if name == 'port' else f' of {low} or more'}, not {value!r}")
        for name in _SECONDS:
            value = getattr(self, name)
            if type(value) not in (int, float) or not 0 < value <= 86400:
                raise SettingsError(f"{name.replace('_', ' ')} must be a number of seconds above 0, not {value!r}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"log level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """The defaults, replaced by the ``MUTUALAID_*`` variables set, replaced by ``overrides`` not None."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in ENV.items():
            text = env.get(var)
            if text is None or text == "":
                continue
            if name in _WHOLE:
                try:
                    values[name] = int(text)
                except ValueError:
                    raise SettingsError(f"{var} must be a whole number, not {text!r}") from None
            elif name in _SECONDS:
                try:
                    values[name] = float(text)
                except ValueError:
                    raise SettingsError(f"{var} must be a number of seconds, not {text!r}") from None
            elif name == "editions":
                values[name] = tuple(p for p in text.split(os.pathsep) if p)
            else:
                values[name] = text.lower() if name == "log_level" else text
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "editions" in values:
            values["editions"] = tuple(values["editions"])
        return cls(**values)

    def environ(self) -> dict[str, str]:
        """These settings as ``MUTUALAID_*`` variables: how uvicorn's worker processes receive them."""
        return {
            var: os.pathsep.join(self.editions) if name == "editions" else ("" if getattr(self, name) is None else str(getattr(self, name)))
            for name, var in ENV.items()
        }


assert set(ENV) == {f.name for f in fields(Settings)}  # every setting has its variable


def load_editions(paths: tuple[str, ...]) -> list[str]:
    """Read and register each edition file; their ids. A bad file raises SettingsError naming it."""
    ids = []
    for path in paths:
        if not os.path.isfile(path):
            raise SettingsError(f"edition file {path} does not exist")
        try:
            edition = resolve(path)
            assert edition is not None
            register(edition, by_id_only=True)  # a claim names it by plan; it never takes over a claim without one
        except (InvalidEdition, OSError, ValueError) as exc:
            raise SettingsError(f"{path} is not an edition: {' '.join(str(exc).split())}") from None
        ids.append(edition.id)
    return ids
