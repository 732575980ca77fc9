"""What a decision costs against its floor (issue 23), side by side in one process.

    python benchmarks/bench_cost.py [--claims 1000] [--rounds 7]

Three ratios, each measured in alternating rounds in one process on the same claims, reported twice:
from the median round of each job, and from its best (fastest) round, as issue 23's own table was
measured ("the best of 7 rounds"). The best round is the one least disturbed by whatever else runs
on the machine; absolute times on the shared machine vary 2-3x between runs, ratios far less:

1. **a decision against its floor.** The decision is ``adjudicate(claim, history).model_dump(mode="json")``
   with the record, on ``bench_yardstick.py``'s realistic mix (two treatments, about five items, four
   reasons and 0.8 history entries a claim). The floor is pydantic validating the same claims and
   histories alone, two ways (``floor.py``): into models of the contract's shape with every leaf a
   plain ``str``/``int`` ("shape only"), and into the contract's own models (``mutualaid.model``:
   dates, exact amounts, codes, check digits; "contract types"). Target: decision ≤ 2.5× the floor.
2. **a history entry against validating one ``HistoryEntry``.** The slope of the decision's cost over
   claims with 0 and 200 history entries, against the slope of validating those histories alone
   into ``tuple[HistoryEntry, ...]``. Target ≤ 2×.
3. **the record's share of a decision**: ``record_of`` (the canonical input and its sha256) timed
   alone on the validated mix, over the decision's time. Target ≤ 10%.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

from pydantic import TypeAdapter  # noqa: E402

from bench_yardstick import claim  # noqa: E402
from floor import ShapeClaim, ShapeEntry  # noqa: E402
from mutualaid import adjudicate  # noqa: E402
from mutualaid.decide import record_of  # noqa: E402
from mutualaid.model import Claim, HistoryEntry  # noqa: E402
from mutualaid.validate import parse  # noqa: E402

shape_history = TypeAdapter(tuple[ShapeEntry, ...])
contract_history = TypeAdapter(tuple[HistoryEntry, ...])


def decide(batch) -> None:
    for c, h in batch:
        adjudicate(c, h).model_dump(mode="json")


def floor_shape(batch) -> None:
    for c, h in batch:
        ShapeClaim.model_validate(c), shape_history.validate_python(h)


def floor_contract(batch) -> None:
    for c, h in batch:
        Claim.model_validate(c), contract_history.validate_python(h)


def history_alone(batch) -> None:
    for _, h in batch:
        contract_history.validate_python(h)


def record(parsed) -> None:
    for model, entries, edition in parsed:
        record_of(model, entries, edition)


def rounds(jobs: dict, n_rounds: int) -> dict:
    """µs per claim of each job (a function and its batch) in each of the alternating rounds, gc off."""
    times: dict = {k: [] for k in jobs}
    for _ in range(n_rounds):
        for k, (fn, batch) in jobs.items():
            gc.collect()
            gc.disable()
            t0 = time.process_time()
            fn(batch)
            times[k].append((time.process_time() - t0) / len(batch) * 1e6)
            gc.enable()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--entries", type=int, default=200, help="history entries of the long-history claims")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(args.seed)
    mix = [claim(rng, n) for n in range(args.claims)]
    k = args.entries
    few = max(20, args.claims // 20)
    short = [claim(rng, 20_000 + n, entries=0) for n in range(few)]
    long = [claim(rng, 30_000 + n, entries=k) for n in range(few)]
    parsed = [parse(c, h) for c, h in mix]
    decide(mix[:200]), floor_shape(mix[:200]), floor_contract(mix[:200]), decide(long[:5])  # warm-up

    times = rounds(
        {
            "decision": (decide, mix),
            "floor, shape only": (floor_shape, mix),
            "floor, contract types": (floor_contract, mix),
            "record": (record, parsed),
            "decision, 0 entries": (decide, short),
            f"decision, {k} entries": (decide, long),
            f"{k} entries alone": (history_alone, long),
        },
        args.rounds,
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    entries = sum(len(h) for _, h in mix) / len(mix)
    print(f"{len(mix):,} claims of the realistic mix ({entries:.2f} history entries a claim), {args.rounds} rounds, load average {load:.2f}")
    for name, pick in (("median round", statistics.median), ("best round", min)):
        report(name, {label: pick(v) for label, v in times.items()}, k)


def report(name: str, r: dict, k: int) -> None:
    """The three ratios from one estimate of each job's cost (µs a claim)."""
    print(f"{name}:")
    d = r["decision"]
    for label in ("decision", "floor, shape only", "floor, contract types", "record"):
        print(f"  {label:<28} {r[label]:7.1f} µs a claim")
    print(f"  1. decision / floor: {d / r['floor, shape only']:.2f}x shape only, {d / r['floor, contract types']:.2f}x contract types (target ≤ 2.5)")
    per_entry = (r[f"decision, {k} entries"] - r["decision, 0 entries"]) / k
    alone = r[f"{k} entries alone"] / k
    print(f"  2. a history entry: {per_entry:.2f} µs in a decision, {alone:.2f} µs validating a HistoryEntry alone: {per_entry / alone:.2f}x (target ≤ 2)")
    print(f"  3. the record: {r['record']:.1f} of {d:.1f} µs, {r['record'] / d:.1%} of a decision (target ≤ 10%)")


if __name__ == "__main__":
    main()
