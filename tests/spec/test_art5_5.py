"""第五条(五) (art5.5): the hospital must be a grade-2 or grade-3 public hospital of a covered kind."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
import tables as C
from pins import clause


@clause("art5.5")
@given(T.claims_with_history())
def test_a_treatment_counts_only_at_a_grade_2_or_3_public_hospital_of_a_covered_kind(cw):
    """第五条(五) "本条款所指医院,是指国家卫生行政管理部门医院等级分类中的二级或二级以上的公立医院(不包括主要提供
    门诊、康复、护理、疗养、戒酒、戒毒或相类似服务之医疗机构)。"

    A treatment is excluded under art5.5 exactly when its hospital is not of grade 2 or 3 (未定级 is
    below), is not shown to be public, or is of an excluded kind (outpatient, rehabilitation,
    nursing, sanatorium, addiction); a WS 218 code, when given, decides the kind (A527 rehabilitation,
    A6xx sanatorium, A7xx nursing, B/C/D outpatient, H220 addiction). The reason names the
    treatment, never an item or the claim.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    excluded = {r.subject for r in d.reasons if r.clause == "art5.5"}
    assert excluded == {t["treatment_id"] for t in claim["treatments"] if not R.hospital_counts(t["hospital"])}
    assert all(r.effect == "exclude" for r in d.reasons if r.clause == "art5.5")


QUALIFYING = st.fixed_dictionaries(
    {"grade": st.sampled_from((3, 2)), "ownership": st.just("public")},
    optional={"kind": st.sampled_from(("general", "tcm", "specialty")), "ws218": st.sampled_from(C.GOOD_WS218), "name": st.just("某市人民医院")},
)


@st.composite
def to_a_qualifying_hospital(draw):
    claim, history = draw(T.claims_with_history())
    better = copy.deepcopy(claim)
    i = draw(st.integers(0, len(better["treatments"]) - 1))
    better["treatments"][i]["hospital"] = draw(QUALIFYING)
    return claim, history, better, better["treatments"][i]["treatment_id"]


@clause("art5.5")
@given(to_a_qualifying_hospital())
def test_moving_a_treatment_to_a_qualifying_hospital_never_lowers_the_payout(data):
    """第五条(五) "本条款所指医院,是指……二级或二级以上的公立医院".

    Removing an exclusion never lowers a payout: the same treatment at a grade-2 or grade-3 public
    general, TCM or specialty hospital is not excluded under art5.5, the claim's countable
    out-of-pocket and payout never fall, and it is no new denial.
    """
    claim, history, better, tid = data
    a, b = adjudicate(claim, history), adjudicate(better, history)
    assert not any(r.clause == "art5.5" and r.subject == tid for r in b.reasons)
    R.assert_never_worse(a, b)
