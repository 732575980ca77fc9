"""The SQL store's schema, kept by Alembic: upgrade a database to this library's schema, programmatically.

A store is upgraded when it is opened (:class:`mutualaid.ledger.sql.SqlStore`, ``migrate=True``,
the default) and by ``mutualaid db upgrade URL``. Either way the upgrade runs in one transaction
that first takes a lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: ``BEGIN
IMMEDIATE``), so that several processes opening one store at once upgrade it exactly once, and a
failed upgrade leaves the schema as it was (both databases roll DDL back). Alembic keeps the
revision in the table ``mutualaid_schema``. The migrations ship inside the package
(``mutualaid/ledger/migrations``): upgrading the library and opening the store upgrades the data
in place, never by dropping it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6D75_7475_616C_6169  # "mutualai": the advisory lock key of an upgrade (PostgreSQL)


def _config(connection: "Connection"):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this library's migrations know."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    found = ScriptDirectory.from_config(config).get_current_head()
    assert found is not None
    return found


def current(connection: "Connection") -> Optional[str]:
    """The revision a database is at (None: never migrated)."""
    return MigrationContext.configure(connection, opts={"version_table": "mutualaid_schema"}).get_current_revision()


def upgrade(engine: "Engine", revision: str = "head") -> Optional[str]:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest), under the migration lock; its revision after."""
    with engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE (see sql.py), the database's write lock
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if current(connection) != head() or revision != "head":
            command.upgrade(_config(connection), revision)
        return current(connection)
