"""Dates end at 2199-12-31 (CONTRACT §7, revision 2; issue 13 finding 2).

An accident in 9999 crashed deep inside (``year 10000 is out of range``, when the filing deadline
was counted) and stopped a whole batch. A date after 2199-12-31, or before 1900-01-01, is now bad
input naming its field, in every date field, the history's included. On the last day itself,
every date the rules derive (the deadline years later, the window's end) is still a real date.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mutualaid import InvalidClaim, adjudicate
from mutualaid.edition import Edition
from mutualaid.values import to_date

from claimdata import base_claim, edition_data, hist

DATE_FIELDS = [
    "filed_on",
    "member.union_member_since",
    "member.real_name_verified_on",
    "accident.occurred_on",
    "treatments.0.items.0.on",
]


def _set(doc: dict, path: str, value) -> None:
    *head, last = path.split(".")
    for k in head:
        doc = doc[int(k)] if k.isdigit() else doc[k]
    doc[last] = value


def _refused_fields(claim, history=()) -> tuple:
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(claim, history)
    return caught.value.fields


@pytest.mark.parametrize("field", DATE_FIELDS)
@pytest.mark.parametrize("day", ["2200-01-01", "9999-12-31", "1899-12-31", dt.date(2200, 1, 1), dt.date.max])
def test_a_date_out_of_range_is_bad_input_naming_its_field(field, day):
    claim = base_claim()
    _set(claim, field, day)
    assert field in _refused_fields(claim)


@pytest.mark.parametrize("day", ["2200-01-01", "9999-12-31", "1899-12-31"])
def test_a_history_date_out_of_range_is_bad_input_naming_it(day):
    history = [hist("H-1", "A-0000", day, "800.00", "500.00")]
    assert _refused_fields(base_claim(), history) == ("history.0.accident_occurred_on",)


def test_the_message_says_where_dates_end():
    claim = base_claim()
    claim["accident"]["occurred_on"] = "9999-12-31"
    with pytest.raises(InvalidClaim, match="after 2199-12-31"):
        adjudicate(claim)


def test_the_first_and_last_days_are_dates():
    assert to_date("1900-01-01") == dt.date(1900, 1, 1)
    assert to_date("2199-12-31") == to_date(dt.date(2199, 12, 31)) == dt.date(2199, 12, 31)


def _on_the_last_day() -> dict:
    claim = base_claim()
    claim["accident"]["occurred_on"] = claim["filed_on"] = "2199-12-31"
    claim["treatments"][0]["items"][0]["on"] = "2199-12-31"
    return claim


def test_a_claim_on_the_last_day_is_decided_under_the_nearest_edition():
    """No edition holds 2199: art4.1 denies it (CONTRACT §7, "Edition"), and the deadline in 2200
    is counted (weekends only: no holiday data reaches it) without leaving the calendar."""
    d = adjudicate(_on_the_last_day())
    assert (d.outcome, str(d.payout)) == ("denied", "0.00")
    assert [r.clause for r in d.reasons if r.effect == "deny"] == ["art4.1"]


def _le(field):
    """The field's upper bound, wherever pydantic keeps it among the metadata (revision 3 added a validator)."""
    return next(m.le for m in field.metadata if getattr(m, "le", None) is not None)


def test_the_longest_deadline_and_window_an_edition_allows_stay_real_dates():
    """An edition for 2199 with the largest filing.years and window.days it may have: a claim on
    2199-12-31 is decided; its deadline lies decades past 2199, inside the calendar."""
    data = edition_data()
    data["id"] = "what-if-2199"
    data["period"] = {"start": "2199-01-01", "end": "2199-12-31"}
    data["filing"]["years"] = _le(Edition.model_fields["filing"].annotation.model_fields["years"])
    data["window"]["days"] = _le(Edition.model_fields["window"].annotation.model_fields["days"])
    edition = Edition.model_validate(data)
    d = adjudicate(_on_the_last_day(), plan=edition)
    assert (d.outcome, str(d.payout)) == ("approved", "2000.00")
    assert [r.rule for r in d.reasons] == ["filing.calendar_gap"]  # a note: weekends alone moved the deadline
