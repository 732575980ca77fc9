"""第五条(一) (art5.1): only costs within 180 days of the accident count."""

from __future__ import annotations

import copy
import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
from edges import window_edges_claim
from pins import clause


def _window_subjects(claim: dict, window: int) -> set:
    """The items whose day (the accident day is day 0) falls before the accident or after ``window``."""
    occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
    return {
        f"{t['treatment_id']}/{n}"
        for t in claim["treatments"]
        for n, it in enumerate(t["items"], start=1)
        if not 0 <= (dt.date.fromisoformat(it["on"]) - occurred).days <= window
    }


@clause("art5.1", "art2")
@given(T.claims_with_history())
@example((window_edges_claim(), []))
def test_a_cost_counts_from_the_accident_day_to_day_180(cw):
    """第五条(一) "就其该次事故发生之日起 180 日内发生的、符合就诊医院所在地社会基本医疗保险规定的合理医疗费用".

    An item is excluded under art5.1 exactly when it falls before the accident or more than 180
    days after it, counting from the day after the accident (民法典 第二百零一条): days 0 to 180 count,
    day 181 and day −1 do not. Nothing else is ever excluded under art5.1.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    excluded = {r.subject for r in d.reasons if r.clause == "art5.1"}
    assert excluded == _window_subjects(claim, 180)
    assert all(r.effect == "exclude" for r in d.reasons if r.clause == "art5.1")


@st.composite
def moved_inside(draw):
    """A claim and history, and the same claim with one item inside the window moved to another day inside it."""
    claim, history = draw(T.claims_with_history())
    occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
    last = min(180, (dt.date.fromisoformat(claim["filed_on"]) - occurred).days)
    inside = [
        (i, j)
        for i, t in enumerate(claim["treatments"])
        for j, it in enumerate(t["items"])
        if 0 <= (dt.date.fromisoformat(it["on"]) - occurred).days <= 180
    ]
    moved = copy.deepcopy(claim)
    if inside:
        i, j = draw(st.sampled_from(inside))
        moved["treatments"][i]["items"][j]["on"] = (occurred + dt.timedelta(days=draw(st.integers(0, last)))).isoformat()
    return claim, history, moved


@clause("art5.1")
@given(moved_inside())
def test_when_inside_the_window_a_cost_falls_changes_nothing(data):
    """第五条(一) "就其该次事故发生之日起 180 日内发生的……合理医疗费用".

    The window is a yes-or-no test: moving a cost from one day inside the 180 days to another (on
    or before filed_on) gives the same decision (its record aside, which hashes the input).
    """
    claim, history, moved = data
    assert adjudicate(moved, history, record=False) == adjudicate(claim, history, record=False)


@st.composite
def window_editions(draw):
    """An edition with some window, and a claim whose items sit at that window's edges."""
    edition = draw(T.editions())
    w = edition.window.days
    claim = draw(T.claims())
    occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
    filed = max(dt.date.fromisoformat(claim["filed_on"]), occurred + dt.timedelta(days=w + 1))
    claim["filed_on"] = filed.isoformat()
    for t in claim["treatments"]:
        for it in t["items"]:
            it["on"] = (occurred + dt.timedelta(days=draw(st.sampled_from((w - 1, w, w + 1, 0, -1))))).isoformat()
    return edition, claim, draw(T.histories(for_claim=claim, edition=edition))


@clause("art5.1")
@given(window_editions())
def test_the_window_is_the_editions_number_of_days(data):
    """第五条(一) "就其该次事故发生之日起 180 日内发生的" (180 is the edition's ``window.days``).

    Under an edition whose window is N days, the costs on days N−1 and N after the accident count
    and those on day N+1 and the day before the accident do not, so the countable out-of-pocket is
    what the reference computes for that window.
    """
    edition, claim, history = data
    d = adjudicate(claim, history, plan=edition)
    assert {r.subject for r in d.reasons if r.clause == "art5.1"} == _window_subjects(claim, edition.window.days)
    assert d.counted_out_of_pocket == R.expected_decision(claim, history, R.params_of(edition))["counted_out_of_pocket"]
