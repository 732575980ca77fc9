"""Decisions a second through the SQL stores, against the memory Ledger, side by side in one run (issue 22).

    python benchmarks/bench_store.py                 # 3,000 claims of 1,000 members, best of 3 rounds
    python benchmarks/bench_store.py --claims 600 --rounds 1 --no-postgres   # a short look

Each side decides the same stream (``benchmarks/bench_batch.py``'s generator: top-ups, the cap,
pending claims filed again, a few bad lines) in order, in this process, through:

- ``memory``: :class:`mutualaid.Ledger` (the baseline);
- ``sqlite batch``: a :class:`~mutualaid.ledger.sql.SqlLedger` on a fresh SQLite file, decisions
  grouped 256 to a commit as ``mutualaid batch --db`` groups them (``SqlLedger.grouped``);
- ``sqlite one``: the same, one commit (one fsync of the WAL) a decision, as the service commits;
- ``sqlite one, no fsync``: as ``sqlite one`` with ``PRAGMA synchronous=OFF``: the difference is
  what the fsyncs cost;
- ``postgres one``: a PostgreSQL cluster started for the run (``tests/pgcluster.py``, the
  machine's binaries, PostgreSQL's default settings: fsync on), one transaction a decision under
  the member's advisory lock;
- ``postgres one, no sync commit``: as above with ``synchronous_commit=off``: what waiting for
  the WAL flush costs;
- ``postgres, no locks``: as ``postgres one`` with the advisory locks left out (measured only,
  never a mode of the library): what the locks cost.

Printed: decisions a second of each side, its ratio to the memory Ledger, and the share of a
decision that ``adjudicate`` itself takes (the rest is the store). Figures in docs/backends.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_batch import stream  # noqa: E402

from mutualaid.errors import InvalidClaim  # noqa: E402
from mutualaid.ledger import Ledger  # noqa: E402


def _decide_all(ledger, lines: list[bytes], group: int = 0) -> float:
    """Seconds to decide every line (as batch reads it: the claim's JSON) through ``ledger``."""
    from mutualaid.model import Claim

    read = Claim.__pydantic_validator__.validate_json
    start = time.perf_counter()
    for at in range(0, len(lines), group or len(lines)):
        chunk = lines[at : at + group] if group else lines
        with ledger.grouped() if group else contextlib.nullcontext():
            for raw in chunk:
                try:
                    ledger.decide_answer(read(raw))
                except InvalidClaim:
                    pass
                except ValueError:
                    pass
    return time.perf_counter() - start


def _adjudicate_share(lines: list[bytes]) -> float:
    """Seconds the memory Ledger spends in adjudicate alone (its own bookkeeping is the rest)."""
    from mutualaid.ledger import core

    spent = [0.0]
    real = core.adjudicate

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    core.adjudicate = timed
    try:
        _decide_all(Ledger(), lines)
    finally:
        core.adjudicate = real
    return spent[0]


@contextlib.contextmanager
def _sqlite(folder: str, name: str, synchronous: str = "FULL") -> Iterator[object]:
    from sqlalchemy import event

    from mutualaid.ledger.sql import SqlLedger, SqlStore

    store = SqlStore(f"sqlite:///{folder}/{name}-{time.monotonic_ns()}.db")
    if synchronous != "FULL":

        @event.listens_for(store.engine, "connect")
        def _sync(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

        store.engine.dispose()  # new connections take the setting
    ledger = SqlLedger(store)
    try:
        yield ledger
    finally:
        ledger.close()


@contextlib.contextmanager
def _postgres(cluster, sync_commit: bool = True, locks: bool = True) -> Iterator[object]:
    from mutualaid.ledger.sql import SqlLedger, SqlStore

    url = cluster.database("bench")
    if not sync_commit:
        url += "?options=-csynchronous_commit%3Doff"
    store = SqlStore(url)
    if not locks:  # the transaction takes no advisory lock: measured, never used
        locking = store.transaction
        store.transaction = lambda *keys: locking()  # type: ignore[method-assign]
    ledger = SqlLedger(store)
    try:
        yield ledger
    finally:
        ledger.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--claims", type=int, default=3000)
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args()
    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for c in stream(args.claims, args.members, 2022)]
    folder = tempfile.mkdtemp(prefix="bench-store-")
    cluster = None
    if not args.no_postgres:
        import pgcluster

        cluster = pgcluster.start(fast=False)  # PostgreSQL's defaults: fsync and synchronous commit on
    sides: dict[str, Callable[[], float]] = {
        "memory": lambda: _decide_all(Ledger(), lines),
    }

    def with_store(make, group: int = 0) -> Callable[[], float]:
        def side() -> float:
            with make() as ledger:
                return _decide_all(ledger, lines, group)

        return side

    sides["sqlite batch (256 a commit)"] = with_store(lambda: _sqlite(folder, "batch"), 256)
    sides["sqlite one (a commit a decision)"] = with_store(lambda: _sqlite(folder, "one"))
    sides["sqlite one, no fsync"] = with_store(lambda: _sqlite(folder, "nosync", "OFF"))
    if cluster is not None:
        sides["postgres one"] = with_store(lambda: _postgres(cluster))
        sides["postgres one, no sync commit"] = with_store(lambda: _postgres(cluster, sync_commit=False))
        sides["postgres, no locks"] = with_store(lambda: _postgres(cluster, locks=False))
    try:
        best = {name: min(side() for _ in range(args.rounds)) for name, side in sides.items()}
        adjudicating = _adjudicate_share(lines)
    finally:
        if cluster is not None:
            cluster.stop()
    n = len(lines)
    base = best["memory"]
    print(f"{n:,} claims of {args.members:,} members, best of {args.rounds} round(s), one process (CPU {os.cpu_count()})")
    print(f"{'side':34} {'decisions/s':>12} {'µs/decision':>12} {'× memory':>9}")
    for name, seconds in best.items():
        print(f"{name:34} {n / seconds:12,.0f} {seconds / n * 1e6:12,.0f} {base / seconds:9.2f}")
    print(f"adjudicate itself: {adjudicating / n * 1e6:,.0f} µs a decision ({adjudicating / base:.0%} of the memory Ledger's time)")


if __name__ == "__main__":
    main()
