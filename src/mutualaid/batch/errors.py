"""What stops a batch: the exceptions ``mutualaid batch`` and :func:`mutualaid.batch.run` raise."""

from __future__ import annotations

class BatchError(Exception):
    """A batch cannot start or go on: a ledger that belongs to another run, an unreadable file."""


class BatchIOError(BatchError):
    """A batch could not write its output or its ledger (a full disk, a closed pipe): the CLI exits 4."""


class LedgerBusy(BatchError):
    """Another run holds the ledger: this one refused at once and changed nothing."""


