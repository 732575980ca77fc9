"""What a batch line costs against a decision, side by side in one process (issue 14: at most 1.3×).

    python benchmarks/bench_batch_line.py [--claims 4000] [--members 1200] [--rounds 7]

The stream is the scale benchmark's (``benchmarks/bench_batch.py``: top-ups, the cap, pending claims
filed again, a few bad lines), as JSON lines. Two ways of deciding it are timed in alternating
rounds, and the median round is reported, in CPU µs a claim:

- **decision**: ``adjudicate(claim, history).model_dump(mode="json")`` for each claim, with the
  member's history that the ledger held before it (collected beforehand, untimed), from the claim
  already parsed into a dict: what a backend that keeps its own history does;
- **batch line**: what ``mutualaid batch`` does for each line in its one process, from the raw
  bytes: read and validate the line, look up the member's history in a fresh :class:`Ledger`,
  decide, write the decision's JSON, remember the entry, and write the ledger's journal lines with
  their checksums (``batch._Decider`` with ``journal=True``, as ``--ledger`` runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

from bench_batch import stream  # noqa: E402

from mutualaid import InvalidClaim, Ledger, adjudicate  # noqa: E402
from mutualaid.batch import _Decider  # noqa: E402


def prepare(claims: int, members: int):
    """The lines, and for each good claim its dict and the history the ledger gave it."""
    raw = [json.dumps(c, ensure_ascii=False).encode() for c in stream(claims, members)]
    ledger = Ledger()
    pairs = []
    for line in raw:
        claim = json.loads(line)
        try:
            history = ledger.history(claim["member"]["member_id"])
            ledger.decide(claim)
        except (InvalidClaim, KeyError, TypeError):
            continue
        pairs.append((claim, [h.model_dump(mode="json") for h in history]))
    return raw, pairs


def decisions(pairs) -> None:
    for claim, history in pairs:
        adjudicate(claim, history).model_dump(mode="json")


def batch_lines(raw) -> None:
    _Decider(Ledger(), journal=True)([(n, line) for n, line in enumerate(raw, 1)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=4000)
    ap.add_argument("--members", type=int, default=1200)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    raw, pairs = prepare(args.claims, args.members)
    decisions(pairs[:300]), batch_lines(raw[:300])  # warm-up
    times: dict = {"decision": [], "batch line": []}
    for _ in range(args.rounds):
        t0 = time.process_time()
        decisions(pairs)
        t1 = time.process_time()
        batch_lines(raw)
        t2 = time.process_time()
        times["decision"].append((t1 - t0) / len(pairs) * 1e6)
        times["batch line"].append((t2 - t1) / len(raw) * 1e6)
    d, b = statistics.median(times["decision"]), statistics.median(times["batch line"])
    entries = sum(len(h) for _, h in pairs) / len(pairs)
    print(f"stream: {len(raw):,} lines ({len(pairs):,} good claims, {entries:.1f} history entries a claim on average)")
    print(f"decision   {d:7.1f} µs a claim")
    print(f"batch line {b:7.1f} µs a line   batch line / decision {b / d:.2f}x (target ≤ 1.3)")


if __name__ == "__main__":
    main()
