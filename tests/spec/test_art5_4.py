"""第五条(四) (art5.4): a claim filed more than a year after the accident is given up."""

from __future__ import annotations

import copy
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
from pins import clause


@clause("art5.4")
@given(T.claims_with_history(), st.one_of(st.integers(1, 10), st.integers(1, 800)))
def test_filing_later_never_helps(cw, days):
    """第五条(四) "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。"

    The same claim filed later never pays more, and a denied claim stays denied.
    """
    claim, history = cw
    later = copy.deepcopy(claim)
    later["filed_on"] = (dt.date.fromisoformat(claim["filed_on"]) + dt.timedelta(days=days)).isoformat()
    early, late = adjudicate(claim, history), adjudicate(later, history)
    assert late.payout <= early.payout
    if early.outcome == "denied":
        assert late.outcome == "denied"


def _filed_on(claim: dict, day: dt.date) -> dict:
    """The claim filed on ``day``, costs after it moved back to it (a cost cannot follow its filing)."""
    c = copy.deepcopy(claim)
    c["filed_on"] = day.isoformat()
    for t in c["treatments"]:
        for it in t["items"]:
            if dt.date.fromisoformat(it["on"]) > day:
                it["on"] = day.isoformat()
    return c


@st.composite
def around_the_deadline(draw, edition=None):
    """A claim whose accident's deadline falls on a weekend, in a holiday, on a 调休 day or anywhere,
    filed the day before its deadline, on it, or the day after."""
    day = draw(st.one_of(st.sampled_from(tuple(T.DEADLINE_EDGES)), T.accident_dates))
    claim = draw(T.claims(accident=draw(T.accidents(occurred_on=day))))
    deadline, _ = R.filing_deadline(day, R.params_of(edition))
    shift = draw(st.sampled_from((-1, 0, 1)))
    return _filed_on(claim, max(day, deadline + dt.timedelta(days=shift))), draw(T.histories(for_claim=claim, edition=edition)), shift


@clause("art5.4")
@given(around_the_deadline())
def test_a_claim_filed_on_its_deadline_is_on_time_and_a_day_later_is_not(data):
    """第五条(四) "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。" (民法典 第二百零一条至第二百零三条:
    届满 includes the day; a last day that is a rest day or holiday moves to the next working day).

    The deadline is the anniversary (29 February → 28 February), moved past weekend rest days and
    statutory holidays such as the Spring Festival to the next working day, a 调休 Saturday or Sunday
    counting as one. A claim filed on that day, or the day before, is not denied under art5.4;
    filed the day after, it is, and the deny reason's hint names the deadline.
    """
    claim, history, shift = data
    d = adjudicate(claim, history)
    late = [r for r in d.reasons if r.clause == "art5.4" and r.effect == "deny"]
    assert bool(late) == (shift > 0)
    if late:
        occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
        deadline, _ = R.filing_deadline(occurred)
        assert any(h.kind == "filing_deadline" and h.data["deadline"] == deadline.isoformat() for h in d.hints)


@st.composite
def unmoved(draw):
    edition = draw(T.editions(moves_to_workday=False))
    claim, history, shift = draw(around_the_deadline(edition))
    return edition, claim, history, shift


@clause("art5.4")
@given(unmoved())
def test_without_the_move_the_deadline_is_the_anniversary_of_the_editions_years(data):
    """第五条(四) "超过一年未提出申报的,视作自动放弃" (the edition's ``filing.years`` and its switch
    ``filing_deadline_moves_to_workday``).

    With the move switched off, the deadline is the accident day plus the edition's number of
    years (29 February → 28 February), whatever day of the week it is: filed on it is on time, a
    day later is late, and no calendar note is ever given. Every filing must meet it, a top-up of
    an accident already in the history included, unless the edition's ``filing.top_ups_meet_deadline``
    exempts top-ups (CONTRACT §7, revision 2); it exempts one only when the history holds a claim of
    the same accident whose ``filed_on`` met the deadline, and an entry without ``filed_on`` shows
    none (revision 3: an accident given up is never revived by a top-up).
    """
    edition, claim, history, shift = data
    d = adjudicate(claim, history, plan=edition)
    occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
    deadline, _ = R.filing_deadline(occurred, R.params_of(edition))
    filed_on_time_before = any(
        h["accident_id"] == claim["accident"]["accident_id"] and h.get("filed_on") and dt.date.fromisoformat(h["filed_on"]) <= deadline
        for h in history
    )
    checked = edition.filing.top_ups_meet_deadline or not filed_on_time_before
    assert any(r.clause == "art5.4" and r.effect == "deny" for r in d.reasons) == (shift > 0 and checked)
    assert not any(r.clause == "art5.4" and r.effect == "note" for r in d.reasons)
