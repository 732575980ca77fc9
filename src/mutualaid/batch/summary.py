"""The summary of a batch: counts by outcome, the total paid, denials by clause."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

class Summary:
    """Counts by outcome, the total paid and denials by clause; it travels in every checkpoint."""

    OUTCOMES = ("approved", "denied", "pending", "error")

    def __init__(self, data: Optional[dict] = None) -> None:
        data = data or {}
        self.counts = {k: int(data.get(k, 0)) for k in self.OUTCOMES}
        self.paid_fen = int(Decimal(data.get("paid", "0")).scaleb(2))
        self.denied_by_clause: dict[str, int] = dict(data.get("denied_by_clause", {}))

    def add(self, stat: tuple) -> None:
        outcome, paid_fen, clauses = stat
        self.counts[outcome] += 1
        self.paid_fen += paid_fen
        for c in clauses:
            self.denied_by_clause[c] = self.denied_by_clause.get(c, 0) + 1

    @property
    def claims(self) -> int:
        return sum(self.counts.values())

    @property
    def paid(self) -> Decimal:
        return Decimal(self.paid_fen).scaleb(-2)

    def to_json(self) -> dict:
        return {
            **self.counts,
            "paid": str(self.paid),
            "denied_by_clause": dict(sorted(self.denied_by_clause.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def __str__(self) -> str:
        c = self.counts
        lines = [
            f"{self.claims:,} claims: {c['approved']:,} approved, {c['denied']:,} denied, "
            f"{c['pending']:,} pending, {c['error']:,} bad input",
            f"paid: {self.paid:,.2f}",
        ]
        if self.denied_by_clause:
            by = ", ".join(f"{k} {v:,}" for k, v in self.to_json()["denied_by_clause"].items())
            lines.append(f"denied by clause: {by}")
        return "\n".join(lines)


