"""The plan's words for the contract's codes, in Chinese and English, for messages and output.

A message may write ``{code_zh}`` for the fact field ``code``: :mod:`mutualaid.explain` looks the
value up here. A value missing from this table is shown as it is.
"""

from __future__ import annotations

from typing import Literal

HintKind = Literal[
    "eligibility", "period", "not_covered", "filing_deadline", "window", "qualifying_hospital",
    "not_counted", "next_tier", "cap_left", "missing_document", "payee",
]  # fmt: skip
"""What a hint is about (:class:`mutualaid.model.Hint`, :class:`mutualaid.rule.HintTemplate`)."""

NAMES: dict[str | int, tuple[str, str]] = {
    # hospital ownership and grade (art5.5); grade 0 is 未定级 (ungraded)
    "public": ("公立", "public"),
    "private": ("非公立", "private"),
    0: ("未定级", "ungraded"),
    1: ("一级", "grade 1"),
    2: ("二级", "grade 2"),
    3: ("三级", "grade 3"),
    # occupations (art1): 货车司机、网约车司机、快递员、网约配送员等平台就业群体
    "truck_driver": ("货车司机", "truck driver"),
    "ride_hailing_driver": ("网约车司机", "ride-hailing driver"),
    "courier": ("快递员", "courier"),
    "delivery_rider": ("网约配送员", "delivery rider"),
    "other_platform_worker": ("其他平台就业人员", "other platform worker"),
    "not_platform_worker": ("非平台就业人员", "not a platform worker"),
    # documents (art8.2)
    "invoice": ("医疗收费票据(发票)原件", "the original medical invoice"),
    "accident_proof": ("意外伤害事故证明(如交通事故责任认定书、工伤事故认定书)", "proof of the accident (such as a traffic-accident or work-injury finding)"),
    "medical_record": ("诊治记录(病历卡、出院小结、影像学报告等)", "the medical record (case notes, discharge summary, imaging reports)"),
    "other": ("其他申报材料", "other documents"),
    # hospital kinds (art5.5)
    "general": ("综合医院", "general hospital"),
    "tcm": ("中医医院", "TCM hospital"),
    "specialty": ("专科医院", "specialty hospital"),
    "outpatient": ("门诊类机构", "outpatient institution"),
    "rehabilitation": ("康复机构", "rehabilitation institution"),
    "nursing": ("护理机构", "nursing institution"),
    "sanatorium": ("疗养机构", "sanatorium"),
    "addiction": ("戒酒戒毒机构", "addiction-treatment institution"),
    # circumstances (art6)
    "fight": ("斗殴", "fighting"),
    "intoxication": ("酗酒", "drunkenness"),
    "self_harm": ("故意自伤", "self-harm"),
    "suicide": ("自杀", "suicide"),
    "intentional_crime": ("故意犯罪", "an intentional crime"),
    "resisting_arrest": ("抗拒依法采取的刑事强制措施", "resisting lawful arrest"),
    "drug_use": ("吸食或注射毒品", "drug use"),
    "drunk_driving": ("酒后驾驶", "drunk driving"),
    "unlicensed_driving": ("无合法有效驾驶证驾驶", "driving without a valid licence"),
    "unregistered_vehicle": ("驾驶无有效行驶证的机动车", "driving an unregistered vehicle"),
    "pregnancy": ("妊娠、流产、分娩", "pregnancy, miscarriage or childbirth"),
    "medical_accident": ("医疗事故", "a medical accident"),
    "drug_allergy": ("药物过敏", "a drug allergy"),
    "mental_disorder": ("精神和行为障碍", "a mental or behavioural disorder"),
    "infection": ("病原微生物或寄生虫感染", "an infection"),
    "diving": ("潜水", "diving"),
    "skydiving": ("跳伞", "skydiving"),
    "rock_climbing": ("攀岩", "rock climbing"),
    "gliding": ("驾驶滑翔机或滑翔伞", "gliding or paragliding"),
    "expedition": ("探险", "an expedition"),
    "wrestling_match": ("摔跤比赛", "a wrestling match"),
    "martial_arts_match": ("武术比赛", "a martial-arts match"),
    "stunt": ("特技表演", "a stunt performance"),
    "horse_racing": ("赛马", "horse racing"),
    "motor_racing": ("赛车", "motor racing"),
    "war": ("战争", "war"),
    "military_conflict": ("军事冲突", "military conflict"),
    "riot": ("暴乱", "a riot"),
    "armed_rebellion": ("武装叛乱", "armed rebellion"),
    "nuclear_explosion": ("核爆炸", "a nuclear explosion"),
    "nuclear_radiation": ("核辐射", "nuclear radiation"),
    "nuclear_contamination": ("核污染", "nuclear contamination"),
}

OUTCOMES = {"approved": ("给付", "approved"), "denied": ("不予给付", "denied"), "pending": ("待补充", "pending")}
EFFECTS = {"deny": ("拒付", "deny"), "exclude": ("不计", "exclude"), "pend": ("待补", "pend"), "note": ("说明", "note")}

