"""A reference reading of the contract, independent of the library.

CONTRACT §3, §4 and §7 restated as plain Python over plain data: what a claims officer computes
by hand from the input and the edition's parameters. The properties hold the library to it, so
nothing here may import the library's rules, facts or tables. An edition's parameters come either
from the contract's 2022 table (:data:`PARAMS_2022`, from the tables restated in ``tables.py``
beside it, not from the strategies) or from a what-if edition's own data (:func:`params_of`, reading its JSON).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import tables as C

ZERO = Decimal("0.00")
MONEY_FIELDS = ("payout", "counted_out_of_pocket", "accident_out_of_pocket", "tier_amount", "cap_remaining")


def D(text) -> Decimal:
    return Decimal(str(text))


class Params(NamedTuple):
    """An edition's parameters, as the contract's tables state them for 2022."""

    start: dt.date
    end: dt.date
    window_days: int
    tiers: tuple[tuple[Decimal, bool, Decimal], ...]
    """(lower edge, inclusive (以上) or not (超过), pays), lowest first."""
    cap: Decimal
    cap_scope: str
    accumulate: bool
    filing_years: int
    moves_to_workday: bool
    top_ups_meet_deadline: bool
    required_documents: frozenset
    min_grade: int
    ownership: str
    excluded_kinds: frozenset
    circumstance_clause: dict
    diagnosis_clauses: frozenset


PARAMS_2022 = Params(
    start=C.PERIOD_START,
    end=C.PERIOD_END,
    window_days=C.WINDOW_DAYS,
    tiers=(
        (D("200.00"), True, D("200.00")),  # [200, 500] → 200
        (D("500.00"), False, D("500.00")),  # (500, 2000] → 500
        (D("2000.00"), False, D("2000.00")),  # (2000, 5000] → 2000
        (D("5000.00"), False, D("5000.00")),  # (5000, 10000] → 5000
        (D("10000.00"), False, D("6000.00")),  # above 10000 → 6000
    ),
    cap=D("10000.00"),
    cap_scope="edition",
    accumulate=True,
    filing_years=1,
    moves_to_workday=True,
    top_ups_meet_deadline=True,  # CONTRACT §3 art5.4: "of every filing, a top-up included"
    required_documents=frozenset(C.REQUIRED_DOCUMENTS),
    min_grade=2,
    ownership="public",
    excluded_kinds=frozenset(C.EXCLUDED_KINDS),
    circumstance_clause=dict(C.CIRCUMSTANCE_CLAUSE),
    diagnosis_clauses=frozenset({"art6.4", "art6.5", "art6.6", "art6.8", "art6.10"}),
)


def params_of(edition) -> Params:
    """A what-if edition's parameters, read from its JSON (the diagnosis groups keep table 4's codes)."""
    if edition is None:
        return PARAMS_2022
    e = edition.model_dump(mode="json", by_alias=True)
    circumstances = {code: key for key, codes in e["exclusions"]["circumstances"].items() for code in codes}
    return Params(
        start=dt.date.fromisoformat(e["period"]["start"]),
        end=dt.date.fromisoformat(e["period"]["end"]),
        window_days=e["window"]["days"],
        tiers=tuple(
            (D(t["at_least"] if t.get("at_least") is not None else t["over"]), t.get("at_least") is not None, D(t["pays"]))
            for t in e["tiers"]
        ),
        cap=D(e["cap"]["amount"]),
        cap_scope=e["cap"]["scope"],
        accumulate=e["accumulate_same_accident"],
        filing_years=e["filing"]["years"],
        moves_to_workday=e["filing"]["filing_deadline_moves_to_workday"],
        top_ups_meet_deadline=e["filing"]["top_ups_meet_deadline"],
        required_documents=frozenset(e["documents"]["required"]),
        min_grade=e["hospital"]["min_grade"],
        ownership=e["hospital"]["ownership"],
        excluded_kinds=frozenset(e["hospital"]["excluded_kinds"]),
        circumstance_clause=circumstances,
        diagnosis_clauses=frozenset(e["exclusions"]["diagnoses"]),
    )


# --- the arithmetic -------------------------------------------------------------------------------------


def tier_of(amount: Decimal, p: Params = PARAMS_2022) -> Decimal:
    """CONTRACT table 3, art5.2: the highest row whose lower edge the amount reaches (以上 includes
    the edge, 超过 does not); 0.00 below the first."""
    for edge, inclusive, pays in reversed(p.tiers):
        if (amount >= edge) if inclusive else (amount > edge):
            return pays
    return ZERO


def top_tier(p: Params = PARAMS_2022) -> Decimal:
    return max(pays for _, _, pays in p.tiers)


def history_sums(claim: dict, history: list, p: Params = PARAMS_2022) -> tuple[Decimal, Decimal, Decimal]:
    """(counted for the claim's accident, paid for the claim's accident, paid within the cap's scope)."""
    aid = claim["accident"]["accident_id"]
    same = [h for h in history if h["accident_id"] == aid]
    counted = sum((D(h["counted_out_of_pocket"]) for h in same), ZERO) if p.accumulate else ZERO
    paid_acc = sum((D(h["paid"]) for h in same), ZERO)
    paid_scope = sum(
        (
            D(h["paid"])
            for h in history
            if p.cap_scope == "member" or p.start <= dt.date.fromisoformat(str(h["accident_occurred_on"])) <= p.end
        ),
        ZERO,
    )
    return counted, paid_acc, paid_scope


def item_subjects(claim: dict):
    """(subject, treatment id, out_of_pocket) of every item, subject ``T1/2`` for T1's second item."""
    for t in claim["treatments"]:
        for n, it in enumerate(t["items"], start=1):
            yield f"{t['treatment_id']}/{n}", t["treatment_id"], D(it["out_of_pocket"])


def counted_by_reasons(claim: dict, decision) -> Decimal:
    """The sum of out_of_pocket over items no exclude reason hit (subject T1 hits all T1's items)."""
    hit = {r.subject for r in decision.reasons if r.effect == "exclude"}
    return sum((amt for subj, tid, amt in item_subjects(claim) if subj not in hit and tid not in hit), ZERO)


# --- the calendar -----------------------------------------------------------------------------------------


def working_day(day: dt.date) -> tuple[bool, bool]:
    """(working, covered): chinesecalendar's answer for 2004–2026 (CONTRACT §7), else Monday to Friday."""
    import chinese_calendar

    if 2004 <= day.year <= 2026:
        return chinese_calendar.is_workday(day), True
    return day.weekday() < 5, False


def filing_deadline(occurred: dt.date, p: Params = PARAMS_2022) -> tuple[dt.date, bool]:
    """art5.4: occurred_on + the filing limit in calendar years (29 Feb → 28 Feb), moved to the next
    working day when the edition says so; True when that move met a year without holiday data."""
    return _deadline(occurred, p.filing_years, p.moves_to_workday)


@lru_cache(maxsize=8192)
def _deadline(occurred: dt.date, years: int, moves: bool) -> tuple[dt.date, bool]:
    day = C.anniversary(occurred, years)
    gap = False
    if not moves:
        return day, gap
    while True:
        working, covered = working_day(day)
        gap = gap or not covered
        if working:
            return day, gap
        day += dt.timedelta(days=1)


# --- the whole decision ----------------------------------------------------------------------------------


def hospital_counts(h: dict, p: Params = PARAMS_2022) -> bool:
    """art5.5: grade at least the minimum, the required ownership, a kind not excluded (ws218 wins)."""
    kind = C.WS218_KIND[h["ws218"]] if h.get("ws218") else (h.get("kind") or "general")
    grade = h.get("grade")
    return grade is not None and grade >= p.min_grade and h.get("ownership") == p.ownership and kind not in p.excluded_kinds


def payee_pends(claim: dict) -> bool:
    """art7 and CONTRACT §7: the payee is missing or incomplete, or not the member by name or id."""
    m, p = claim["member"], claim.get("payee")
    if p is None or not (p.get("holder_name") or "").strip() or not p.get("account_number"):
        return True
    if p["holder_name"].strip() != m["name"].strip():
        return True
    return bool(p.get("holder_id_number") and m.get("id_number") and p["holder_id_number"].upper() != m["id_number"].upper())


def expected_decision(claim: dict, history: list, p: Params = PARAMS_2022) -> dict:
    """What sections 3, 4 and 7 of the contract decide, computed from the input alone.

    Reasons are compared as a set of (clause, effect, subject): how many rule ids one table row
    splits into is the library's business.
    """
    reasons: set = set()
    m, a = claim["member"], claim["accident"]
    occurred = dt.date.fromisoformat(a["occurred_on"])
    filed = dt.date.fromisoformat(claim["filed_on"])

    def bit(clause, effect, subject="claim"):
        reasons.add((clause, effect, subject))

    # art1
    for key in ("union_member_since", "real_name_verified_on"):
        v = m.get(key)
        if v is None or dt.date.fromisoformat(v) > occurred:
            bit("art1", "deny")
    if m["occupation"] == "not_platform_worker":
        bit("art1", "deny")
    # art4.1
    if not p.start <= occurred <= p.end:
        bit("art4.1", "deny")
    # art9.1
    if a["cause"] != "accident":
        bit("art9.1", "deny")
    # art5.4
    deadline, gap = filing_deadline(occurred, p)
    # revision 3: an exempted top-up needs an on-time filing of its accident in the history (an entry
    # without filed_on shows none)
    on_time_before = any(
        h["accident_id"] == a["accident_id"] and h.get("filed_on") is not None and dt.date.fromisoformat(str(h["filed_on"])) <= deadline
        for h in history
    )
    if filed > deadline and (p.top_ups_meet_deadline or not on_time_before):
        bit("art5.4", "deny")
    if gap:
        bit("art5.4", "note")
    # table 4, claim level
    for code in a.get("circumstances") or ():
        if code in p.circumstance_clause:
            bit(p.circumstance_clause[code], "deny")
    # line rules
    counted = ZERO
    for t in claim["treatments"]:
        tid = t["treatment_id"]
        t_out = False
        if not hospital_counts(t["hospital"], p):
            bit("art5.5", "exclude", tid)
            t_out = True
        group = C.table4_clause(t["diagnoses"])
        if group in p.diagnosis_clauses:
            bit(group, "exclude", tid)
            t_out = True
        for n, it in enumerate(t["items"], start=1):
            subject = f"{tid}/{n}"
            out = False
            day = (dt.date.fromisoformat(it["on"]) - occurred).days
            if day < 0 or day > p.window_days:
                bit("art5.1", "exclude", subject)
                out = True
            if it["category"] == "medication" and it.get("medication_use") == "self_medicated":
                bit("art6.7", "exclude", subject)
                out = True
            if it["category"] == "dental":
                bit("art6.8", "exclude", subject)
                out = True
            if it["category"] == "assistive_device":
                bit("art6.9", "exclude", subject)
                out = True
            if not (out or t_out):
                counted += D(it["out_of_pocket"])
    # art5.2, art5.3
    hist_counted, paid_acc, paid_scope = history_sums(claim, history, p)
    accident = hist_counted + counted
    tier = tier_of(accident, p)
    due = max(ZERO, tier - paid_acc)
    cap_left = max(ZERO, p.cap - paid_scope)
    if tier == 0 or due == 0:
        bit("art5.2", "deny")
    if cap_left == 0:  # revision 3: the cover has ended (该保障责任终止), whatever is due
        bit("art5.3", "deny")
    elif tier != 0 and due != 0 and cap_left < due:
        bit("art5.3", "note")
    # art8.2
    if not p.required_documents <= set(claim.get("documents") or ()):
        bit("art8.2", "pend")
    # art7
    if payee_pends(claim):
        bit("art7", "pend")

    effects = {e for _, e, _ in reasons}
    outcome = "denied" if "deny" in effects else "pending" if "pend" in effects else "approved"
    payout = min(due, cap_left) if outcome == "approved" else ZERO
    return {
        "outcome": outcome,
        "payout": payout,
        "counted_out_of_pocket": counted,
        "accident_out_of_pocket": accident,
        "tier_amount": tier,
        "cap_remaining": cap_left - payout,
        "reasons": reasons,
    }


def assert_decides_as_expected(decision, claim: dict, history: list, p: Params = PARAMS_2022) -> None:
    """The decision's outcome, amounts and (clause, effect, subject) reasons are the reference's."""
    want = expected_decision(claim, history, p)
    assert {(r.clause, r.effect, r.subject) for r in decision.reasons} == want["reasons"]
    assert decision.outcome == want["outcome"]
    for f in MONEY_FIELDS:
        assert getattr(decision, f) == want[f], f


def assert_never_worse(before, after) -> None:
    """Monotonicity: ``after`` counts and pays at least what ``before`` does, and is no new denial."""
    assert after.counted_out_of_pocket >= before.counted_out_of_pocket
    assert after.payout >= before.payout
    if before.outcome != "denied":
        assert after.outcome != "denied"
