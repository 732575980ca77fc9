"""第九条 其他约定事项（释义） (art9): what an accident is (1), and what medical costs are (2)."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import tables as C

from pins import clause


@clause("art9.1")
@given(T.claims_with_history(), st.sampled_from(C.CAUSES))
def test_only_an_accident_is_covered(cw, cause):
    """第九条 1 "本计划所指的意外伤害是指以外来的、突发的、非本意的和非疾病的客观事件为直接且单独的原因致使身体受到的伤害。"

    A claim whose cause is ``illness`` is denied under art9.1 and pays nothing; with cause
    ``accident`` no art9.1 reason is given. The cause changes no amount.
    """
    claim, history = cw
    c = copy.deepcopy(claim)
    c["accident"]["cause"] = cause
    d, accident = adjudicate(c, history), adjudicate({**c, "accident": {**c["accident"], "cause": "accident"}}, history)
    art9 = [r for r in d.reasons if r.clause == "art9.1"]
    assert bool(art9) == (cause == "illness")
    assert all(r.effect == "deny" for r in art9)
    if art9:
        assert d.outcome == "denied" and d.payout == 0
    for f in ("counted_out_of_pocket", "accident_out_of_pocket", "tier_amount"):
        assert getattr(d, f) == getattr(accident, f), f


@st.composite
def other_settings_and_self_funded(draw):
    claim, history = draw(T.claims_with_history())
    c = copy.deepcopy(claim)
    for t in c["treatments"]:
        t["setting"] = draw(st.sampled_from(C.SETTINGS))
        for it in t["items"]:
            it["self_funded"] = draw(st.one_of(st.none(), st.sampled_from(("0.00", "450.00", "99999.99")), T.amounts_fen.map(T.yuan)))
    return claim, history, c


@clause("art9.2", "art5.2")
@given(other_settings_and_self_funded())
def test_the_setting_and_self_funded_costs_change_nothing(data):
    """第九条 2 "医疗费用指因意外伤害事故接受门、急诊治疗或住院而发生的合理且必要的费用……符合就诊医院所在地社会医疗保险
    范围内的医疗费用。" and 第五条(二) "个人自付金额".

    Outpatient, emergency and inpatient care count alike, and only 个人自付 (out_of_pocket, inside the
    insurance scope) counts: changing any treatment's setting or any item's self_funded (个人自费)
    gives the same decision (its record aside, which hashes the input).
    """
    claim, history, changed = data
    assert adjudicate(changed, history, record=False) == adjudicate(claim, history, record=False)
