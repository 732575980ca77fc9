"""第五条第(五)款 (art5.5): the hospital must be of the plan's grade, ownership and kind.

The clause text, the three rules that exclude a treatment at a hospital the plan does not count,
their messages and their shared hint, and what those messages say of the edition's hospital rule
(:func:`message_params`). The minimum grade, the ownership and the excluded kinds are the
edition's ``hospital`` values; a treatment's ``kind`` (from its WS 218 code when given) is derived for
every treatment by :mod:`mutualaid.facts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..rule import HintTemplate, Rule, chinese_number
from ..vocabulary import NAMES

if TYPE_CHECKING:
    from ..edition import Edition

HOSPITAL_TEXT = "本条款所指医院，是指国家卫生行政管理部门医院等级分类中的二级或二级以上的公立医院(不包括主要提供门诊、康复、护理、疗养、戒酒、戒毒或相类似服务之医疗机构)。"

# What would make a treatment count: the same care at a hospital that art5.5 accepts.
QUALIFYING_HOSPITAL = HintTemplate(
    kind="qualifying_hospital",
    data={"out_of_pocket": "out_of_pocket_fen!y", "min_grade": "hospital_min_grade", "ownership": "hospital_ownership"},
    message_zh="该次治疗的个人自付 {out_of_pocket_fen!y} 元，在{hospital_min_grade_zh}级或{hospital_min_grade_zh}级以上的{hospital_ownership_zh}医院（不含{hospital_excluded_kinds_zh}）就诊即可计入；如医院等级、性质或类别记录有误，请提供证明。",
    message_en="This treatment's {out_of_pocket_fen!y} yuan out-of-pocket would count at a {hospital_ownership_en} hospital of grade {hospital_min_grade} or above that is not one of these institutions: {hospital_excluded_kinds_en}. If the hospital's grade, ownership or kind is recorded wrongly, send proof.",
    ended_zh="该次治疗的个人自付 {out_of_pocket_fen!y} 元不计入：只计算{hospital_min_grade_zh}级或{hospital_min_grade_zh}级以上的{hospital_ownership_zh}医院（不含{hospital_excluded_kinds_zh}）的费用。",
    ended_en="This treatment's {out_of_pocket_fen!y} yuan out-of-pocket does not count: only care at a {hospital_ownership_en} hospital of grade {hospital_min_grade} or above that is not one of these institutions counts: {hospital_excluded_kinds_en}.",
)

HOSPITAL_GRADE = Rule(
    id="hospital.grade_below_minimum",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when="grade < hospital_min_grade",
    message_zh="就诊医院须为{hospital_min_grade_zh}级或{hospital_min_grade_zh}级以上医院（该院：{grade_zh}），该次治疗的费用不予计算。",
    message_en="The hospital must be of grade {hospital_min_grade} or above (this one: {grade_en}); this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
    hint=QUALIFYING_HOSPITAL,
)

HOSPITAL_OWNERSHIP = Rule(
    id="hospital.not_public",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when="ownership != hospital_ownership",
    message_zh="就诊医院须为{hospital_ownership_zh}医院，该次治疗的费用不予计算。",
    message_en="The hospital must be a {hospital_ownership_en} hospital; this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
    hint=QUALIFYING_HOSPITAL,
)

HOSPITAL_KIND = Rule(
    id="hospital.excluded_kind",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when="kind in hospital_excluded_kinds",
    message_zh="{kind_zh}不属本计划所指医院（不包括：{hospital_excluded_kinds_zh}），该次治疗的费用不予计算。",
    message_en="A {kind_en} does not count as a hospital of the plan (these do not: {hospital_excluded_kinds_en}); this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
    hint=QUALIFYING_HOSPITAL,
)

HOSPITAL = (HOSPITAL_GRADE, HOSPITAL_OWNERSHIP, HOSPITAL_KIND)


def message_params(edition: "Edition") -> dict[str, str]:
    """What this paragraph's messages and hint say of the edition's hospital rule, in both languages:
    the minimum grade in Chinese numerals (二级), the ownership and the excluded kinds by name."""
    rule = edition.hospital
    return {
        "hospital_min_grade_zh": chinese_number(rule.min_grade),
        "hospital_ownership_zh": NAMES[rule.ownership][0],
        "hospital_ownership_en": NAMES[rule.ownership][1],
        "hospital_excluded_kinds_zh": "、".join(NAMES[k][0] for k in rule.excluded_kinds) or "无",
        "hospital_excluded_kinds_en": ", ".join(NAMES[k][1] for k in rule.excluded_kinds) or "none",
    }
