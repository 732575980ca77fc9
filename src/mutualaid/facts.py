"""The one pure derivation step: a claim, its history and an edition → flat facts.

Rule conditions test only these facts, so the facts carry what durable_rules can compare:
integers and strings, never None, dates or Decimals. Dates become day numbers (days since the
accident, or ``date.toordinal()``), money becomes integer fen, an ICD-10 code becomes the exclusion
group of the primary diagnosis, each circumstance becomes a fact of its own.

This module knows no article. It turns the input into facts field by field (:data:`BASE`), walks the
history once (:func:`summary`), and then adds what each article declares it derives (:data:`DERIVED`,
each a :class:`~mutualaid.rule.Derived` in the article's own module: the filing deadline is art5.4's,
in :mod:`mutualaid.rules.art5_4`), so that an article's derivation is read beside its rules. The
``assessment`` fact is filled in after the line rules have fired, by the articles that assess
(:data:`ASSESSED`, each a :class:`~mutualaid.rule.Assessed`: the tier is art5.2's, the cap art5.3's),
in :func:`mutualaid.decide.assemble`.

``SCHEMA`` is the contract between the facts and the rules: the base fields and every declared
derived and assessed field. The linter refuses a condition that names a field not listed here, or
compares it with a value of another type.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from .edition import Edition
from .hospitals import kind_of_ws218
from .icd10 import who_code
from .model import Claim, HistoryEntry
from .rule import Assessed, Derived
from .rules import art5_1, art5_2, art5_3, art5_4
from .values import FEN

DERIVED: tuple[Derived, ...] = (art5_4.DERIVED, art5_1.DERIVED)
"""What the articles derive for a claim, each declared in its article's module; added in this order."""

ASSESSED: tuple[Assessed, ...] = (art5_2.ASSESSED, art5_3.ASSESSED)
"""What the articles assess, in this order: the tier and what is due (art5.2) before the cap (art5.3),
which limits what art5.2 found due."""

BASE: dict[str, dict[str, type]] = {
    "claim": {
        "t": str,
        "occupation": str,
        "union_member": int,  # 1 when union_member_since is given
        "union_member_since_day": int,  # union_member_since − occurred_on, in days (0 when absent)
        "real_name_verified": int,
        "real_name_verified_day": int,  # real_name_verified_on − occurred_on, in days (0 when absent)
        "cause": str,
        "accident_day": int,  # occurred_on as a day number
        "filed_day": int,  # filed_on as a day number
        "member_name": str,
        "member_id_number": str,  # "" when absent
        "payee_holder_name": str,  # "" when absent
        "payee_holder_id_number": str,
        "payee_account_number": str,
    },
    "circumstance": {"t": str, "code": str, "exclusion": str},  # exclusion: clause key of table 4, or ""
    "document": {"t": str, "document": str, "supplied": int},  # one per required document
    "treatment": {
        "t": str,
        "grade": int,  # 0 for 未定级
        "ownership": str,  # "" when not given
        "kind": str,  # from ws218 when given
        "primary_diagnosis": str,  # the WHO code it is judged by
        "primary_exclusion": str,  # clause key of table 4, or ""
        "out_of_pocket_fen": int,  # the sum of its items' out-of-pocket
    },
    "item": {
        "t": str,
        "day": int,  # days since the accident (the accident day is day 0)
        "category": str,
        "medication_use": str,  # "" unless category is medication
        "out_of_pocket_fen": int,
    },
    "assessment": {  # begun by the shared assembly step after the line rules have fired; ASSESSED adds the rest
        "t": str,
        "counted_fen": int,  # the countable fen of this claim that no exclude reason hit
    },
}
"""The fields made from the input itself, for every article alike."""


def _schema(base: dict[str, dict[str, type]], derived: tuple[Derived | Assessed, ...]) -> dict[str, dict[str, type]]:
    """The base fields and each declaration's fields on its fact; a field declared twice is an error."""
    out = {t: dict(fields) for t, fields in base.items()}
    for d in derived:
        fields = out[d.on]
        twice = [name for name in d.fields if name in fields]
        if twice:
            raise ValueError(f"{d.clause} declares {', '.join(twice)}, which the {d.on} fact already has")
        fields.update(d.fields)
    return out


SCHEMA: dict[str, dict[str, type]] = _schema(BASE, DERIVED + ASSESSED)


def fen(amount: Decimal) -> int:
    """An amount exact in fen, as integer fen. (Not cached: hashing a fresh Decimal costs more.)"""
    return int(amount.scaleb(2))


class HistorySummary(NamedTuple):
    """What the one walk of a member's history finds for one claim, for the facts and for the articles."""

    top_up: bool
    """An earlier claim for the same accident is in the history: this claim is a top-up."""
    counted_fen: int
    """What history counted toward this claim's accident (0 unless the edition accumulates it)."""
    paid_for_accident_fen: int
    paid_in_cap_scope_fen: int
    """What history paid for accidents the cap counts: this edition's period, or all (``cap.scope``)."""
    first_filed_day: int
    """The earliest ``filed_on`` (a day number) among the history's claims of this claim's accident,
    0 when none of them gives one: whether any of them was filed on time is whether this one was
    (art5.4, an exempted top-up, CONTRACT §7, revision 3)."""


NO_HISTORY = HistorySummary(False, 0, 0, 0, 0)


def summary(claim: Claim, history: tuple[HistoryEntry, ...], edition: Edition) -> HistorySummary:
    """Walk ``history`` once for ``claim`` under ``edition``."""
    if not history:
        return NO_HISTORY
    counted = paid_accident = paid_scope = first_filed = 0
    top_up = False
    accident_id = claim.accident.accident_id
    accumulate = edition.accumulate_same_accident
    whole_member = edition.cap.scope == "member"
    start, end = edition.period.start, edition.period.end
    for entry in history:  # fen() inline, each amount's fen read from FEN once seen: this loop runs once a history entry
        paid = entry.paid
        if entry.accident_id == accident_id:
            top_up = True
            if accumulate:
                counted += _fen(entry.counted_out_of_pocket)
            paid_accident += _fen(paid)
            filed = entry.filed_on
            if filed is not None:
                day = filed.toordinal()
                if not first_filed or day < first_filed:
                    first_filed = day
        if whole_member or start <= entry.accident_occurred_on <= end:
            try:
                paid_scope += FEN[paid] if type(paid) is Decimal else int(paid.scaleb(2))
            except TypeError:  # a signalling NaN is no key; scaleb raises as it always did
                paid_scope += int(paid.scaleb(2))
    return HistorySummary(top_up, counted, paid_accident, paid_scope, first_filed)


def _fen(amount: Decimal) -> int:
    """``fen(amount)``, read from :data:`~mutualaid.values.FEN` once seen (the walk's rarer amounts)."""
    try:
        return FEN[amount] if type(amount) is Decimal else int(amount.scaleb(2))
    except TypeError:  # a signalling NaN is no key; scaleb raises as it always did
        return int(amount.scaleb(2))


class Facts(NamedTuple):
    """Stage-one facts of one claim, with what the assembly step needs besides them."""

    facts: tuple[dict, ...]
    subjects: tuple
    """The subject of each fact: ``claim``, a treatment id, or (treatment id, item number) for an item."""
    items: tuple[tuple[int, int, int], ...]
    """For each item: (its fact index, its treatment's fact index, its out-of-pocket fen)."""
    history: HistorySummary
    """What the one walk of the history found, for the articles that assess (:data:`ASSESSED`)."""

    def subject(self, j: int) -> str:
        """``claim``, ``T1``, or ``T1/2`` for the second item of T1 (CONTRACT §7, "Reason order")."""
        s = self.subjects[j]
        return s if type(s) is str else _item_subject(s)


@lru_cache(maxsize=16384)
def _item_subject(s: tuple) -> str:
    """``T1/2`` for (``T1``, 2), written once for the few treatment ids and item numbers a stream repeats."""
    return f"{s[0]}/{s[1]}"


_DERIVE = tuple(d.derive for d in DERIVED)


def claim_fact(claim: Claim) -> dict:
    """The claim's own fact, from the input (the base fields; the articles add what they derive)."""
    m, a, payee = claim.member, claim.accident, claim.payee
    accident_day = a.occurred_on.toordinal()
    since, verified = m.union_member_since, m.real_name_verified_on
    return {
        "t": "claim",
        "occupation": m.occupation,
        "union_member": 0 if since is None else 1,
        "union_member_since_day": 0 if since is None else since.toordinal() - accident_day,
        "real_name_verified": 0 if verified is None else 1,
        "real_name_verified_day": 0 if verified is None else verified.toordinal() - accident_day,
        "cause": a.cause,
        "accident_day": accident_day,
        "filed_day": claim.filed_on.toordinal(),
        "member_name": m.name.strip(),
        "member_id_number": m.id_number or "",
        "payee_holder_name": (payee.holder_name or "").strip() if payee else "",
        "payee_holder_id_number": (payee.holder_id_number or "") if payee else "",
        "payee_account_number": (payee.account_number or "") if payee else "",
    }


def derive(claim: Claim, history: tuple[HistoryEntry, ...], edition: Edition) -> Facts:
    """Every fact of the claim as a dict (the generic pass; the native engine's compiled pass,
    :mod:`mutualaid.compiled`, builds only the facts a rule bites on)."""
    a = claim.accident
    past = summary(claim, history, edition)
    own = claim_fact(claim)
    accident_day = own["accident_day"]
    for derived in _DERIVE:  # what the articles declare (DERIVED), added to the claim's fact
        own.update(derived(claim, edition, past))
    facts: list[dict] = [own]

    if a.circumstances:
        groups = edition.circumstance_group
        for code in dict.fromkeys(a.circumstances):  # each code once, in input order
            facts.append({"t": "circumstance", "code": code, "exclusion": groups.get(code, "")})

    supplied = claim.documents
    for doc in edition.documents.required:
        facts.append({"t": "document", "document": doc, "supplied": 1 if doc in supplied else 0})
    subjects: list = ["claim"] * len(facts)

    groups = edition.diagnosis_groups
    group_of, proviso = groups.group_of, groups.has_proviso()
    items: list[tuple[int, int, int]] = []
    add_fact, add_subject, add_item = facts.append, subjects.append, items.append
    for t in claim.treatments:
        h = t.hospital
        diagnoses = t.diagnoses
        primary = who_code(diagnoses[0])
        others = tuple(who_code(d) for d in diagnoses[1:]) if proviso and len(diagnoses) > 1 else ()
        t_index = len(facts)
        tid = t.treatment_id
        treatment = {
            "t": "treatment",
            "grade": h.grade or 0,
            "ownership": h.ownership or "",
            "kind": kind_of_ws218(h.ws218) if h.ws218 else (h.kind or "general"),
            "primary_diagnosis": primary,
            "primary_exclusion": group_of(primary, others),
            "out_of_pocket_fen": 0,  # the items' sum, filled in below
        }
        add_fact(treatment)
        add_subject(tid)
        t_fen = 0
        for n, it in enumerate(t.items, 1):
            f = int(it.out_of_pocket.scaleb(2))  # fen(): inline on the hot path
            category = it.category
            add_item((t_index + n, t_index, f))
            add_fact(
                {
                    "t": "item",
                    "day": it.on.toordinal() - accident_day,
                    "category": category,
                    "medication_use": (it.medication_use or "prescribed") if category == "medication" else "",
                    "out_of_pocket_fen": f,
                }
            )
            add_subject((tid, n))
            t_fen += f
        treatment["out_of_pocket_fen"] = t_fen

    return Facts(tuple(facts), tuple(subjects), tuple(items), past)
