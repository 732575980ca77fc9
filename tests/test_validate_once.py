"""Each cross-field check is written once (issue 14, point 4), and reads a claim the same way
whether it comes as a model, as plain data, or as plain data with other bad fields.

validate.py used to write every check three times: over models, over raw dicts (where a model
could not be built) and as a boolean fast path for validated claims. A fix made to one copy
could miss another, and the copies could then name different fields or say different things
for the same claim. These tests pin the fields, the messages and their order on all three
paths, and that the history's checks against the top tier and the cap are art5's.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings

from mutualaid import Claim, HistoryEntry, InvalidClaim
from mutualaid import testing as T
from mutualaid.edition import editions
from mutualaid.errors import FieldError
from mutualaid.idcard import check_digit
from mutualaid.rules import art5
from mutualaid.validate import parse

from claimdata import base_claim, hist, item, treatment


def _born(yyyymmdd: str) -> str:
    """A 身份证 number whose check digit holds, born on that day."""
    body = f"440106{yyyymmdd}123"
    return body + check_digit(body)


def _errors(claim, history=()) -> list[tuple[str, str]]:
    with pytest.raises(InvalidClaim) as caught:
        parse(claim, history)
    return [(e.field, e.message) for e in caught.value.errors]


def _every_claim_fault() -> dict:
    """One claim that breaks every cross-field check at once (each field alone is fine)."""
    c = base_claim()
    c["filed_on"] = "2022-02-20"  # the accident is on 2022-03-01
    c["member"]["id_number"] = _born("20220221")
    c["payee"]["holder_id_number"] = _born("20220301")
    c["treatments"] = [
        treatment("T1", items=[item(on="2022-02-19", category="dental", medication_use="prescribed"), item(on="2022-03-01")]),
        treatment("T1", items=[item(on="2022-02-20", category="medication", medication_use="otc_as_directed")]),
        treatment("T/3", items=[]),
    ]
    return c


CLAIM_FAULTS = [
    ("treatments.1.treatment_id", "treatment id 'T1' stands twice in the claim"),
    ("treatments.2.treatment_id", "'T/3': a treatment id may not contain '/'"),
    ("filed_on", "filed on 2022-02-20 before the accident on 2022-03-01"),
    ("member.id_number", "the birth date 2022-02-21 in the 身份证 number is after the filing date 2022-02-20"),
    ("payee.holder_id_number", "the birth date 2022-03-01 in the 身份证 number is after the filing date 2022-02-20"),
    ("treatments.0.items.0.medication_use", "medication_use applies to medication items only, not to a dental item"),
    ("treatments.0.items.1.on", "a cost on 2022-03-01 is after the filing date 2022-02-20"),
]


def _every_history_fault() -> list[dict]:
    """A history that breaks every history check once, for the base claim (C-0001, A-0001 on 2022-03-01)."""
    return [
        hist("C-0001", "A-0009", "2022-01-05", "300.00", "200.00"),  # the claim itself
        hist("H-1", "A-0001", "2022-03-02", "300.00", "200.00"),  # the claim's accident, another day
        hist("H-1", "A-0100", "2022-01-05", "20000.00", "6000.00"),  # H-1 twice
        hist("H-2", "A-0100", "2022-01-05", "100.00", "0.01"),  # A-0100 over the top tier
        hist("H-3", "A-0101", "2022-01-06", "9000.00", "3599.99"),  # the 2022 edition at its cap
        hist("H-4", "A-0102", "2022-01-07", "300.00", "200.00"),  # over it
        hist("H-5", "A-0103", "2021-01-07", "20000.00", "6000.00"),  # another edition: its own cap
    ]


HISTORY_FAULTS = [
    ("claim_id", "claim 'C-0001' has already been decided (it stands in history)"),
    ("history.1.accident_occurred_on", "accident 'A-0001' occurred on 2022-03-01, not on 2022-03-02"),
    ("history.2.claim_id", "claim 'H-1' stands twice in history"),
    ("history.3.paid", "payments for accident 'A-0100' exceed the top tier (6,000 yuan)"),
    ("history.5.paid", "payments in edition gd-nef-2022 exceed its cap of 10,000 yuan"),
]


def test_every_claim_check_names_its_field_and_says_why_in_a_fixed_order():
    assert _errors(_every_claim_fault()) == CLAIM_FAULTS


def test_every_history_check_names_its_field_and_says_why_in_a_fixed_order():
    assert _errors(base_claim(), _every_history_fault()) == HISTORY_FAULTS


def test_a_model_plain_data_and_plain_data_with_other_faults_get_the_same_errors():
    """The three ways a claim reaches the checks: as models, as plain data, and as plain data
    that also holds a fault of its own field (the checks then read the raw values)."""
    claim, history = _every_claim_fault(), _every_history_fault()
    as_data = _errors(claim, history)
    assert as_data == CLAIM_FAULTS + HISTORY_FAULTS
    model = Claim.model_validate(claim)
    entries = [HistoryEntry.model_validate(h) for h in history]
    assert _errors(model, entries) == as_data
    assert _errors(model, history) == as_data
    assert _errors(claim, entries) == as_data
    claim["member"]["occupation"] = "pilot"
    history[6]["paid"] = "-1.00"  # the 2021 entry: no sum depends on it
    broken = _errors(claim, history)
    assert [f for f, _ in broken[:2]] == ["member.occupation", "history.6.paid"]  # the models' own errors come first
    assert broken[2:] == as_data


def test_a_bad_amount_does_not_hide_a_later_cap_or_top_tier():
    """Raw history is read entry by entry: an entry whose own amount is bad adds nothing to the
    sums, and the entries around it are still checked against the top tier and the cap."""
    history = [
        hist("H-0", "A-0100", "2022-01-05", "20000.00", "6000.00"),
        hist("H-1", "A-0100", "2022-01-05", "100.00", "1.001"),
        hist("H-2", "A-0100", "2022-01-05", "100.00", "0.01"),
    ]
    fields = [f for f, _ in _errors(base_claim(), history)]
    assert fields == ["history.1.paid", "history.2.paid"]


def _above_top_tier(fen, edition):
    return art5.history_above_top_tier(4, "A-7", fen, edition)


def _above_cap(fen, edition):
    return art5.history_above_cap(2, fen, edition)


TOP_TIER_ERROR = FieldError(
    "history.4.paid", "payments for accident 'A-7' exceed the top tier (6,000 yuan)",
    "history.over_top_tier", "事故 'A-7' 的已给付金额超过最高档次（6,000 元）：同一事故最多按最高档给付。",
)
CAP_ERROR = FieldError(
    "history.2.paid", "payments in edition gd-nef-2022 exceed its cap of 10,000 yuan",
    "history.over_cap", "计划版本 gd-nef-2022 的已给付金额超过累计给付上限 10,000 元。",
)


@pytest.mark.parametrize(
    ("check", "paid", "expected"),
    [
        (_above_top_tier, "5999.99", None),
        (_above_top_tier, "6000.00", None),
        (_above_top_tier, "6000.01", TOP_TIER_ERROR),
        (_above_cap, "9999.99", None),
        (_above_cap, "10000.00", None),
        (_above_cap, "10000.01", CAP_ERROR),
    ],
)
def test_history_above_the_top_tier_or_the_cap_is_strictly_above(check, paid, expected):
    """第五条（二）"一次性补偿6000元" and （三）"累计给付金额不超过10000元": reaching either is allowed."""
    assert check(int(Decimal(paid) * 100), editions.get("gd-nef-2022")) == expected


def test_the_top_tier_and_cap_checks_follow_the_editions_own_numbers():
    edition = editions.get("gd-nef-2022").replace(id="what-if-cap", cap={"amount": "8000.00"})
    assert art5.history_above_cap(0, 800_000, edition) is None
    assert art5.history_above_cap(0, 800_001, edition) == FieldError(
        "history.0.paid", "payments in edition what-if-cap exceed its cap of 8,000 yuan",
        "history.over_cap", "计划版本 what-if-cap 的已给付金额超过累计给付上限 8,000 元。",
    )
    assert art5.history_above_top_tier(0, "A", edition.top_tier_fen, edition) is None


def test_validate_asks_art5_for_the_top_tier_and_the_cap(monkeypatch):
    """The history's checks against the top tier and the cap are art5's own, not a copy in validate."""
    asked = []

    def top_tier(n, accident_id, fen, edition):
        asked.append(("top tier", n, accident_id, fen, edition.id))
        return FieldError(f"history.{n}.paid", "top tier said no")

    def cap(n, fen, edition):
        asked.append(("cap", n, fen, edition.id))
        return None

    monkeypatch.setattr(art5, "history_above_top_tier", top_tier)
    monkeypatch.setattr(art5, "history_above_cap", cap)
    history = [hist("H-0", "A-0100", "2022-01-05", "300.00", "200.00"), hist("H-1", "A-0100", "2022-01-05", "300.00", "0.50")]
    assert _errors(base_claim(), history) == [("history.0.paid", "top tier said no"), ("history.1.paid", "top tier said no")]
    assert asked == [
        ("top tier", 0, "A-0100", 20000, "gd-nef-2022"),
        ("cap", 0, 20000, "gd-nef-2022"),
        ("top tier", 1, "A-0100", 20050, "gd-nef-2022"),
        ("cap", 1, 20050, "gd-nef-2022"),
    ]


def _quoted(doc: str) -> list[str]:
    """The clause text a docstring quotes (between “"” marks), cut at each elision (……)."""
    quote = re.search(r'"([^"]+)"', doc)
    assert quote, doc
    return [part for part in quote.group(1).split("……") if part]


@pytest.mark.parametrize(
    ("check", "clause", "text"),
    [(art5.history_above_top_tier, "第五条（二）", art5.TIER_TEXT), (art5.history_above_cap, "第五条（三）", art5.CAP_TEXT)],
    ids=["top tier", "cap"],
)
def test_art5s_history_checks_quote_their_clause(check, clause, text):
    assert check.__doc__.startswith(clause)
    for part in _quoted(check.__doc__):
        assert part in text, part


@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(T.bad_claims())
def test_a_bad_claim_given_as_models_gets_the_errors_its_plain_data_gets(bad):
    """Whatever single fault ``bad_claims`` draws: where the claim and history can be built into
    models (the fault is across fields), the models get exactly the errors, in the same order,
    that the plain data gets."""
    try:
        model = Claim.model_validate(bad.claim)
        entries = [HistoryEntry.model_validate(h) for h in bad.history]
    except Exception:
        return  # a fault in one field: there is no model to compare with
    assert _errors(model, entries) == _errors(bad.claim, bad.history)
