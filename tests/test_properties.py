"""Property-based tests: what must hold for every valid claim, not just for the cases on file.

Claims and histories come from ``strategies.py`` as plain data, valid by construction. Each
property quotes the clause of 附件4 (or the contract's rule) it pins, then says in English what it
checks. The Hypothesis profile (``dev``: 50 examples, ``ci``: 500, derandomised) is chosen in
``conftest.py`` from ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from decimal import Decimal

from hypothesis import example, given, note
from hypothesis import strategies as st

import mutualaid
from mutualaid import Claim, HistoryEntry, adjudicate

import strategies as S
from claimdata import base_claim

MONEY_FIELDS = ("payout", "counted_out_of_pocket", "accident_out_of_pocket", "tier_amount", "cap_remaining")
CAP = Decimal("10000.00")
TOP_TIER = Decimal("6000.00")
TIERS = tuple(Decimal(S.yuan(f)) for f in S.TIER_PAYS_FEN)
ALL_RULES = {r.id for r in mutualaid.RULES}


# --- the contract's arithmetic, restated -------------------------------------------------------------


def D(text) -> Decimal:
    return Decimal(str(text))


def tier_of(amount: Decimal) -> Decimal:
    """CONTRACT table 3, art5.2: 0 below 200; [200, 500] → 200; (500, 2000] → 500; (2000, 5000] → 2000;
    (5000, 10000] → 5000; above 10000 → 6000."""
    if amount < 200:
        return Decimal("0.00")
    if amount <= 500:
        return Decimal("200.00")
    if amount <= 2000:
        return Decimal("500.00")
    if amount <= 5000:
        return Decimal("2000.00")
    if amount <= 10000:
        return Decimal("5000.00")
    return Decimal("6000.00")


def history_sums(claim: dict, history: list) -> tuple[Decimal, Decimal, Decimal]:
    """(counted for the claim's accident, paid for the claim's accident, paid for accidents in 2022)."""
    aid = claim["accident"]["accident_id"]
    counted = sum((D(h["counted_out_of_pocket"]) for h in history if h["accident_id"] == aid), Decimal("0.00"))
    paid_acc = sum((D(h["paid"]) for h in history if h["accident_id"] == aid), Decimal("0.00"))
    paid_ed = sum(
        (D(h["paid"]) for h in history if S.in_period(dt.date.fromisoformat(h["accident_occurred_on"]))),
        Decimal("0.00"),
    )
    return counted, paid_acc, paid_ed


def item_subjects(claim: dict):
    """(subject, treatment id, out_of_pocket) of every item, subject ``T1/2`` for T1's second item."""
    for t in claim["treatments"]:
        for n, it in enumerate(t["items"], start=1):
            yield f"{t['treatment_id']}/{n}", t["treatment_id"], D(it["out_of_pocket"])


def counted_by_reasons(claim: dict, decision) -> Decimal:
    """The sum of out_of_pocket over items that no exclude reason hit (subject T1 hits all T1's items)."""
    hit = {r.subject for r in decision.reasons if r.effect == "exclude"}
    return sum((amt for subj, tid, amt in item_subjects(claim) if subj not in hit and tid not in hit), Decimal("0.00"))


# --- a reference reading of the contract, independent of the library ------------------------------


def _working_day(day: dt.date) -> tuple[bool, bool]:
    """(working, covered): chinesecalendar's answer for 2004–2026, else Monday to Friday."""
    import chinese_calendar

    if 2004 <= day.year <= 2026:
        return chinese_calendar.is_workday(day), True
    return day.weekday() < 5, False


def filing_deadline(occurred: dt.date) -> tuple[dt.date, bool]:
    """art5.4: occurred_on + 1 calendar year (29 Feb → 28 Feb), moved to the next working day;
    True when the deadline or a day the move passes through lies outside the holiday data."""
    try:
        day = occurred.replace(year=occurred.year + 1)
    except ValueError:
        day = occurred.replace(year=occurred.year + 1, day=28)
    gap = False
    while True:
        working, covered = _working_day(day)
        gap = gap or not covered
        if working:
            return day, gap
        day += dt.timedelta(days=1)


def expected_decision(claim: dict, history: list) -> dict:
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
    if not S.in_period(occurred):
        bit("art4.1", "deny")
    # art9.1
    if a["cause"] != "accident":
        bit("art9.1", "deny")
    # art5.4
    deadline, gap = filing_deadline(occurred)
    if filed > deadline:
        bit("art5.4", "deny")
    if gap:
        bit("art5.4", "note")
    # table 4, claim level
    for code in a.get("circumstances") or ():
        bit(S.CIRCUMSTANCE_CLAUSE[code], "deny")
    # line rules
    counted = Decimal("0.00")
    for t in claim["treatments"]:
        tid, h = t["treatment_id"], t["hospital"]
        t_out = False
        kind = S.WS218_KIND[h["ws218"]] if h.get("ws218") else (h.get("kind") or "general")
        if h.get("grade") not in (2, 3) or h.get("ownership") != "public" or kind in S.EXCLUDED_KINDS:
            bit("art5.5", "exclude", tid)
            t_out = True
        group = S.ICD10_GROUP[t["diagnoses"][0]]
        if group:
            bit(group, "exclude", tid)
            t_out = True
        for n, it in enumerate(t["items"], start=1):
            subject = f"{tid}/{n}"
            out = False
            day = (dt.date.fromisoformat(it["on"]) - occurred).days
            if day < 0 or day > 180:
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
    hist_counted, paid_acc, paid_ed = history_sums(claim, history)
    accident = hist_counted + counted
    tier = tier_of(accident)
    due = max(Decimal("0.00"), tier - paid_acc)
    cap_left = max(Decimal("0.00"), CAP - paid_ed)
    if tier == 0 or due == 0:
        bit("art5.2", "deny")
    elif cap_left == 0:
        bit("art5.3", "deny")
    elif cap_left < due:
        bit("art5.3", "note")
    # art8.2
    docs = set(claim.get("documents") or ())
    if not set(S.REQUIRED_DOCUMENTS) <= docs:
        bit("art8.2", "pend")
    # art7
    p = claim.get("payee")
    if p is None or not (p.get("holder_name") or "").strip() or not p.get("account_number"):
        bit("art7", "pend")
    if p is not None and (p.get("holder_name") or "").strip() and p["holder_name"].strip() != m["name"].strip():
        bit("art7", "pend")
    if p is not None and p.get("holder_id_number") and m.get("id_number"):
        if p["holder_id_number"].upper() != m["id_number"].upper():
            bit("art7", "pend")

    effects = {e for _, e, _ in reasons}
    outcome = "denied" if "deny" in effects else "pending" if "pend" in effects else "approved"
    payout = min(due, cap_left) if outcome == "approved" else Decimal("0.00")
    return {
        "outcome": outcome,
        "payout": payout,
        "counted_out_of_pocket": counted,
        "accident_out_of_pocket": accident,
        "tier_amount": tier,
        "cap_remaining": cap_left - payout,
        "reasons": reasons,
    }


# --- the strategies themselves --------------------------------------------------------------------------


def test_the_strategies_check_digit_agrees_with_gb11643_examples():
    """GB 11643-1999: 校验码 = ISO 7064 MOD 11-2. The strategies compute it themselves; two published numbers."""
    assert S.gb11643_check("11010519491231002") == "X"
    assert S.gb11643_check("44010619900307123") == "1"


def test_every_listed_icd10_code_is_accepted():
    """CONTRACT §7 ICD-10: the strategies' fixed list holds only codes the contract accepts."""
    from mutualaid.icd10 import who_code

    for code in S.ICD10_CODES:
        who_code(code)


# --- the properties -----------------------------------------------------------------------------------------


def _base():
    """claimdata's valid claim with 5000.01 out of pocket, the least amount of the 5000 tier."""
    c = base_claim()
    c["treatments"][0]["items"] = [{"on": "2022-03-01", "category": "treatment", "out_of_pocket": "5000.01"}]
    return c


def _hist(cid, aid, on, counted, paid):
    return {"claim_id": cid, "accident_id": aid, "accident_occurred_on": on, "counted_out_of_pocket": counted, "paid": paid}


@given(S.claims_with_history())
@example((_base(), [_hist("H-1", "A-0001", "2022-03-01", "600.00", "500.00")]))  # top-up: 5000 − 500
@example((_base(), [_hist("H-1", "A-9", "2022-01-05", "20000.00", "6000.00"), _hist("H-2", "A-8", "2022-02-05", "800.00", "500.00")]))  # cap: 3500
@example((_base(), [_hist("H-1", "A-0001", "2022-03-01", "9000.00", "6000.00")]))  # already paid the top tier
def test_payout_is_a_tier_amount_less_what_was_paid_or_the_cap_remainder(cw):
    """第五条(二) "个人自付金额在200-500元(含)的,一次性补偿200元;……大于10000元的,一次性补偿6000元" and
    第五条(三) "累计给付金额不超过10000元".

    A payout is a tier amount (200/500/2000/5000/6000) less what the accident was already paid, or what
    is left of the 10,000 cap; it never exceeds the accident's countable out-of-pocket; it is positive
    exactly when the claim is approved. The decision's accident total, tier and cap_remaining follow
    from the history as the contract computes them.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    hist_counted, paid_acc, paid_ed = history_sums(claim, history)
    assert d.accident_out_of_pocket == hist_counted + d.counted_out_of_pocket
    assert d.tier_amount == tier_of(d.accident_out_of_pocket)
    assert (d.payout > 0) == (d.outcome == "approved")
    assert d.payout <= d.accident_out_of_pocket
    assert d.payout <= max(Decimal(0), d.tier_amount - paid_acc)
    assert d.payout <= CAP - paid_ed
    if d.payout:
        assert d.payout in {t - paid_acc for t in TIERS} | {CAP - paid_ed}
        assert d.payout == min(d.tier_amount - paid_acc, CAP - paid_ed)
    assert d.cap_remaining == max(Decimal(0), CAP - paid_ed) - d.payout


@given(S.member_sequences())
def test_total_paid_in_an_edition_never_exceeds_the_cap(seq):
    """第五条(三) "不论一次或多次遭受意外伤害事故……均按上述约定分别给付……但累计给付金额不超过10000元。
    累计给付金额达到10000元时,该保障责任终止。"

    Claims by one member, each decided with the earlier decisions as history: each fed-back history
    is valid input, no accident is paid more than 6,000 in total, and the total paid for accidents
    of the 2022 edition never exceeds 10,000 (nor does anything outside it get paid).
    """
    history: list = []
    for claim in seq:
        d = adjudicate(claim, history)
        history.append(S.history_entry(claim, d))
        note(f"{claim['claim_id']} {claim['accident']['accident_id']}: {d.outcome} {d.payout} cap_remaining {d.cap_remaining}")
    total = sum(D(h["paid"]) for h in history)
    in_edition = sum(D(h["paid"]) for h in history if S.in_period(dt.date.fromisoformat(h["accident_occurred_on"])))
    assert in_edition == total
    assert total <= CAP
    per_accident = Counter()
    for h in history:
        per_accident[h["accident_id"]] += D(h["paid"])
    assert all(v <= TOP_TIER for v in per_accident.values())


@st.composite
def split_claims(draw):
    claim, history = draw(S.claims_with_history(complete=True, max_history=3))
    sides = [[draw(st.booleans()) for _ in t["items"]] for t in claim["treatments"]]
    return claim, history, sides


def _split(claim: dict, sides: list, side: bool, claim_id: str) -> dict:
    c = copy.deepcopy(claim)
    c["claim_id"] = claim_id
    for t, flags in zip(c["treatments"], sides):
        t["items"] = [it for it, f in zip(t["items"], flags) if f == side]
    return c


@given(split_claims())
def test_splitting_an_accidents_costs_over_two_claims_pays_the_same(data):
    """第八条(一) "工作人员接到申报后,将进行累计,达到给付条件后将补贴款直接汇入……银行账户" and 第五条(二)
    "因同一次意外伤害事故发生的个人自付金额……".

    One accident's items split over two claims filed the same day (the second decided with the first
    as history; all documents, the member's own account) pay the same total as one claim with all of
    them: the tier is looked up on the accident's accumulated total.
    """
    claim, history, sides = data
    whole = adjudicate(claim, history)
    first = _split(claim, sides, True, "S-1")
    second = _split(claim, sides, False, "S-2")
    d1 = adjudicate(first, history)
    d2 = adjudicate(second, [*history, S.history_entry(first, d1)])
    note(f"whole {whole.payout}, first {d1.payout} ({d1.outcome}), second {d2.payout} ({d2.outcome})")
    assert d1.payout + d2.payout == whole.payout
    assert d1.counted_out_of_pocket + d2.counted_out_of_pocket == whole.counted_out_of_pocket
    assert d2.accident_out_of_pocket == whole.accident_out_of_pocket


@st.composite
def reordered(draw):
    claim, history = draw(S.claims_with_history())
    order = draw(st.permutations(range(len(claim["treatments"]))))
    item_orders = [draw(st.permutations(range(len(t["items"])))) for t in claim["treatments"]]
    return claim, history, order, item_orders


def _reason_key(r, relabel=None):
    subject = relabel.get(r.subject, r.subject) if relabel else r.subject
    return (r.clause, r.rule, r.effect, subject, r.message_zh, r.message_en)


@given(reordered())
def test_the_order_of_items_and_treatments_changes_nothing_but_the_order_of_reasons(data):
    """第五条(二) "因同一次意外伤害事故发生的个人自付金额" is a sum; the contract (§7 "Reason order") orders
    reasons by input, and nothing else depends on it.

    Reordering treatments and the items inside each keeps the outcome, the amounts and the multiset
    of reasons (an item's subject ``T1/2`` renumbered to its new place).
    """
    claim, history, order, item_orders = data
    moved = copy.deepcopy(claim)
    moved["treatments"] = []
    relabel = {}
    for k in order:
        t = copy.deepcopy(claim["treatments"][k])
        perm = item_orders[k]
        t["items"] = [claim["treatments"][k]["items"][i] for i in perm]
        for new, old in enumerate(perm, start=1):
            relabel[f"{t['treatment_id']}/{old + 1}"] = f"{t['treatment_id']}/{new}"
        moved["treatments"].append(t)
    a, b = adjudicate(claim, history), adjudicate(moved, history)
    assert a.outcome == b.outcome
    for f in MONEY_FIELDS:
        assert getattr(a, f) == getattr(b, f), f
    assert Counter(_reason_key(r, relabel) for r in a.reasons) == Counter(_reason_key(r) for r in b.reasons)
    assert set(a.passed) == set(b.passed)


@given(S.claims_with_history(), st.sampled_from(S.CIRCUMSTANCES))
def test_adding_a_circumstance_never_raises_the_payout(cw, code):
    """第六条 "下列情形之一者,省互助会将不承担给付专属意外医疗补贴保障的责任" (table 4, claim level).

    Adding any table-4 circumstance to the accident never raises the payout; in fact it denies the
    claim, citing the circumstance's clause, and pays nothing.
    """
    claim, history = cw
    before = adjudicate(claim, history)
    more = copy.deepcopy(claim)
    more["accident"]["circumstances"] = [*(more["accident"].get("circumstances") or []), code]
    after = adjudicate(more, history)
    assert after.payout <= before.payout
    assert after.outcome == "denied" and after.payout == 0
    assert any(r.clause == S.CIRCUMSTANCE_CLAUSE[code] and r.effect == "deny" for r in after.reasons)


@given(S.claims_with_history(), st.one_of(st.integers(1, 10), st.integers(1, 800)))
def test_filing_later_never_helps(cw, days):
    """第五条(四) "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。"

    The same claim filed later never pays more, and a denied claim stays denied.
    """
    claim, history = cw
    later = copy.deepcopy(claim)
    later["filed_on"] = S.iso(dt.date.fromisoformat(claim["filed_on"]) + dt.timedelta(days=days))
    early, late = adjudicate(claim, history), adjudicate(later, history)
    assert late.payout <= early.payout
    if early.outcome == "denied":
        assert late.outcome == "denied"


@given(S.claims_with_history())
def test_the_same_input_gives_the_same_json_and_is_never_changed(cw):
    """CONTRACT §2 "every rule that bit, in a stable order"; ``adjudicate`` is pure.

    Deciding twice, deciding a deep copy, and deciding the same claim given as pydantic models all
    give the same JSON, and the input dicts are left exactly as they were.
    """
    claim, history = cw
    snapshot = copy.deepcopy((claim, history))
    first = adjudicate(claim, history).model_dump_json()
    assert adjudicate(claim, history).model_dump_json() == first
    assert (claim, history) == snapshot
    assert adjudicate(copy.deepcopy(claim), copy.deepcopy(history)).model_dump_json() == first
    models = Claim.model_validate(claim), tuple(HistoryEntry.model_validate(h) for h in history)
    assert adjudicate(*models).model_dump_json() == first
    assert (claim, history) == snapshot
    json.loads(first)


@given(S.claims_with_history())
def test_outcome_follows_the_effects_of_the_reasons(cw):
    """CONTRACT §2: "`outcome` is `denied` when any reason denies, else `pending` when any reason pends,
    else `approved`." (第八条(二) 申报材料 and 第七条 受领人 pend; the other clauses deny or exclude.)

    The outcome is denied iff some reason has effect deny, else pending iff some pend; every reason
    carries a clause key and a known effect; the payout is 0.00 unless approved.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    effects = {r.effect for r in d.reasons}
    assert effects <= {"deny", "exclude", "pend", "note"}
    expected = "denied" if "deny" in effects else "pending" if "pend" in effects else "approved"
    assert d.outcome == expected
    if d.outcome != "approved":
        assert d.payout == 0
    assert all(r.clause.startswith("art") and r.message_zh and r.message_en for r in d.reasons)
    bit = {r.rule for r in d.reasons}
    assert bit.isdisjoint(d.passed) and bit | set(d.passed) == ALL_RULES  # every rule is evaluated
    subjects = {"claim"} | {t["treatment_id"] for t in claim["treatments"]} | {s for s, _, _ in item_subjects(claim)}
    assert {r.subject for r in d.reasons} <= subjects


@given(S.claims_with_history())
def test_counted_out_of_pocket_is_the_sum_of_items_no_exclusion_hit(cw):
    """CONTRACT §3: "Counted out-of-pocket of a claim = the sum of `out_of_pocket` over items that no
    `exclude` reason hit." (第五条(一) "符合……社会基本医疗保险规定的合理医疗费用"; 第五条(二) "个人自付金额".)

    counted_out_of_pocket equals the sum over items not named by an exclude reason, where subject
    ``T1`` excludes every item of T1 and ``T1/2`` only its second item; self_funded never counts.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    assert d.counted_out_of_pocket == counted_by_reasons(claim, d)


@given(S.claims_with_history())
def test_money_fields_are_decimals_in_fen(cw):
    """CONTRACT §1: "the library holds them as `Decimal`, never `float`" (amounts are yuan with two decimals).

    Every money field of the decision is a Decimal with exponent −2, not negative, and written to
    JSON as its two-decimal string.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    dumped = json.loads(d.model_dump_json())
    for f in MONEY_FIELDS:
        v = getattr(d, f)
        assert type(v) is Decimal, f
        assert v.as_tuple().exponent == -2, (f, v)
        assert v >= 0, (f, v)
        assert dumped[f] == str(v)


def _window_edges():
    c = _base()
    c["filed_on"] = "2022-09-10"
    c["treatments"][0]["items"] = [
        {"on": "2022-02-28", "category": "treatment", "out_of_pocket": "100.00"},  # day −1
        {"on": "2022-03-01", "category": "treatment", "out_of_pocket": "100.00"},  # day 0
        {"on": "2022-08-28", "category": "treatment", "out_of_pocket": "100.00"},  # day 180
        {"on": "2022-08-29", "category": "treatment", "out_of_pocket": "100.00"},  # day 181
    ]
    return c


@given(S.claims_with_history())
@example((_base(), []))
@example((_window_edges(), []))
@example((_base(), [_hist("H-1", "A-9", "2022-01-05", "20000.00", "6000.00"), _hist("H-2", "A-8", "2022-02-05", "8000.00", "4000.00")]))
def test_the_decision_is_what_the_contract_computes(cw):
    """第五条 保障待遇, 第六条 除外责任, 第一条, 第四条(一), 第七条, 第八条(二), 第九条 1, as CONTRACT §3, §4
    and §7 restate them.

    An independent reading of the contract's tables (eligibility, period, cause, filing deadline with
    the holiday calendar, circumstances, 180-day window, hospital, primary diagnosis, item kinds,
    tiers, top-ups, cap, documents, payee) gives the same outcome, amounts and set of
    (clause, effect, subject) reasons as the library.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    want = expected_decision(claim, history)
    got_reasons = {(r.clause, r.effect, r.subject) for r in d.reasons}
    assert got_reasons == want["reasons"]
    assert d.outcome == want["outcome"]
    for f in MONEY_FIELDS:
        assert getattr(d, f) == want[f], f


def _money_spelling(draw, text: str):
    """The same amount as another spelling the contract accepts (a string or a number)."""
    whole, frac = text.split(".")
    forms = [text, Decimal(text), float(text), f"{text}0"]
    if frac == "00":
        forms += [int(whole), whole]
    elif frac.endswith("0"):
        forms += [f"{whole}.{frac[0]}"]
    return draw(st.sampled_from(forms))


@st.composite
def respelled(draw):
    claim, history = draw(S.claims_with_history())
    c, h = copy.deepcopy(claim), copy.deepcopy(history)

    def day(obj, key):
        if obj.get(key) is not None and draw(st.booleans()):
            obj[key] = dt.date.fromisoformat(obj[key])

    day(c, "filed_on")
    day(c["member"], "union_member_since")
    day(c["member"], "real_name_verified_on")
    day(c["accident"], "occurred_on")
    for t in c["treatments"]:
        for it in t["items"]:
            day(it, "on")
            it["out_of_pocket"] = _money_spelling(draw, it["out_of_pocket"])
            if it.get("self_funded") is not None:
                it["self_funded"] = _money_spelling(draw, it["self_funded"])
    for e in h:
        day(e, "accident_occurred_on")
        e["counted_out_of_pocket"] = _money_spelling(draw, e["counted_out_of_pocket"])
        e["paid"] = _money_spelling(draw, e["paid"])
    return claim, history, c, h


@given(respelled())
def test_equivalent_spellings_of_amounts_and_dates_decide_alike(data):
    """CONTRACT §1: "Amounts are yuan with at most two decimals, given as strings or numbers" and §7
    "`10.500` is accepted"; dates are ``YYYY-MM-DD`` strings or dates.

    Writing an amount as ``"1200.00"``, ``"1200"``, ``"1200.000"``, ``1200``, ``1200.0`` or
    ``Decimal("1200.00")``, or a date as a ``date``, gives the same decision, to the byte.
    """
    claim, history, c, h = data
    assert adjudicate(c, h).model_dump_json() == adjudicate(claim, history).model_dump_json()
