"""Where a Ledger's history goes when it outgrows memory: a private, temporary SQLite file.

A :class:`~mutualaid.ledger.Ledger` holds each member's decided claims as one compact string,
about 110 bytes a claim. A year of claims of every platform worker in Guangdong would not fit, and
``mutualaid batch`` promises memory that does not grow with its input (issue 5). So past a number
of decided claims (``Ledger(spill_after=…)``), the ledger moves its strings into :class:`DiskRows`,
which answers the very same questions (``get``, ``append``, ``in``, iteration in first-entry
order, the bindings of 身份证 numbers, the first filing of each pended claim) from SQLite, the standard library's embedded database, whose page cache is bounded.

The file is SQLite's own private temporary database (an empty file name): never shared, and
deleted by SQLite when the connection closes or the process ends. **Sealed** (issue 22, finding
5): every row carries a keyed BLAKE2b of its content, under a key drawn afresh for each database
and held only in this process's memory, and every row read back is checked against it. A row
changed on disk (a ``paid`` rewritten: the audit put 250 members over the cap that way) is refused
with :class:`SpillTampered`, never decided from: ``batch`` stops with ``BatchIOError``. It is a cache of what the ledger
already wrote durably elsewhere (its JSON lines, the batch's ``--ledger`` journal), so it skips
SQLite's journal, ``fsync`` and even commits: a crash loses nothing that a resumed run does not
rebuild. SQLite writes pages to the file only when its page cache is full.

A seal per row cannot show a row that is **gone** (issue 22, finding 5 again): deleting all of a
member's rows would make the member look new (the cap paid again), deleting a 身份证 binding would
let one person hold two caps, deleting a pended claim would lose its first filing date. So the
process also keeps, in memory, what it wrote: an exact count of the rows of each table, and a
Bloom filter of each table's keys (:data:`BLOOM_BITS` bits, 8 MiB, whatever the input's size). A
lookup that finds nothing, for a key the filter says was written, counts the table: a count below
what the process wrote is :class:`SpillTampered`; an equal count means the filter's rare false
positive, and the miss stands (never a false alarm). A full scan (``holders()``, ``pendings()``,
the members) must see as many rows as were written. The last block of each member's history is
sealed as the last, every other block as not the last, so that the end of a history cannot be cut
off either (a removed middle block shows as a gap in ``seq``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import threading
from typing import Any, Iterable, Iterator, Optional

SPILL_AFTER = 1_000_000
"""Decided claims a ledger holds in memory by default (95 to 165 MB, by how many members share them)
before its history moves to disk. A batch of 1,600,000 claims of 500,000 members, which passes it,
peaks at 266 MB (``benchmarks/bench_batch.py --claims 1600000 --members 500000 --jobs 1``), well
under issue 5's 500 MB."""

BLOCK = 4096
"""A member's entries are kept as strings of about this many characters, in memory
(:class:`~mutualaid.ledger.MemoryRows`) and on disk alike, so that entering one more claim copies
at most one block, whatever the length of the member's history. Defined here, below the ledger
that imports this module, so that neither imports the other back."""

CACHE_KIB = 65536
"""SQLite's page cache, in KiB: the memory the history on disk may use, whatever its size."""

BLOOM_BITS = 1 << 26
"""Bits of each of the three Bloom filters (members, bindings, pended claims): 8 MiB each. With 4
positions a key, a false positive (which costs one count of the table, never a wrong answer) is
one miss in a million at 500,000 keys, one in 6,000 at 2 million, one in 25 at 10 million."""


class SpillTampered(sqlite3.DatabaseError):
    """A row of the history on disk does not match its seal: it was changed outside this process."""


class DiskRows:
    """member_id → that member's entries string, kept in a temporary SQLite database.

    A member's entries are stored in blocks of about :data:`BLOCK` characters
    (``seq`` 0, 1, …), so that entering one more claim rewrites one block, whatever the length of
    the member's history. Also the bindings of 身份证 numbers to member ids. The same questions as
    :class:`~mutualaid.ledger.MemoryRows`; safe to share between threads (one lock around each
    statement).
    """

    def __init__(
        self,
        blocks: Iterable[tuple[str, list[str]]] = (),
        holders: Iterable[tuple[str, str]] = (),
        pended: Iterable[tuple[str, str, int]] = (),
    ) -> None:
        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        for pragma in (f"cache_size=-{CACHE_KIB}", "journal_mode=OFF", "synchronous=OFF"):
            db.execute(f"PRAGMA {pragma}")
        # The rowid of block 0 keeps the order in which members first had an entry.
        db.execute("CREATE TABLE rows (member_id TEXT NOT NULL, seq INTEGER NOT NULL, entries TEXT NOT NULL, mac BLOB NOT NULL, PRIMARY KEY (member_id, seq))")
        db.execute("CREATE TABLE holders (id_number TEXT PRIMARY KEY, member_id TEXT NOT NULL, mac BLOB NOT NULL)")
        db.execute("CREATE TABLE pended (member_id TEXT NOT NULL, claim_id TEXT NOT NULL, day INTEGER NOT NULL, mac BLOB NOT NULL, PRIMARY KEY (member_id, claim_id))")
        # One transaction for the life of the database, never committed: a commit per write would
        # write its pages out each time (8x the cost), and nothing here needs to outlive the run.
        db.execute("BEGIN")
        self._key = os.urandom(32)
        # What this process wrote, to show a row deleted: a Bloom filter of each table's keys and
        # the exact number of its rows (and of the members: blocks 0).
        self._bloom = {table: bytearray(BLOOM_BITS // 8) for table in ("rows", "holders", "pended")}
        seal, add = self._seal, self._add
        db.executemany(
            "INSERT INTO rows VALUES (?, ?, ?, ?)",
            ((m, k, b, seal("r", m, k, b, k == len(bs) - 1)) for m, bs in blocks if add("rows", m) for k, b in enumerate(bs)),
        )
        db.executemany("INSERT INTO holders VALUES (?, ?, ?)", ((n, m, seal("h", n, m)) for n, m in holders if add("holders", n)))
        db.executemany("INSERT INTO pended VALUES (?, ?, ?, ?)", ((m, c, d, seal("p", m, c, d)) for m, c, d in pended if add("pended", m, c)))
        self._written = {table: db.execute(sql).fetchone()[0] for table, sql in self._COUNT.items()}
        self._writes = 0  # statements that changed a table: a scan checks its count only if none ran meanwhile
        self._db = db
        self._lock = threading.Lock()

    # What a miss counts: every block (``count(*)`` reads the primary key's index, not the entries).
    # A scan of the members (blocks 0) checks their own number.
    _COUNT = {
        "rows": "SELECT count(*) FROM rows",
        "members": "SELECT count(*) FROM rows WHERE seq = 0",
        "holders": "SELECT count(*) FROM holders",
        "pended": "SELECT count(*) FROM pended",
    }

    @staticmethod
    def _positions(table: str, key: tuple) -> tuple[int, int, int, int]:
        """The 4 bit positions of ``key`` in ``table``'s Bloom filter, from Python's own string hash
        (SipHash, salted per process) by double hashing. No secret is needed: the filter only chooses
        which misses count the table, and it never forgets a key written (no false negatives)."""
        h = hash((table, key)) & 0xFFFFFFFFFFFFFFFF
        a, b, mask = h & 0xFFFFFFFF, (h >> 32) | 1, BLOOM_BITS - 1  # BLOOM_BITS: a power of two
        return a & mask, (a + b) & mask, (a + 2 * b) & mask, (a + 3 * b) & mask

    def _add(self, table: str, *key: str) -> bool:
        bloom = self._bloom[table]
        for p in self._positions(table, key):
            bloom[p >> 3] |= 1 << (p & 7)
        return True

    def _gone(self, table: str, *key: str) -> None:
        """Called under the lock when ``key`` is not in ``table``: SpillTampered if it was written and
        deleted since. The Bloom filter answers most misses; the rest count the table."""
        bloom = self._bloom[table]
        p0, p1, p2, p3 = self._positions(table, key)
        if bloom[p0 >> 3] & (1 << (p0 & 7)) and bloom[p1 >> 3] & (1 << (p1 & 7)) and bloom[p2 >> 3] & (1 << (p2 & 7)) and bloom[p3 >> 3] & (1 << (p3 & 7)):
            if self._db.execute(self._COUNT[table]).fetchone()[0] != self._written[table]:
                raise SpillTampered(f"the history on disk was changed outside this process ({table} rows deleted, {key[0]!r} not found): refused, not decided from")

    def _counted(self, table: str, rows: Iterator[Any]) -> Iterator[Any]:
        """``rows``, a full scan of ``table``: SpillTampered at its end if it saw fewer rows than were
        written (checked only when nothing was written during the scan, when the counts must agree)."""
        writes, seen = self._writes, 0
        for row in rows:
            seen += 1
            yield row
        with self._lock:
            if self._writes == writes and seen != self._written[table]:
                raise SpillTampered(f"the history on disk was changed outside this process ({table}: {seen} rows of {self._written[table]}): refused, not decided from")

    def _seal(self, kind: str, *values: object) -> bytes:
        """The keyed BLAKE2b (128 bits) of a row: its kind and values, each length-prefixed."""
        h = hashlib.blake2b(key=self._key, digest_size=16)
        h.update(kind.encode("ascii"))
        for v in values:
            data = str(v).encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)
        return h.digest()

    def _check(self, mac: bytes, kind: str, *values: object) -> None:
        if not isinstance(mac, bytes) or not hmac.compare_digest(mac, self._seal(kind, *values)):
            raise SpillTampered(f"the history on disk was changed outside this process ({kind} row of {values[0]!r}): refused, not decided from")

    def get(self, member_id: str, default: Optional[str] = None) -> Optional[str]:
        try:
            with self._lock:
                found = self._db.execute("SELECT seq, entries, mac FROM rows WHERE member_id = ? ORDER BY seq", (member_id,)).fetchall()
                if not found:
                    self._gone("rows", member_id)
        except UnicodeEncodeError:  # a lone surrogate: no such member (adjudicate reports the id)
            return default
        for seq, (k, b, mac) in enumerate(found):
            self._check(mac, "r", member_id, k, b, seq == len(found) - 1)  # the last block sealed as the last
            if k != seq:  # a block removed or renumbered
                raise SpillTampered(f"the history on disk was changed outside this process (rows of {member_id!r}): refused, not decided from")
        return ",".join(b for _, b, _ in found) if found else default

    def append(self, member_id: str, row: str) -> int:
        """Add one entry; about how many characters the member's entries now take (as MemoryRows.append)."""
        with self._lock:
            last = self._db.execute(
                "SELECT seq, entries, mac FROM rows WHERE member_id = ? ORDER BY seq DESC LIMIT 1", (member_id,)
            ).fetchone()
            self._writes += 1
            if last is None:
                self._gone("rows", member_id)
                self._db.execute("INSERT INTO rows VALUES (?, 0, ?, ?)", (member_id, row, self._seal("r", member_id, 0, row, True)))
                self._add("rows", member_id)
                self._written["rows"] += 1
                self._written["members"] += 1
                return len(row)
            seq, entries, mac = last
            self._check(mac, "r", member_id, seq, entries, True)  # extended only from what it sealed, as the last block
            if len(entries) < BLOCK:
                entries = entries + "," + row
                self._db.execute(
                    "UPDATE rows SET entries = ?, mac = ? WHERE member_id = ? AND seq = ?", (entries, self._seal("r", member_id, seq, entries, True), member_id, seq)
                )
                return seq * BLOCK + len(entries)
            self._db.execute("UPDATE rows SET mac = ? WHERE member_id = ? AND seq = ?", (self._seal("r", member_id, seq, entries, False), member_id, seq))
            self._db.execute("INSERT INTO rows VALUES (?, ?, ?, ?)", (member_id, seq + 1, row, self._seal("r", member_id, seq + 1, row, True)))
            self._written["rows"] += 1
            return (seq + 1) * BLOCK + len(row)

    def holder(self, id_number: str) -> Optional[str]:
        try:
            with self._lock:
                found = self._db.execute("SELECT member_id, mac FROM holders WHERE id_number = ?", (id_number,)).fetchone()
                if found is None:
                    self._gone("holders", id_number)
        except UnicodeEncodeError:
            return None
        if found is None:
            return None
        self._check(found[1], "h", id_number, found[0])
        return found[0]

    def bind(self, id_number: str, member_id: str) -> None:
        mac = self._seal("h", id_number, member_id)
        with self._lock:
            self._writes += 1
            # A new binding is counted; a binding rebound keeps its place (as MemoryRows' dict does).
            if self._db.execute("INSERT OR IGNORE INTO holders VALUES (?, ?, ?)", (id_number, member_id, mac)).rowcount:
                self._add("holders", id_number)
                self._written["holders"] += 1
            else:
                self._db.execute("UPDATE holders SET member_id = ?, mac = ? WHERE id_number = ?", (member_id, mac, id_number))

    def holders(self) -> Iterator[tuple[str, str]]:
        """(id_number, member_id) in the order bound, read a page at a time."""
        for n, m, mac in self._counted("holders", self._pages("SELECT rowid, id_number, member_id, mac FROM holders WHERE rowid > ? ORDER BY rowid LIMIT 4096")):
            self._check(mac, "h", n, m)
            yield n, m

    def pended(self, member_id: str, claim_id: str) -> Optional[int]:
        """The first filing day (``date.toordinal()``) of a pended claim, or None."""
        try:
            with self._lock:
                found = self._db.execute("SELECT day, mac FROM pended WHERE member_id = ? AND claim_id = ?", (member_id, claim_id)).fetchone()
                if found is None:
                    self._gone("pended", member_id, claim_id)
        except UnicodeEncodeError:
            return None
        if found is None:
            return None
        self._check(found[1], "p", member_id, claim_id, found[0])
        return found[0]

    def pend(self, member_id: str, claim_id: str, day: int) -> None:
        mac = self._seal("p", member_id, claim_id, day)
        with self._lock:
            self._writes += 1
            if self._db.execute("INSERT OR IGNORE INTO pended VALUES (?, ?, ?, ?)", (member_id, claim_id, day, mac)).rowcount:
                self._add("pended", member_id, claim_id)
                self._written["pended"] += 1
            else:
                self._db.execute("UPDATE pended SET day = ?, mac = ? WHERE member_id = ? AND claim_id = ?", (day, mac, member_id, claim_id))

    def unpend(self, member_id: str, claim_id: str) -> None:
        with self._lock:
            self._writes += 1
            self._written["pended"] -= self._db.execute("DELETE FROM pended WHERE member_id = ? AND claim_id = ?", (member_id, claim_id)).rowcount

    def pendings(self) -> Iterator[tuple[str, str, int]]:
        """(member_id, claim_id, day) of every pended claim, in the order pended, a page at a time."""
        for m, c, d, mac in self._counted("pended", self._pages("SELECT rowid, member_id, claim_id, day, mac FROM pended WHERE rowid > ? ORDER BY rowid LIMIT 4096")):
            self._check(mac, "p", m, c, d)
            yield m, c, d

    def _pages(self, sql: str) -> Iterator[Any]:
        """The rows of ``sql`` (rowid first, then the values), a page at a time: safe while writing."""
        after = 0
        while True:
            with self._lock:
                page = self._db.execute(sql, (after,)).fetchall()
            if not page:
                return
            after = page[-1][0]
            for row in page:
                yield row[1] if len(row) == 2 else row[1:]

    def __contains__(self, member_id: object) -> bool:
        if not isinstance(member_id, str):
            return False
        try:
            with self._lock:
                if self._db.execute("SELECT 1 FROM rows WHERE member_id = ? AND seq = 0", (member_id,)).fetchone() is not None:
                    return True
                self._gone("rows", member_id)
                return False
        except UnicodeEncodeError:
            return False

    def __iter__(self) -> Iterator[str]:
        """Member ids in the order they first had an entry, read a page at a time (safe while writing)."""
        return self._counted("members", self._pages("SELECT rowid, member_id FROM rows WHERE rowid > ? AND seq = 0 ORDER BY rowid LIMIT 4096"))

    def __len__(self) -> int:
        with self._lock:
            if self._db.execute(self._COUNT["members"]).fetchone()[0] != self._written["members"]:
                raise SpillTampered("the history on disk was changed outside this process (members deleted): refused, not decided from")
            return self._written["members"]

    def close(self) -> None:
        """Close the database (SQLite deletes its file)."""
        with self._lock:
            self._db.close()
