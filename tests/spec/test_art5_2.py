"""第五条(二) (art5.2): the tiers, looked up on the accident's countable out-of-pocket."""

from __future__ import annotations

import copy
from collections import Counter
from decimal import Decimal

from hypothesis import example, given, note
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
from edges import CAP_3500_LEFT, TOP_TIER_PAID, TOP_UP, tier_5000_claim
from pins import clause


@clause("art5.2", "art5.3", "art8.1")
@given(T.claims_with_history())
@example((tier_5000_claim(), TOP_UP))  # top-up: 5000 − 500
@example((tier_5000_claim(), CAP_3500_LEFT))  # the cap's remainder, 3500, is less than the tier
@example((tier_5000_claim(), TOP_TIER_PAID))  # the top tier was already paid
def test_payout_is_a_tier_amount_less_what_was_paid_or_the_cap_remainder(cw):
    """第五条(二) "个人自付金额在200-500元(含)的,一次性补偿200元;……大于10000元的,一次性补偿6000元" and
    第五条(三) "累计给付金额不超过10000元".

    A payout is a tier amount (200/500/2000/5000/6000) less what the accident was already paid, or what
    is left of the 10,000 cap; it never exceeds the accident's countable out-of-pocket; it is positive
    exactly when the claim is approved. The decision's accident total, tier and cap_remaining follow
    from the history as the contract computes them.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    hist_counted, paid_acc, paid_ed = R.history_sums(claim, history)
    assert d.accident_out_of_pocket == hist_counted + d.counted_out_of_pocket
    assert d.tier_amount == R.tier_of(d.accident_out_of_pocket)
    assert (d.payout > 0) == (d.outcome == "approved")
    assert d.payout <= d.accident_out_of_pocket
    assert d.payout <= max(Decimal(0), d.tier_amount - paid_acc)
    assert d.payout <= R.PARAMS_2022.cap - paid_ed
    if d.payout:
        tiers = {pays for _, _, pays in R.PARAMS_2022.tiers}
        assert d.payout in {t - paid_acc for t in tiers} | {R.PARAMS_2022.cap - paid_ed}
        assert d.payout == min(d.tier_amount - paid_acc, R.PARAMS_2022.cap - paid_ed)
    assert d.cap_remaining == max(Decimal(0), R.PARAMS_2022.cap - paid_ed) - d.payout


@clause("art5.2", "art5.1", "art9.2")
@given(T.claims_with_history())
def test_counted_out_of_pocket_is_the_sum_of_items_no_exclusion_hit(cw):
    """第五条(二) "个人自付金额" and 第五条(一) "符合……社会基本医疗保险规定的合理医疗费用"; CONTRACT §3:
    "Counted out-of-pocket of a claim = the sum of `out_of_pocket` over items that no `exclude` reason hit."

    counted_out_of_pocket equals the sum over items not named by an exclude reason, where subject
    ``T1`` excludes every item of T1 and ``T1/2`` only its second item; self_funded (个人自费) never counts.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    assert d.counted_out_of_pocket == R.counted_by_reasons(claim, d)


@st.composite
def reordered(draw):
    claim, history = draw(T.claims_with_history())
    order = draw(st.permutations(range(len(claim["treatments"]))))
    item_orders = [draw(st.permutations(range(len(t["items"])))) for t in claim["treatments"]]
    return claim, history, order, item_orders


def _reason_key(r, relabel=None):
    subject = relabel.get(r.subject, r.subject) if relabel else r.subject
    return (r.clause, r.rule, r.effect, subject, r.message_zh, r.message_en)


@clause("art5.2", "§7")
@given(reordered())
def test_the_order_of_items_and_treatments_changes_nothing_but_the_order_of_reasons(data):
    """第五条(二) "因同一次意外伤害事故发生的个人自付金额" is a sum; the contract (§7 "Reason order") orders
    reasons by input, and nothing else depends on it.

    Reordering treatments and the items inside each keeps the outcome, the amounts and the multiset
    of reasons (an item's subject ``T1/2`` renumbered to its new place).
    """
    claim, history, order, item_orders = data
    moved = copy.deepcopy(claim)
    moved["treatments"] = []
    relabel = {}
    for k in order:
        t = copy.deepcopy(claim["treatments"][k])
        perm = item_orders[k]
        t["items"] = [claim["treatments"][k]["items"][i] for i in perm]
        for new, old in enumerate(perm, start=1):
            relabel[f"{t['treatment_id']}/{old + 1}"] = f"{t['treatment_id']}/{new}"
        moved["treatments"].append(t)
    a, b = adjudicate(claim, history), adjudicate(moved, history)
    assert a.outcome == b.outcome
    for f in R.MONEY_FIELDS:
        assert getattr(a, f) == getattr(b, f), f
    assert Counter(_reason_key(r, relabel) for r in a.reasons) == Counter(_reason_key(r) for r in b.reasons)
    assert set(a.passed) == set(b.passed)


@st.composite
def more_out_of_pocket(draw):
    """A claim and history, and the same claim with more out-of-pocket on one item, or one more item."""
    claim, history = draw(T.claims_with_history())
    more = copy.deepcopy(claim)
    extra = draw(st.one_of(st.sampled_from((1, 100, 300_00)), T.amounts_fen))
    items = [(i, j) for i, t in enumerate(more["treatments"]) for j in range(len(t["items"]))]
    if items and draw(st.booleans()):
        i, j = draw(st.sampled_from(items))
        it = more["treatments"][i]["items"][j]
        it["out_of_pocket"] = T.yuan(int(Decimal(it["out_of_pocket"]) * 100) + extra)
    else:
        i = draw(st.integers(0, len(more["treatments"]) - 1))
        more["treatments"][i]["items"].append({"on": more["accident"]["occurred_on"], "category": "treatment", "out_of_pocket": T.yuan(extra)})
    return claim, history, more


@clause("art5.2")
@given(more_out_of_pocket())
def test_more_countable_out_of_pocket_never_lowers_the_tier(data):
    """第五条(二) "按梯度获得专属意外医疗补贴保障。因同一次意外伤害事故发生的个人自付金额在200-500元(含)的,一次性补偿200元;……".

    Monotonicity: more out-of-pocket on an item, or one more cost, never lowers the countable
    out-of-pocket, the accident's total, its tier or the payout, and never turns an approval into a
    denial.
    """
    claim, history, more = data
    a, b = adjudicate(claim, history), adjudicate(more, history)
    note(f"{a.accident_out_of_pocket} → {b.accident_out_of_pocket}: tier {a.tier_amount} → {b.tier_amount}")
    assert b.counted_out_of_pocket >= a.counted_out_of_pocket
    assert b.accident_out_of_pocket >= a.accident_out_of_pocket
    assert b.tier_amount >= a.tier_amount
    assert b.payout >= a.payout
    if a.outcome == "approved":
        assert b.outcome == "approved"


@st.composite
def at_an_editions_edge(draw):
    """An edition, and a clean, complete claim whose one countable cost is one of its tier edges ±0.01."""
    edition = draw(T.editions())
    edge = draw(st.sampled_from([t.edge for t in edition.tiers]))
    amount = edge + Decimal(draw(st.sampled_from((-1, 0, 1)))) / 100
    claim = draw(T.claims(clean=True, complete=True, max_treatments=1))
    t = claim["treatments"][0]
    t["hospital"], t["diagnoses"] = {"grade": 3, "ownership": "public", "kind": "general"}, ["S82.2"]
    t["items"] = [{"on": claim["accident"]["occurred_on"], "category": "treatment", "out_of_pocket": str(max(amount, Decimal("0.00")))}]
    return edition, claim


@clause("art5.2")
@given(at_an_editions_edge())
def test_each_tier_edge_belongs_where_the_editions_table_puts_it(data):
    """第五条(二) "个人自付金额在200-500元(含)的,一次性补偿200元;个人自付金额在500-2000元(含)的,一次性补偿500元;……"
    (民法典 第一千二百五十九条: 以上 includes the number, 超过 excludes it).

    Under any edition's tier table, an accident's total at a row's edge, one fen below or one fen
    above is paid that row's amount when it reaches the edge (an ``at_least`` edge on it, an
    ``over`` edge only above it), else the row below's: the tier is the reference lookup of the
    edition's own table.
    """
    edition, claim = data
    d = adjudicate(claim, [], plan=edition)
    p = R.params_of(edition)
    assert d.counted_out_of_pocket == Decimal(claim["treatments"][0]["items"][0]["out_of_pocket"])
    assert d.tier_amount == R.tier_of(d.accident_out_of_pocket, p)
    rows = {edge: (inclusive, pays) for edge, inclusive, pays in p.tiers}
    if d.accident_out_of_pocket in rows:  # on an edge: its row's amount if 以上, the row below's if 超过
        inclusive, pays = rows[d.accident_out_of_pocket]
        assert d.tier_amount == (pays if inclusive else R.tier_of(d.accident_out_of_pocket - Decimal("0.01"), p))
