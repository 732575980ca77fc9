"""第二条 保障内容 (art2): what the cover is, in one sentence; 第五条 sets out its parts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
from pins import clause


@clause("art2", "art5.1", "art5.3", "art5.5", "art9.1")
@given(T.claims_with_history(clean=True))
def test_every_payment_rests_on_an_accident_treated_in_a_hospital_within_180_days(cw):
    """第二条 "新就业形态劳动者因遭受意外伤害事故在医院进行治疗的，就其该次事故发生之日起 180 日内发生的、符合就诊医院所在地
    社会基本医疗保险规定的合理医疗费用，最高可获得 1 万元的专属意外医疗补贴保障。"

    Whenever a claim pays, the plan's one-sentence promise holds for it: the cause is an accident;
    the accident's countable costs (this claim's, and what earlier claims counted for the same
    accident, as in a top-up or a refiled pending claim) reach the first tier; every cost of this
    claim that counts is dated from the accident day to day 180, belongs to a treatment at a
    hospital art5.5 accepts, and is 个人自付 (out_of_pocket); and the payout is at most 10,000 (1 万元).
    """
    claim, history = cw
    d = adjudicate(claim, history)
    if d.payout == 0:
        return
    assert claim["accident"]["cause"] == "accident"
    assert 0 < d.payout <= R.PARAMS_2022.cap
    occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
    hit = {r.subject for r in d.reasons if r.effect == "exclude"}
    counted = [
        (t, it)
        for t in claim["treatments"]
        for n, it in enumerate(t["items"], start=1)
        if t["treatment_id"] not in hit and f"{t['treatment_id']}/{n}" not in hit
    ]
    earlier, _, _ = R.history_sums(claim, history)
    assert d.accident_out_of_pocket == earlier + d.counted_out_of_pocket >= R.PARAMS_2022.tiers[0][0]
    for t, it in counted:
        assert 0 <= (dt.date.fromisoformat(it["on"]) - occurred).days <= 180
        assert R.hospital_counts(t["hospital"])
    assert sum((R.D(it["out_of_pocket"]) for _, it in counted), R.ZERO) == d.counted_out_of_pocket
