"""``mutualaid db upgrade|current URL``: the SQL store's schema, for operators (``db`` extra)."""

from __future__ import annotations

from ..ledger.store import StoreError
from ..terminal import UsageError


def run(args) -> int:
    """``mutualaid db upgrade URL`` / ``db current URL``: the SQL store's schema (Alembic), for operators
    who migrate before they deploy (a store is also upgraded when a process opens it)."""
    try:
        from ..ledger.sql import _engine, migrations as migrate  # db extra: its ImportError names it
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    from sqlalchemy.exc import ArgumentError, DBAPIError  # db extra, there once ledger.sql imported

    try:
        engine = _engine(args.url, 1)
    except (ArgumentError, ValueError) as exc:
        raise UsageError(f"not a database URL: {args.url} ({exc})") from None
    try:
        if args.action == "upgrade":
            revision = migrate.upgrade(engine)
        else:
            with engine.connect() as conn:
                revision = migrate.current(conn)
    except (DBAPIError, StoreError) as exc:
        raise UsageError(f"cannot reach the store: {' '.join(str(getattr(exc, 'orig', exc)).split())}") from None
    finally:
        engine.dispose()
    print(f"{revision or 'empty'} (this library's newest: {migrate.head()})")
    return 0
