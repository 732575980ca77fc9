"""Alembic's environment for the SQL store: it runs on the connection :mod:`mutualaid.ledger.migrate` hands it.

That connection is already inside a transaction that holds the migration lock (PostgreSQL: an
advisory lock; SQLite: ``BEGIN IMMEDIATE``), so that processes opening one store at the same
moment upgrade it once, one after the other.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True, version_table="mutualaid_schema")
with context.begin_transaction():
    context.run_migrations()
