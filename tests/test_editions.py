"""Editions: the registry, the nearest edition, custom editions and what a decision records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources

import pytest

from mutualaid import Edition, InvalidClaim, adjudicate, editions, load_edition, register
from mutualaid.edition import Cap
from mutualaid.rules import art5_2

from claimdata import base_claim, claim_with, edition_data, hist, item, treatment

D = dt.date.fromisoformat


@pytest.fixture
def registry(monkeypatch):
    """The global registry, restored after the test (a registered edition must not leak into others)."""
    editions._loaded()
    monkeypatch.setattr(editions, "_editions", dict(editions._editions))
    monkeypatch.setattr(editions, "_nearest", {})
    monkeypatch.setattr(editions, "_by_id_only", editions._by_id_only)
    return editions


def _variant(id_: str, **changes) -> Edition:
    data = edition_data()
    data["id"] = id_
    for key, value in changes.items():
        data[key] = value
    return Edition.model_validate(data)


def _accident(day: str, amount: str = "3200.00", filed: str | None = None) -> dict:
    c = claim_with(treatment(items=[item(on=day, amount=amount)]), filed_on=filed or day)
    c["accident"]["occurred_on"] = day
    c["member"]["union_member_since"] = c["member"]["real_name_verified_on"] = "2000-01-01"
    return c


def test_the_shipped_edition():
    e = editions.get("gd-nef-2022")
    assert e is not None and "gd-nef-2022" in editions.ids()
    assert (e.period.start, e.period.end) == (D("2022-01-01"), D("2022-12-31"))
    assert e.cap.amount == Decimal("10000.00") and e.cap.scope == "edition"
    assert [(t.edge, t.pays) for t in e.tiers] == [
        (Decimal("200.00"), Decimal("200.00")), (Decimal("500.00"), Decimal("500.00")),
        (Decimal("2000.00"), Decimal("2000.00")), (Decimal("5000.00"), Decimal("5000.00")),
        (Decimal("10000.00"), Decimal("6000.00")),
    ]  # fmt: skip
    assert e.window.days == 180 and e.filing.years == 1 and e.filing.filing_deadline_moves_to_workday is True
    assert set(e.hospital.excluded_kinds) == {"outpatient", "rehabilitation", "nursing", "sanatorium", "addiction"}
    assert editions.get("no-such-edition") is None


@pytest.mark.parametrize(
    ("fen", "pays"),
    [(19999, 0), (20000, 20000), (50000, 20000), (50001, 50000), (200000, 50000), (200001, 200000),
     (500000, 200000), (500001, 500000), (1000000, 500000), (1000001, 600000)],
)  # fmt: skip
def test_tier_lookup(fen, pays):
    assert art5_2.tier_fen(editions.get("gd-nef-2022"), fen) == pays


@pytest.mark.parametrize("day", ["2022-01-01", "2022-06-15", "2022-12-31", "2021-12-31", "2023-01-01", "1990-01-01", "2099-01-01"])
def test_for_accident_falls_back_to_the_nearest_edition(day):
    assert editions.for_accident(D(day)).id == "gd-nef-2022"


@pytest.mark.parametrize("day", ["2021-12-31", "2023-01-01", "2030-06-01"])
def test_outside_every_period_is_an_art4_1_denial_not_bad_input(day):
    d = adjudicate(_accident(day))
    assert d.plan == "gd-nef-2022"
    assert d.outcome == "denied"
    assert [r.rule for r in d.reasons if r.effect == "deny"] == ["period.accident_outside"]
    assert "2022-01-01" in d.reasons[0].message_en and day in d.reasons[0].message_en


def test_the_nearest_of_two_editions(registry):
    later = register(_variant("test-2040", period={"start": "2040-01-01", "end": "2040-12-31"}))
    assert later is registry.get("test-2040")
    assert registry.for_accident(D("2030-06-01")).id == "gd-nef-2022"  # 7.4 years from 2022, 9.6 from 2040
    assert registry.for_accident(D("2035-06-01")).id == "test-2040"
    assert registry.for_accident(D("2040-03-01")).id == "test-2040"
    assert registry.for_accident(D("2022-03-01")).id == "gd-nef-2022"
    d = adjudicate(_accident("2035-06-01"))
    assert d.plan == "test-2040" and d.outcome == "denied"
    assert "period.accident_outside" in [r.rule for r in d.reasons]
    inside = adjudicate(_accident("2040-03-01"))
    assert (inside.plan, inside.outcome, inside.payout) == ("test-2040", "approved", Decimal("2000.00"))


def test_a_registered_edition_is_found_by_plan_and_by_period(registry):
    e = register(_variant("test-2023", period={"start": "2023-01-01", "end": "2023-12-31"}))
    assert "test-2023" in registry.ids()
    c = _accident("2023-03-01")
    assert adjudicate(c).plan == "test-2023"
    assert adjudicate({**c, "plan": "test-2023"}).outcome == "approved"
    assert adjudicate(c, plan="test-2023").plan == "test-2023"
    assert adjudicate(c, plan=e).plan == "test-2023"
    named_2022 = adjudicate(c, plan="gd-nef-2022")
    assert (named_2022.plan, named_2022.outcome) == ("gd-nef-2022", "denied")


def test_an_edition_registered_by_id_only_never_takes_over_a_claim_without_a_plan(registry):
    """(The review of issue 15, finding 2: a what-if loaded by `mutualaid serve --plan` whose id sorts
    first decided every claim without a plan.)"""
    aaa = register(_variant("aaa-what-if"), by_id_only=True)  # the 2022 period, an id that sorts first
    assert registry.for_accident(D("2022-03-01")).id == "gd-nef-2022"
    assert registry.for_history_day(D("2022-03-01")).id == "gd-nef-2022"
    c = _accident("2022-03-01")
    assert adjudicate(c).plan == "gd-nef-2022"
    assert adjudicate({**c, "plan": "aaa-what-if"}).plan == "aaa-what-if" == aaa.id
    register(_variant("aaa-what-if"), replace=True)  # registered again with a date: now it competes
    assert registry.for_accident(D("2022-03-01")).id == "aaa-what-if"


def test_re_registering_an_equal_edition_is_a_no_op(registry):
    before = registry.ids()
    shipped = registry.get("gd-nef-2022")
    again = Edition.model_validate(edition_data())
    assert again == shipped and again is not shipped
    register(again)
    register(again)
    assert registry.ids() == before
    assert adjudicate(base_claim()).payout == Decimal("2000.00")


def test_registering_a_different_edition_under_a_known_id_needs_replace(registry):
    changed = _variant("gd-nef-2022", cap={"amount": "500.00", "scope": "edition"})
    with pytest.raises(ValueError, match="already registered"):
        register(changed)
    assert adjudicate(base_claim()).payout == Decimal("2000.00")
    register(changed, replace=True)
    assert adjudicate(base_claim()).payout == Decimal("500.00")


def test_an_edition_from_a_file(tmp_path, registry):
    text = (
        (resources.files("mutualaid") / "editions" / "gd-nef-2022.yaml")
        .read_text(encoding="utf-8")
        .replace("id: gd-nef-2022", "id: test-file")
        .replace('amount: "10000.00"', 'amount: "1500.00"')
    )
    path = tmp_path / "edition.yaml"
    path.write_text(text, encoding="utf-8")
    e = load_edition(path)
    assert e.id == "test-file" and e.cap.amount == Decimal("1500.00")
    d = adjudicate(base_claim(), [hist("C-0100", "A-0100", "2022-01-15", "600.00", "500.00")], plan=e)
    assert (d.plan, d.payout, d.cap_remaining) == ("test-file", Decimal("1000.00"), Decimal("0.00"))
    assert "cap.limits_payout" in [r.rule for r in d.reasons]


def test_a_custom_tier_table_changes_the_payout():
    e = _variant(
        "test-tiers",
        tiers=[{"at_least": "100.00", "pays": "150.00"}, {"over": "3000.00", "pays": "2500.00"}],
    )
    assert adjudicate(claim_with(treatment(items=[item(amount="100.00")])), plan=e).payout == Decimal("150.00")
    assert adjudicate(claim_with(treatment(items=[item(amount="99.99")])), plan=e).outcome == "denied"
    edge = adjudicate(claim_with(treatment(items=[item(amount="3000.00")])), plan=e)
    assert edge.payout == Decimal("150.00")  # "over" excludes its edge
    top = adjudicate(claim_with(treatment(items=[item(amount="3000.01")])), plan=e)
    assert (top.payout, top.tier_amount, top.plan) == (Decimal("2500.00"), Decimal("2500.00"), "test-tiers")
    below = adjudicate(claim_with(treatment(items=[item(amount="99.99")])), plan=e)
    assert "first tier (100 yuan)" in [r for r in below.reasons if r.rule == "tier.below_first_tier"][0].message_en


def test_a_custom_cap_changes_the_payout():
    e = _variant("test-cap", cap={"amount": "2500.00", "scope": "edition"})
    history = [hist("C-0100", "A-0100", "2022-01-15", "600.00", "500.00")]
    d = adjudicate(base_claim(), history, plan=e)
    assert (d.payout, d.cap_remaining) == (Decimal("2000.00"), Decimal("0.00"))
    d = adjudicate(base_claim(), [hist("C-0100", "A-0100", "2022-01-15", "3000.00", "2000.00")], plan=e)
    assert (d.outcome, d.payout) == ("approved", Decimal("500.00"))
    with pytest.raises(InvalidClaim) as exc:  # history over this edition's cap is bad input
        adjudicate(base_claim(), [hist("C-0100", "A-0100", "2022-01-15", "9000.00", "5000.00")], plan=e)
    assert exc.value.fields == ("history.0.paid",)


def test_a_cap_per_member_counts_every_edition():
    e = _variant("test-member-cap", cap={"amount": "10000.00", "scope": "member"})
    history = [hist("C-0100", "A-0100", "2021-05-01", "20000.00", "6000.00"),
               hist("C-0101", "A-0101", "2021-06-01", "9000.00", "3000.00")]  # fmt: skip
    assert adjudicate(base_claim(), history).payout == Decimal("2000.00")
    assert adjudicate(base_claim(), history, plan=e).payout == Decimal("1000.00")


def test_a_plan_given_to_adjudicate_wins_over_the_claims_plan():
    e = _variant("test-override", cap={"amount": "300.00", "scope": "edition"})
    d = adjudicate({**base_claim(), "plan": "gd-nef-2022"}, plan=e)
    assert (d.plan, d.payout) == ("test-override", Decimal("300.00"))


def test_an_unknown_plan_is_bad_input_both_ways():
    with pytest.raises(InvalidClaim) as exc:
        adjudicate({**base_claim(), "plan": "gd-nef-2099"})
    assert exc.value.fields == ("plan",) and "gd-nef-2022" in str(exc.value)
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(base_claim(), plan="gd-nef-2099")
    assert exc.value.fields == ("plan",)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("period", {"start": "2022-12-31", "end": "2022-01-01"}),
        ("tiers", [{"over": "500.00", "pays": "500.00"}, {"at_least": "200.00", "pays": "200.00"}]),
        ("tiers", [{"at_least": "200.00", "over": "200.00", "pays": "200.00"}]),
        ("tiers", []),
        ("cap", {"amount": "-1.00"}),
        ("window", {"days": 0}),
        ("colour", "red"),
    ],
)
def test_an_inconsistent_edition_is_refused(key, value):
    data = edition_data()
    data[key] = value
    with pytest.raises(ValueError):
        Edition.model_validate(data)


def test_a_circumstance_under_two_clauses_is_refused():
    data = edition_data()
    data["exclusions"]["circumstances"]["art6.2"] = ("drug_use", "fight")
    with pytest.raises(ValueError, match="fight"):
        Edition.model_validate(data)


def test_a_copy_of_a_fresh_edition_with_a_new_cap():
    fresh = Edition.model_validate(edition_data())
    copy = fresh.model_copy(update={"id": "test-copy-cold", "cap": Cap(amount="1000.00")})
    d = adjudicate(base_claim(), plan=copy)
    assert (d.plan, d.payout, d.cap_remaining) == ("test-copy-cold", Decimal("1000.00"), Decimal("0.00"))


def test_a_copy_of_a_used_edition_with_a_new_cap():
    original = Edition.model_validate(edition_data())
    adjudicate(base_claim(), plan=original)  # the edition has decided a claim: its derived values are cached
    copy = original.model_copy(update={"id": "test-copy-warm", "cap": Cap(amount="1000.00")})
    d = adjudicate(base_claim(), plan=copy)
    assert (d.plan, d.payout, d.cap_remaining) == ("test-copy-warm", Decimal("1000.00"), Decimal("0.00"))


def test_decision_records_the_edition():
    assert adjudicate(base_claim()).plan == "gd-nef-2022"
    assert adjudicate({**base_claim(), "plan": "gd-nef-2022"}).plan == "gd-nef-2022"
