"""第九条 其他约定事项（释义）(art9).

> 1. 本计划所指的意外伤害是指以外来的、突发的、非本意的和非疾病的客观事件为直接且单独的原因致使身体受到的伤害。
> 2. 医疗费用指因意外伤害事故接受门、急诊治疗或住院而发生的合理且必要的费用……

Item 2 covers outpatient, emergency and inpatient care alike, so ``setting`` changes no decision
and needs no rule (CONTRACT §7).
"""

from ..rule import HintTemplate, Rule

NOT_AN_ACCIDENT = Rule(
    id="accident.not_accidental",
    clause="art9.1",
    effect="deny",
    scope="claim",
    when="cause != 'accident'",
    message_zh="本计划只保障意外伤害，即以外来的、突发的、非本意的和非疾病的客观事件为直接且单独原因的伤害；疾病不在此列。",
    message_en="The plan covers accidental injury only (external, sudden, unintended and not caused by disease); this claim arises from illness.",
    text="本计划所指的意外伤害是指以外来的、突发的、非本意的和非疾病的客观事件为直接且单独的原因致使身体受到的伤害。",
    hint=HintTemplate(
        kind="not_covered",
        data={"cause": "cause"},
        message_zh="疾病不在保障范围内；如伤害实为意外所致，请提供事故证明并以意外伤害重新申报。",
        message_en="Illness is not covered. If the injury was in fact accidental, send the accident proof and file again with the cause recorded as an accident.",
        ended_zh="疾病不在保障范围内。",
        ended_en="Illness is not covered.",
    ),
)

RULES = (NOT_AN_ACCIDENT,)
