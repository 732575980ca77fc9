"""What a what-if moved in total, counted as claims arrive: paid, outcomes and payouts under each edition.

Amounts are integer fen while they are counted; :func:`money` and :func:`yuan_text` give them as
yuan for the reports (``Decimal``, never float).
"""

from __future__ import annotations

from decimal import Decimal

from .rows import Compared
from .why import cause_text, clause_label

__all__ = ["Totals", "money", "yuan_text"]


def yuan_text(amount_fen: int) -> str:
    """Fen as yuan text with two places (``"2650.01"``), as the JSON reports write amounts."""
    return str(Decimal(amount_fen).scaleb(-2))


def money(amount_fen: int) -> Decimal:
    """Fen as a two-place ``Decimal`` of yuan."""
    return Decimal(amount_fen).scaleb(-2)


class Totals:
    """What the whole stream moved, counted as claims arrive: paid, outcomes and payouts under each edition.

    Amounts are integer fen. The counts of changes are against the first edition: index ``k - 1``
    holds edition ``k``'s. ``to_json`` and ``text`` are ``mutualaid diff``'s report of two editions.
    """

    def __init__(self, editions: int = 2) -> None:
        self.editions = editions
        self.claims = 0
        self.paid = [0] * editions
        self.outcomes: list[dict[str, int]] = [{} for _ in range(editions)]
        self.payouts: list[dict[int, int]] = [{} for _ in range(editions)]
        self.outcome_changes = [0] * (editions - 1)
        self.payout_changes = [0] * (editions - 1)
        self.by_causes: list[dict[tuple, int]] = [{} for _ in range(editions - 1)]
        self.cost_by_clause: list[dict[str, int]] = [{} for _ in range(editions - 1)]
        """Per edition after the first: clause label → the change in fen paid by the claims it moved."""

    @property
    def outcome_changed(self) -> int:
        return self.outcome_changes[0]

    @property
    def payout_changed(self) -> int:
        return self.payout_changes[0]

    @property
    def by_cause(self) -> dict[tuple, int]:
        return self.by_causes[0]

    def add(self, c: Compared) -> None:
        self.claims += 1
        for k, side in enumerate(c.sides):
            self.paid[k] += side.payout_fen
            self.outcomes[k][side.outcome] = self.outcomes[k].get(side.outcome, 0) + 1
            if side.outcome != "error":
                self.payouts[k][side.payout_fen] = self.payouts[k].get(side.payout_fen, 0) + 1
        base = c.sides[0]
        for k in range(1, len(c.sides)):
            side, why = c.sides[k], c.causes[k - 1]
            self.outcome_changes[k - 1] += base.outcome != side.outcome
            self.payout_changes[k - 1] += base.payout_fen != side.payout_fen
            if c.moved(k):
                for cause in why:
                    self.by_causes[k - 1][cause] = self.by_causes[k - 1].get(cause, 0) + 1
                label = clause_label(why)
                cost = self.cost_by_clause[k - 1]
                cost[label] = cost.get(label, 0) + side.payout_fen - base.payout_fen

    def to_json(self) -> dict:
        amounts = sorted(set(self.payouts[0]) | set(self.payouts[1]))
        names = ("approved", "denied", "pending", "error")
        return {
            "claims": self.claims,
            "paid": {"A": yuan_text(self.paid[0]), "B": yuan_text(self.paid[1]), "change": yuan_text(self.paid[1] - self.paid[0])},
            "outcome_changed": self.outcome_changed,
            "payout_changed": self.payout_changed,
            "outcomes": {n: {"A": self.outcomes[0].get(n, 0), "B": self.outcomes[1].get(n, 0)} for n in names},
            "payout_distribution": [
                {"payout": yuan_text(f), "A": self.payouts[0].get(f, 0), "B": self.payouts[1].get(f, 0)} for f in amounts
            ],
            "changes_by_cause": [
                {"clause": cl, "rule": rule, "under": under, "claims": n}
                for (cl, rule, under), n in sorted(self.by_cause.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        }

    def text(self) -> str:
        t = self.to_json()
        out = [
            f"claims: {self.claims:,}; outcome changed: {self.outcome_changed:,}; payout changed: {self.payout_changed:,}",
            f"total paid: A {Decimal(t['paid']['A']):,.2f}  B {Decimal(t['paid']['B']):,.2f}  change {Decimal(t['paid']['change']):+,.2f}",
            "outcomes:            A            B",
        ]
        out += [f"  {n:<10} {v['A']:>12,} {v['B']:>12,}" for n, v in t["outcomes"].items()]
        out.append("payout distribution (claims):")
        out.append(f"  {'payout':>12} {'A':>12} {'B':>12}")
        out += [f"  {Decimal(r['payout']):>12,.2f} {r['A']:>12,} {r['B']:>12,}" for r in t["payout_distribution"]]
        if t["changes_by_cause"]:
            out.append("changes by cause (claims):")
            out += [f"  {c['claims']:>10,}  {cause_text((c['clause'], c['rule'], c['under']))}" for c in t["changes_by_cause"]]
        return "\n".join(out)
