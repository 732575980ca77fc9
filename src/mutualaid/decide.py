"""``adjudicate(claim, history)``: validate, derive facts, fire the rules, assemble the decision.

The assembly step is shared by every engine. It holds the plan's arithmetic and nothing else:
sum the countable fen that no ``exclude`` reason hit, look up the tier (art5.2), subtract what the
accident was already paid, and apply the cap (art5.3). The tier and cap rules then read the result
as one more fact, so their reasons are declared like every other rule's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from .edition import Edition
from .engine import native_engine
from .errors import UnknownEngine
from .facts import Facts, derive
from .model import Decision, Reason
from .rule import FORMAT, Rule, clause_label
from .rules import RULES
from .validate import parse
from .vocabulary import named

_ZERO = Decimal("0.00")


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _engine(name: str, rules: Sequence[Rule], edition: Edition):
    if name == "native":
        return native_engine(rules, edition)
    raise UnknownEngine(f"unknown engine {name!r}; mutualaid has the 'native' engine")


def adjudicate(
    claim: Any,
    history: Any = (),
    *,
    plan: Edition | str | None = None,
    engine: str = "native",
) -> Decision:
    """Decide one claim given the member's earlier decided claims.

    ``claim`` and ``history`` are models or plain JSON-compatible data (CONTRACT §1). ``plan`` names
    or gives the edition; by default the claim's ``plan``, else the edition whose period holds the
    accident. The function is pure: the same input gives the same decision, and the input is never
    changed. Bad input raises :class:`~mutualaid.errors.InvalidClaim`, naming every offending field.
    """
    model, entries, edition = parse(claim, history, plan)
    eng = _engine(engine, RULES, edition)
    facts = derive(model, entries, edition)
    return assemble(model.claim_id, edition, facts, eng)


def assemble(claim_id: str, edition: Edition, facts: Facts, eng) -> Decision:
    """Build the decision from the facts and the rules the engine fires on them."""
    rules = eng.rules
    fired = eng.fire(facts.facts)

    excluded: set[int] = set()
    for i, j in fired:
        if rules[i].effect == "exclude":
            excluded.add(j)
    if any(facts.subjects[j] == "claim" for j in excluded):  # an exclusion of the whole claim
        counted = 0
    else:
        counted = sum(f for item, treatment, f in facts.items if item not in excluded and treatment not in excluded)

    accident = facts.history_counted_fen + counted
    tier = edition.tier_fen(accident)
    due = max(0, tier - facts.paid_for_accident_fen)
    cap_left = max(0, edition.cap_fen - facts.paid_in_cap_scope_fen)
    assessment = {
        "t": "assessment",
        "counted_fen": counted,
        "accident_fen": accident,
        "tier_fen": tier,
        "paid_for_accident_fen": facts.paid_for_accident_fen,
        "due_fen": due,
        "cap_left_fen": cap_left,
        "payout_fen": min(due, cap_left),
    }
    n = len(facts.facts)
    fired += [(i, n) for i, _ in eng.fire((assessment,))]
    fired.sort()

    params = edition.params
    all_facts = (*facts.facts, assessment)
    reasons = []
    bit = set()
    effects = set()
    for i, j in fired:
        rule = rules[i]
        bit.add(i)
        effects.add(rule.effect)
        fact = all_facts[j]
        ctx = {**params, **facts.context, **fact, **named(fact)}
        zh, en = clause_label(rule.clause)
        reasons.append(
            Reason.model_construct(
                clause=rule.clause,
                rule=rule.id,
                effect=rule.effect,
                subject=facts.subjects[j] if j < n else "claim",
                message_zh=f"{zh}：{FORMAT.vformat(rule.message_zh, (), ctx)}",
                message_en=f"{en}: {FORMAT.vformat(rule.message_en, (), ctx)}",
            )
        )

    outcome = "denied" if "deny" in effects else "pending" if "pend" in effects else "approved"
    payout = assessment["payout_fen"] if outcome == "approved" else 0
    return Decision.model_construct(
        claim_id=claim_id,
        plan=edition.id,
        outcome=outcome,
        payout=_yuan(payout),
        counted_out_of_pocket=_yuan(counted),
        accident_out_of_pocket=_yuan(accident),
        tier_amount=_yuan(tier),
        cap_remaining=_yuan(cap_left - payout),
        reasons=tuple(reasons),
        passed=tuple(r.id for i, r in enumerate(rules) if i not in bit),
        engine=eng.name,
    )
