"""``adjudicate(claim, history)``: validate, match (derive facts, fire the rules, assess), assemble the decision.

Matching knows no article. The generic path (:func:`match`) derives every fact
(:func:`mutualaid.facts.derive`), lets the engine fire the rules on them, sums the countable fen
that no ``exclude`` reason hit, then lets each article that assesses add its amounts to the
``assessment`` fact, in the declared order (:data:`mutualaid.facts.ASSESSED`: art5.2's tier and what
is due, then art5.3's cap and payout), and fires the rules that read it. An engine may do all of
that in one compiled pass instead (the native engine does: :mod:`mutualaid.compiled`); the
differential property between the engines holds the two paths together.

The assembly step (:func:`assemble`) is shared by every engine: it orders the reasons, explains
them and builds the decision from the assessment.
"""

from __future__ import annotations

from decimal import Decimal
from hashlib import sha256
from typing import Any

from . import __version__
from .edition import Edition
from .engine import engine_of
from .compiled import Matched
from .canonical import claim_json, history_json
from .facts import ASSESSED, derive
from .model import SCHEMA_VERSION, Claim, Decision, HistoryEntry, Record, made
from .validate import parse

_YUAN: dict[int, Decimal] = {}
_NONE: frozenset = frozenset()
_ASSESS = tuple(a.assess for a in ASSESSED)


def _yuan(fen: int) -> Decimal:
    """Fen as a two-place Decimal (cached: decisions repeat the same few amounts)."""
    d = _YUAN.get(fen)
    if d is None:
        d = Decimal(fen).scaleb(-2)
        if len(_YUAN) < 65536:
            _YUAN[fen] = d
    return d


def adjudicate(
    claim: Any,
    history: Any = (),
    *,
    plan: Edition | str | None = None,
    engine: str = "native",
    record: bool = True,
) -> Decision:
    """Decide one claim given the member's earlier decided claims.

    ``claim`` and ``history`` are models or plain JSON-compatible data (CONTRACT §1). ``plan`` names
    or gives the edition; by default the claim's ``plan``, else the edition whose period holds the
    accident. ``engine`` is ``"native"`` (compiled Python, the default) or ``"durable"``
    (durable_rules' Rete network, the reference; ``pip install 'mutualaid[durable]'``).

    ``record=False`` leaves out :attr:`Decision.record` (the library version and the hashes of the
    edition and the input, for ``mutualaid replay``): writing and hashing the canonical input is
    about a tenth of the cost of a decision (``benchmarks/bench_cost.py``'s third figure), which a
    what-if run over a year of claims need not pay.

    The function is pure: the same input gives the same decision, and the input is never changed.
    Bad input raises :class:`~mutualaid.errors.InvalidClaim`, naming every offending field.
    """
    model, entries, edition = parse(claim, history, plan)
    eng = engine_of(engine, edition)
    compiled = getattr(eng, "match", None)  # the engine's own pass (the native one's is compiled), else the generic one
    matched = compiled(model, entries) if compiled is not None else match(model, entries, edition, eng)
    return assemble(model.claim_id, edition, matched, eng, record_of(model, entries, edition) if record else None)


def canonical_input(claim: Claim, history: tuple[HistoryEntry, ...]) -> bytes:
    """The validated claim and history as JSON (``{"claim":…,"history":[…]}``), as the record hashes them.

    Validation has already normalised what may vary between equal inputs (``"1200"`` and
    ``1200.00`` are both ``"1200.00"``; a lowercase x in a 身份证 number is X; null lists are
    empty), and the keys follow the models' field order, which ``schema_version`` pins.
    """
    # The claim and the history written by msgspec, with pydantic-core's bytes (mutualaid.canonical);
    # the history as one list in one call. An empty history is ``[]`` (half the claims of a year
    # have none: no call into the serializer).
    return b"".join((b'{"claim":', claim_json(claim), b',"history":', history_json(history) if history else b"[]", b"}"))


def record_of(claim: Claim, history: tuple[HistoryEntry, ...], edition: Edition) -> Record:
    """What the decision is made from: library version, the edition's hash and the input's hash."""
    return made(
        Record,
        {
            "schema_version": SCHEMA_VERSION,
            "library_version": __version__,
            "edition_hash": edition.content_hash,
            "input_hash": "sha256:" + sha256(canonical_input(claim, history)).hexdigest(),
        },
    )


def match(claim: Claim, history: tuple[HistoryEntry, ...], edition: Edition, eng) -> Matched:
    """The generic pass: every fact derived, the engine's rules fired on them, the claim assessed."""
    facts = derive(claim, history, edition)
    rules = eng.rules
    fired = eng.fire(facts.facts)

    counted = 0
    if fired:
        excluded = {j for i, j in fired if rules[i].effect == "exclude"}
        if not excluded:
            counted = sum(f for _, _, f in facts.items)
        elif not any(facts.subjects[j] == "claim" for j in excluded):  # else the whole claim is excluded
            counted = sum(f for item, treatment, f in facts.items if item not in excluded and treatment not in excluded)
    else:
        counted = sum(f for _, _, f in facts.items)

    assessment: dict[str, Any] = {"t": "assessment", "counted_fen": counted}
    past = facts.history
    for assess in _ASSESS:  # what the articles assess (ASSESSED), in order: the tier before the cap
        assessment.update(assess(assessment, edition, past))
    more = eng.fire((assessment,))
    if more:
        n = len(facts.facts)
        fired += [(i, n) for i, _ in more]
    return Matched(facts, fired, assessment)


def assemble(claim_id: str, edition: Edition, matched: Matched, eng, record: Record | None = None) -> Decision:
    """Build the decision from what matched: the reasons in order and explained, the amounts."""
    rules = eng.rules
    facts, fired, assessment = matched
    n = len(facts.facts)
    if len(fired) > 1:
        # CONTRACT §7, "Reason order": the table's rows in order; within a row subject by subject
        # (the claim first, then treatments and items in input order, which is their facts'
        # order); for one subject the row's rules in order. Every claim-level fact is the claim.
        rows, subjects = rules.rows, facts.subjects
        fired = sorted(fired, key=lambda p: (rows[p[0]], 0 if p[1] >= n or subjects[p[1]] == "claim" else p[1], p[0], p[1]))

    explain = eng.explain
    outcome = "approved"
    reasons: tuple = ()
    hints: tuple = ()
    if fired:
        effects = {rules[i].effect for i, _ in fired}
        outcome = "denied" if "deny" in effects else "pending" if "pend" in effects else "approved"
        ending = explain.ending  # a rule that ends the cover (art5.3): every hint then takes its cover-ended words
        ended = bool(ending) and any(i in ending for i, _ in fired)
        reasons, hints = explain.reasons_and_hints(fired, facts, assessment, ended)
    payout = assessment["payout_fen"] if outcome == "approved" else 0
    return made(
        Decision,
        {
            "claim_id": claim_id,
            "plan": edition.id,
            "outcome": outcome,
            "payout": _yuan(payout),
            "counted_out_of_pocket": _yuan(assessment["counted_fen"]),
            "accident_out_of_pocket": _yuan(assessment["accident_fen"]),
            "tier_amount": _yuan(assessment["tier_fen"]),
            "cap_remaining": _yuan(assessment["cap_left_fen"] - payout),
            "reasons": reasons,
            "passed": explain.passed(frozenset(i for i, _ in fired) if fired else _NONE),
            "engine": eng.name,
            "hints": hints,
            "record": record,
        },
    )
