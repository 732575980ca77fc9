"""The Ledger: each member's decided claims, so that a stream of claims is decided with the right history.

The package, one job a module:

- :mod:`~mutualaid.ledger.core`: the :class:`Ledger` (deciding, the one door, the first filing,
  the 身份证 bindings, folding long histories); its docstring says how and why;
- :mod:`~mutualaid.ledger.store`: the store interface behind it, and :func:`open_ledger`, which
  opens a ledger on a store named by a URL;
- :mod:`~mutualaid.ledger.memory`: the memory store (:mod:`mutualaid.spill` takes it to disk
  past ``spill_after``);
- :mod:`~mutualaid.ledger.lines`: the JSON-lines file store's lines and their checksum chain;
- :mod:`~mutualaid.ledger.sql`: the SQL store (SQLAlchemy Core: SQLite, PostgreSQL), with its
  schema in :mod:`~mutualaid.ledger.schema` and its Alembic migrations in
  :mod:`~mutualaid.ledger.migrate` (``pip install 'mutualaid[db]'``);
- :mod:`~mutualaid.ledger.sums`: the running sums of a long history.
"""

from __future__ import annotations

from .core import Decided, Ledger, entry_of, id_number_of, member_of
from .lines import (
    BINDING_PREFIX,
    CHECKPOINT_PREFIX,
    GENESIS,
    PENDED_PREFIX,
    Chain,
    Scan,
    binding_line,
    committed_end,
    entry_line,
    pended_line,
    scan,
    unseal,
)
from .memory import BLOCK, MemoryRows
from .sums import _registered, _Sums

__all__ = [
    "BINDING_PREFIX",
    "BLOCK",
    "CHECKPOINT_PREFIX",
    "GENESIS",
    "PENDED_PREFIX",
    "Chain",
    "Decided",
    "Ledger",
    "MemoryRows",
    "Scan",
    "binding_line",
    "committed_end",
    "entry_line",
    "entry_of",
    "id_number_of",
    "member_of",
    "pended_line",
    "scan",
    "unseal",
    "_registered",
    "_Sums",
]
