"""第六条 除外责任 (art6): how the thirteen exclusions bite.

> 下列情形之一者，省互助会将不承担给付专属意外医疗补贴保障的责任：

The clauses' own words are the catalogue :data:`mutualaid.exclusions.EXCLUSIONS`. An exclusion bites
in one of three ways, and each is declared here:

- a **circumstance** of the accident (``accident.circumstances``) denies the whole claim;
- a **primary diagnosis** (主要诊断) in one of the exclusion's ICD-10 groups excludes that treatment
  (for (10), unless another diagnosis of the treatment is an injury: the proviso
  但因意外伤害所致的伤口发生感染者不在此限, the group's ``unless_with``);
- an **item** of a kind the clause names (self-medication, dental care, assistive devices) stops counting.

Which codes fall under which clause is the edition's data (``exclusions`` in the edition file),
and so is which clauses apply at all: the circumstance and diagnosis rules are made from the
edition's keys (:func:`circumstance_rule`, :func:`diagnosis_rule`, gathered by
:func:`mutualaid.rules.rules_for`). The derivation step names the clause on the fact, and each rule
tests that name.
"""

from __future__ import annotations

from functools import lru_cache

from ..exclusions import BY_CLAUSE
from ..rule import HintTemplate, Rule

# What a member can do about an exclusion: correct a wrong record; otherwise know what still counts.
CIRCUMSTANCE_HINT = HintTemplate(
    kind="not_covered",
    data={"circumstance": "code"},
    message_zh="事故情形“{code_zh}”属除外责任，本次事故不予给付；如情形记录有误，请提供更正后的事故证明再申报。",
    message_en="An accident in the circumstance '{code_en}' is excluded, so nothing is paid for it. If the circumstance was recorded in error, send a corrected accident proof and file again.",
    ended_zh="事故情形“{code_zh}”属除外责任，本次事故不予给付。",
    ended_en="An accident in the circumstance '{code_en}' is excluded, so nothing is paid for it.",
)
DIAGNOSIS_HINT = HintTemplate(
    kind="not_counted",
    data={"out_of_pocket": "out_of_pocket_fen!y", "diagnosis": "primary_diagnosis"},
    message_zh="该次治疗（主要诊断 {primary_diagnosis}）的个人自付 {out_of_pocket_fen!y} 元不计入，其他治疗照常计算；如主要诊断记录有误，请提供更正后的诊治记录。",
    message_en="This treatment's {out_of_pocket_fen!y} yuan out-of-pocket (primary diagnosis {primary_diagnosis}) does not count; other treatments still do. If the primary diagnosis is recorded wrongly, send the corrected medical record.",
    ended_zh="该次治疗（主要诊断 {primary_diagnosis}）的个人自付 {out_of_pocket_fen!y} 元不计入。",
    ended_en="This treatment's {out_of_pocket_fen!y} yuan out-of-pocket (primary diagnosis {primary_diagnosis}) does not count.",
)


def _item_hint(zh: str, en: str) -> HintTemplate:
    return HintTemplate(
        kind="not_counted",
        data={"out_of_pocket": "out_of_pocket_fen!y", "category": "category"},
        message_zh="本项 {out_of_pocket_fen!y} 元不计入，其余费用照常计算。" + zh,
        message_en="This item's {out_of_pocket_fen!y} yuan does not count; the other costs still do." + en,
        ended_zh="本项 {out_of_pocket_fen!y} 元不计入。",
        ended_en="This item's {out_of_pocket_fen!y} yuan does not count.",
    )


@lru_cache(maxsize=None)
def circumstance_rule(clause: str) -> Rule:
    """The rule that denies a claim whose accident has one of ``clause``'s circumstances (one per clause)."""
    e = BY_CLAUSE[clause]
    return Rule(
        id=f"exclusion.{clause[3:]}.circumstance",
        clause=clause,
        effect="deny",
        scope="claim",
        on="circumstance",
        when=f"exclusion == '{clause}'",
        message_zh=f"除外责任：{e.text}（情形：{{code_zh}}），不予给付。",
        message_en=f"Excluded: {e.summary_en} (circumstance: {{code_en}}); nothing is paid.",
        text=e.text,
        hint=CIRCUMSTANCE_HINT,
    )


@lru_cache(maxsize=None)
def diagnosis_rule(clause: str) -> Rule:
    """The rule that excludes a treatment whose primary diagnosis ``clause``'s group holds (one per clause)."""
    e = BY_CLAUSE[clause]
    return Rule(
        id=f"exclusion.{clause[3:]}.diagnosis",
        clause=clause,
        effect="exclude",
        scope="treatment",
        when=f"primary_exclusion == '{clause}'",
        message_zh=f"除外责任：{e.text}。主要诊断 {{primary_diagnosis}} 属此类，该次治疗的费用不予计算。",
        message_en=f"Excluded: {e.summary_en}. The primary diagnosis {{primary_diagnosis}} falls under it, so this treatment's costs do not count.",
        text=e.text,
        hint=DIAGNOSIS_HINT,
    )


def clause_order(clauses) -> list[str]:
    """Clause keys of 第六条 in the plan's order (``art6.2`` before ``art6.10``)."""
    return sorted(clauses, key=lambda c: int(c[len("art6.") :]))


# Claim-level circumstances (CONTRACT table 4, first part): each denies the claim. These are the
# shipped 2022 edition's keys; another edition's keys make its own (rules.rules_for).
CIRCUMSTANCES = tuple(
    circumstance_rule(c) for c in ("art6.1", "art6.2", "art6.3", "art6.4", "art6.6", "art6.10", "art6.11", "art6.12", "art6.13")
)

# Treatment-level, by primary diagnosis (CONTRACT table 4, second part).
DIAGNOSES = tuple(diagnosis_rule(c) for c in ("art6.4", "art6.5", "art6.6", "art6.8", "art6.10"))

# Item-level: what kind of cost it is.
SELF_MEDICATION = Rule(
    id="exclusion.6.7.self_medication",
    clause="art6.7",
    effect="exclude",
    scope="item",
    when="category == 'medication' and medication_use == 'self_medicated'",
    message_zh=f"除外责任：{BY_CLAUSE['art6.7'].text}。该项为私自用药，不予计算。",
    message_en="Excluded: medication taken without a doctor's order (over-the-counter drugs used as directed still count); this item does not count.",
    text=BY_CLAUSE["art6.7"].text,
    hint=_item_hint("如该药品系遵医嘱使用，请提供处方或医嘱。", " If a doctor ordered the medication, send the prescription."),
)

DENTAL = Rule(
    id="exclusion.6.8.dental",
    clause="art6.8",
    effect="exclude",
    scope="item",
    when="category == 'dental'",
    message_zh=f"除外责任：{BY_CLAUSE['art6.8'].text}。该项为牙科费用，不予计算。",
    message_en="Excluded: dental care, repair or orthodontics; this item does not count.",
    text=BY_CLAUSE["art6.8"].text,
    hint=_item_hint("", ""),
)

ASSISTIVE_DEVICE = Rule(
    id="exclusion.6.9.assistive_device",
    clause="art6.9",
    effect="exclude",
    scope="item",
    when="category == 'assistive_device'",
    message_zh=f"除外责任：{BY_CLAUSE['art6.9'].text}。该项为辅助器械装配，不予计算。",
    message_en="Excluded: fitting of hearing aids, artificial eyes, prosthetic limbs or other assistive devices; this item does not count.",
    text=BY_CLAUSE["art6.9"].text,
    hint=_item_hint("", ""),
)
