"""Draw the figures of docs/analysis.md from the code that page shows: ``python docs/make_figures.py [OUT_DIR]``.

``img/whatif.png``: ``whatif.compare`` of 2,000 generated claims (the scale benchmark's generator, fixed
seed) under the 2022 edition, the cap/filing what-if (``examples/editions/what-if-cap8000-filing2y.yaml``)
and a richer top tier, drawn by ``Comparison.plot()``. Run from anywhere; OUT_DIR defaults to
``docs/img``. ``tests/test_analysis_docs.py`` runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from bench_batch import stream  # noqa: E402

from mutualaid import editions, whatif  # noqa: E402


def whatif_figure(out: Path) -> Path:
    claims = list(stream(2000, 600, 2022))
    base = editions.get("gd-nef-2022")
    tiers = [t.model_dump() for t in base.tiers]
    richer = base.replace(id="top-tier-8000", tiers=[*tiers[:-1], {"over": "10000.00", "pays": "8000.00"}])
    comparison = whatif.compare(claims, base, ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml", richer)
    fig = comparison.plot()
    path = out / "whatif.png"
    fig.savefig(path, dpi=90, metadata={"Software": None})  # no version stamp: the image changes only with the data
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    print(whatif_figure(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
