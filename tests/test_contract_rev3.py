"""Contract revision 3, the plan's readings (CONTRACT §3, §4, §7 and "Revisions"), on both engines.

Each test names the finding it covers. Every finding has tests that failed on the code this work
started from; a test whose docstring says "guard" pins an edge of the reading that held already:

1. art6.10 covers infections filed outside chapter I, and its proviso is lifted only by a wound the
   accident made (S00–T14, T20–T35, T79.3), never by a complication of care (T80–T88).
2. art5.3: once the cap is used up before a claim, the cover has ended and art5.3 denies it,
   whatever is due (a claim below the first tier cites art5.2 and art5.3).
3. art5.4 with ``filing.top_ups_meet_deadline: false``: a top-up is exempt only when the history
   holds an on-time filing of its accident (``filed_on``); an entry without one shows none. A history
   entry filed before its accident is bad input (``history.N.filed_on``).
4. Messages state amounts exactly, an item before the accident reads "事故发生前 N 日", and once the
   cap is used up no hint suggests filing again (the property is in tests/test_messages_exact.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mutualaid import Edition, InvalidClaim, adjudicate, editions
from mutualaid.cases import load_cases
from mutualaid.icd10 import CodeGroups, who_code

from claimdata import base_claim, claim_with, edition_data, hist, item, treatment

E2022 = editions.get("gd-nef-2022")
ENGINES = ["native", "durable"]
CASES = Path(__file__).resolve().parent / "cases" / "contract_rev3.yaml"


def _engine(engine: str) -> str:
    if engine == "durable":
        pytest.importorskip("durable.engine", reason="durable_rules is not installed")
    return engine


def _decide(claim, history=(), engine="native", **kw):
    native = adjudicate(claim, history, **kw)
    if engine == "durable":
        durable = adjudicate(claim, history, engine=_engine("durable"), **kw)
        assert native.model_dump(mode="json", exclude={"engine"}) == durable.model_dump(mode="json", exclude={"engine"})
        return durable
    return native


def _denied_by(d) -> list[tuple[str, str]]:
    return [(r.clause, r.subject) for r in d.reasons if r.effect in ("deny", "exclude")]


# --- 1. art6.10: infections outside chapter I, and the proviso's wounds ----------------------------

INFECTIONS_OUTSIDE_CHAPTER_I = ["J15.9", "L03.1", "G00.9", "U07.1", "U07.2", "N39.0", "M86.1", "J85.1", "G06.0", "M00.0", "J10.1", "L08.9"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", INFECTIONS_OUTSIDE_CHAPTER_I)
def test_an_infection_filed_outside_chapter_one_is_excluded_as_primary_diagnosis(code, engine):
    """Finding 1: J15.9 (bacterial pneumonia), L03.1 (cellulitis), G00.9 (meningitis), U07.1
    (COVID-19)… as the primary diagnosis exclude the treatment under art6.10 (paid 2,000 before)."""
    d = _decide(claim_with(treatment(diagnoses=[code])), engine=engine)
    assert ("art6.10", "T1") in _denied_by(d)
    assert d.outcome == "denied" and d.payout == Decimal("0.00") and d.counted_out_of_pocket == Decimal("0.00")


@pytest.mark.parametrize("code", ["N39.1", "N39", "U07.0", "U07", "J20.0", "G04.9", "L10.0", "M02.1"])
def test_a_neighbour_of_the_listed_infections_still_counts(code):
    """Finding 1, a guard: only the listed categories and subcategories: N39.0 is listed, not N39 or N39.1;
    U07.1 and U07.2, not U07.0 (vaping-related disorder)."""
    d = adjudicate(claim_with(treatment(diagnoses=[code])))
    assert (d.outcome, d.payout) == ("approved", Decimal("2000.00"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("diagnoses", "covered"),
    [
        (["A41.9", "T88.7"], False),  # sepsis beside an adverse drug effect: a complication of care
        (["A41.9", "T81.4"], False),  # infection following a procedure
        (["A41.9", "T80.2"], False),  # infection following an infusion
        (["A41.9", "T36.0"], False),  # a poisoning
        (["A41.9", "T78.4"], False),  # another effect of an external cause
        (["A41.9", "T98.3"], False),  # sequelae are not the accident's wound
        (["L03.1", "T88.7"], False),
        (["A41.9", "S61.0"], True),  # beside the finger's open wound
        (["A41.9", "T79.3"], True),  # post-traumatic wound infection
        (["A46", "T22.2"], True),  # erysipelas of a burn
        (["J15.9", "S27.0"], True),  # pneumonia with a traumatic pneumothorax
        (["U07.1", "T14.0"], True),
    ],
)
def test_the_proviso_is_lifted_only_by_a_wound_the_accident_made(diagnoses, covered, engine):
    """Finding 1: 但因意外伤害所致的伤口发生感染者不在此限 — S00–T14, T20–T35 or T79.3 lift it;
    T80–T88, T36–T65, T66–T78 (and T90–T98) do not (before: any code in S00–T98 lifted it; the
    covered rows are guards)."""
    d = _decide(claim_with(treatment(diagnoses=diagnoses)), engine=engine)
    if covered:
        assert (d.outcome, d.payout) == ("approved", Decimal("2000.00")) and _denied_by(d) == []
    else:
        assert ("art6.10", "T1") in _denied_by(d) and d.payout == Decimal("0.00")


def test_subcategory_and_emergency_entries_are_held_exactly():
    """Finding 1, a guard: the ICD-10 range machinery holds the WHO 2019 emergency codes U07.1, U07.2 and a
    subcategory entry such as N39.0 inside an include list, in every spelling a claim may use."""
    groups = CodeGroups({"art6.10": (("A00-B99", "N39.0", "U07.1", "U07.2"), (), ())})
    for code in ("N39.0", "N390", "N39.000", "U07.1", "U071", "U07.100", "U07.2", "u07.2"):
        assert groups.group_of(who_code(code)) == "art6.10", code
    for code in ("N39", "N39.1", "N39.9", "U07", "U07.0", "U08.9"):
        assert groups.group_of(who_code(code)) == "", code


def test_the_editions_art6_10_is_table_4_of_revision_3():
    """Finding 1: the codes are edition data, with a reference quoting the clause."""
    group = E2022.exclusions.diagnoses["art6.10"]
    assert list(group.include) == ["A00-B99", "G00-G02", "G06", "J09-J18", "J85-J86", "L00-L08", "M00-M01", "M86", "N39.0", "U07.1", "U07.2"]
    assert list(group.unless_with) == ["S00-T14", "T20-T35", "T79.3"]
    quote = E2022.references["exclusions.diagnoses.art6.10"].quote
    assert "但因意外伤害所致的伤口发生感染者不在此限" in quote and "T80-T88" in quote and "U07.1" in quote


# --- 2. art5.3: the cover has ended ------------------------------------------------------------

USED_UP = [hist("C-2990", "A-2990", "2022-01-10", "12000.00", "6000.00"), hist("C-2991", "A-2991", "2022-02-10", "8000.00", "4000.00")]


@pytest.mark.parametrize("engine", ENGINES)
def test_below_the_first_tier_after_the_cap_is_used_up_cites_art5_2_and_art5_3(engine):
    """Finding 2: 累计给付金额达到10000元时,该保障责任终止 — the claim is denied under art5.3 as well
    as art5.2 (before: art5.2 alone, since nothing was due)."""
    d = _decide(claim_with(treatment(items=[item(amount="150.00")])), USED_UP, engine=engine)
    assert [r.rule for r in d.reasons if r.effect == "deny"] == ["tier.below_first_tier", "cap.exhausted"]
    assert (d.outcome, d.payout, d.cap_remaining) == ("denied", Decimal("0.00"), Decimal("0.00"))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_top_up_with_nothing_due_after_the_cap_is_used_up_cites_art5_3(engine):
    """Finding 2: a top-up whose tier is already paid (due 0) is denied by art5.3 too."""
    history = [hist("C-1", "A-0001", "2022-03-01", "3200.00", "2000.00"), hist("C-2", "A-9", "2022-02-01", "20000.00", "6000.00"),
               hist("C-3", "A-8", "2022-02-02", "600.00", "500.00"), hist("C-4", "A-7", "2022-02-03", "600.00", "500.00"),
               hist("C-5", "A-6", "2022-02-04", "600.00", "500.00"), hist("C-6", "A-5", "2022-02-05", "600.00", "500.00")]  # fmt: skip
    d = _decide(claim_with(treatment(items=[item(amount="10.00")]), claim_id="C-7"), history, engine=engine)
    assert {r.rule for r in d.reasons if r.effect == "deny"} == {"tier.already_paid", "cap.exhausted"}


def test_one_fen_left_is_not_the_end_of_cover():
    """Finding 2, a guard of its edge: with 0.01 left the claim is paid 0.01 (art5.3's note), not denied."""
    history = [USED_UP[0], dict(USED_UP[1], paid="3999.99")]
    d = adjudicate(base_claim(), history)
    assert (d.outcome, d.payout) == ("approved", Decimal("0.01"))
    assert [r.rule for r in d.reasons] == ["cap.limits_payout"]


# --- 3. top-ups and the deadline ----------------------------------------------------------------

LENIENT = E2022.replace(id="what-if-top-ups-exempt", filing={"top_ups_meet_deadline": False})


def _late_top_up(filed_on_of_c1: str | None):
    """C-1 (accident 2022-03-01, deadline 2023-03-01) in the history; C-2 adds 10 yuan, filed 2023-07-01."""
    c2 = claim_with(treatment(items=[item(amount="10.00")]), claim_id="C-2", filed_on="2023-07-01")
    return c2, [hist("C-1", "A-0001", "2022-03-01", "3200.00", "0.00", filed_on_of_c1)]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_accident_given_up_is_not_revived_by_a_top_up(engine):
    """Finding 3: C-1 filed 2023-06-01 was late (denied art5.4); C-2, +10 yuan filed 2023-07-01,
    was paid 2,000 under an edition that exempts top-ups. It is late too."""
    c2, history = _late_top_up("2023-06-01")
    d = _decide(c2, history, engine=engine, plan=LENIENT)
    assert d.outcome == "denied" and any(r.rule == "filing.late" for r in d.reasons)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_entry_without_filed_on_shows_no_on_time_filing(engine):
    """Finding 3: the history gives no filing date for the accident, so nothing shows that it was
    filed on time: the top-up must meet the deadline itself."""
    c2, history = _late_top_up(None)
    d = _decide(c2, history, engine=engine, plan=LENIENT)
    assert d.outcome == "denied" and any(r.rule == "filing.late" for r in d.reasons)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("filed_on", ["2022-03-05", "2023-03-01"])
def test_a_top_up_of_an_accident_filed_on_time_is_exempt(filed_on, engine):
    """Finding 3, a guard: an on-time filing of the accident (the deadline day itself included)
    exempts the top-up; the accident's total 3,210 reaches the 2,000 tier."""
    c2, history = _late_top_up(filed_on)
    d = _decide(c2, history, engine=engine, plan=LENIENT)
    assert (d.outcome, d.payout) == ("approved", Decimal("2000.00")) and "filing.late" in d.passed


def test_the_earliest_filing_of_the_accident_decides_and_other_accidents_do_not():
    """Finding 3: one on-time filing among late ones is enough; another accident's on-time filing is not."""
    c2, history = _late_top_up("2023-06-01")
    on_time_later_in_the_list = history + [hist("C-0", "A-0001", "2022-03-01", "0.00", "0.00", "2022-04-01")]
    assert adjudicate(c2, on_time_later_in_the_list, plan=LENIENT).outcome == "approved"
    other_accident = history + [hist("C-9", "A-0009", "2022-03-01", "0.00", "0.00", "2022-04-01")]
    assert adjudicate(c2, other_accident, plan=LENIENT).outcome == "denied"


def test_by_default_every_top_up_meets_the_deadline_itself():
    """Finding 3, a guard: it leaves the default alone: with top_ups_meet_deadline true an on-time first filing
    does not exempt a late top-up."""
    c2, history = _late_top_up("2022-03-05")
    assert adjudicate(c2, history).outcome == "denied"


def test_a_history_entry_filed_before_its_accident_is_bad_input():
    """Finding 3: filed_on before accident_occurred_on names history.N.filed_on."""
    history = [hist("C-8", "A-0008", "2022-01-10", "0.00", "0.00", "2022-01-10"), hist("C-9", "A-0009", "2022-02-10", "300.00", "200.00", "2022-02-09")]
    with pytest.raises(InvalidClaim) as info:
        adjudicate(base_claim(), history)
    assert info.value.fields == ("history.1.filed_on",)
    assert "2022-02-09" in str(info.value) and "2022-02-10" in str(info.value)


# --- 4. messages ----------------------------------------------------------------------------------


def _odd_edition(**change) -> Edition:
    data = edition_data()
    data.update(id="what-if-odd", **change)
    return Edition.model_validate(data)


def test_a_cap_of_9999_99_is_stated_exactly():
    """Finding 4: the reason and hint of a used-up cap of 9,999.99 say 9,999.99, never 9999."""
    edition = _odd_edition(cap={"amount": "9999.99", "scope": "edition"})
    history = [hist("C-1", "A-1", "2022-01-10", "12000.00", "6000.00"), hist("C-2", "A-2", "2022-01-11", "8000.00", "3999.99")]
    d = adjudicate(base_claim(), history, plan=edition)
    texts = [t for x in (*d.reasons, *d.hints) if x.rule == "cap.exhausted" for t in (x.message_zh, x.message_en)]
    assert len(texts) == 4 and all("9,999.99" in t and "9999 " not in t for t in texts), texts
    limited = adjudicate(base_claim(), history[:1], plan=edition)  # 3,999.99 left, 2,000 due: paid
    assert limited.payout == Decimal("2000.00")


def test_the_bad_history_errors_state_the_editions_amounts_exactly():
    """Finding 4: a history over a top tier of 5,999.99 or a cap of 9,999.99 is named with those amounts."""
    edition = _odd_edition(
        cap={"amount": "9999.99", "scope": "edition"},
        tiers=[{"at_least": "200.00", "pays": "200.00"}, {"over": "10000.00", "pays": "5999.99"}],
    )
    over_top = [hist("C-1", "A-1", "2022-01-10", "12000.00", "6000.00")]
    with pytest.raises(InvalidClaim) as info:
        adjudicate(base_claim(), over_top, plan=edition)
    assert "5,999.99" in str(info.value) and "5999 " not in str(info.value)
    over_cap = [hist(f"C-{k}", f"A-{k}", "2022-01-10", "12000.00", "5999.99") for k in (1, 2)]
    with pytest.raises(InvalidClaim) as info:
        adjudicate(base_claim(), over_cap, plan=edition)
    assert "9,999.99" in str(info.value) and [e.code for e in info.value.errors] == ["history.over_cap"]


def test_whole_amounts_read_naturally_and_hint_data_stays_machine_readable():
    """Finding 4 (the format chosen): 10,000 and 200 without decimals, fen when there are any; a
    hint's data keeps the two-place string."""
    d = adjudicate(claim_with(treatment(items=[item(amount="150.50")])))
    reason = next(r for r in d.reasons if r.rule == "tier.below_first_tier")
    assert "150.50 yuan, below the first tier (200 yuan)" in reason.message_en
    hint = next(h for h in d.hints if h.rule == "tier.below_first_tier")
    assert hint.data == {"more": "49.50", "tier_amount": "200.00", "accident_out_of_pocket": "150.50"}
    assert "49.50" in hint.message_en and "200 yuan" in hint.message_en


@pytest.mark.parametrize("engine", ENGINES)
def test_an_item_before_the_accident_says_how_many_days_before(engine):
    """Finding 4: "事故后第 -5 日" became "事故发生前 5 日" / "5 day(s) before the accident"."""
    c = claim_with(treatment(items=[item(on="2022-02-24", amount="100.00"), item(on="2022-03-01", amount="3200.00")]))
    d = _decide(c, engine=engine)
    reason = next(r for r in d.reasons if r.rule == "window.outside")
    hint = next(h for h in d.hints if h.rule == "window.outside")
    assert reason.subject == "T1/1" and "事故发生前 5 日" in reason.message_zh and "5 day(s) before the accident" in reason.message_en
    assert "事故发生前 5 日" in hint.message_zh and "5 day(s) before the accident" in hint.message_en
    assert all("-5" not in t for t in (reason.message_zh, reason.message_en, hint.message_zh, hint.message_en))
    late = adjudicate(claim_with(treatment(items=[item(on="2022-09-01", amount="100.00")]), filed_on="2022-09-10"))
    assert "事故后第 184 日" in late.reasons[0].message_zh and "on day 184 after the accident" in late.reasons[0].message_en


FILE_AGAIN = ("再次申报", "重新申报", "再申报", "重新提交", "请提供", "请补充", "请更正", "请改用", "file again", "send ", "correct it", "give ")


def test_once_the_cap_is_used_up_no_hint_suggests_filing_again():
    """Finding 4: the cover has ended, so neither the tier's hint ("file again when they do") nor a
    missing document's, a payee's, an exclusion's or an eligibility hint asks for more."""
    c = claim_with(
        treatment(items=[item(amount="150.00"), item(category="dental", amount="10.00")], diagnoses=["S82.2"]),
        treatment("T2", diagnoses=["J15.9"], hospital={"name": "某诊所", "grade": 1, "ownership": "private", "kind": "outpatient"}),
        documents=["invoice"],
        payee={"holder_name": "李四", "account_number": "6222020200112233445"},
    )
    c["member"]["union_member_since"] = None
    c["accident"]["circumstances"] = ["fight"]
    c["accident"]["cause"] = "illness"
    d = adjudicate(c, USED_UP)
    assert "cap.exhausted" in {r.rule for r in d.reasons}
    assert len(d.hints) >= 10
    for h in d.hints:
        for text in (h.message_zh, h.message_en):
            assert not any(p in text for p in FILE_AGAIN), (h.rule, text)
    before = adjudicate(c)  # the same claim with cover left: its hints do advise
    assert any(p in h.message_zh + h.message_en for h in before.hints for p in FILE_AGAIN)


# --- the project's own case file for revision 3 -----------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_the_revision_3_case_file_holds_on_both_engines(engine):
    """Findings 1–4 as cases (tests/cases/contract_rev3.yaml), every one of them decided as expected."""
    from mutualaid.cases import run_case

    cases = load_cases(CASES)
    assert len(cases) >= 15
    failed = [str(r) for r in (run_case(c, engine=_engine(engine)) for c in cases) if not r.passed]
    assert failed == []
