"""Where a Ledger's history goes when it outgrows memory: a private, temporary SQLite file.

A :class:`~mutualaid.ledger.Ledger` holds each member's decided claims as one compact string,
about 95 bytes a claim. A year of claims of every platform worker in Guangdong would not fit, and
``mutualaid batch`` promises memory that does not grow with its input (issue 5). So past a number
of decided claims (``Ledger(spill_after=…)``), the ledger moves its strings into :class:`DiskRows`,
which answers the very same questions (``get``, assignment, ``in``, iteration in first-entry
order) from SQLite, the standard library's embedded database, whose page cache is bounded.

The file is SQLite's own private temporary database (an empty file name): never shared, and
deleted by SQLite when the connection closes or the process ends. It is a cache of what the ledger
already wrote durably elsewhere (its JSON lines, the batch's ``--ledger`` journal), so it skips
SQLite's journal, ``fsync`` and even commits: a crash loses nothing that a resumed run does not
rebuild. SQLite writes pages to the file only when its page cache is full.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Iterable, Iterator, Optional

SPILL_AFTER = 1_000_000
"""Decided claims a ledger holds in memory by default (95 to 165 MB, by how many members share them)
before its history moves to disk. A batch of 1,600,000 claims of 500,000 members, which passes it,
peaks at 266 MB (``benchmarks/bench_batch.py --claims 1600000 --members 500000 --jobs 1``), well
under issue 5's 500 MB."""

CACHE_KIB = 65536
"""SQLite's page cache, in KiB: the memory the history on disk may use, whatever its size."""


class DiskRows:
    """member_id → that member's entries string, kept in a temporary SQLite database.

    Safe to share between threads, as the ledger's dict is: one lock around each statement.
    """

    def __init__(self, rows: Iterable[tuple[str, str]] = ()) -> None:
        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        for pragma in (f"cache_size=-{CACHE_KIB}", "journal_mode=OFF", "synchronous=OFF"):
            db.execute(f"PRAGMA {pragma}")
        # The rowid keeps the order in which members first had an entry (an upsert keeps it).
        db.execute("CREATE TABLE rows (member_id TEXT PRIMARY KEY, entries TEXT NOT NULL)")
        # One transaction for the life of the database, never committed: a commit per write would
        # write its pages out each time (8x the cost), and nothing here needs to outlive the run.
        db.execute("BEGIN")
        db.executemany("INSERT INTO rows VALUES (?, ?)", rows)
        self._db = db
        self._lock = threading.Lock()

    def get(self, member_id: str, default: Optional[str] = None) -> Optional[str]:
        try:
            with self._lock:
                found = self._db.execute("SELECT entries FROM rows WHERE member_id = ?", (member_id,)).fetchone()
        except UnicodeEncodeError:  # a lone surrogate: no such member (adjudicate reports the id)
            return default
        return default if found is None else found[0]

    def __setitem__(self, member_id: str, entries: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO rows VALUES (?, ?) ON CONFLICT(member_id) DO UPDATE SET entries = excluded.entries",
                (member_id, entries),
            )

    def __contains__(self, member_id: object) -> bool:
        return isinstance(member_id, str) and self.get(member_id) is not None

    def __iter__(self) -> Iterator[str]:
        """Member ids in the order they first had an entry, read a page at a time (safe while writing)."""
        after = 0
        while True:
            with self._lock:
                page = self._db.execute(
                    "SELECT rowid, member_id FROM rows WHERE rowid > ? ORDER BY rowid LIMIT 4096", (after,)
                ).fetchall()
            if not page:
                return
            after = page[-1][0]
            for _, member_id in page:
                yield member_id

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM rows").fetchone()[0]

    def close(self) -> None:
        """Close the database (SQLite deletes its file)."""
        with self._lock:
            self._db.close()
