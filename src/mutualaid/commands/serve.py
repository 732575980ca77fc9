"""``mutualaid serve``: the HTTP service (``server`` extra, imported when the command runs)."""

from __future__ import annotations

from ..terminal import UsageError


def run(args) -> int:
    try:
        from ..server import Settings, SettingsError, serve  # server extra: its ImportError names it
    except ImportError as exc:
        raise UsageError(str(exc) if "mutualaid[server]" in str(exc) else f"serve needs the service's extra, pip install 'mutualaid[server]' (from a checkout: pip install '.[server]'): {exc}") from None
    try:
        settings = Settings.from_env(
            host=args.host,
            port=args.port,
            workers=args.workers,
            body_limit=args.body_limit,
            batch_limit=args.batch_limit,
            line_limit=args.line_limit,
            threads=args.threads,
            queue=args.queue,
            connections=args.connections,
            header_limit=args.header_limit,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            keep_alive=args.keep_alive,
            editions=args.plan,
            log_level=args.log_level,
            db=args.db,
        )
        serve(settings)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    return 0
