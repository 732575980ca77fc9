"""Strategies for valid input: amounts, 身份证 numbers, members, accidents, treatments, claims.

Valid by construction: 身份证 numbers carry a GB 11643 check digit computed here (not by the
library), no item falls after ``filed_on``, ``filed_on`` never falls before the accident,
``medication_use`` appears on medication items only, amounts are exact in fen, and treatment ids are
unique.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ._draw import _choose, _day, _int, _permutation, _pick, anniversary, in_period, check_bool, check_choice, check_day, check_int, check_part, check_text, gb11643_check, iso, yuan
from ._vocabulary import (
    DOCUMENTS,
    EDGE_ACCIDENT_DAYS,
    EDGE_AMOUNTS_FEN,
    GOOD_WS218,
    HOSPITAL_NAMES,
    ICD10_CODES,
    COUNTING_CODES,
    KINDS,
    MEDICATION_USES,
    NAMES,
    PERIOD_END,
    PERIOD_START,
    PLATFORM_OCCUPATIONS,
    REGIONS,
    REQUIRED_DOCUMENTS,
    SETTINGS,
    CIRCUMSTANCES,
    WINDOW_DAYS,
    WS218_CODES,
)

# --- amounts --------------------------------------------------------------------------------------------


def _amount_fen(draw) -> int:
    """An amount in fen: a tier edge ±0.01 often, else anything up to 12,000 yuan."""
    return _choose(
        draw,
        (1, lambda d: _pick(d, (0, 1, 99_99, 100_00, 150_00))),
        (3, lambda d: _pick(d, EDGE_AMOUNTS_FEN)),
        (1, lambda d: _int(d, 0, 300_00)),
        (4, lambda d: _int(d, 0, 12000_00)),
    )


def _big_amount_fen(draw) -> int:
    """An amount that moves a stream toward the cap."""
    return _choose(draw, (3, lambda d: _int(d, 1000_00, 12000_00)), (1, lambda d: _pick(d, EDGE_AMOUNTS_FEN)), (1, _amount_fen))


amounts_fen = st.composite(lambda draw: _amount_fen(draw))()
"""An amount in fen (an int): a tier edge ±0.01 often, else anything up to 12,000 yuan.

Shrinks towards 0."""


# --- members ------------------------------------------------------------------------------------------

# Before the earliest accident any strategy draws (1990), so that a drawn birth date is never after
# the filing date (CONTRACT §7, revision 2: digits 7–14 are a birth date no later than filed_on).
_BIRTH_FIRST, _BIRTH_LAST = dt.date(1940, 1, 1), dt.date(1989, 12, 31)


def _id_number(draw, lowercase_x: bool = True) -> str:
    region = _pick(draw, REGIONS)
    birth = _day(draw, _BIRTH_FIRST, _BIRTH_LAST).strftime("%Y%m%d")
    seq = _int(draw, 0, 999)
    if _int(draw, 0, 5) == 5:  # make the check character an X
        while gb11643_check(f"{region}{birth}{seq:03d}") != "X":
            seq = (seq + 1) % 1000
    body = f"{region}{birth}{seq:03d}"
    check = gb11643_check(body)
    if check == "X" and lowercase_x and _int(draw, 0, 1):
        check = "x"
    return body + check


def id_numbers(lowercase_x: bool = True) -> st.SearchStrategy[str]:
    """An 18-character 居民身份证 number whose check digit holds (sometimes X, sometimes written x
    unless ``lowercase_x=False``).

    Shrinks towards 440106 19400101 000 and its check digit: the first region, the earliest birth
    date (1940-01-01), sequence number 000.
    """
    check_bool("lowercase_x", lowercase_x)
    return st.composite(lambda draw: _id_number(draw, lowercase_x))()


def _member(draw, ref: dt.date, eligible: bool) -> dict:
    m: dict = {"member_id": f"M-{_int(draw, 1, 9999):04d}", "name": _pick(draw, NAMES)}
    if _int(draw, 0, 5):
        m["id_number"] = _id_number(draw)
    for key in ("union_member_since", "real_name_verified_on"):
        before = lambda d: iso(ref - dt.timedelta(days=_choose(d, (1, 0), (3, lambda d2: _int(d2, 0, 2000)))))  # noqa: E731
        if eligible:
            m[key] = before(draw)
            continue
        value = _choose(
            draw,
            (24, before),
            (1, None),
            (1, lambda d: iso(ref + dt.timedelta(days=_int(d, 1, 60)))),
        )
        if value is not None or _int(draw, 0, 1):  # None is written as null or left out
            m[key] = value
    if eligible:
        m["occupation"] = _pick(draw, PLATFORM_OCCUPATIONS)
    else:
        m["occupation"] = _choose(draw, (20, lambda d: _pick(d, PLATFORM_OCCUPATIONS)), (1, "not_platform_worker"))
    return m


def members(occurred_on: Optional[dt.date] = None, eligible: bool = False) -> st.SearchStrategy[dict]:
    """A member. Relative to ``occurred_on`` (2022-01-01 when None), union membership and real-name
    verification sometimes start after the accident or are missing, unless ``eligible``.

    Shrinks towards member ``M-0001`` named 张三, union member and verified since ``occurred_on``,
    occupation ``truck_driver``, no 身份证 number.
    """
    check_day("occurred_on", occurred_on)
    check_bool("eligible", eligible)
    return st.composite(lambda draw: _member(draw, occurred_on or PERIOD_START, eligible))()


# --- accidents ------------------------------------------------------------------------------------------


def _accident_day(draw) -> dt.date:
    """Mostly in the 2022 edition's period; sometimes at an edge, or years away from it."""
    return _choose(
        draw,
        (1, lambda d: _day(d, PERIOD_START, PERIOD_END)),
        (2, lambda d: _pick(d, EDGE_ACCIDENT_DAYS)),
        (1, lambda d: _day(d, dt.date(2021, 1, 1), dt.date(2023, 12, 31))),
        (1, lambda d: _day(d, dt.date(1990, 1, 1), dt.date(2035, 12, 31))),  # holiday data may not reach the deadline
    )


def _circumstances(draw) -> list:
    """Mostly none; one time in four one to three table-4 codes (a code may repeat). Shrinks to none;
    the first example Hypothesis tries draws ``[fight]`` (changing which draw means "none" would
    change what the derandomised suite reaches)."""
    if _int(draw, 0, 3):
        return []
    return [_pick(draw, CIRCUMSTANCES) for _ in range(_int(draw, 1, 3))]


def _accident(draw, day: Optional[dt.date] = None, accident_id: Optional[str] = None, clean: bool = False, in_period_: bool = False) -> dict:
    if day is None:
        if in_period_:
            day = _choose(draw, (6, lambda d: _day(d, PERIOD_START, PERIOD_END)), (1, lambda d: _pick(d, [x for x in EDGE_ACCIDENT_DAYS if in_period(x)])))
        else:
            day = _choose(draw, (8, lambda d: _day(d, PERIOD_START, PERIOD_END)), (3, _accident_day))
    a = {
        "accident_id": accident_id or f"A-{_int(draw, 1, 9999):04d}",
        "occurred_on": iso(day),
        "cause": "accident" if clean else _choose(draw, (15, "accident"), (1, "illness")),
    }
    circ = [] if clean else _circumstances(draw)
    if circ or _int(draw, 0, 1):
        a["circumstances"] = circ
    return a


def accidents(occurred_on: Optional[dt.date] = None, accident_id: Optional[str] = None, clean: bool = False) -> st.SearchStrategy[dict]:
    """An accident: mostly in 2022, cause ``accident``, no circumstance; ``clean`` makes the last two
    sure. ``occurred_on`` and ``accident_id`` fix those.

    Shrinks towards ``A-0001`` on 2022-01-01, cause ``accident``, no circumstances (the first
    example Hypothesis tries, before any shrinking, has ``[fight]`` unless ``clean``).
    """
    check_day("occurred_on", occurred_on)
    check_text("accident_id", accident_id)
    check_bool("clean", clean)
    return st.composite(lambda draw: _accident(draw, occurred_on, accident_id, clean))()


accident_dates = st.composite(lambda draw: _accident_day(draw))()
"""Accident days (``datetime.date``): mostly in the 2022 edition's period, sometimes at an edge or
outside it. Shrinks towards 2022-01-01."""


# --- treatments ----------------------------------------------------------------------------------------


def _hospital(draw) -> dict:
    """Usually a hospital art5.5 counts (grade 2 or 3, public, not an excluded kind), else anything."""
    h: dict = {}
    if _int(draw, 0, 1):
        h["name"] = _pick(draw, HOSPITAL_NAMES)
    if _int(draw, 0, 9) < 7:  # one that counts, written in any of the ways the contract allows
        h["grade"] = _pick(draw, (3, 2))
        h["ownership"] = "public"
        kind = _choose(draw, (4, "general"), (2, lambda d: _pick(d, ("tcm", "specialty"))), (1, "absent"), (1, None))
        if kind != "absent":
            h["kind"] = kind
        if _int(draw, 0, 4) == 4:
            h["ws218"] = _pick(draw, GOOD_WS218)
        return h
    grade = _choose(draw, (5, 3), (2, 2), (1, 1), (1, None), (1, "absent"))
    if grade != "absent":
        h["grade"] = grade
    ownership = _choose(draw, (6, "public"), (2, "private"), (1, None), (1, "absent"))
    if ownership != "absent":
        h["ownership"] = ownership
    kind = _choose(draw, (3, "general"), (4, lambda d: _pick(d, KINDS)), (1, None), (1, "absent"))
    if kind != "absent":
        h["kind"] = kind
    if _int(draw, 0, 2) == 2:
        h["ws218"] = _pick(draw, WS218_CODES)
    return h


def _leap_day_offset(occurred: dt.date, window: int) -> Optional[int]:
    """Days from ``occurred`` to a 29 February inside the window, if there is one."""
    for year in (occurred.year, occurred.year + 1):
        try:
            leap = dt.date(year, 2, 29)
        except ValueError:
            continue
        if 0 <= (leap - occurred).days <= window + 1:
            return (leap - occurred).days
    return None


def _item_day(draw, occurred: dt.date, filed: dt.date, window: int = WINDOW_DAYS) -> dt.date:
    """A cost's day: around the window's edges often, inside it mostly, never after filed_on."""
    most = (filed - occurred).days
    earliest = max(-20, (dt.date(1900, 1, 1) - occurred).days)
    edges = [d for d in (-1, 0, 1, window - 1, window, window + 1) if d <= most]
    leap = _leap_day_offset(occurred, window)
    offset = _choose(
        draw,
        (10, lambda d: _int(d, 0, min(most, window))),
        (4, lambda d: _pick(d, edges)),
        (2, lambda d: _int(d, earliest, most)),
        (2 if leap is not None and leap <= most else 0, leap),
    )
    return occurred + dt.timedelta(days=offset)


def _item(draw, occurred: dt.date, filed: dt.date, window: int) -> dict:
    """One cost, with a placeholder amount (``claims`` fills ``out_of_pocket``)."""
    category = _choose(draw, (10, "treatment"), (4, "medication"), (1, "dental"), (1, "assistive_device"))
    it: dict = {"on": iso(_item_day(draw, occurred, filed, window)), "category": category, "out_of_pocket": "0.00"}
    sf = _choose(draw, (3, "absent"), (1, None), (2, _amount_fen))
    if sf != "absent":
        it["self_funded"] = None if sf is None else yuan(sf)
    if category == "medication":
        use = _choose(draw, (2, "absent"), (4, lambda d: _pick(d, MEDICATION_USES)), (1, None))
        if use != "absent":
            it["medication_use"] = use
    return it


def _treatments(draw, occurred: dt.date, filed: dt.date, max_treatments: int = 3, max_items: int = 4, window: int = WINDOW_DAYS) -> list:
    """One to three treatments with unique ids (numbered out of input order), each with 0–4 items."""
    n = _int(draw, 1, max_treatments)
    out = []
    for k in _permutation(draw, n):
        diagnoses = [_choose(draw, (4, lambda d: _pick(d, COUNTING_CODES)), (1, lambda d: _pick(d, ICD10_CODES)))]
        diagnoses += [_pick(draw, ICD10_CODES) for _ in range(_choose(draw, (3, 0), (1, 1), (1, 2)))]
        out.append(
            {
                "treatment_id": f"T{k + 1}",
                "hospital": _hospital(draw),
                "setting": _pick(draw, SETTINGS),
                "diagnoses": diagnoses,
                "items": [_item(draw, occurred, filed, window) for _ in range(_choose(draw, (1, 0), (3 if max_items >= 1 else 0, 1), (3 if max_items >= 2 else 0, lambda d: _int(d, 2, max_items))))],
            }
        )
    return out


def _fill_amounts(draw, treatments_: list, amount: Callable = _amount_fen) -> None:
    """Set every item's out_of_pocket; half the time the items add up to a tier edge ±0.01."""
    all_items = [it for t in treatments_ for it in t["items"]]
    if not all_items:
        return
    if _int(draw, 0, 1):
        total = _pick(draw, EDGE_AMOUNTS_FEN)
        cuts = sorted(_int(draw, 0, total) for _ in range(len(all_items) - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
    else:
        parts = [amount(draw) for _ in all_items]
    for it, fen in zip(all_items, parts):
        it["out_of_pocket"] = yuan(fen)


# --- documents and payee ------------------------------------------------------------------------------


def _documents(draw, complete: bool = False) -> list:
    full = lambda d: [REQUIRED_DOCUMENTS[i] for i in _permutation(d, 3)]  # noqa: E731
    with_other = lambda d: [DOCUMENTS[i] for i in _permutation(d, 4)]  # noqa: E731
    if complete:
        return _choose(draw, (4, full), (1, with_other))
    some = lambda d: [doc for doc in DOCUMENTS if _int(d, 0, 1)]  # noqa: E731
    return _choose(draw, (12, full), (2, with_other), (1, some))


def _account_number(draw) -> str:
    """10 to 30 digits; mostly a 19-digit bank card number."""
    n = _choose(draw, (3, 19), (1, lambda d: _int(d, 10, 30)))
    return "6222" + f"{_int(draw, 0, 999999):06d}" + "0" * (n - 10)


def _payee(draw, member: dict, matching: bool = False) -> Optional[dict]:
    """Usually the member's own account; sometimes someone else's, incomplete, or none."""
    name = member["name"]
    own_id = member.get("id_number")
    kind = "match" if matching else _choose(
        draw, (16, "match"), (1, "none"), (1, "other_name"), (1, "other_id"), (1, "incomplete")
    )
    if kind == "none":
        return None
    p: dict = {}
    if kind == "other_name":
        p["holder_name"] = _pick(draw, [n for n in NAMES if n != name])
    else:
        p["holder_name"] = _pick(draw, (name, name, f" {name}", f"{name}\t", f"\u3000{name} "))
    if kind == "other_id":
        other = _id_number(draw)
        if own_id is not None and other.upper() == own_id.upper():
            other = "440106198003071237" if own_id.upper() != "440106198003071237" else "11010519491231002X"
        p["holder_id_number"] = other
    elif own_id is None:
        if _int(draw, 0, 1):
            p["holder_id_number"] = _id_number(draw)
    else:
        hid = _choose(draw, (4, own_id), (1, own_id.swapcase()), (1, "absent"))
        if hid != "absent":
            p["holder_id_number"] = hid
    p["account_number"] = _account_number(draw)
    if kind == "incomplete":
        missing = _pick(draw, ("holder_name", "account_number", "both"))
        for key in ("holder_name", "account_number") if missing == "both" else (missing,):
            if _int(draw, 0, 1):
                del p[key]
            else:
                p[key] = None if key == "account_number" else _pick(draw, (None, " ", "  "))  # "" is bad input (revision 3)
    return p


# --- claims ---------------------------------------------------------------------------------------------


def _filing_day(draw, occurred: dt.date, on_time: bool = False) -> dt.date:
    """filed_on: on or after the accident, often in the days after the anniversary, where a deadline
    that falls on a rest day or holiday is moved (Spring Festival can move it by a week)."""
    if on_time:
        last = (anniversary(occurred) - occurred).days
        k = _choose(draw, (6, lambda d: _int(d, 0, 200)), (1, lambda d: _pick(d, (0, 1, 180, 181, last - 1, last))), (1, lambda d: _int(d, 0, last)))
        return occurred + dt.timedelta(days=k)
    return _choose(
        draw,
        (9, lambda d: occurred + dt.timedelta(days=_int(d, 0, 200))),
        (2, lambda d: occurred + dt.timedelta(days=_int(d, 181, 300))),
        (3, lambda d: anniversary(occurred) + dt.timedelta(days=_int(d, -2, 9))),
        (1, lambda d: occurred + dt.timedelta(days=_pick(d, (0, 1, 180, 181, 355, 364, 365, 366, 367, 368, 375)))),
        (1, lambda d: occurred + dt.timedelta(days=_int(d, 0, 800))),
    )


def _claim(
    draw,
    *,
    claim_id: Optional[str] = None,
    member: Optional[dict] = None,
    accident: Optional[dict] = None,
    clean: bool = False,
    complete: bool = False,
    payable: bool = False,
    max_treatments: int = 3,
    max_items: int = 4,
    amounts: str = "any",
    window: int = WINDOW_DAYS,
) -> dict:
    """A valid claim as plain data (CONTRACT §1).

    ``clean``: an eligible member, cause ``accident``, no circumstances (claim-level denials then
    come only from the period, the filing deadline, the tier and the cap). ``complete``: all three
    documents and the member's own account (nothing pends). ``payable``: clean and complete, an
    accident in the 2022 period, filed by its anniversary: only the tier and the cap can stop it.
    ``claim_id``, ``member`` and ``accident`` fix those parts. ``amounts``: ``"any"`` (tier edges
    ±0.01 often, anything up to 12,000) or ``"large"`` (1,000 to 12,000 mostly, to reach the cap).
    ``window``: the days after the accident around which costs cluster (an edition's window).
    """
    clean = clean or payable
    complete = complete or payable
    acc = accident or _accident(draw, clean=clean, in_period_=payable)
    occurred = dt.date.fromisoformat(str(acc["occurred_on"]))
    filed = _filing_day(draw, occurred, on_time=payable)
    mem = member or _member(draw, occurred, eligible=clean)
    ts = _treatments(draw, occurred, filed, max_treatments=max_treatments, max_items=max_items, window=window)
    _fill_amounts(draw, ts, _big_amount_fen if amounts == "large" else _amount_fen)
    c: dict = {"claim_id": claim_id or f"C-{_int(draw, 1, 9999):04d}"}
    if _int(draw, 0, 4) == 4:
        c["plan"] = "gd-nef-2022"
    c["filed_on"] = iso(filed)
    c["member"] = mem
    c["accident"] = acc
    c["treatments"] = ts
    docs = _documents(draw, complete=complete)
    if docs:
        c["documents"] = docs
    else:  # none at all: an empty list, null or no key
        none = _pick(draw, ("empty", "null", "absent"))
        if none != "absent":
            c["documents"] = [] if none == "empty" else None
    payee = _payee(draw, mem, matching=complete)
    if payee is not None or _int(draw, 0, 1):
        c["payee"] = payee
    return c


AMOUNTS = ("any", "large")


def claims(
    *,
    claim_id: Optional[str] = None,
    member: Optional[dict] = None,
    accident: Optional[dict] = None,
    clean: bool = False,
    complete: bool = False,
    payable: bool = False,
    max_treatments: int = 3,
    max_items: int = 4,
    amounts: str = "any",
    window: int = WINDOW_DAYS,
) -> st.SearchStrategy[dict]:
    """One valid claim as plain data (CONTRACT §1).

    ``clean``: an eligible member, cause ``accident``, no circumstances (claim-level denials then
    come only from the period, the filing deadline, the tier and the cap). ``complete``: all three
    documents and the member's own account (nothing pends). ``payable``: clean and complete, an
    accident in the 2022 period, filed by its anniversary: only the tier and the cap can stop it.
    ``claim_id``, ``member`` and ``accident`` fix those parts (plain data, taken as given; an
    accident's ``occurred_on`` is ``YYYY-MM-DD``). ``max_treatments`` (1–20) and ``max_items`` (0–50
    per treatment) bound the lists. ``amounts``: ``"any"`` (tier edges ±0.01 often, anything up to
    12,000) or ``"large"`` (1,000 to 12,000 mostly, to reach the cap). ``window`` (0–3660): the days
    after the accident around which costs cluster (an edition's window). A bad argument raises
    :class:`hypothesis.errors.InvalidArgument` when the strategy is built.

    Shrinks towards claim ``C-0001`` for an accident ``A-0001`` on 2022-01-01 with no circumstances
    (the first example tried has ``fight`` unless ``clean``), filed the same day, one treatment ``T1`` at a grade-3 public
    general hospital with the first counting diagnosis (S82.2) and no items, the three documents in
    order, and the member's own account.
    """
    check_text("claim_id", claim_id)
    check_part("member", member, ("member_id", "name", "occupation"))
    check_part("accident", accident, ("accident_id", "occurred_on", "cause"))
    if accident is not None:
        try:
            dt.date.fromisoformat(str(accident["occurred_on"]))
        except ValueError:
            raise InvalidArgument(f"accident's occurred_on={accident['occurred_on']!r} must be a date written YYYY-MM-DD") from None
    for name, flag in (("clean", clean), ("complete", complete), ("payable", payable)):
        check_bool(name, flag)
    check_int("max_treatments", max_treatments, 1, 20)
    check_int("max_items", max_items, 0, 50)
    check_choice("amounts", amounts, AMOUNTS)
    check_int("window", window, 0, 3660)
    return st.composite(_claim)(
        claim_id=claim_id, member=member, accident=accident, clean=clean, complete=complete, payable=payable,
        max_treatments=max_treatments, max_items=max_items, amounts=amounts, window=window,
    )  # fmt: skip
