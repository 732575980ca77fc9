"""The store interface behind the Ledger, and :func:`open_ledger`: a ledger on a store named by a URL.

A :class:`~mutualaid.ledger.Ledger` decides; its store keeps what a later decision needs. Three stores:

- **memory** (:class:`~mutualaid.ledger.memory.MemoryRows`, taken to a private SQLite file past
  ``spill_after`` by :class:`~mutualaid.spill.DiskRows`): one process, gone when it ends;
- **the JSON-lines file** (``Ledger.load``/``save``, ``mutualaid batch --ledger``): the memory
  store written as sealed lines (:mod:`mutualaid.ledger.lines`), one run at a time under ``flock``;
- **SQL** (:class:`~mutualaid.ledger.sql.SqlLedger` on a :class:`~mutualaid.ledger.sql.SqlStore`):
  SQLite or PostgreSQL, shared by processes and machines, each decision one locked transaction,
  each decision kept, a re-sent claim answered from the store.

Each answers the questions of :class:`Rows`; the SQL store answers them inside the transaction of
the decision that asks, which holds the member's lock.
"""

from __future__ import annotations

from typing import Iterator, Optional, Protocol

__all__ = ["Rows", "StoreError", "open_ledger", "is_url"]


class StoreError(Exception):
    """The store cannot be opened or fails (the database is unreachable, refuses, or is at another schema).

    Never bad input: a claim refused by the store's rules raises :class:`~mutualaid.errors.InvalidClaim`.
    """


class Rows(Protocol):
    """What a Ledger asks of its store, beyond the member's history (``Ledger.history``/``remember``)."""

    def holder(self, id_number: str) -> Optional[str]:
        """The member id a 身份证 number belongs to, or None."""

    def bind(self, id_number: str, member_id: str) -> None:
        """Record that a 身份证 number belongs to a member id (checked by the caller)."""

    def pended(self, member_id: str, claim_id: str) -> Optional[int]:
        """The first filing day (``date.toordinal()``) of a pended claim, or None."""

    def pend(self, member_id: str, claim_id: str, day: int) -> None:
        """Record a claim's first filing day, when it first pends."""

    def unpend(self, member_id: str, claim_id: str) -> None:
        """Forget a claim's first filing: it was decided."""

    def holders(self) -> Iterator[tuple[str, str]]:
        """Every (身份证 number, member id)."""

    def pendings(self) -> Iterator[tuple[str, str, int]]:
        """Every (member id, claim id, first filing day) pended."""

    def __iter__(self) -> Iterator[str]:
        """The member ids with a decided claim."""


def is_url(text: str) -> bool:
    """Whether ``text`` names a SQL store (a SQLAlchemy URL such as ``sqlite:///ledger.db``), not a file."""
    head, sep, _ = text.partition("://")
    return bool(sep) and head.replace("+", "").replace("_", "").isalnum()


def open_ledger(url: str, **options):
    """A ledger on the SQL store at ``url`` (``sqlite:///ledger.db``, ``postgresql+psycopg://…``), its schema
    upgraded; ``options`` as :class:`~mutualaid.ledger.Ledger`'s (``plan``, ``engine``, ``record``).
    Needs ``pip install 'mutualaid[db]'``."""
    from .sql import SqlLedger  # db extra: sqlalchemy and alembic

    return SqlLedger(url, **options)
