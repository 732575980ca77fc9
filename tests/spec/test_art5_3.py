"""第五条(三) (art5.3): 10,000 in all per member and edition, however many accidents and claims."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from hypothesis import given, note
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
import tables as C
from pins import clause


def _decide_in_order(stream: list, record: bool = True) -> tuple[list, list]:
    """Each claim decided with the earlier ones as history: (decisions, history entries)."""
    decisions, history = [], []
    for claim in stream:
        d = adjudicate(claim, history, record=record)
        decisions.append(d)
        history.append(T.history_entry(claim, d))
    return decisions, history


@clause("art5.3", "art2", "art4.2")
@given(T.claim_streams())
def test_total_paid_in_an_edition_never_exceeds_the_cap(stream):
    """第五条(三) "不论一次或多次遭受意外伤害事故……均按上述约定分别给付……但累计给付金额不超过10000元。
    累计给付金额达到10000元时,该保障责任终止。" (第二条 "最高可获得 1 万元").

    Claims by one member, each decided with the earlier decisions as history: each fed-back history
    is valid input, no accident is paid more than 6,000 in total, and the total paid for accidents
    of the 2022 edition never exceeds 10,000 (nor does anything outside it get paid).
    """
    decisions, history = _decide_in_order(stream)
    for claim, d in zip(stream, decisions):
        note(f"{claim['claim_id']} {claim['accident']['accident_id']}: {d.outcome} {d.payout} cap_remaining {d.cap_remaining}")
    total = sum(R.D(h["paid"]) for h in history)
    in_edition = sum(R.D(h["paid"]) for h in history if C.in_period(dt.date.fromisoformat(h["accident_occurred_on"])))
    assert in_edition == total
    assert total <= R.PARAMS_2022.cap
    per_accident = Counter()
    for h in history:
        per_accident[h["accident_id"]] += R.D(h["paid"])
    assert all(v <= R.top_tier() for v in per_accident.values())


@st.composite
def permuted_streams(draw):
    stream = draw(T.claim_streams(payable=True))
    return stream, draw(st.permutations(stream))


@clause("art5.3", "art8.1")
@given(permuted_streams())
def test_the_cap_is_order_independent(data):
    """第五条(三) "均按上述约定分别给付意外医疗补贴保障,但累计给付金额不超过10000元" and 第八条(一) "将进行累计".

    A member's claims that only the tier and the cap can stop (eligible, in the period, on time,
    complete) pay the same total in any filing order: each accident ends up paid the tier of its
    whole countable out-of-pocket, and the member min(10,000, the sum of those tiers). So a
    permutation of the stream pays what the stream pays, and while that stays at or below 10,000 it
    is exactly the sum of the accidents' tiers.
    """
    stream, shuffled = data
    decisions, _ = _decide_in_order(stream, record=False)
    again, _ = _decide_in_order(shuffled, record=False)
    by_accident = defaultdict(Decimal)
    for claim in stream:
        by_accident[claim["accident"]["accident_id"]] += R.expected_decision(claim, [])["counted_out_of_pocket"]
    expected = min(R.PARAMS_2022.cap, sum((R.tier_of(total) for total in by_accident.values()), Decimal("0.00")))
    note(f"per accident {dict(by_accident)}; expected total {expected}")
    assert sum(d.payout for d in decisions) == expected
    assert sum(d.payout for d in again) == expected


@st.composite
def streams_and_orders(draw):
    stream = draw(T.claim_streams())
    return stream, [draw(st.permutations(range(k))) for k in range(len(stream))]


@clause("art5.3", "art8.1", "§1")
@given(streams_and_orders())
def test_one_by_one_through_a_stream_equals_deciding_with_the_full_history(data):
    """第五条(三) "累计给付金额不超过10000元" and 第八条(一) "工作人员接到申报后,将进行累计"; CONTRACT §1:
    history is "earlier decided claims of the same member, any order".

    Deciding a member's claims one by one, each with the history built so far, gives for every
    claim exactly the decision that the full history of the claims before it gives, in any order
    (the record aside, which hashes the history's order); and what the last decision leaves of the
    cap is 10,000 less everything paid in the stream for 2022 accidents.
    """
    stream, orders = data
    decisions, history = _decide_in_order(stream, record=False)
    for k, (claim, d) in enumerate(zip(stream, decisions)):
        earlier = [history[i] for i in orders[k]]
        assert adjudicate(claim, earlier, record=False) == d
    last = stream[-1]
    if C.in_period(dt.date.fromisoformat(last["accident"]["occurred_on"])):
        paid = sum((R.D(h["paid"]) for h in history if C.in_period(dt.date.fromisoformat(h["accident_occurred_on"]))), Decimal("0.00"))
        assert decisions[-1].cap_remaining == R.PARAMS_2022.cap - paid


@st.composite
def edition_claims(draw):
    edition = draw(T.editions())
    claim = draw(T.claims())
    return edition, claim, draw(T.histories(for_claim=claim, edition=edition))


@clause("art5.3", "art5.2")
@given(edition_claims())
def test_no_payout_exceeds_the_editions_cap_or_top_tier(data):
    """第五条(三) "累计给付金额不超过10000元" and 第五条(二) "……大于10000元的,一次性补偿6000元" (the cap and
    the top tier are the edition's ``cap.amount`` and its highest tier).

    Under any edition, a payout never exceeds what is left of the edition's cap after the history's
    payments in the cap's scope, nor its top tier less what the accident was already paid; and
    cap_remaining is never negative.
    """
    edition, claim, history = data
    d = adjudicate(claim, history, plan=edition)
    p = R.params_of(edition)
    _, paid_acc, paid_scope = R.history_sums(claim, history, p)
    assert d.payout <= max(Decimal(0), p.cap - paid_scope)
    assert d.payout <= max(Decimal(0), R.top_tier(p) - paid_acc)
    assert d.payout <= p.cap and d.payout <= R.top_tier(p)
    assert d.cap_remaining >= 0
