"""The running sums of a long history (issue 13, finding 8): what ``adjudicate`` derives from a history, kept per entry."""

from __future__ import annotations

from ..edition import Edition, editions
from .memory import _day

class _Sums:
    """One member's history as sums: what ``adjudicate`` derives from a history, kept up to date per entry.

    ``bad`` is set when the history itself would be bad input under the registered editions (an
    accident paid above its top tier, an edition above its cap, one accident on two dates, a claim
    id twice): such a member is decided with the full history, so the errors are named as ever.
    """

    __slots__ = ("claims", "accidents", "periods", "total", "by_edition", "bad")

    def __init__(self) -> None:
        self.claims: set[str] = set()
        self.accidents: dict[str, list[int]] = {}  # accident id → [day, counted fen, paid fen, earliest filing day or 0]
        self.periods: dict[tuple[int, int], list[int]] = {}  # (first day, last day) → [paid fen, most paid for one accident]
        self.total = 0
        self.by_edition: dict[str, int] = {}
        self.bad = False

    def add(self, claim_id: str, accident_id: str, day: int, counted: int, paid: int, filed: int = 0) -> None:
        if claim_id in self.claims:
            self.bad = True
        self.claims.add(claim_id)
        acc = self.accidents.get(accident_id)
        if acc is None:
            acc = self.accidents[accident_id] = [day, 0, 0, filed]
        elif acc[0] != day:
            self.bad = True
        acc[1] += counted
        acc[2] += paid
        if filed and (not acc[3] or filed < acc[3]):  # the earliest filing: an on-time one survives the fold
            acc[3] = filed
        if not paid:
            return
        self.total += paid
        ed = editions.for_history_day(_day(day))
        if ed is not None:
            total = self.by_edition[ed.id] = self.by_edition.get(ed.id, 0) + paid
            if acc[2] > ed.top_tier_fen or total > ed.cap_fen:
                self.bad = True
        for (first, last), p in self.periods.items():
            if first <= day <= last:
                p[0] += paid
                if acc[2] > p[1]:
                    p[1] = acc[2]

    def period(self, first: int, last: int) -> list[int]:
        p = self.periods.get((first, last))
        if p is None:
            paid = most = 0
            for day, _, acc_paid, _ in self.accidents.values():
                if first <= day <= last:
                    paid += acc_paid
                    most = max(most, acc_paid)
            p = self.periods[(first, last)] = [paid, most]
        return p


def _registered(edition: Edition) -> bool:
    """Whether the history checks under ``edition`` are those of the registered edition of its id."""
    known = editions.get(edition.id)
    return known is None or known is edition or known.content_hash == edition.content_hash


