"""Why-not hints (issue 6): every reason that stops or lowers a payout says what would change it.

The numbers in a hint come from the facts and the edition, so each test below checks them against
the claim's own figures or against a changed edition, not against text.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from mutualaid import Edition, adjudicate
from mutualaid.rules import RULES

from claimdata import base_claim, claim_with, decided_cases, edition_data, hist, item, treatment

STOPS_OR_LOWERS = {"deny", "exclude", "pend"}
LOWERS_BY_NOTE = {"cap.limits_payout"}  # a note, yet the payout is less than what is due


def hint_of(decision, rule: str):
    found = [h for h in decision.hints if h.rule == rule]
    assert len(found) == 1, (rule, decision.hints)
    return found[0]


def test_every_rule_that_stops_or_lowers_a_payout_declares_a_hint():
    missing = [r.id for r in RULES if (r.effect in STOPS_OR_LOWERS or r.id in LOWERS_BY_NOTE) and r.hint is None]
    assert missing == []


def test_notes_that_change_nothing_carry_no_hint():
    assert [r.id for r in RULES if r.effect == "note" and r.id not in LOWERS_BY_NOTE and r.hint is not None] == []


@pytest.mark.parametrize("case_decision", decided_cases(), ids=lambda cd: cd[0]["name"][:60])
def test_each_reason_that_stops_or_lowers_the_payout_has_its_hint(case_decision):
    """Over every project case: one hint per such reason, same rule and subject, in reason order."""
    _, d = case_decision
    wanted = [(r.rule, r.subject) for r in d.reasons if r.effect in STOPS_OR_LOWERS or r.rule in LOWERS_BY_NOTE]
    assert [(h.rule, h.subject) for h in d.hints] == wanted
    if d.outcome != "approved" or any(r.effect == "exclude" or r.rule in LOWERS_BY_NOTE for r in d.reasons):
        assert d.hints, "a decision that is not a full payout carries at least one hint"
    for h in d.hints:
        assert h.message_zh and h.message_en and "{" not in h.message_en + h.message_zh


def test_late_filing_gives_the_deadline_and_days_late():
    d = adjudicate(claim_with(filed_on="2023-03-06"))  # accident 2022-03-01: the deadline is 2023-03-01
    h = hint_of(d, "filing.late")
    assert h.kind == "filing_deadline"
    assert h.data == {"deadline": "2023-03-01", "filed_on": "2023-03-06", "days_late": 5}
    assert "2023-03-01" in h.message_zh and "5" in h.message_en


def test_below_the_first_tier_says_how_much_more_and_what_it_pays():
    d = adjudicate(claim_with(treatment(items=[item(amount="150.50")])))
    h = hint_of(d, "tier.below_first_tier")
    assert h.kind == "next_tier"
    assert h.data == {"more": "49.50", "tier_amount": "200.00", "accident_out_of_pocket": "150.50"}


@pytest.mark.parametrize(
    "amount, more, pays",
    [("200.00", "300.01", "500.00"), ("500.00", "0.01", "500.00"), ("10000.00", "0.01", "6000.00"), ("10000.01", "0.00", "0.00")],
)
def test_the_next_tier_follows_the_edges_inclusive_or_not(amount, more, pays):
    """``200.00`` is already the first tier (以上); ``500.00`` is not yet the second (超过 500)."""
    paid = {"200.00": "200.00", "500.00": "200.00", "10000.00": "5000.00", "10000.01": "6000.00"}[amount]
    c = claim_with(treatment(items=[item(amount=amount)]))
    prior = hist("C-0", "A-0001", "2022-03-01", "0.00", paid)
    d = adjudicate(c, [prior])
    h = hint_of(d, "tier.already_paid")
    assert (h.data["more"], h.data["tier_amount"], h.data["paid"]) == (more, pays, paid)


def test_missing_document_names_it():
    d = adjudicate(claim_with(documents=["invoice", "medical_record"]))
    h = hint_of(d, "documents.missing")
    assert (h.kind, h.data) == ("missing_document", {"document": "accident_proof"})
    assert "accident" in h.message_en.lower()


def test_a_treatment_at_a_wrong_hospital_says_what_it_would_count():
    private = {"name": "某民营医院", "grade": 3, "ownership": "private", "kind": "general"}
    c = claim_with(
        treatment("T1"),
        treatment("T2", items=[item(amount="800.00"), item(amount="99.99", category="medication")], hospital=private),
    )
    d = adjudicate(c)
    h = hint_of(d, "hospital.not_public")
    assert h.kind == "qualifying_hospital" and h.subject == "T2"
    assert h.data == {"out_of_pocket": "899.99", "min_grade": 2, "ownership": "public"}


def test_an_item_outside_the_window_gives_the_window_end():
    c = claim_with(treatment(items=[item(), item(on="2022-08-29", amount="10.00")]), filed_on="2022-09-01")
    d = adjudicate(c)
    h = hint_of(d, "window.outside")
    assert h.subject == "T1/2"
    assert h.data == {"day": 181, "window_days": 180, "last_day": "2022-08-28", "out_of_pocket": "10.00"}


def test_cap_hints_give_what_is_left():
    history = [hist("C-8", "A-8", "2022-01-10", "20000.00", "6000.00"), hist("C-9", "A-9", "2022-02-10", "5000.00", "2000.00")]
    d = adjudicate(claim_with(treatment(items=[item(amount="9000.00")])), history)
    h = hint_of(d, "cap.limits_payout")
    assert d.payout == Decimal("2000.00")
    assert h.data == {"cap": "10000.00", "cap_remaining": "2000.00", "due": "5000.00"}
    full = history + [hist("C-7", "A-7", "2022-02-20", "3000.00", "2000.00")]
    h = hint_of(adjudicate(base_claim(), full), "cap.exhausted")
    assert h.data == {"cap": "10000.00", "cap_remaining": "0.00"}


def test_hints_follow_the_edition_data_not_typed_numbers():
    """A what-if edition with another first tier and window gives hints with its own numbers."""
    data = edition_data()
    data["id"] = "what-if-hints"
    data["tiers"] = [{"at_least": "300.00", "pays": "250.00"}, *data["tiers"][1:]]
    data["window"]["days"] = 90
    edition = Edition.model_validate(data)
    d = adjudicate(claim_with(treatment(items=[item(amount="150.50")])), plan=edition)
    assert hint_of(d, "tier.below_first_tier").data == {"more": "149.50", "tier_amount": "250.00", "accident_out_of_pocket": "150.50"}
    c = claim_with(treatment(items=[item(), item(on="2022-06-01", amount="10.00")]), filed_on="2022-06-10")
    assert hint_of(adjudicate(c, plan=edition), "window.outside").data["last_day"] == "2022-05-30"


def test_a_hint_is_the_callers_own():
    """Hints are fresh objects: changing one decision's hint data cannot reach another decision."""
    c = claim_with(documents=["invoice"])
    first = adjudicate(c)
    first.hints[0].data["document"] = "changed"
    assert adjudicate(c).hints[0].data["document"] != "changed"


def test_full_payout_has_no_hint():
    d = adjudicate(base_claim())
    assert d.outcome == "approved" and d.payout == d.tier_amount and d.hints == ()
