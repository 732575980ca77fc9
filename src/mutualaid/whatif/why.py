"""Why a claim moved between two editions: the clauses that caused it, read off the two decisions.

- the rules that bit under one edition and not the other (compared by rule and subject, as
  ``mutualaid replay`` compares them), each with its clause and the edition it bit under;
- when the same rules bit, the amount moved for a reason of arithmetic: another tier amount
  (art5.2 ``tier``), a cap that limits differently (art5.3 ``cap``), or the accident's earlier
  claims paid differently (art5.2 ``top-up``);
- a claim that is bad input under one edition only is moved by its ``input``.

A cause is a (clause, rule, under) triple; ``under`` is ``A`` (the first edition), ``B`` (the
other) or ``""`` (arithmetic). The polars engine finds the same causes over whole columns
(:func:`mutualaid.vector.compare.causes_frame`).
"""

from __future__ import annotations

from typing import Any

from .rows import Side

__all__ = ["causes", "why", "clause_label", "cause_text"]


def causes(a, b) -> tuple:
    """Why two decisions of one claim differ: the rules that bit under one edition only, else the arithmetic."""
    ka = {(r.rule, r.subject): r.clause for r in a.reasons}
    kb = {(r.rule, r.subject): r.clause for r in b.reasons}
    only = {(clause, rule, "A") for (rule, subject), clause in ka.items() if (rule, subject) not in kb}
    only |= {(clause, rule, "B") for (rule, subject), clause in kb.items() if (rule, subject) not in ka}
    if a.outcome == b.outcome and a.payout == b.payout:
        return tuple(sorted(only))
    effects = {(r.rule, r.subject): r.effect for r in (*a.reasons, *b.reasons)}
    if any(effects[key] != "note" for key in ka.keys() ^ kb.keys()):
        return tuple(sorted(only))
    # Only notes differ (such as cap.limits_payout biting under one edition): a note moves no money by
    # itself, so the arithmetic that did is named beside it (a higher tier that the cap then limits).
    if a.tier_amount != b.tier_amount:
        return tuple(sorted(only | {("art5.2", "tier", "")}))
    if only:
        return tuple(sorted(only))
    if a.tier_amount != b.tier_amount:
        return (("art5.2", "tier", ""),)
    if any(r.rule == "cap.limits_payout" for r in a.reasons):  # the cap binds under both editions
        return (("art5.3", "cap", ""),)
    return (("art5.2", "top-up", ""),)


def why(da: Any, db: Any, sa: Side, sb: Side) -> tuple:
    """The causes of a claim's move between two editions, given each one's decision (None: bad input) and :class:`Side`."""
    if da is not None and db is not None:
        return causes(da, db)
    if (da is None) != (db is None):  # bad input under one edition only
        return (("input", ",".join((sa if da is None else sb).error_fields), "A" if da is None else "B"),)
    return ()


def clause_label(why: tuple) -> str:
    """The clauses of a change's causes as one label (``art5.3``, ``art5.2 + art6.8``), to total a cost by."""
    return " + ".join(sorted({clause for clause, _, _ in why})) or "?"


def cause_text(cause: tuple, names: tuple = ("A", "B")) -> str:
    """A cause in words (``art6.8 exclusion.x (under B only)``), the editions named by ``names``."""
    clause, rule, under = cause
    if under:
        under = names[0] if under == "A" else names[1]
    return f"{clause} {rule}" + (f" (under {under} only)" if under else "")
