"""Instructions per fresh claim, stage by stage, counted by valgrind (repeatable, unlike the clock).

    python benchmarks/instructions.py [--claims 600] [validate parse derive assemble run run-nogc]

Each stage runs twice under ``valgrind --tool=callgrind``: once only generating the claims, once
also running the stage on each of them; the difference divided by the number of claims is what one
fresh claim costs up to and including that stage. Needs valgrind (Debian package ``valgrind``).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def stage(name: str, claims: int) -> None:
    """Run in the child process under valgrind."""
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    from bench_adjudicate import claim

    from mutualaid import RULES, adjudicate
    from mutualaid.decide import assemble, derive
    from mutualaid.engine import engine_for
    from mutualaid.model import Claim
    from mutualaid.validate import parse

    rng = random.Random(2022)
    for n in range(300):  # warm-up
        adjudicate(*claim(rng, -n - 1)).model_dump(mode="json")
    chunk = [claim(rng, n) for n in range(claims)]
    if name == "validate":
        for c, _ in chunk:
            Claim.model_validate(c)
    elif name == "parse":
        for c, h in chunk:
            parse(c, h)
    elif name == "derive":
        for c, h in chunk:
            derive(*parse(c, h))
    elif name == "assemble":
        for c, h in chunk:
            m, e, ed = parse(c, h)
            assemble(m.claim_id, ed, derive(m, e, ed), engine_for("native", RULES, ed))
    elif name in ("run", "run-nogc"):
        if name == "run-nogc":
            import gc

            gc.disable()
        for c, h in chunk:
            adjudicate(c, h).model_dump(mode="json")


def count(name: str, claims: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--child", name, str(claims)],
        capture_output=True, text=True, env=env, check=True,
    ).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        stage(sys.argv[2], int(sys.argv[3]))
        return
    args = sys.argv[1:]
    claims = 600
    if args[:1] == ["--claims"]:
        claims, args = int(args[1]), args[2:]
    base = count("generate", claims)
    for name in args or ["validate", "parse", "derive", "assemble", "run"]:
        print(f"{name:>9}: {(count(name, claims) - base) // claims:,} instructions per fresh claim (cumulative)")


if __name__ == "__main__":
    main()
