"""How long ``import mutualaid`` takes, and what the first decision then loads (issue 15, point 5).

    python benchmarks/import_time.py [--runs 20]

Each figure is the median wall-clock time of ``--runs`` fresh interpreters (``python -c ...``),
started one after another, so it holds the interpreter's own start-up; ``python -c pass`` is that
start-up alone, and the differences are what mutualaid adds:

- ``import mutualaid``: the package, which loads its parts on first use (pydantic, the models,
  the ICD-10 table, the holiday calendar, rich only when the command line draws);
- ``import mutualaid; adjudicate(claim)``: everything the first decision loads.

For where the time of one import goes, module by module: ``python -X importtime -c "import mutualaid"``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from claimdata import base_claim  # noqa: E402


def median_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    claim = json.dumps(base_claim(), ensure_ascii=False)
    rows = [
        ("python -c pass", "pass"),
        ("import mutualaid", "import mutualaid"),
        ("import mutualaid; adjudicate(claim)", f"import json, mutualaid; mutualaid.adjudicate(json.loads({claim!r}))"),
    ]
    base = None
    print(f"median of {args.runs} runs, Python {sys.version.split()[0]}")
    for label, code in rows:
        ms = median_ms(code, args.runs)
        extra = "" if base is None else f"  (+{ms - base:.0f} ms)"
        base = ms if base is None else base
        print(f"{label:<40} {ms:7.1f} ms{extra}")


if __name__ == "__main__":
    main()
