"""What a what-if keeps of one claim: its :class:`Side` under each edition, in one :class:`Compared` row.

Rows are small named tuples of plain values (no decision, no model), so that the processes of
``jobs`` hand them back cheaply, and a comparison of a million claims can keep them all.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

__all__ = ["Side", "Compared"]


class Side(NamedTuple):
    """One edition's answer for a claim: its outcome (or ``error``), payout in fen, and the bad fields."""

    outcome: str
    payout_fen: int
    error_fields: tuple = ()


class Compared(NamedTuple):
    """One claim decided under every edition (small, to cross between processes)."""

    line: int
    claim_id: Optional[str]
    sides: tuple
    """One :class:`Side` per edition, in the order the editions were given."""
    causes: tuple
    """For each edition after the first: ((clause, rule, under), …), why its outcome or payout moved
    from the first edition's; ``under`` is ``A`` (the first edition), ``B`` (this one) or ``""``."""

    @property
    def a(self) -> Side:
        return self.sides[0]

    @property
    def b(self) -> Side:
        return self.sides[1]

    def moved(self, k: int) -> bool:
        """Whether edition ``k`` decided this claim otherwise than the first edition (outcome or payout)."""
        base, side = self.sides[0], self.sides[k]
        return base.outcome != side.outcome or base.payout_fen != side.payout_fen

    @property
    def changed(self) -> bool:
        return any(self.moved(k) for k in range(1, len(self.sides)))
