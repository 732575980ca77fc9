"""第一条 保障对象 (art1): who the plan covers, on the accident day."""

from __future__ import annotations

import copy
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
import tables as C
from pins import clause

ELIGIBLE_ONLY = ("counted_out_of_pocket", "accident_out_of_pocket", "tier_amount")


@st.composite
def member_changes(draw):
    """A claim and history, and new union/verification dates (days from the accident, or None) and occupation."""
    claim, history = draw(T.claims_with_history())
    offsets = st.one_of(st.none(), st.sampled_from((0, -1, 1)), st.integers(-3000, 60))
    return claim, history, draw(offsets), draw(offsets), draw(st.sampled_from(C.OCCUPATIONS))


def _with_member(claim: dict, since, verified, occupation) -> dict:
    c = copy.deepcopy(claim)
    occurred = dt.date.fromisoformat(c["accident"]["occurred_on"])
    for key, offset in (("union_member_since", since), ("real_name_verified_on", verified)):
        c["member"][key] = None if offset is None else (occurred + dt.timedelta(days=offset)).isoformat()
    c["member"]["occupation"] = occupation
    return c


@clause("art1")
@given(member_changes())
def test_cover_needs_union_membership_and_verification_by_the_accident_day_and_platform_work(data):
    """第一条 "全省加入工会组织并在“粤工惠”实名登记注册的新就业形态劳动者，包括货车司机、网约车司机、快递员、
    网约配送员等平台就业群体。"

    The claim is denied under art1 exactly when the member had not joined the union, or had not
    verified their real name, on or before the accident day (the day itself is enough: 第四条 "无免责期"),
    or does not work on a platform. Eligibility changes no amount: the countable out-of-pocket,
    the accident's total and its tier are those of the same claim by an eligible member.
    """
    claim, history, since, verified, occupation = data
    c = _with_member(claim, since, verified, occupation)
    d = adjudicate(c, history)
    eligible = adjudicate(_with_member(claim, 0, 0, "courier"), history)
    not_covered = since is None or since > 0 or verified is None or verified > 0 or occupation == "not_platform_worker"
    assert any(r.clause == "art1" and r.effect == "deny" for r in d.reasons) == not_covered
    assert not any(r.clause == "art1" for r in eligible.reasons)
    if not_covered:
        assert d.outcome == "denied" and d.payout == 0
    for f in ELIGIBLE_ONLY:
        assert getattr(d, f) == getattr(eligible, f), f


@clause("art1")
@given(member_changes(), st.integers(0, 400), st.integers(0, 400))
def test_joining_or_verifying_earlier_never_lowers_the_payout(data, earlier_union, earlier_verified):
    """第一条 "全省加入工会组织并在“粤工惠”实名登记注册的新就业形态劳动者".

    Removing an art1 exclusion never lowers a payout: moving union membership or real-name
    verification earlier (or supplying a missing date as a day before the accident) never counts
    or pays less and never turns a decision into a denial.
    """
    claim, history, since, verified, occupation = data
    before = _with_member(claim, since, verified, occupation)
    after = _with_member(
        claim,
        -earlier_union if since is None else since - earlier_union,
        -earlier_verified if verified is None else verified - earlier_verified,
        occupation,
    )
    R.assert_never_worse(adjudicate(before, history), adjudicate(after, history))
