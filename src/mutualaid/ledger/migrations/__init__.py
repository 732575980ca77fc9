"""The SQL store's Alembic migrations (run by :mod:`mutualaid.ledger.migrate`, never by hand-written DDL)."""
