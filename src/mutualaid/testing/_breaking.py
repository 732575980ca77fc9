"""The ways to break a claim: each :class:`BadClaim` breaks exactly one rule of CONTRACT §5 (or §7).

Each breaker takes a valid ``(claim, history)`` pair and changes one thing, returning the path that
``InvalidClaim.fields`` must name. :func:`bad_claims` picks one breaker per draw.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Callable, NamedTuple

from hypothesis import strategies as st

from ._claims import _claim, _id_number
from ._draw import _choose, _day, _int, _pick, gb11643_check, in_period, iso, yuan
from ._histories import _history
from ._vocabulary import CAP_FEN, MEDICATION_USES, PERIOD_END, PERIOD_START, TOP_TIER_FEN


class BadClaim(NamedTuple):
    """A claim and history that break exactly one rule of CONTRACT §5 (or a fine point of §7)."""

    field: str
    """The path ``InvalidClaim.fields`` names: ``treatments.0.items.1.out_of_pocket``, ``history.2.paid``."""
    claim: dict
    history: list
    breaks: str
    """The rule it breaks, in the contract's words."""


_BREAKERS: list[tuple[str, Callable]] = []


def _breaker(breaks: str):
    def register(fn):
        _BREAKERS.append((breaks, fn))
        return fn

    return register


def _some_treatment(draw, c: dict) -> int:
    return _int(draw, 0, len(c["treatments"]) - 1)


def _some_item(draw, c: dict) -> tuple[int, int]:
    """(treatment index, item index) of an item, adding one dated on the accident day if there is none."""
    with_items = [i for i, t in enumerate(c["treatments"]) if t["items"]]
    if not with_items:
        c["treatments"][0]["items"].append({"on": c["accident"]["occurred_on"], "category": "treatment", "out_of_pocket": "100.00"})
        return 0, 0
    i = _pick(draw, with_items)
    return i, _int(draw, 0, len(c["treatments"][i]["items"]) - 1)


def _at(c: dict, path: str):
    obj = c
    for k in path.split("."):
        obj = obj[int(k)] if k.isdigit() else obj[k]
    return obj


def _put(c: dict, path: str, value) -> None:
    *head, last = path.split(".")
    obj = _at(c, ".".join(head)) if head else c
    obj[int(last) if last.isdigit() else last] = value


BAD_WORDS = ("pilot", "Courier", "", " courier", "未知", 3)
"""Values no enum of the contract holds (a misspelling, a wrong case, a number)."""


@_breaker("CONTRACT §5: an unknown enum value")
def _bad_enum(draw, c, h):
    path = _pick(draw, ("member.occupation", "accident.cause", "treatments.{t}.setting", "treatments.{t}.hospital.ownership", "treatments.{t}.hospital.kind", "treatments.{t}.hospital.grade"))
    path = path.format(t=_some_treatment(draw, c))
    bad = _pick(draw, (0, 4, "3", "three", True, 3.0)) if path.endswith("grade") else _pick(draw, BAD_WORDS)
    _put(c, path, bad)
    return path, c, h


@_breaker("CONTRACT §5: an unknown item category or medication_use")
def _bad_item_enum(draw, c, h):
    i, j = _some_item(draw, c)
    it = c["treatments"][i]["items"][j]
    if _int(draw, 0, 1):
        it["category"] = _pick(draw, ("massage", "Dental", "medicine"))
        it.pop("medication_use", None)  # else the unknown category would also carry a stray medication_use
        return f"treatments.{i}.items.{j}.category", c, h
    it["category"], it["medication_use"] = "medication", _pick(draw, ("guessed", "Prescribed", "otc"))
    return f"treatments.{i}.items.{j}.medication_use", c, h


@_breaker("CONTRACT §5: an unknown circumstance code")
def _bad_circumstance(draw, c, h):
    codes = list(c["accident"].get("circumstances") or [])
    k = _int(draw, 0, len(codes))
    codes.insert(k, _pick(draw, ("bungee", "Fight", "drunk driving", "war ")))
    c["accident"]["circumstances"] = codes
    return f"accident.circumstances.{k}", c, h


@_breaker("CONTRACT §7: documents is a set over invoice, accident_proof, medical_record and other")
def _bad_document(draw, c, h):
    docs = list(c.get("documents") or [])
    k = _int(draw, 0, len(docs))
    docs.insert(k, _pick(draw, ("photo", "Invoice", "receipt")))
    c["documents"] = docs
    return f"documents.{k}", c, h


@_breaker("CONTRACT §7: a ws218 code outside the mapping")
def _bad_ws218(draw, c, h):
    i = _some_treatment(draw, c)
    c["treatments"][i]["hospital"]["ws218"] = _pick(draw, ("Z999", "E100", "A800", "H221", "A10", "A1000"))
    return f"treatments.{i}.hospital.ws218", c, h


@_breaker("CONTRACT §5: a negative amount, or more than two decimals; §7: below 10,000,000")
def _bad_amount(draw, c, h):
    bad = _pick(draw, ("-0.01", "-1200.00", -5, "10.005", 10.005, "0.001", "10000000.00", 10_000_000, "1e3", True, "abc", float("nan"), "Infinity", "１２"))
    if h and _int(draw, 0, 2) == 0:
        n = _int(draw, 0, len(h) - 1)
        key = _pick(draw, ("paid", "counted_out_of_pocket"))
        h[n][key] = bad
        return f"history.{n}.{key}", c, h
    i, j = _some_item(draw, c)
    key = _pick(draw, ("out_of_pocket", "self_funded"))
    c["treatments"][i]["items"][j][key] = bad
    return f"treatments.{i}.items.{j}.{key}", c, h


@_breaker("CONTRACT §5: filed_on before occurred_on")
def _filed_before(draw, c, h):
    occurred = dt.date.fromisoformat(c["accident"]["occurred_on"])
    filed = occurred - dt.timedelta(days=_choose(draw, (3, 1), (1, lambda d: _int(d, 1, 400))))
    c["filed_on"] = iso(filed)
    for t in c["treatments"]:
        for it in t["items"]:
            if dt.date.fromisoformat(it["on"]) > filed:
                it["on"] = iso(filed)  # a cost before the accident is excluded (art5.1), not bad input
    return "filed_on", c, h


@_breaker("CONTRACT §5: an item before 1900")
def _before_1900(draw, c, h):
    day = _pick(draw, ("1899-12-31", "1800-01-01", "0001-01-01"))
    if _int(draw, 0, 2) == 0:
        key = _pick(draw, ("union_member_since", "real_name_verified_on"))
        c["member"][key] = day
        return f"member.{key}", c, h
    i, j = _some_item(draw, c)
    c["treatments"][i]["items"][j]["on"] = day
    return f"treatments.{i}.items.{j}.on", c, h


@_breaker("CONTRACT §5: a date that does not exist")
def _no_such_date(draw, c, h):
    bad = _pick(draw, ("2022-02-29", "2022-02-30", "2022-04-31", "2022-13-01", "2021-02-29", "2022-00-10"))
    where = _choose(draw, (1, "filed_on"), (1, "accident.occurred_on"), (1, "item"), (1, "member"), (1 if h else 0, "history"))
    if where == "item":
        i, j = _some_item(draw, c)
        where = f"treatments.{i}.items.{j}.on"
    elif where == "member":
        where = f"member.{_pick(draw, ('union_member_since', 'real_name_verified_on'))}"
    elif where == "history":
        n = _int(draw, 0, len(h) - 1)
        h[n]["accident_occurred_on"] = bad
        return f"history.{n}.accident_occurred_on", c, h
    _put(c, where, bad)
    return where, c, h


@_breaker("CONTRACT §7: a date is YYYY-MM-DD (no other ISO form, no date-time, no number)")
def _not_a_date(draw, c, h):
    bad = _pick(draw, ("20220301", "2022/03/01", "2022-03-01T00:00:00", 20220301, "01.03.2022", ""))
    path = _pick(draw, ("filed_on", "accident.occurred_on"))
    _put(c, path, bad)
    return path, c, h


@_breaker("CONTRACT §7: an item dated after filed_on")
def _item_after_filing(draw, c, h):
    i, j = _some_item(draw, c)
    filed = dt.date.fromisoformat(c["filed_on"])
    c["treatments"][i]["items"][j]["on"] = iso(filed + dt.timedelta(days=_choose(draw, (3, 1), (1, lambda d: _int(d, 1, 400)))))
    return f"treatments.{i}.items.{j}.on", c, h


@_breaker("CONTRACT §7: medication_use on an item that is not medication")
def _stray_medication_use(draw, c, h):
    i, j = _some_item(draw, c)
    it = c["treatments"][i]["items"][j]
    it["category"] = _pick(draw, ("treatment", "dental", "assistive_device"))
    it["medication_use"] = _pick(draw, MEDICATION_USES)
    return f"treatments.{i}.items.{j}.medication_use", c, h


@_breaker("CONTRACT §5: an ICD-10 code that does not exist")
def _bad_icd10(draw, c, h):
    i = _some_treatment(draw, c)
    codes = c["treatments"][i]["diagnoses"]
    k = _int(draw, 0, len(codes) - 1)
    codes[k] = _pick(draw, ("M52", "S82.22", "U99", "S99.99", "XYZ", "", "S82.2†", "Z99.99"))
    return f"treatments.{i}.diagnoses.{k}", c, h


def _wrong_check(number: str) -> str:
    right = gb11643_check(number[:17])
    return number[:17] + next(ch for ch in "0123456789X" if ch != right)


@_breaker("CONTRACT §5: a failing 身份证 check digit; §7: a 15-digit number")
def _bad_id_number(draw, c, h):
    fifteen = _int(draw, 0, 3) == 0
    if _int(draw, 0, 1) and isinstance(c.get("payee"), dict):
        own = c["payee"].get("holder_id_number") or _id_number(draw)
        c["payee"]["holder_id_number"] = own[:6] + own[8:17] if fifteen else _wrong_check(own)
        return "payee.holder_id_number", c, h
    own = c["member"].get("id_number") or _id_number(draw)
    c["member"]["id_number"] = own[:6] + own[8:17] if fifteen else _wrong_check(own)
    return "member.id_number", c, h


@_breaker("CONTRACT §7: digits 7–14 of a 身份证 number are a real birth date no later than filed_on")
def _bad_birth_date(draw, c, h):
    filed = dt.date.fromisoformat(c["filed_on"])
    after = filed + dt.timedelta(days=_int(draw, 1, 400))
    birth = _pick(draw, ("19901301", "19900230", "19900000", "20010229", after.strftime("%Y%m%d")))
    body = f"{_pick(draw, ('440106', '110105', '310101'))}{birth}{_int(draw, 0, 999):03d}"
    number = body + gb11643_check(body)  # the check digit holds: only the birth date is wrong
    if _int(draw, 0, 1) and isinstance(c.get("payee"), dict):
        c["payee"]["holder_id_number"] = number
        return "payee.holder_id_number", c, h
    c["member"]["id_number"] = number
    return "member.id_number", c, h


def _misspelt(draw, good: str) -> str:
    """``good`` spelt so that it is no longer the one spelling of itself (CONTRACT §7, "Ids")."""
    how = _pick(draw, ("trailing space", "leading space", "full-width", "zero-width", "tab", "line separator", "too long",
                       "space inside", "variation selector", "Hangul filler"))  # the last three: revision 3
    if how == "trailing space":
        return good + " "
    if how == "leading space":
        return " " + good
    if how == "full-width":  # NFKC folds it back: not already in NFKC form
        first = next(i for i, ch in enumerate(good) if "!" <= ch <= "~")
        return good[:first] + chr(ord(good[first]) + 0xFEE0) + good[first + 1 :]
    if how == "zero-width":
        return good[:1] + "\u200b" + good[1:]
    if how == "tab":
        return good + "\t"
    if how == "line separator":
        return good[:1] + "\u2028" + good[1:]
    if how == "space inside":
        return good[:1] + " " + good[1:]
    if how == "variation selector":
        return good + "\ufe0f"
    if how == "Hangul filler":
        return good + "\u1160"
    return (good * 65)[:65]


@_breaker("CONTRACT §7: ids are 1 to 64 characters in NFKC form, no white space, no control, format or default-ignorable characters")
def _misspelt_id(draw, c, h):
    paths = ["claim_id", "member.member_id", "accident.accident_id", "treatments.{t}.treatment_id"]
    if h:
        paths += ["history.{n}.claim_id", "history.{n}.accident_id"]
    path = _pick(draw, paths).format(t=_some_treatment(draw, c), n=_int(draw, 0, max(0, len(h) - 1)))
    root = {"history": h} if path.startswith("history.") else c
    _put(root, path, _misspelt(draw, _at(root, path)))
    return path, c, h


@_breaker("CONTRACT §7: a date after 2199-12-31 is bad input")
def _date_after_2199(draw, c, h):
    bad = _pick(draw, ("2200-01-01", "2999-12-31", "9999-12-31"))
    path = _pick(draw, ("member.union_member_since", "member.real_name_verified_on", "accident.occurred_on", "filed_on"))
    _put(c, path, bad)
    return path, c, h


@_breaker("CONTRACT §7: account_number is 10 to 30 digits")
def _bad_account(draw, c, h):
    if not isinstance(c.get("payee"), dict):
        c["payee"] = {"holder_name": c["member"]["name"]}
    c["payee"]["account_number"] = _pick(draw, ("123456789", "1" * 31, "6222 0202 0011 2233", "62220202001122334X", 6222020200112233445, ""))
    return "payee.account_number", c, h


@_breaker("CONTRACT §5: a claim_id that also stands in history")
def _claim_in_history(draw, c, h):
    n = _int(draw, 0, len(h))
    h.insert(n, {"claim_id": c["claim_id"], "accident_id": "A-EARLIER", "accident_occurred_on": "2021-06-01", "counted_out_of_pocket": "300.00", "paid": "0.00"})
    return "claim_id", c, h


@_breaker("CONTRACT §7: two history entries with the same claim_id")
def _history_id_twice(draw, c, h):
    if not h:
        h.append({"claim_id": "H-1", "accident_id": "A-EARLIER", "accident_occurred_on": "2021-06-01", "counted_out_of_pocket": "300.00", "paid": "0.00"})
    first = _int(draw, 0, len(h) - 1)
    h.append({**h[first], "counted_out_of_pocket": "0.00", "paid": "0.00"})
    return f"history.{len(h) - 1}.claim_id", c, h


def _fresh_entries(h: list, entries: list) -> int:
    """Append entries with fresh claim ids; return the index of the first."""
    start = len(h)
    for k, e in enumerate(entries):
        h.append({"claim_id": f"H-X{k + 1}", **e})
    return start


@_breaker("CONTRACT §5: a history whose payments for one edition exceed the cap")
def _over_the_cap(draw, c, h):
    paid_ed = sum(int(Decimal(e["paid"]) * 100) for e in h if in_period(dt.date.fromisoformat(e["accident_occurred_on"])))
    left = CAP_FEN - paid_ed
    pays = []  # fresh accidents of 2022, none paid above the top tier: first exactly up to the cap…
    while left > 0:
        pays.append(min(left, TOP_TIER_FEN))
        left -= pays[-1]
    pays.append(_choose(draw, (3, 1), (1, lambda d: _int(d, 1, 1000_00))))  # …then over it
    entries = [
        {"accident_id": f"A-X{k + 1}", "accident_occurred_on": iso(PERIOD_START + dt.timedelta(days=k)), "counted_out_of_pocket": "20000.00", "paid": yuan(pay)}
        for k, pay in enumerate(pays)
    ]
    start = _fresh_entries(h, entries)
    return f"history.{start + len(entries) - 1}.paid", c, h


@_breaker("CONTRACT §7: payments for one accident above the top tier")
def _over_the_top_tier(draw, c, h):
    h.clear()  # a history of its own, so that the cap cannot bite first
    first = _int(draw, 0, TOP_TIER_FEN)
    second = TOP_TIER_FEN - first + _choose(draw, (3, 1), (1, lambda d: _int(d, 1, CAP_FEN - TOP_TIER_FEN)))
    day = iso(_day(draw, PERIOD_START, PERIOD_END))
    start = _fresh_entries(h, [
        {"accident_id": "A-X1", "accident_occurred_on": day, "counted_out_of_pocket": "20000.00", "paid": yuan(first)},
        {"accident_id": "A-X1", "accident_occurred_on": day, "counted_out_of_pocket": "0.00", "paid": yuan(second)},
    ])  # fmt: skip
    return f"history.{start + 1}.paid", c, h


@_breaker("CONTRACT §5: history entries of one accident_id with two different dates (or one differing from the claim's)")
def _two_dates(draw, c, h):
    occurred = dt.date.fromisoformat(c["accident"]["occurred_on"])
    other = occurred + dt.timedelta(days=_pick(draw, (1, -1, 365, -30)))
    if _int(draw, 0, 1):
        start = _fresh_entries(h, [{"accident_id": c["accident"]["accident_id"], "accident_occurred_on": iso(other), "counted_out_of_pocket": "0.00", "paid": "0.00"}])
        return f"history.{start}.accident_occurred_on", c, h
    start = _fresh_entries(h, [
        {"accident_id": "A-X1", "accident_occurred_on": iso(occurred), "counted_out_of_pocket": "0.00", "paid": "0.00"},
        {"accident_id": "A-X1", "accident_occurred_on": iso(other), "counted_out_of_pocket": "0.00", "paid": "0.00"},
    ])  # fmt: skip
    return f"history.{start + 1}.accident_occurred_on", c, h


@_breaker("CONTRACT §5: a plan that names no known edition")
def _unknown_plan(draw, c, h):
    c["plan"] = _pick(draw, ("gd-nef-2099", "gd-nef-2021", "GD-NEF-2022", "", 2022))
    return "plan", c, h


@_breaker("CONTRACT §7: unknown keys are bad input")
def _unknown_key(draw, c, h):
    where = _choose(draw, (1, ""), (1, "member"), (1, "accident"), (1, "hospital"), (1, "item"), (1 if h else 0, "history"))
    key = _pick(draw, ("colour", "out_of_pockets", "Claim_id", "备注"))
    if where == "history":
        n = _int(draw, 0, len(h) - 1)
        h[n][key] = "x"
        return f"history.{n}.{key}", c, h
    if where == "hospital":
        where = f"treatments.{_some_treatment(draw, c)}.hospital"
    elif where == "item":
        i, j = _some_item(draw, c)
        where = f"treatments.{i}.items.{j}"
    (_at(c, where) if where else c)[key] = "x"
    return f"{where}.{key}" if where else key, c, h


REQUIRED_KEYS = (
    "claim_id", "filed_on", "member", "accident", "treatments",
    "member.member_id", "member.name", "member.occupation",
    "accident.accident_id", "accident.occurred_on", "accident.cause",
    "treatments.{t}.treatment_id", "treatments.{t}.hospital", "treatments.{t}.setting", "treatments.{t}.diagnoses",
    "treatments.{t}.items", "{item}.on", "{item}.category", "{item}.out_of_pocket",
)  # fmt: skip
"""CONTRACT §7 "Keys": the keys a claim must have."""


@_breaker("CONTRACT §7: a required key is missing")
def _missing_key(draw, c, h):
    path = _pick(draw, REQUIRED_KEYS)
    if "{item}" in path:
        i, j = _some_item(draw, c)
        path = path.format(item=f"treatments.{i}.items.{j}")
    else:
        path = path.format(t=_some_treatment(draw, c))
    *head, last = path.split(".")
    del (_at(c, ".".join(head)) if head else c)[last]
    return path, c, h


@_breaker("CONTRACT §7: at least one treatment, each with at least one diagnosis")
def _empty_list(draw, c, h):
    if _int(draw, 0, 1):
        c["treatments"] = []
        return "treatments", c, h
    i = _some_treatment(draw, c)
    c["treatments"][i]["diagnoses"] = []
    return f"treatments.{i}.diagnoses", c, h


@_breaker("CONTRACT §1: ids and names are text")
def _bad_text(draw, c, h):
    path = _pick(draw, ("claim_id", "member.member_id", "member.name", "accident.accident_id", "treatments.{t}.treatment_id"))
    path = path.format(t=_some_treatment(draw, c))
    _put(c, path, _pick(draw, (" ", "", 42, None, ["C-1"])))
    return path, c, h


@_breaker("interpretations: a treatment id is unique in its claim and holds no '/'")
def _bad_treatment_id(draw, c, h):
    if _int(draw, 0, 1):
        i = _some_treatment(draw, c)
        c["treatments"][i]["treatment_id"] = f"{c['treatments'][i]['treatment_id']}/{_int(draw, 1, 3)}"
        return f"treatments.{i}.treatment_id", c, h
    first = _some_treatment(draw, c)
    twin = {**c["treatments"][first], "items": []}
    c["treatments"].append(twin)
    return f"treatments.{len(c['treatments']) - 1}.treatment_id", c, h


@st.composite
def bad_claims(draw) -> BadClaim:
    """A claim and history that break exactly one rule of CONTRACT §5 (or a fine point of §7).

    Built from a valid :func:`claims_with_history` pair by one change, which the result names:
    ``adjudicate(bad.claim, bad.history)`` must raise :class:`~mutualaid.InvalidClaim` whose
    ``fields`` are exactly ``(bad.field,)``. The kinds of fault: unknown enum values, circumstance
    codes, documents and ws218 codes; negative, inexact, huge or non-numeric amounts; filed_on before
    the accident, dates before 1900, dates that do not exist or are not ``YYYY-MM-DD``, costs after
    filed_on; ICD-10 codes that do not exist; failing 身份证 check digits and 15-digit numbers; bad
    account numbers; a claim already in history, a claim id twice in history, payments over the
    cap or over the top tier, an accident with two dates; an unknown plan; unknown and missing
    keys; empty lists; blank or non-text ids; duplicate treatment ids.

    Shrinks towards the first way to break a claim (an unknown ``member.occupation``, ``"pilot"``)
    applied to the claim :func:`claims` shrinks towards, with an empty history.
    """
    breaks, breaker = _pick(draw, _BREAKERS)
    claim = _claim(draw)
    history = _history(draw, claim, 3)
    field, claim, history = breaker(draw, claim, history)
    return BadClaim(field, claim, history, breaks)
