"""The filing deadline (art5.4) counted as the 民法典 counts periods (第二百零一条 to 第二百零三条)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from mutualaid import Edition, adjudicate
from mutualaid.deadline import filing_deadline, is_working_day

from claimdata import base_claim, edition_data, item, treatment

D = dt.date.fromisoformat


def test_29_february_ends_on_28_february():
    """第二百零二条: the corresponding day does not exist, so the period ends on the month's last day."""
    assert D("2021-02-28").weekday() == 6  # a Sunday: the move is then a separate step
    plain = filing_deadline(D("2020-02-29"), 1, False)
    assert plain.anniversary == plain.day == D("2021-02-28")
    moved = filing_deadline(D("2020-02-29"), 1, True)
    assert moved.anniversary == D("2021-02-28")
    assert moved.day == D("2021-03-01")


def test_29_february_to_a_working_28_february_and_to_a_leap_year():
    assert filing_deadline(D("2024-02-29"), 1, True).day == D("2025-02-28")  # a Friday
    assert filing_deadline(D("2020-02-29"), 4, False).day == D("2024-02-29")


@pytest.mark.parametrize(
    ("occurred", "anniversary", "deadline"),
    [
        ("2022-03-01", "2023-03-01", "2023-03-01"),  # a Wednesday: no move
        ("2022-03-04", "2023-03-04", "2023-03-06"),  # Saturday → Monday
        ("2022-03-05", "2023-03-05", "2023-03-06"),  # Sunday → Monday
        ("2022-06-03", "2023-06-03", "2023-06-05"),  # Saturday → Monday
    ],
)
def test_weekend_moves_to_the_next_working_day(occurred, anniversary, deadline):
    d = filing_deadline(D(occurred), 1, True)
    assert (d.anniversary, d.day, d.calendar_gap) == (D(anniversary), D(deadline), False)


@pytest.mark.parametrize(
    ("occurred", "deadline"),
    [
        ("2022-01-22", "2023-01-28"),  # Spring Festival → the 调休 Saturday 2023-01-28
        ("2022-10-01", "2023-10-07"),  # National Day → the 调休 Saturday 2023-10-07
        ("2022-05-01", "2023-05-04"),  # Labour Day
        ("2022-04-05", "2023-04-06"),  # Qingming, a Wednesday holiday
        ("2022-06-22", "2023-06-25"),  # Dragon Boat, through the weekend to the 调休 Sunday
        ("2022-12-31", "2024-01-02"),  # New Year's Eve 2023 (a Sunday) into the 2024 holiday
    ],
)
def test_statutory_holiday_moves_to_the_next_working_day(occurred, deadline):
    d = filing_deadline(D(occurred), 1, True)
    assert d.day == D(deadline)
    assert d.calendar_gap is False


@pytest.mark.parametrize("day", ["2023-01-28", "2023-01-29", "2023-04-23", "2023-10-07", "2023-10-08"])
def test_a_tiaoxiu_working_day_counts_as_working(day):
    anniversary = D(day)
    assert anniversary.weekday() >= 5  # a weekend day the calendar makes a working day
    assert is_working_day(anniversary) == (True, True)
    d = filing_deadline(anniversary.replace(year=2022), 1, True)
    assert d.day == d.anniversary == anniversary


def test_the_deadline_is_the_first_working_day_on_or_after_the_anniversary():
    """Against chinesecalendar itself, for every accident day of 2022."""
    day = D("2022-01-01")
    while day.year == 2022:
        d = filing_deadline(day, 1, True)
        assert chinese_calendar.is_workday(d.day), day
        between = d.anniversary
        while between < d.day:
            assert not chinese_calendar.is_workday(between), (day, between)
            between += dt.timedelta(days=1)
        assert d.calendar_gap is False
        day += dt.timedelta(days=1)


def test_is_working_day_outside_the_calendar_uses_weekends():
    assert is_working_day(D("2031-06-02")) == (True, False)  # Monday
    assert is_working_day(D("2031-06-01")) == (False, False)  # Sunday
    assert is_working_day(D("2003-06-01")) == (False, False)
    assert is_working_day(D("2023-01-23")) == (False, True)  # Spring Festival Monday


@pytest.mark.parametrize(
    ("occurred", "deadline"),
    [
        ("2030-06-01", "2031-06-02"),  # Sunday → Monday, weekends only
        ("2030-06-03", "2031-06-03"),  # a Tuesday: no move, still no holiday data
        ("2030-10-01", "2031-10-01"),  # National Day 2031 is unknown: a Wednesday, not moved
        ("2002-06-01", "2003-06-02"),  # before the calendar's first year
    ],
)
def test_years_outside_the_calendar_use_weekends_only_and_say_so(occurred, deadline):
    d = filing_deadline(D(occurred), 1, True)
    assert d.day == D(deadline)
    assert d.calendar_gap is True


def test_outside_the_calendar_a_saturday_is_a_rest_day_too():
    """art5.4 (民法典 第二百零三条): without holiday data, weekends alone move the deadline, and both
    weekend days do: a Saturday anniversary (2031-05-31) moves to Monday 2031-06-02, not staying put."""
    assert is_working_day(D("2031-05-31")) == (False, False)  # a Saturday in a year without data
    d = filing_deadline(D("2030-05-31"), 1, True)
    assert (d.anniversary, d.day, d.calendar_gap) == (D("2031-05-31"), D("2031-06-02"), True)
    late = adjudicate(_filed("2030-05-31", "2031-06-02"))
    assert "filing.late" in late.passed  # on time on the Monday (art4.1 denies it for its year, not art5.4)


def test_the_last_covered_year_has_no_gap():
    d = filing_deadline(D("2025-12-31"), 1, True)
    assert d.day.year == 2026
    assert d.calendar_gap is False


@pytest.mark.parametrize("occurred", ["2022-03-04", "2022-01-22", "2022-10-01", "2020-02-29"])
def test_move_can_be_turned_off(occurred):
    d = filing_deadline(D(occurred), 1, False)
    assert d.day == d.anniversary
    assert filing_deadline(D(occurred), 1, True).day > d.day


# --- through adjudicate, with the edition parameter -------------------------------------------


def _filed(occurred: str, filed: str) -> dict:
    c = base_claim()
    c["accident"]["occurred_on"] = occurred
    c["filed_on"] = filed
    c["treatments"] = [treatment(items=[item(on=occurred)])]
    return c


@pytest.fixture(scope="module")
def no_move() -> Edition:
    data = edition_data()
    data["id"] = "test-no-move"
    data["filing"]["filing_deadline_moves_to_workday"] = False
    return Edition.model_validate(data)


def test_the_shipped_edition_moves_the_deadline():
    d = adjudicate(_filed("2022-03-04", "2023-03-06"))
    assert (d.outcome, str(d.payout)) == ("approved", "2000.00")
    assert "filing.late" in d.passed


def test_an_edition_without_the_move_denies_a_claim_filed_after_a_weekend(no_move):
    d = adjudicate(_filed("2022-03-04", "2023-03-06"), plan=no_move)
    assert d.plan == "test-no-move"
    assert d.outcome == "denied"
    late = [r for r in d.reasons if r.rule == "filing.late"]
    assert len(late) == 1 and late[0].clause == "art5.4" and late[0].effect == "deny"
    assert "2023-03-04" in late[0].message_zh and "2023-03-06" in late[0].message_en
    assert adjudicate(_filed("2022-03-04", "2023-03-04"), plan=no_move).outcome == "approved"


def test_an_edition_without_the_move_via_model_copy_of_a_fresh_edition():
    from mutualaid.edition import Filing

    fresh = Edition.model_validate(edition_data())
    copy = fresh.model_copy(update={"id": "test-no-move-copy", "filing": Filing(years=1, filing_deadline_moves_to_workday=False)})
    assert adjudicate(_filed("2022-01-22", "2023-01-27"), plan=copy).outcome == "denied"
    assert adjudicate(_filed("2022-01-22", "2023-01-27"), plan=fresh).outcome == "approved"


def test_a_model_copy_with_another_filing_rule_neither_inherits_nor_leaks_deadlines():
    from mutualaid.edition import Filing

    original = Edition.model_validate(edition_data())  # not the shipped one: a leak must not reach other tests
    assert adjudicate(_filed("2022-03-04", "2023-03-06"), plan=original).outcome == "approved"  # now in use
    copy = original.model_copy(update={"id": "test-no-move-copy", "filing": Filing(years=1, filing_deadline_moves_to_workday=False)})
    # 2023-11-05 is a Sunday: moved to Monday 2023-11-06 by the original only
    with_copy = adjudicate(_filed("2022-11-05", "2023-11-06"), plan=copy).outcome
    with_original = adjudicate(_filed("2022-11-05", "2023-11-06"), plan=original).outcome
    # 2023-03-04 is a Saturday, already seen by the original
    with_copy_seen = adjudicate(_filed("2022-03-04", "2023-03-06"), plan=copy).outcome
    assert (with_copy, with_original, with_copy_seen) == ("denied", "approved", "denied")


def test_a_deadline_without_holiday_data_gives_a_note():
    d = adjudicate(_filed("2030-06-01", "2030-06-10"))
    notes = [r for r in d.reasons if r.rule == "filing.calendar_gap"]
    assert [(r.clause, r.effect, r.subject) for r in notes] == [("art5.4", "note", "claim")]
    assert "2031-06-01" in notes[0].message_en and "2031-06-02" in notes[0].message_en
    assert "filing.calendar_gap" not in d.passed
    inside = adjudicate(_filed("2022-06-01", "2022-06-10"))
    assert "filing.calendar_gap" in inside.passed
