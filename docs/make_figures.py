"""Draw the figures of docs/analysis.md from the code that page shows: ``python docs/make_figures.py [OUT_DIR] [--sweep-claims N]``.

``img/whatif.png``: ``whatif.compare`` of 2,000 generated claims (the scale benchmark's generator, fixed
seed) under the 2022 edition, the cap/filing what-if (``examples/editions/what-if-cap8000-filing2y.yaml``)
and a richer top tier, drawn by ``Comparison.plot()``.

``img/sweep.png``: ``whatif.sweep`` of N claims (by default a million: ``benchmarks/bench_vector.py``'s
Parquet file, written first when it is not in /tmp) under 27 editions, the cap from 6,000 to 14,000
yuan in steps of 1,000 with the 2022 tier table and with its edges moved 20 % down and up; drawn by
:func:`sweep_figure` as the page shows it. Needs ``mutualaid[polars]``.

Run from anywhere; OUT_DIR defaults to ``docs/img``. ``tests/test_analysis_docs.py`` runs it (with a
small N).
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


def draw_sweep(table, claims: int):
    """The cost curve and the members affected, by cap, one line a tier table (``table``: ``whatif.sweep``'s)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from bench_vector import CAPS, TIER_TABLES, edition_id

    rows = {label: row for label, row in zip(table["edition"], table.itertuples())}
    base = next(table.itertuples())
    fig, (cost, moved) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    for k, name in enumerate(TIER_TABLES):
        found = [(cap, rows.get(edition_id(name, cap), base)) for cap in CAPS]  # the 2022 edition is the baseline
        caps = [cap for cap, row in found]
        paid = [float(row.paid) / 1e6 for _, row in found]  # float only to draw: million yuan
        cost.plot(caps, paid, marker="o", color=f"C{k}", label=name)
        more = [row.members_paid_more for _, row in found]
        less = [-row.members_paid_less for _, row in found]
        moved.plot(caps, more, marker="o", color=f"C{k}")
        moved.plot(caps, less, marker="o", color=f"C{k}", linestyle="--")
    cost.plot([10000], [float(base.paid) / 1e6], marker="*", markersize=14, color="black", linestyle="none", label="the 2022 edition")
    cost.set(title=f"Total paid over {claims:,} claims, by cap", xlabel="cap per member (yuan)", ylabel="total paid (million yuan)")
    cost.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.1f}"))
    moved.axhline(0, color="black", linewidth=0.8)
    moved.set(title="Members paid more (solid) or less (dashed) than under 2022", xlabel="cap per member (yuan)", ylabel="members")
    moved.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    for ax in (cost, moved):
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xticks(CAPS)
        ax.grid(alpha=0.3)
    # One legend for both panels, outside them (a legend inside covered a point, as in issue 16).
    fig.legend(*cost.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=8)
    return fig


def sweep_figure(out: Path, claims: int) -> Path:
    from bench_vector import sweep_editions, write

    source = Path(f"/tmp/mutualaid-claims-{claims}-{max(1, claims * 3 // 10)}.parquet")
    if not source.exists():
        write(source, claims, max(1, claims * 3 // 10))
    table = whatif.sweep(str(source), *sweep_editions())
    fig = draw_sweep(table, claims)
    path = out / "sweep.png"
    fig.savefig(path, dpi=90, metadata={"Software": None})
    return path


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--sweep-claims")]
    claims = next((int(a.split("=", 1)[1]) for a in argv[1:] if a.startswith("--sweep-claims=")), 1_000_000)
    out = Path(args[0]) if args else ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    print(whatif_figure(out))
    print(sweep_figure(out, claims))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
