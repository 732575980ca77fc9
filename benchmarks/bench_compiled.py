"""The compiled pass against the generic one, side by side in one process (issue 14, point 3).

    python benchmarks/bench_compiled.py [--claims 2000] [--rounds 9]

Both turn the same validated claims into what the assembly step needs (facts, what fired, the
assessment): the generic pass derives every fact as a dict, fires the native engine's rules on
them and assesses (:func:`mutualaid.decide.match`); the compiled pass does it in one generated
function that builds a fact only where a rule bites (:mod:`mutualaid.compiled`). It prints the
median µs a claim of each over alternating rounds, their ratio, and the same at 1, 5, 20 and 50
items a claim. It first checks that both passes give the same decisions.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

from bench_yardstick import claim  # noqa: E402

from mutualaid.decide import assemble, match  # noqa: E402
from mutualaid.engine import engine_for  # noqa: E402
from mutualaid.rules import rules_for  # noqa: E402
from mutualaid.validate import parse  # noqa: E402


def prepare(pairs):
    out = []
    for c, h in pairs:
        model, entries, edition = parse(c, h)
        out.append((model, entries, edition, engine_for("native", rules_for(edition), edition)))
    return out


def generic(batch) -> None:
    for model, entries, edition, eng in batch:
        match(model, entries, edition, eng)


def compiled(batch) -> None:
    for model, entries, _, eng in batch:
        eng.match(model, entries)


def timed(batch, fns: dict, n_rounds: int) -> dict:
    times: dict = {name: [] for name in fns}
    for _ in range(n_rounds):
        for name, fn in fns.items():
            t0 = time.process_time()
            fn(batch)
            times[name].append((time.process_time() - t0) / len(batch) * 1e6)
    return {name: statistics.median(v) for name, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(args.seed)
    mix = prepare([claim(rng, n) for n in range(args.claims)])
    same = sum(
        assemble(m.claim_id, e, match(m, h, e, eng), eng) == assemble(m.claim_id, e, eng.match(m, h), eng) for m, h, e, eng in mix
    )
    print(f"check: {same} of {len(mix)} decisions alike from both passes")
    fns = {"generic": generic, "compiled": compiled}
    generic(mix[:200]), compiled(mix[:200])
    r = timed(mix, fns, args.rounds)
    print(f"realistic mix ({len(mix):,} claims): generic {r['generic']:.1f} µs a claim, compiled {r['compiled']:.1f} µs; compiled/generic {r['compiled'] / r['generic']:.2f}")
    for k in (1, 5, 20, 50):
        batch = prepare([claim(rng, 10_000 + n, treatments=1, items=k) for n in range(200)])
        r = timed(batch, fns, args.rounds)
        print(f"{k:>3} items a claim: generic {r['generic']:6.1f} µs, compiled {r['compiled']:6.1f} µs; compiled/generic {r['compiled'] / r['generic']:.2f}")


if __name__ == "__main__":
    main()
