"""第六条 除外责任: the thirteen exclusions of the plan, each with its clause text.

> 下列情形之一者，省互助会将不承担给付专属意外医疗补贴保障的责任：

This module is the catalogue the design card names: one :class:`Exclusion` for each of the thirteen
items of 第六条, with the plan's words. How each is recognised and what it does (its rules, their
messages and hints) is the article's module, :mod:`mutualaid.rules.art6`; which exclusions an
edition applies, and by which codes, is the edition's data (``exclusions`` in its file).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exclusion:
    clause: str
    text: str
    """The clause's words in 附件4."""
    summary_en: str


EXCLUSIONS = (
    Exclusion("art6.1", "被保障人斗殴、酗酒、故意自伤或自杀、故意犯罪或者抗拒依法采取的刑事强制措施", "fighting, drunkenness, self-harm or suicide, an intentional crime, or resisting lawful arrest"),
    Exclusion("art6.2", "被保障人主动吸食或注射毒品", "taking or injecting drugs"),
    Exclusion("art6.3", "被保障人酒后驾驶、无合法有效驾驶证驾驶或驾驶无有效行驶证的机动车", "drunk driving, driving without a valid licence, or driving an unregistered motor vehicle"),
    Exclusion("art6.4", "被保障人因妊娠(含宫外孕)、流产、分娩(含剖腹产)导致的伤害", "injury caused by pregnancy (ectopic included), miscarriage or childbirth (caesarean included)"),
    Exclusion("art6.5", "椎间盘突出症(包括椎间盘膨出、椎间盘突出、椎间盘脱出、游离型椎间盘等类型)", "intervertebral disc disease (bulging, protruding, extruded or sequestered discs)"),
    Exclusion("art6.6", "被保障人因医疗事故、药物过敏或精神和行为障碍(依照世界卫生组织《疾病和有关健康问题的国际统计分类(ICD-10)》确定)导致的伤害", "injury caused by a medical accident, drug allergy, or a mental and behavioural disorder (ICD-10)"),
    Exclusion("art6.7", "被保障人未遵医嘱,私自使用药物,但按使用说明的规定使用非处方药(见释义)不在此限", "medication taken without a doctor's order, except over-the-counter drugs used as directed"),
    Exclusion("art6.8", "被保障人接受牙科护理,或任何原因导致的牙齿修复或牙齿整形,以及类似非医疗性的服务", "dental care, dental repair or orthodontics for any cause, and similar non-medical services"),
    Exclusion("art6.9", "被保障人助听器、义眼、义肢或其他辅助器械的装配", "fitting of hearing aids, artificial eyes, prosthetic limbs or other assistive devices"),
    Exclusion("art6.10", "细菌、病毒等病原微生物或寄生虫感染,但因意外伤害所致的伤口发生感染者不在此限", "infection by bacteria, viruses or parasites, except an infection of a wound the accident caused"),
    Exclusion("art6.11", "被保障人参加潜水、跳伞、攀岩、驾驶滑翔机或滑翔伞、探险、摔跤比赛、武术比赛、特技表演、赛马、赛车等高风险运动", "high-risk sports: diving, skydiving, rock climbing, gliding, expeditions, wrestling or martial-arts matches, stunts, horse or motor racing"),
    Exclusion("art6.12", "战争、军事冲突、暴乱或武装叛乱", "war, military conflict, riot or armed rebellion"),
    Exclusion("art6.13", "核爆炸、核辐射或核污染", "nuclear explosion, radiation or contamination"),
)
BY_CLAUSE = {e.clause: e for e in EXCLUSIONS}
