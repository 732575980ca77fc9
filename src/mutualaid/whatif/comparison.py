"""The comparison as data: :class:`Comparison` (what moved, by how much, and why) and its :class:`Change` rows.

A :class:`Comparison` is filled a :class:`~.rows.Compared` row at a time (:meth:`Comparison.add`),
by the per-claim comparer or by the polars engine (:class:`mutualaid.vector.compare.PolarsComparison`
sums its totals over columns). It reads its :class:`~.totals.Totals` as yuan, by edition label;
:meth:`Comparison.to_frame` is :func:`.tables.comparison_frame` and :meth:`Comparison.plot` is
:func:`.plot.draw`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple, Optional

from ..edition import Edition
from . import plot, tables
from .rows import Compared
from .totals import Totals, money

__all__ = ["Change", "Comparison"]


class Change(NamedTuple):
    """One claim that an edition decided otherwise than the first (baseline) edition."""

    line: int
    """Its place in the claims given, from 1 (a JSON-lines file's line number)."""
    claim_id: Optional[str]
    edition: str
    """The label of the edition that moved it (its id; see :attr:`Comparison.labels`)."""
    before: tuple[str, Decimal]
    """(outcome, payout) under the baseline; outcome ``error`` for bad input."""
    after: tuple[str, Decimal]
    """(outcome, payout) under ``edition``."""
    payout_change: Decimal
    causes: tuple
    """((clause, rule, under), …): the rules that bit under one edition only (``under`` names it by
    label), or the arithmetic that moved the amount (``under`` empty): ``art5.2 tier``,
    ``art5.3 cap``, ``art5.2 top-up``; ``input`` when the claim is bad input under one edition only."""


class Comparison:
    """The same claims decided under several editions: what moved, by how much, and why.

    Money is ``Decimal`` (yuan) or integer fen, never float. The first edition is the baseline:
    changes and costs are each other edition's against it.

    - :attr:`labels`: each edition's label, its id (``#2``… appended when two share an id);
    - :attr:`paid`, :attr:`outcomes`, :attr:`distribution`: totals under each edition, by label;
    - :attr:`changes`: one :class:`Change` per (claim, edition) that moved, with its causing clauses;
    - :attr:`cost_by_clause`: per edition, the change in the total paid, by the clauses that caused it;
      a label sums exactly to that edition's total change;
    - :meth:`to_frame` and :meth:`plot`.
    """

    def __init__(self, editions: tuple, *, keep: bool = True) -> None:
        self.editions: tuple[Edition, ...] = editions
        ids = [e.id for e in editions]
        self.labels: tuple[str, ...] = tuple(i if ids.count(i) == 1 else f"{i}#{k + 1}" for k, i in enumerate(ids))
        self.totals = Totals(len(editions))
        self.rows: list[Compared] = []
        """Every claim compared, in order (kept only when ``keep``)."""
        self._keep = keep

    def add(self, c: Compared) -> None:
        self.totals.add(c)
        if self._keep:
            self.rows.append(c)

    @property
    def claims(self) -> int:
        return self.totals.claims

    @property
    def paid(self) -> dict[str, Decimal]:
        """The total paid under each edition, in yuan."""
        return {label: money(f) for label, f in zip(self.labels, self.totals.paid)}

    @property
    def paid_change(self) -> dict[str, Decimal]:
        """Each edition's total paid less the baseline's."""
        base = self.totals.paid[0]
        return {label: money(f - base) for label, f in zip(self.labels, self.totals.paid)}

    @property
    def outcomes(self) -> dict[str, dict[str, int]]:
        """Claims per outcome (``approved``, ``denied``, ``pending``, ``error``) under each edition."""
        names = ("approved", "denied", "pending", "error")
        return {label: {n: o.get(n, 0) for n in names} for label, o in zip(self.labels, self.totals.outcomes)}

    @property
    def distribution(self) -> dict[str, dict[Decimal, int]]:
        """Claims per payout amount (bad input left out), under each edition, amounts ascending."""
        return {label: {money(f): n for f, n in sorted(p.items())} for label, p in zip(self.labels, self.totals.payouts)}

    @property
    def cost_by_clause(self) -> dict[str, dict[str, Decimal]]:
        """For each edition after the first: clause label → the change in yuan paid by the claims it moved."""
        return {
            label: {k: money(v) for k, v in sorted(cost.items(), key=lambda kv: (kv[1], kv[0]))}
            for label, cost in zip(self.labels[1:], self.totals.cost_by_clause)
        }

    @property
    def changes(self) -> list[Change]:
        """Each (claim, edition) that moved from the baseline, in claim order, then edition order."""
        out = []
        for c in self.rows:
            base = c.sides[0]
            for k in range(1, len(c.sides)):
                if c.moved(k):
                    side = c.sides[k]
                    names = (self.labels[0], self.labels[k])
                    why = tuple((cl, rule, names[0] if u == "A" else names[1] if u == "B" else "") for cl, rule, u in c.causes[k - 1])
                    out.append(Change(c.line, c.claim_id, self.labels[k], (base.outcome, money(base.payout_fen)),
                                      (side.outcome, money(side.payout_fen)), money(side.payout_fen - base.payout_fen), why))  # fmt: skip
        return out

    def __repr__(self) -> str:
        return f"<Comparison of {self.claims:,} claims under {', '.join(self.labels)}>"

    def __str__(self) -> str:
        width = max(len(x) for x in self.labels)
        lines = [f"{self.claims:,} claims; baseline {self.labels[0]}"]
        for k, label in enumerate(self.labels):
            moved = "" if k == 0 else f"  {self.totals.payout_changes[k - 1]:,} payouts and {self.totals.outcome_changes[k - 1]:,} outcomes changed"
            lines.append(f"  {label:<{width}}  paid {self.paid[label]:>16,.2f}  change {self.paid_change[label]:>+15,.2f}{moved}")
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per (claim, edition), long form, as a pandas DataFrame (needs ``mutualaid[frame]``).

        Columns: ``line``, ``claim_id``, ``edition`` (label), ``outcome``, ``payout_fen`` and
        ``payout`` (yuan, decimal128), ``payout_change_fen`` and ``payout_change`` (against the
        baseline), ``changed`` (outcome or payout moved), ``causes`` (``clause rule``, ``; ``-joined,
        ``(under X only)`` for a rule that bit under one edition only) and ``error`` (bad fields).
        """
        return tables.comparison_frame(self.labels, self.rows)

    def plot(self, axes: Any = None, *, share: float = 0.01) -> Any:
        """Two panels with matplotlib: the payout distribution under each edition, and the cost change by clause.

        Left: paid claims per payout amount, one bar per edition side by side. Amounts that hold less
        than ``share`` of the paid claims under every edition are drawn together as "other"
        (top-ups and cap remainders spread over many amounts). Right: for each edition after the
        first, the change in the total paid against the baseline, by the clauses that caused it,
        named as a reader cites them (``Art. 5(3)``; bad input as "bad input"). A Chinese edition id
        is drawn in an installed CJK font (:mod:`mutualaid.plotting`), or as ``U+XXXX`` without one.
        Axes are in yuan with thousands separators; amounts become float only for drawing.

        ``axes``: two matplotlib Axes to draw on; by default a new figure (``pyplot``, so a notebook
        shows it). Returns the Figure. Needs matplotlib: ``pip install 'mutualaid[notebook]'``.
        """
        return plot.draw(self.labels, self.totals, axes, share)
