"""The decision (CONTRACT §2, §7): reasons in a stable order, every rule accounted for, exact money, stable output."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import mutualaid
from mutualaid import Decision, adjudicate
from claimdata import base_claim, claim_with, decided_cases, hist, item, treatment

RULE_IDS = [r.id for r in mutualaid.RULES]
MONEY = ("payout", "counted_out_of_pocket", "accident_out_of_pocket", "tier_amount", "cap_remaining")


def busy_claim() -> dict:
    """A claim on which many rules bite at once, over two treatments (filed in October)."""
    c = claim_with(
        treatment("T1", items=[
            item(amount="900.00"),                                   # T1/1 counts
            item(category="dental", amount="50.00"),                # T1/2 art6.8
            item(on="2022-09-01", amount="70.00"),                  # T1/3 art5.1 (day 184)
            item(category="medication", medication_use="self_medicated", amount="20.00"),  # T1/4 art6.7
            item(category="assistive_device", on="2022-02-01", amount="10.00"),           # T1/5 art5.1 + art6.9
        ]),
        treatment("T2", diagnoses=["M51.2"], hospital={"grade": 1, "ownership": "private", "kind": "nursing"},
                  items=[item(amount="5000.00"), item(on="2022-12-01", category="dental", amount="1.00")]),
        filed_on="2022-12-20",
    )  # fmt: skip
    c["documents"] = ["invoice"]
    c["payee"] = {"holder_name": "李四", "holder_id_number": "11010519491231002X", "account_number": "6222020200112233445"}
    return c


EXPECTED_ORDER = [
    ("art5.1", "window.outside", "T1/3"),
    ("art5.1", "window.outside", "T1/5"),
    ("art5.1", "window.outside", "T2/2"),
    ("art5.5", "hospital.grade_below_minimum", "T2"),
    ("art5.5", "hospital.not_public", "T2"),
    ("art5.5", "hospital.excluded_kind", "T2"),
    ("art6.5", "exclusion.6.5.diagnosis", "T2"),
    ("art6.7", "exclusion.6.7.self_medication", "T1/4"),
    ("art6.8", "exclusion.6.8.dental", "T1/2"),
    ("art6.8", "exclusion.6.8.dental", "T2/2"),
    ("art6.9", "exclusion.6.9.assistive_device", "T1/5"),
    ("art8.2", "documents.missing", "claim"),
    ("art8.2", "documents.missing", "claim"),
    ("art7", "payee.not_the_member", "claim"),
    ("art7", "payee.id_number_mismatch", "claim"),
]


def test_reason_order_follows_the_table_then_treatments_then_items():
    d = adjudicate(busy_claim())
    assert [(r.clause, r.rule, r.subject) for r in d.reasons] == EXPECTED_ORDER
    assert d.outcome == "pending"
    assert d.counted_out_of_pocket == Decimal("900.00")
    assert (d.tier_amount, d.payout) == (Decimal("500.00"), Decimal("0.00"))


def test_claim_level_reasons_come_first_in_table_order():
    c = busy_claim()
    c["member"]["occupation"] = "not_platform_worker"
    c["accident"]["cause"] = "illness"
    c["accident"]["circumstances"] = ["riot", "drunk_driving", "fight"]
    c["filed_on"] = "2023-12-20"
    d = adjudicate(c)
    head = [(r.clause, r.rule) for r in d.reasons[:6]]
    assert head == [
        ("art1", "eligibility.platform_worker"),
        ("art9.1", "accident.not_accidental"),
        ("art5.4", "filing.late"),
        ("art6.1", "exclusion.6.1.circumstance"),
        ("art6.3", "exclusion.6.3.circumstance"),
        ("art6.12", "exclusion.6.12.circumstance"),
    ]
    assert [(r.clause, r.rule, r.subject) for r in d.reasons[6:]] == EXPECTED_ORDER
    assert d.outcome == "denied"


def test_reasons_are_sorted_by_rule_then_input_order_in_every_case():
    decided = decided_cases()
    assert len(decided) > 200
    for case, d in decided:
        keys = [RULE_IDS.index(r.rule) for r in d.reasons]
        assert keys == sorted(keys), case["name"]
        order = ["claim"] + [
            s for t in case["claim"]["treatments"]
            for s in [t["treatment_id"]] + [f"{t['treatment_id']}/{n}" for n in range(1, len(t["items"]) + 1)]
        ]  # fmt: skip
        for rule in {r.rule for r in d.reasons}:
            subjects = [order.index(r.subject) for r in d.reasons if r.rule == rule]
            assert subjects == sorted(subjects), (case["name"], rule)


def test_every_case_decision_is_consistent():
    """Outcome from the effects, payout only when approved and within tier and cap, counted from the items."""
    for case, d in decided_cases():
        effects = {r.effect for r in d.reasons}
        assert d.outcome == ("denied" if "deny" in effects else "pending" if "pend" in effects else "approved")
        if d.outcome != "approved":
            assert d.payout == 0, case["name"]
        else:
            assert 0 < d.payout <= d.tier_amount, case["name"]
        excluded = {r.subject for r in d.reasons if r.effect == "exclude"}
        counted = sum(
            (Decimal(str(it["out_of_pocket"])) for t in case["claim"]["treatments"] if t["treatment_id"] not in excluded
             for n, it in enumerate(t["items"], 1) if f"{t['treatment_id']}/{n}" not in excluded),
            Decimal("0.00"),
        )  # fmt: skip
        assert d.counted_out_of_pocket == counted, case["name"]
        history = [h for h in case.get("history") or () if h["accident_id"] == case["claim"]["accident"]["accident_id"]]
        assert d.accident_out_of_pocket == counted + sum(Decimal(str(h["counted_out_of_pocket"])) for h in history)


def test_subject_format():
    d = adjudicate(busy_claim())
    subjects = {r.subject for r in d.reasons}
    assert subjects == {"claim", "T2", "T1/2", "T1/3", "T1/4", "T1/5", "T2/2"}


@pytest.mark.parametrize("make", [base_claim, busy_claim])
def test_passed_and_bitten_rules_partition_every_rule(make):
    d = adjudicate(make())
    bit = [r.rule for r in d.reasons]
    assert set(d.passed).isdisjoint(bit)
    assert set(d.passed) | set(bit) == set(RULE_IDS)
    assert list(d.passed) == [i for i in RULE_IDS if i in set(d.passed)]  # in rule order


def test_an_approved_claim_passes_every_rule():
    d = adjudicate(base_claim())
    assert d.reasons == ()
    assert list(d.passed) == RULE_IDS


def test_effects_and_reason_fields():
    d = adjudicate(busy_claim())
    effects = {r.id: r.effect for r in mutualaid.RULES}
    clauses = {r.id: r.clause for r in mutualaid.RULES}
    for r in d.reasons:
        assert r.effect == effects[r.rule]
        assert r.clause == clauses[r.rule]
        assert r.message_zh and r.message_en and r.message_zh != r.message_en
        assert "{" not in r.message_zh + r.message_en  # every placeholder filled


def test_messages_carry_the_facts():
    d = adjudicate(busy_claim())
    window = d.reasons[0]
    assert "184" in window.message_zh and "184" in window.message_en and "180" in window.message_en
    c = base_claim()
    c["filed_on"] = "2023-03-05"
    c["treatments"][0]["items"][0]["on"] = "2022-03-01"
    late = adjudicate(c).reasons[0]
    assert late.rule == "filing.late"
    assert "2023-03-01" in late.message_en and "2023-03-05" in late.message_en and "4 day" in late.message_en
    assert late.message_zh.startswith("第五条第(四)款")
    assert late.message_en.startswith("Art. 5(4)")


def test_outcome_follows_the_effects():
    cases = [
        (base_claim(), "approved"),
        (busy_claim(), "pending"),
        ({**busy_claim(), "accident": {**busy_claim()["accident"], "cause": "illness"}}, "denied"),
    ]
    for claim, outcome in cases:
        d = adjudicate(claim)
        effects = {r.effect for r in d.reasons}
        assert d.outcome == outcome
        assert ("deny" in effects) == (outcome == "denied")
        assert ("pend" in effects and "deny" not in effects) == (outcome == "pending")
        assert (d.payout > 0) == (outcome == "approved")


def test_cap_note_does_not_change_the_outcome():
    d = adjudicate(
        claim_with(treatment(items=[item(amount="8000.00")])),
        [hist("C-0100", "A-0100", "2022-01-15", "12000.00", "6000.00")],
    )
    assert [(r.clause, r.rule, r.effect) for r in d.reasons] == [("art5.3", "cap.limits_payout", "note")]
    assert (d.outcome, d.payout, d.tier_amount, d.cap_remaining) == (
        "approved", Decimal("4000.00"), Decimal("5000.00"), Decimal("0.00")
    )  # fmt: skip


def test_cap_note_only_when_the_cap_cuts_the_payout():
    """art5.3 "累计给付金额不超过10000元": when exactly the due amount is left, the cap does not cut it,
    so the claim is paid in full with no cap note, and the cap is then used up."""
    d = adjudicate(
        claim_with(treatment(items=[item(amount="3200.00")])),
        [hist("C-0100", "A-0100", "2022-01-15", "12000.00", "6000.00"), hist("C-0101", "A-0101", "2022-02-01", "3000.00", "2000.00")],
    )
    assert (d.outcome, d.payout, d.cap_remaining) == ("approved", Decimal("2000.00"), Decimal("0.00"))
    assert d.reasons == ()
    assert {"cap.limits_payout", "cap.exhausted"} <= set(d.passed)


def test_history_on_the_periods_first_and_last_day_counts_toward_the_cap():
    """art5.3 with art4.1/art4.2: the cap is per edition, whose period runs 2022-01-01 0:00 to 2022-12-31
    24:00 inclusive; payments for accidents on both edge days count, one on 2021-12-31 does not."""
    c = claim_with(treatment(items=[item(on="2022-12-31", amount="8000.00")]), filed_on="2023-01-10")
    c["accident"]["occurred_on"] = "2022-12-31"
    d = adjudicate(
        c,
        [
            hist("C-0099", "A-0099", "2021-12-31", "12000.00", "6000.00"),
            hist("C-0100", "A-0100", "2022-01-01", "12000.00", "6000.00"),
            hist("C-0101", "A-0101", "2022-12-31", "3000.00", "2000.00"),
        ],
    )
    assert (d.outcome, d.tier_amount, d.payout, d.cap_remaining) == (
        "approved", Decimal("5000.00"), Decimal("2000.00"), Decimal("0.00")
    )  # fmt: skip
    assert [(r.clause, r.rule) for r in d.reasons] == [("art5.3", "cap.limits_payout")]


def test_amount_fields():
    d = adjudicate(
        claim_with(treatment(items=[item(amount="1000.00"), item(category="dental", amount="99.99")])),
        [hist("C-0000", "A-0001", "2022-03-01", "1500.01", "500.00"), hist("C-0100", "A-0100", "2022-01-15", "800", "500")],
    )
    assert d.counted_out_of_pocket == Decimal("1000.00")
    assert d.accident_out_of_pocket == Decimal("2500.01")
    assert d.tier_amount == Decimal("2000.00")
    assert d.payout == Decimal("1500.00")
    assert d.cap_remaining == Decimal("10000.00") - Decimal("1000.00") - Decimal("1500.00")


def test_str_names_the_outcome_and_every_clause():
    d = adjudicate(busy_claim())
    text = str(d)
    assert "pending" in text and "待补充" in text and "C-0001" in text and "gd-nef-2022" in text
    for r in d.reasons:
        assert r.clause in text and r.message_en in text
    ok = str(adjudicate(base_claim()))
    assert "approved" in ok and "2000.00" in ok


def test_html_is_a_table_with_one_row_per_reason():
    d = adjudicate(busy_claim())
    html = d._repr_html_()
    assert "<table" in html and "</table>" in html
    assert html.count("<table") == 1
    assert html.count("<tr>") == len(d.reasons) + 3  # two summary rows, a header row, one row per reason
    assert "pending" in html
    assert "<b>李四</b>" not in html  # text is escaped, not markup
    c = busy_claim()
    c["payee"]["holder_name"] = "<b>李四</b>"
    assert "&lt;b&gt;李四&lt;/b&gt;" in adjudicate(c)._repr_html_()


def test_json_round_trip():
    d = adjudicate(busy_claim())
    text = d.model_dump_json()
    again = Decision.model_validate_json(text)
    assert again == d
    assert again.model_dump_json() == text
    data = json.loads(text)
    assert {"claim_id", "plan", "outcome", "payout", "counted_out_of_pocket", "accident_out_of_pocket",
            "tier_amount", "cap_remaining", "reasons", "passed"} <= set(data)  # fmt: skip
    assert set(data["reasons"][0]) == {"clause", "rule", "effect", "subject", "message_zh", "message_en"}
    for field in MONEY:
        assert isinstance(data[field], str)
        assert Decimal(data[field]).as_tuple().exponent == -2, (field, data[field])


def test_same_input_same_output():
    first = adjudicate(busy_claim(), [hist("C-0100", "A-0100", "2022-01-15", "12000.00", "6000.00")]).model_dump_json()
    for _ in range(3):
        again = adjudicate(busy_claim(), [hist("C-0100", "A-0100", "2022-01-15", "12000.00", "6000.00")])
        assert again.model_dump_json() == first


def _walk(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)
    else:
        yield value


@pytest.mark.parametrize("make", [base_claim, busy_claim])
def test_money_is_decimal_never_float(make):
    d = adjudicate(make())
    for field in MONEY:
        value = getattr(d, field)
        assert type(value) is Decimal, field
        assert value.as_tuple().exponent == -2, (field, value)
    assert not any(isinstance(v, float) for v in _walk(d.model_dump()))
    assert not any(isinstance(v, float) for v in _walk(json.loads(d.model_dump_json())))


def test_decisions_are_frozen():
    d = adjudicate(base_claim())
    with pytest.raises(Exception):
        d.payout = Decimal("1.00")
    with pytest.raises(Exception):
        d.reasons[0:0] = ()  # a tuple


def test_inputs_and_editions_dump_to_json_without_warnings(recwarn):
    """(At b8a9f0a, Day's PlainValidator made every date dump warn PydanticSerializationUnexpectedValue.)"""
    from mutualaid import Claim, Edition, HistoryEntry, editions

    model = Claim.model_validate(base_claim())
    assert Claim.model_validate_json(model.model_dump_json()) == model
    entry = HistoryEntry.model_validate(hist("C-0000", "A-0001", "2022-03-01", "300.00", "200.00"))
    assert json.loads(entry.model_dump_json())["accident_occurred_on"] == "2022-03-01"
    assert json.loads(entry.model_dump_json())["paid"] == "200.00"
    shipped = editions.get("gd-nef-2022")
    assert Edition.model_validate_json(shipped.model_dump_json(by_alias=True)) == shipped
    assert [str(w.message) for w in recwarn.list] == []
