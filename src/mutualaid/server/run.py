"""Running the service under uvicorn, with every limit set explicitly (none left to uvicorn's defaults).

:func:`uvicorn_options` is the one place that turns :class:`Settings` into uvicorn's options: the
HTTP protocol with its head timeout and head limit (:class:`~mutualaid.server.limits.GuardedHttpTools`),
the keep-alive timeout, the connections a worker keeps at once (``limit_concurrency``: 503 past
it), the listen backlog, and how long a shutdown waits for requests in progress.
"""

from __future__ import annotations

import os
from typing import Any

import uvicorn
from fastapi import FastAPI

from .app import create_app
from .claims import open_store
from .limits import GuardedHttpTools
from .settings import Settings, SettingsError, load_editions

GRACEFUL_SHUTDOWN = 10
"""Seconds a stopping worker waits for the requests in progress (then it closes them)."""


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for these settings (``uvicorn.run(app, **options)``)."""
    return dict(
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,  # the service logs one line a request itself (mutualaid.server.logs)
        server_header=False,
        http=GuardedHttpTools,
        timeout_keep_alive=settings.keep_alive,
        limit_concurrency=settings.connections,
        backlog=min(2048, settings.connections * 4),
        h11_max_incomplete_event_size=settings.header_limit,  # the same limit, should h11 ever be chosen
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )


def app_from_env() -> FastAPI:
    """The app factory uvicorn's worker processes call (``mutualaid.server:app_from_env``)."""
    return create_app(Settings.from_env())


def serve(settings: Settings) -> None:
    """Run the service until it is stopped (Ctrl-C, SIGTERM)."""
    options = uvicorn_options(settings)
    try:
        if settings.workers > 1:
            # uvicorn starts each worker from an import string; the settings travel in the environment
            # (the HTTP protocol of each worker reads its limits from there too).
            os.environ.update(settings.environ())
            load_editions(settings.editions)  # a bad file fails here, once, before any worker starts
            if settings.db:
                open_store(settings.db).close()  # so does a store that cannot be opened; it is migrated once, here
            uvicorn.run("mutualaid.server:app_from_env", factory=True, workers=settings.workers, **options)
        else:
            config = uvicorn.Config(create_app(settings), **options)
            setattr(config, "mutualaid_settings", settings)  # read by GuardedHttpTools
            server = uvicorn.Server(config)
            server.run()
            if not server.started:  # uvicorn.run exits 1 when it could not start (a port in use)
                raise SystemExit(1)
    except SystemExit as exc:  # uvicorn exits when it cannot start (a port in use): say so as a setting
        if exc.code not in (0, None):
            raise SettingsError(f"the service could not start on {settings.host}:{settings.port} (uvicorn's message is above)") from None
        raise
