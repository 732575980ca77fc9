"""What it costs to refuse deleted rows of the spill file: DiskRows now against DiskRows before.

    python benchmarks/bench_spill.py [--members 100000] [--entries 300000] [--baseline 6c36d5f]

Issue 22, finding 5: besides each row's seal, :class:`mutualaid.spill.DiskRows` keeps a Bloom filter
of each table's keys and counts what it wrote, so that a row deleted from the file is refused. This
enters ``entries`` claims of ``members`` members into each (a ``get`` then an ``append``, as
``Ledger.remember`` does; a member's first entry is a miss), with a binding and a pended claim
looked up per entry, in alternate rounds in one process, and prints the time per entry of each, their
ratio, and the memory the filters take. The baseline is ``src/mutualaid/spill.py`` at the git
revision ``--baseline`` (the one before the change), loaded beside the current module.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "src"))

import mutualaid  # noqa: E402
from mutualaid import spill  # noqa: E402


def baseline(revision: str):
    """spill.py at ``revision``, as a module of the mutualaid package (its relative imports work)."""
    source = subprocess.run(["git", "-C", ROOT, "show", f"{revision}:src/mutualaid/spill.py"], check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("mutualaid._spill_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "mutualaid"
    exec(compile(source, f"{revision}:spill.py", "exec"), module.__dict__)
    return module


def workload(members: int, entries: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"M-{rng.randrange(members):07d}" for _ in range(entries)]


def run(module, ids: list[str]) -> float:
    """Seconds per entry: get, append, a holder and a pended lookup (most of them misses)."""
    rows = module.DiskRows()
    row = "C-0000001,A-0000001,2022-03-01,2022-03-01,320000,200000"
    t = time.perf_counter()
    for n, member_id in enumerate(ids):
        rows.get(member_id)
        rows.append(member_id, row)
        if rows.holder(member_id) is None:
            rows.bind(member_id, member_id)
        rows.pended(member_id, f"C-{n}")
    elapsed = time.perf_counter() - t
    rows.close()
    return elapsed / len(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=300_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", default="6c36d5f")
    args = ap.parse_args()
    before = baseline(args.baseline)
    ids = workload(args.members, args.entries)
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        times["before"].append(run(before, ids))
        times["after"].append(run(spill, ids))
    b, a = min(times["before"]), min(times["after"])
    probe = spill.DiskRows()
    filters = sum(len(f) for f in probe._bloom.values())
    probe.close()
    print(f"mutualaid {mutualaid.__version__}: {args.entries:,} entries of {args.members:,} members, best of {args.rounds}")
    print(f"  before ({args.baseline}): {b * 1e6:7.1f} µs an entry")
    print(f"  after  (deleted rows refused): {a * 1e6:7.1f} µs an entry  ratio after/before {a / b:.2f}")
    print(f"  memory added: {filters / 2**20:.0f} MiB of Bloom filters (3 tables), whatever the input's size")


if __name__ == "__main__":
    main()
