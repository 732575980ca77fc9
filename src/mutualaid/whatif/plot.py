"""A comparison drawn with matplotlib (:meth:`Comparison.plot <mutualaid.whatif.Comparison.plot>`): the
payout distribution under each edition, and the change in total paid by clause.

What the library's plots share (a font with Chinese for the editions' labels, clause keys in a
reader's words) is :mod:`mutualaid.plotting`. Needs matplotlib (``pip install
'mutualaid[notebook]'``), imported when a comparison is drawn.
"""

from __future__ import annotations

from typing import Any

from ..plotting import clause_text, shown, style
from .totals import Totals, money

__all__ = ["draw", "yuan_label"]


def draw(labels: tuple, totals: Totals, axes: Any = None, share: float = 0.01) -> Any:
    """The ``totals`` of the editions ``labels`` drawn, as :meth:`Comparison.plot <mutualaid.whatif.Comparison.plot>`
    describes; returns the Figure."""
    try:
        from matplotlib.ticker import FuncFormatter  # the notebook extra (matplotlib)
    except ImportError as exc:
        raise ImportError("Comparison.plot needs matplotlib: pip install 'mutualaid[notebook]'") from exc

    with style():  # a font with Chinese for the editions' labels, when one is installed
        return _draw(labels, totals, axes, share, FuncFormatter)


def _draw(labels: tuple, totals: Totals, axes: Any, share: float, FuncFormatter: Any) -> Any:  # noqa: N803 - the class, imported by draw()
    if axes is None:
        import matplotlib.pyplot as plt  # the notebook extra (matplotlib)

        fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    left, right = axes
    fig = left.figure
    n = len(labels)
    width = 0.8 / n
    colours = [f"C{k}" for k in range(n)]

    # the payout distribution: paid claims only (a zero payout is a denial or a pending claim)
    paid = [{f: c for f, c in p.items() if f > 0} for p in totals.payouts]
    sums = [sum(p.values()) or 1 for p in paid]
    amounts = sorted({f for p, s in zip(paid, sums) for f, c in p.items() if c >= share * s})
    other = [sum(c for f, c in p.items() if f not in amounts) for p in paid]
    names = [yuan_label(f) for f in amounts] + (["other"] if any(other) else [])
    for k, label in enumerate(labels):
        heights = [paid[k].get(f, 0) for f in amounts] + ([other[k]] if any(other) else [])
        left.bar([i + (k - (n - 1) / 2) * width for i in range(len(names))], heights, width, color=colours[k], label=shown(label))
    left.set_xticks(range(len(names)), names, rotation=60, fontsize=8)
    left.set(title="Paid claims by payout", xlabel="payout (yuan)", ylabel="claims")
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))

    # the cost change by clause, against the baseline
    clauses = sorted({c for cost in totals.cost_by_clause for c in cost})
    m = max(n - 1, 1)
    h = 0.8 / m
    for k in range(1, n):
        cost = totals.cost_by_clause[k - 1]
        ys = [i + (k - 1 - (m - 1) / 2) * h for i in range(len(clauses))]
        bars = right.barh(ys, [float(money(cost.get(c, 0))) for c in clauses], h, color=colours[k])  # float only to draw
        right.bar_label(bars, [f"{money(cost[c]):+,.0f}" if c in cost else "" for c in clauses], fontsize=7, padding=2)
    right.set_yticks(range(len(clauses)), [clause_text(c) for c in clauses], fontsize=8)
    right.axvline(0, color="black", linewidth=0.8)
    right.margins(x=0.2)  # room for the labels at the bars' ends
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}" if v else "0"))
    right.tick_params(axis="x", rotation=30)
    right.set(title=shown(f"Change in total paid against {labels[0]}, by clause"), xlabel="yuan")
    # One legend for both panels, outside them: a legend inside covered a bar (issue 16).
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=n, fontsize=8)
    return fig


def yuan_label(amount_fen: int) -> str:
    """An amount as a tick label: whole yuan without places, else with two."""
    amount = money(amount_fen)
    return f"{amount:,.0f}" if amount_fen % 100 == 0 else f"{amount:,.2f}"
