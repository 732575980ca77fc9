"""Strategies for a member's past: histories consistent with a claim, and streams of claims.

A history is valid by construction: per accident at most the top tier is paid, per edition at most
the cap, as running totals, so every prefix is valid too; an accident keeps one date.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple, Optional

from hypothesis import strategies as st

from ._claims import _accident, _accident_day, _amount_fen, _claim, _member
from ._draw import _choose, _day, _int, _pick, check_bool, check_edition, check_int, check_part, iso, yuan
from ._vocabulary import CAP_FEN, EDGE_AMOUNTS_FEN, PERIOD_END, PERIOD_START, TOP_TIER_FEN


def history_entry(claim: dict, decision) -> dict:
    """A decided claim as the history entry of a later claim (CONTRACT §1)."""
    return {
        "claim_id": claim["claim_id"],
        "accident_id": claim["accident"]["accident_id"],
        "accident_occurred_on": str(claim["accident"]["occurred_on"]),
        "counted_out_of_pocket": str(decision.counted_out_of_pocket),
        "paid": str(decision.payout),
    }


# --- histories ------------------------------------------------------------------------------------------

PAID_FEN_CHOICES = (0, 200_00, 300_00, 500_00, 1500_00, 1800_00, 2000_00, 3000_00, 4500_00, 5000_00, 5500_00, 6000_00)
CAP_REMAINDERS_FEN = (0, 1, 100_00, 199_99, 200_00, 450_00, 1000_00, 1999_99)
"""What a history may leave of the cap: less than the tier a claim reaches, often."""


class _Limits(NamedTuple):
    start: dt.date
    end: dt.date
    top_fen: int
    cap_fen: int


_LIMITS_2022 = _Limits(PERIOD_START, PERIOD_END, TOP_TIER_FEN, CAP_FEN)


def _limits(edition) -> _Limits:
    if edition is None:
        return _LIMITS_2022
    return _Limits(edition.period.start, edition.period.end, edition.top_tier_fen, edition.cap_fen)


def _history(draw, claim: Optional[dict], max_size: int = 5, edition=None, min_size: int = 0) -> list:
    lim = _limits(edition)
    pool = []
    if claim is not None:
        acc = claim["accident"]
        own = (acc["accident_id"], dt.date.fromisoformat(str(acc["occurred_on"])))
        pool.append(own)
        later = own[1] + dt.timedelta(days=_int(draw, 1, 120))
        others = [_choose(draw, (3, _accident_day), (1, later)) for _ in range(_int(draw, 0, 3))]
    else:
        own = None
        others = [_accident_day(draw) for _ in range(_int(draw, 1, 3))]
    pool += [(f"A-H{k + 1}", day) for k, day in enumerate(others)]
    n = _int(draw, min_size, max_size)
    paid_acc: dict[str, int] = {}
    paid_ed = 0
    out = []
    for k in range(n):
        aid, day = _pick(draw, pool)
        counts = lim.start <= day <= lim.end
        limit = lim.top_fen - paid_acc.get(aid, 0)
        if counts:
            limit = min(limit, lim.cap_fen - paid_ed)
        paid = _choose(
            draw,
            (4 if own is not None and aid == own[0] else 0, lambda d: _pick(d, [p for p in (0, 200_00, 500_00) if p <= limit])),
            (2, lambda d: _pick(d, [p for p in PAID_FEN_CHOICES if p <= limit])),
            (2, lambda d: _int(d, 0, limit)),
            (1, limit),
            (1 if counts else 0, lambda d: max(0, min(limit, lim.cap_fen - paid_ed - _pick(d, CAP_REMAINDERS_FEN)))),
        )
        paid_acc[aid] = paid_acc.get(aid, 0) + paid
        if counts:
            paid_ed += paid
        counted = _choose(draw, (2, _amount_fen), (1, lambda d: _pick(d, EDGE_AMOUNTS_FEN)), (1, 0))
        entry = {
            "claim_id": f"H-{k + 1}",
            "accident_id": aid,
            "accident_occurred_on": iso(day),
            "counted_out_of_pocket": yuan(counted),
            "paid": yuan(paid),
        }
        # When that claim was first filed (revision 3): absent (no on-time filing shown), soon after
        # the accident, or around the filing deadline a year on (on either side of it). Worked out
        # from what was drawn already, so that it draws nothing: the derandomised suite then draws
        # the same claims and histories as before filed_on existed, and reaches what it reached.
        pick = (k + counted + paid) % 6
        if pick >= 2:
            after = counted % 61 if pick < 5 else 350 + paid % 51
            entry["filed_on"] = iso(day + dt.timedelta(days=after))
        out.append(entry)
    return out


def histories(for_claim: Optional[dict] = None, *, max_size: int = 5, edition=None) -> st.SearchStrategy[list]:
    """Earlier decided claims of one member, consistent with the contract and with ``for_claim``.

    Claim ids H-1, H-2… (never a claim's id from :func:`claims`); the claim's own accident keeps the
    claim's date, and other accidents (sometimes later than the claim's) have one date each; per
    accident at most the top tier is paid, per edition at most the cap (of ``edition`` when given,
    else the 2022 edition's 6,000 and 10,000), as running totals, so every prefix is valid too.
    Without ``for_claim`` the history is valid with any claim whose id does not start with ``H-``
    and whose accident id does not start with ``A-H`` (as no claim from :func:`claims` does).
    ``max_size``: 0 to 100 entries.

    Shrinks towards the empty history.
    """
    check_part("for_claim", for_claim, ("claim_id", "accident"))
    if for_claim is not None:
        check_part("for_claim's accident", for_claim["accident"], ("accident_id", "occurred_on"))
    check_int("max_size", max_size, 0, 100)
    check_edition("edition", edition)
    return st.composite(lambda draw: _history(draw, for_claim, max_size, edition))()


def claims_with_history(clean: bool = False, complete: bool = False, payable: bool = False, max_history: int = 5) -> st.SearchStrategy[tuple[dict, list]]:
    """A ``(claim, history)`` pair: :func:`claims` (with ``clean``, ``complete``, ``payable``) and
    :func:`histories` for it, of at most ``max_history`` (0 to 100) entries.

    Shrinks towards the claim :func:`claims` shrinks towards, with an empty history.
    """
    for name, flag in (("clean", clean), ("complete", complete), ("payable", payable)):
        check_bool(name, flag)
    check_int("max_history", max_history, 0, 100)

    def draw_pair(draw):
        c = _claim(draw, clean=clean, complete=complete, payable=payable)
        return c, _history(draw, c, max_history)

    return st.composite(draw_pair)()


# --- streams --------------------------------------------------------------------------------------------


def claim_streams(min_size: int = 1, max_size: int = 7, *, payable: bool = False) -> st.SearchStrategy[list[dict]]:
    """One member's claims in filing order: ids C-1, C-2…, over one to three accidents.

    The same accident keeps its id and date, so repeat claims for it are top-ups, and a claim may
    come back to an earlier accident after claims for another. Claims are mostly clean and complete
    and their amounts large, so that the cap is often reached. ``payable``: every claim is (see
    :func:`claims`), so that only the tier and the cap decide what the stream pays. ``min_size`` and
    ``max_size``: 0 ≤ min_size ≤ max_size ≤ 100 claims.

    Shrinks towards ``min_size`` claims, all for accident ``A-1`` on 2022-01-01.
    """
    check_int("min_size", min_size, 0, 100)
    check_int("max_size", max_size, min_size, 100)
    check_bool("payable", payable)
    return st.composite(lambda draw: _stream(draw, min_size, max_size, payable))()


def _stream(draw, min_size: int, max_size: int, payable: bool) -> list[dict]:
    eligible = payable or _int(draw, 0, 3) > 0
    member = _member(draw, dt.date(2021, 12, 31), eligible=eligible)
    if payable:
        days = [_day(draw, PERIOD_START, PERIOD_END) for _ in range(_int(draw, 1, 3))]
    else:
        days = [_choose(draw, (6, lambda d: _day(d, PERIOD_START, PERIOD_END)), (1, _accident_day)) for _ in range(_int(draw, 1, 3))]
    pool = [(f"A-{k + 1}", day) for k, day in enumerate(days)]
    out = []
    for k in range(_int(draw, min_size, max_size)):
        aid, day = _pick(draw, pool)
        clean = payable or _int(draw, 0, 4) > 0
        acc = _accident(draw, day, aid, clean=clean)
        out.append(
            _claim(
                draw,
                claim_id=f"C-{k + 1}",
                member=member,
                accident=acc,
                clean=clean,
                complete=payable or _int(draw, 0, 4) > 0,
                payable=payable,
                max_treatments=2,
                max_items=3,
                amounts="large",
            )
        )
    return out
