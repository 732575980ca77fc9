"""Deciding each claim under every edition, claim by claim: the per-claim engines' what-if worker.

:class:`CompareSpec` is what ``mutualaid batch``'s pipeline hands each process (picklable); its
worker, :class:`Comparer`, holds one :class:`~mutualaid.Ledger` per edition (``adjudicate(...,
plan=E)``, so a claim's own ``plan`` is overridden). Each ledger carries its own history: when an
edition pays an earlier claim more, its cap and top-ups feel it in the member's later claims, as
they would in a year run under it. Each claim becomes a :class:`~.rows.Compared` row with the
causes of its moves (:func:`.why.why`). The polars engine hands the claims it sets aside to this
worker too (:func:`mutualaid.vector.run.compare_frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..batch import ERROR, claim_id_of
from ..errors import InvalidClaim
from ..facts import fen
from ..ledger import Ledger
from ..plan import resolve
from ..values import read_json
from .rows import Compared, Side
from .why import why

__all__ = ["CompareSpec", "Comparer", "side_of"]


@dataclass(frozen=True)
class CompareSpec:
    """How to build the comparing worker of one process (picklable): one ledger per edition."""

    editions: tuple
    """Edition ids, files or :class:`~mutualaid.Edition` objects."""
    engine: str = "native"

    def worker(self, part: int, parts: int) -> "Comparer":
        return Comparer([Ledger(plan=resolve(e), engine=self.engine, record=False) for e in self.editions])


def side_of(ledger: Ledger, claim: Any) -> tuple:
    """The claim decided through ``ledger``: (its decision, or None for bad input; its :class:`Side`)."""
    try:
        d = ledger.decide(claim)
    except InvalidClaim as exc:
        return None, Side("error", 0, exc.fields)
    except Exception:  # noqa: BLE001 - one line never stops a what-if run (issue 13, finding 2), as in batch
        return None, Side("error", 0, ("claim",))
    return d, Side(d.outcome, fen(d.payout))


class Comparer:
    """Decides a chunk of ``(line, claim)`` items under each ledger's edition; one :class:`Compared` an item."""

    def __init__(self, ledgers: list) -> None:
        self.ledgers = ledgers

    def __call__(self, items: list) -> list:
        out = []
        n = len(self.ledgers)
        for line, raw in items:
            if isinstance(raw, (bytes, str)):
                try:
                    claim = read_json(raw)  # amounts judged by their exact text (issue 13)
                except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading (as batch)
                    bad = Side(ERROR[0], 0, ("claim",))
                    out.append(Compared(line, None, (bad,) * n, ((),) * (n - 1)))
                    continue
            else:
                claim = raw  # a claim given as data (compare's iterables and DataFrames)
            decided = [side_of(ledger, claim) for ledger in self.ledgers]
            (d0, s0), rest = decided[0], decided[1:]
            moved = tuple(why(d0, d, s0, s) for d, s in rest)
            cid = claim_id_of(claim)
            out.append(Compared(line, cid if isinstance(cid, str) else None, tuple(s for _, s in decided), moved))
        return out
