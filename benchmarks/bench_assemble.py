"""The assembly step alone (order the reasons, explain them, build the decision), with a profile.

    python benchmarks/bench_assemble.py [--claims 2000]

The realistic mix of ``bench_yardstick.py`` is validated and matched beforehand (untimed); the loop
times only :func:`mutualaid.decide.assemble`, prints its CPU µs a claim, then cProfile's top entries.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

from bench_yardstick import claim  # noqa: E402

from mutualaid.decide import assemble  # noqa: E402
from mutualaid.engine import engine_for  # noqa: E402
from mutualaid.rules import rules_for  # noqa: E402
from mutualaid.validate import parse  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(14)
    prepared = []
    for n in range(args.claims):
        model, entries, edition = parse(*claim(rng, n))
        eng = engine_for("native", rules_for(edition), edition)
        prepared.append((model.claim_id, edition, eng.match(model, entries), eng))

    def run() -> None:
        for claim_id, edition, matched, eng in prepared:
            assemble(claim_id, edition, matched, eng, None)

    run()  # warm-up: the explanations' caches
    t0 = time.process_time()
    run()
    print(f"assemble: {(time.process_time() - t0) / len(prepared) * 1e6:.1f} µs a claim ({len(prepared):,} claims)")
    profile = cProfile.Profile()
    profile.runcall(run)
    pstats.Stats(profile).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
