"""第四条 保障期限 (art4): the edition's period, and one membership (so one cap) per year."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import tables as C
from pins import clause


@st.composite
def claims_on_any_day(draw):
    """A claim and history whose accident falls anywhere from 1990 to 2035, often at the period's edges."""
    day = draw(T.accident_dates)
    claim = draw(T.claims(accident=draw(T.accidents(occurred_on=day))))
    return claim, draw(T.histories(for_claim=claim))


@clause("art4.1")
@given(claims_on_any_day())
def test_an_accident_outside_the_period_is_denied_under_art4_1_and_only_then(cw):
    """第四条(一) "保障期限 2022 年 1 月 1 日零时开始生效，至 2022 年 12 月 31 日 24 时止，无免责期。"

    A claim is denied under art4.1 exactly when its accident falls outside 2022-01-01 … 2022-12-31
    (both days included, no waiting period). Such a claim is still decided, under the nearest
    edition in time (CONTRACT §7, "Edition"): it is not bad input.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    outside = not C.in_period(dt.date.fromisoformat(claim["accident"]["occurred_on"]))
    assert d.plan == "gd-nef-2022"
    assert any(r.clause == "art4.1" and r.effect == "deny" for r in d.reasons) == outside
    if outside:
        assert d.outcome == "denied" and d.payout == 0


@st.composite
def other_years(draw):
    """A claim and history, and history entries for other accidents outside 2022, each paid up to 6,000."""
    claim, history = draw(T.claims_with_history())
    days = st.one_of(st.dates(dt.date(2015, 1, 1), dt.date(2021, 12, 31)), st.dates(dt.date(2023, 1, 1), dt.date(2030, 12, 31)))
    extra = [
        {
            "claim_id": f"H-O{k + 1}",
            "accident_id": f"A-O{k + 1}",
            "accident_occurred_on": draw(days).isoformat(),
            "counted_out_of_pocket": T.yuan(draw(T.amounts_fen)),
            "paid": T.yuan(draw(st.sampled_from((0, 200_00, 5000_00, 6000_00)))),
        }
        for k in range(draw(st.integers(1, 3)))
    ]
    at = draw(st.integers(0, len(history)))
    return claim, history, history[:at] + extra + history[at:]


@clause("art4.2", "art5.3")
@given(other_years())
def test_payments_for_accidents_of_other_years_do_not_count_toward_the_cap(data):
    """第四条(二) "在 2022 年内被保障人只允许参加一次本计划，超出次数视为无效。" with 第五条(三) "累计给付金额不超过10000元".

    One membership per edition means one cap per edition: adding history entries for other
    accidents that happened outside 2022, however much they were paid, changes nothing in the
    decision on a claim (its record aside, which hashes the longer history).
    """
    claim, history, longer = data
    assert adjudicate(claim, longer, record=False) == adjudicate(claim, history, record=False)
