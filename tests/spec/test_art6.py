"""第六条 除外责任 (art6.1–art6.13): circumstances deny the claim, diagnoses exclude a treatment,
and some kinds of cost do not count."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
import tables as C
from pins import DIAGNOSIS_CLAUSES, ITEM_CLAUSES, clause



@clause("art6.1", "art6.2", "art6.3", "art6.4", "art6.6", "art6.10", "art6.11", "art6.12", "art6.13")
@given(T.claims_with_history(), st.sampled_from(C.CIRCUMSTANCES))
def test_adding_a_circumstance_never_raises_the_payout(cw, code):
    """第六条 "下列情形之一者,省互助会将不承担给付专属意外医疗补贴保障的责任" (table 4, claim level: (1) 斗殴、酗酒……
    (2) 吸食或注射毒品 (3) 酒后驾驶…… (4) 妊娠…… (6) 医疗事故、药物过敏或精神和行为障碍 (10) 感染 (11) 高风险运动
    (12) 战争…… (13) 核爆炸……).

    Adding any table-4 circumstance to the accident never raises the payout; in fact it denies the
    claim, citing the circumstance's clause, and pays nothing.
    """
    claim, history = cw
    before = adjudicate(claim, history)
    more = copy.deepcopy(claim)
    more["accident"]["circumstances"] = [*(more["accident"].get("circumstances") or []), code]
    after = adjudicate(more, history)
    assert after.payout <= before.payout
    assert after.outcome == "denied" and after.payout == 0
    assert any(r.clause == C.CIRCUMSTANCE_CLAUSE[code] and r.effect == "deny" for r in after.reasons)


@st.composite
def one_exclusion_removed(draw):
    """A claim and history, and the claim with one exclusion's ground taken away: a circumstance
    dropped, an excluded primary diagnosis replaced, or an excluded item made an ordinary cost."""
    claim, history = draw(T.claims_with_history())
    c = copy.deepcopy(claim)
    grounds = []
    for k, code in enumerate(c["accident"].get("circumstances") or ()):
        grounds.append(("circumstance", k))
    for i, t in enumerate(c["treatments"]):
        if C.ICD10_GROUP[t["diagnoses"][0]]:
            grounds.append(("diagnosis", i))
        for j, it in enumerate(t["items"]):
            if it["category"] in ("dental", "assistive_device") or it.get("medication_use") == "self_medicated":
                grounds.append(("item", (i, j)))
    if grounds:
        kind, where = draw(st.sampled_from(grounds))
        if kind == "circumstance":
            del c["accident"]["circumstances"][where]
        elif kind == "diagnosis":
            c["treatments"][where]["diagnoses"][0] = draw(st.sampled_from(C.COUNTING_CODES))
        else:
            i, j = where
            it = c["treatments"][i]["items"][j]
            if it["category"] == "medication":
                it["medication_use"] = draw(st.sampled_from(("prescribed", "otc_as_directed")))
            else:
                it["category"] = "treatment"
    return claim, history, c


@clause("art6.1", "art6.2", "art6.3", "art6.4", "art6.5", "art6.6", "art6.7", "art6.8", "art6.9", "art6.10", "art6.11", "art6.12", "art6.13")
@given(one_exclusion_removed())
def test_removing_an_exclusion_never_lowers_the_payout(data):
    """第六条 "下列情形之一者,省互助会将不承担给付专属意外医疗补贴保障的责任".

    Monotonicity: taking away one ground of exclusion (a circumstance, an excluded primary
    diagnosis, a self-medicated, dental or assistive-device cost) never lowers the countable
    out-of-pocket or the payout, and never turns a decision into a denial.
    """
    claim, history, fewer = data
    R.assert_never_worse(adjudicate(claim, history), adjudicate(fewer, history))


@st.composite
def an_edition_and_a_smaller_one(draw):
    """An edition, and the same edition with one exclusion group (circumstances or diagnoses) dropped."""
    edition = draw(T.editions())
    data = edition.model_dump(mode="json", by_alias=True)
    groups = [(g, k) for g in ("circumstances", "diagnoses") for k in data["exclusions"][g]]
    if groups:
        g, k = draw(st.sampled_from(groups))
        del data["exclusions"][g][k]
    smaller = T.edition_from_data(data)
    claim = draw(T.claims())
    return edition, smaller, claim, draw(T.histories(for_claim=claim, edition=edition))


@clause("art6.1", "art6.2", "art6.3", "art6.4", "art6.6", "art6.10", "art6.11", "art6.12", "art6.13", "art6.5", "art6.8")
@given(an_edition_and_a_smaller_one())
def test_an_edition_with_one_exclusion_fewer_never_pays_less(data):
    """第六条 "下列情形之一者,省互助会将不承担给付专属意外医疗补贴保障的责任" (which codes fall under which item is
    the edition's ``exclusions`` data).

    Removing an exclusion never lowers a payout: an edition that drops one group of circumstance
    codes or of ICD-10 diagnoses pays every claim at least as much as the edition with it, counts at
    least as much, and never denies a claim the other does not.
    """
    edition, smaller, claim, history = data
    R.assert_never_worse(adjudicate(claim, history, plan=edition), adjudicate(claim, history, plan=smaller))


@st.composite
def secondary_changed(draw):
    claim, history = draw(T.claims_with_history())
    c = copy.deepcopy(claim)
    for t in c["treatments"]:
        t["diagnoses"] = t["diagnoses"][:1] + draw(st.lists(st.sampled_from(C.ICD10_CODES), max_size=3))
    return claim, history, c


@clause("art6.4", "art6.5", "art6.6", "art6.8", "art6.10")
@given(secondary_changed())
def test_the_primary_diagnosis_decides_a_table_4_exclusion_and_an_injury_keeps_a_wound_infection(data):
    """第六条 (4) "妊娠(含宫外孕)、流产、分娩(含剖腹产)导致的伤害", (5) "椎间盘突出症", (6) "精神和行为障碍(依照……ICD-10确定)",
    (8) "牙科护理……牙齿修复或牙齿整形", (10) "细菌、病毒等病原微生物或寄生虫感染,但因意外伤害所致的伤口发生感染者不在此限".

    A treatment is excluded under a table-4 diagnosis clause exactly when its primary diagnosis
    (主要诊断, the first code) lies in that clause's ICD-10 groups (O00–O99; M50, M51, S13.0, S23.0,
    S33.0; F00–F99; K00–K08, S02.5, S03.2; for art6.10 infections wherever ICD-10 files them,
    A00–B99, G00–G02, G06, J09–J18, J85–J86, L00–L08, M00–M01, M86, N39.0, U07.1, U07.2), except
    that an infection treated together with a wound the accident made (another diagnosis in
    S00–T14, T20–T35, or T79.3; never a complication of care T80–T88) is the accident's wound
    infection and counts (CONTRACT §4, revision 3). Secondary codes change nothing else in the decision.
    """
    claim, history, changed = data
    d = adjudicate(claim, history, record=False)
    got = {(r.clause, r.subject) for r in d.reasons if r.clause in DIAGNOSIS_CLAUSES and r.effect == "exclude" and "/" not in r.subject}
    want = {(C.table4_clause(t["diagnoses"]), t["treatment_id"]) for t in claim["treatments"] if C.table4_clause(t["diagnoses"])}
    assert got == want
    if all(C.table4_clause(t["diagnoses"]) == C.table4_clause(u["diagnoses"]) for t, u in zip(claim["treatments"], changed["treatments"])):
        assert adjudicate(changed, history, record=False) == d


@clause("art6.7", "art6.8", "art6.9")
@given(T.claims_with_history())
def test_self_medication_dental_care_and_assistive_devices_do_not_count(cw):
    """第六条 (7) "被保障人未遵医嘱,私自使用药物,但按使用说明的规定使用非处方药(见释义)不在此限", (8) "被保障人接受牙科护理,
    或任何原因导致的牙齿修复或牙齿整形", (9) "被保障人助听器、义眼、义肢或其他辅助器械的装配".

    An item is excluded under art6.7 exactly when it is self-medicated medication (prescribed and
    over-the-counter-as-directed medication count, and a medication item without ``medication_use``
    is prescribed), under art6.8 when it is dental, under art6.9 when it is an assistive device.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    got = {(r.clause, r.subject) for r in d.reasons if r.clause in ITEM_CLAUSES and "/" in r.subject}
    want = set()
    for t in claim["treatments"]:
        for n, it in enumerate(t["items"], start=1):
            subject = f"{t['treatment_id']}/{n}"
            if it["category"] == "medication" and it.get("medication_use") == "self_medicated":
                want.add(("art6.7", subject))
            if it["category"] == "dental":
                want.add(("art6.8", subject))
            if it["category"] == "assistive_device":
                want.add(("art6.9", subject))
    assert got == want
    assert all(r.effect == "exclude" for r in d.reasons if (r.clause, r.subject) in got)
