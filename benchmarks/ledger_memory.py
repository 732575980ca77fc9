"""A ledger's memory as its history grows: in memory, and moved to disk past ``spill_after``.

    python benchmarks/ledger_memory.py [--entries 5000000] [--members 1500000] [--spill-after 1000000]

Enters ``entries`` decided claims of ``members`` members into a :class:`mutualaid.Ledger` (through
``remember``, as ``decide`` does, without deciding anything) and prints the process's resident
memory every million entries, with the time per entry. It shows that memory stops growing once
the history moves to SQLite (issue 5: peak memory under 500 MB whatever the input size), and what
a history lookup plus an entry cost on each side of the spill. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from mutualaid import HistoryEntry, Ledger  # noqa: E402
from mutualaid.model import build  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=5_000_000)
    ap.add_argument("--members", type=int, default=1_500_000)
    ap.add_argument("--spill-after", type=int, default=1_000_000)
    args = ap.parse_args()

    ledger = Ledger(spill_after=args.spill_after)
    rng = random.Random(2022)
    day = dt.date(2022, 3, 1)
    print(f"start: {rss_mb():.0f} MB")
    t0 = time.process_time()
    peak = 0.0
    for n in range(1, args.entries + 1):
        member = f"M-{rng.randrange(args.members):08d}"
        ledger.history(member)  # what deciding the member's next claim reads
        entry = build(
            HistoryEntry,
            claim_id=f"C-{n:09d}",
            accident_id=f"A-{n:09d}",
            accident_occurred_on=day,
            counted_out_of_pocket=Decimal("3200.00"),
            paid=Decimal("2000.00"),
            filed_on=day,  # a ledger's entries carry the first filing (contract revision 3)
        )
        ledger.remember(member, entry)
        if n % 1_000_000 == 0 or n == args.entries:
            now = rss_mb()
            peak = max(peak, now)
            cpu = time.process_time() - t0
            print(
                f"{n:>10,} entries: {now:6.0f} MB resident, {'on disk' if ledger.spilled else 'in memory'}; "
                f"{cpu / 1_000_000 * 1e6 if n % 1_000_000 == 0 else 0:5.1f} µs an entry (history + remember) over the last million"
            )
            t0 = time.process_time()
    print(f"peak sampled: {peak:.0f} MB")


if __name__ == "__main__":
    main()
