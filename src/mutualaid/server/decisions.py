"""What the decision pool runs: a request body in, an answer out (status, bytes, what to log).

Each function here is blocking and runs in a thread of :class:`~mutualaid.server.pool.DecisionPool`,
never on the event loop: reading the JSON (for a big body, the costliest part), validating,
deciding and writing the answer all happen here. A refusal is an answer like any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional, cast

from ..batch import DecideSpec
from ..decide import adjudicate
from ..edition import editions
from ..errors import FieldError, InvalidClaim, UnknownEngine
from ..model import Decision
from ..replay import RecordError, replay as again
from .transport import Refusal, error, invalid_claim, parse_json


@dataclass
class Answer:
    """An answer made in the pool: its status, its JSON bytes, and the fields of its log line."""

    status: int
    body: bytes
    log: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


def decision_bytes(decision: Decision) -> bytes:
    """A decision's JSON: ``json.dumps(decision.model_dump(mode="json"), ensure_ascii=False,
    separators=(",", ":"))``, the bytes a batch line carries (``docs/batch.md``), made by pydantic."""
    return decision.__pydantic_serializer__.to_json(decision)


def _refused(exc: Refusal, log: dict) -> Answer:
    response = exc.response()
    return Answer(exc.status, bytes(response.body), {**log, "error": exc.error}, exc.headers)


def envelope(data: Any) -> tuple[Any, Any, Any]:
    """(claim, history, plan) of an adjudicate body; a body of another shape is bad input naming its fields."""
    if not isinstance(data, dict):
        raise InvalidClaim([FieldError.of("body", "body.not_object")])
    errors = [FieldError.of(k, "body.unknown_key", k) for k in sorted(set(data) - {"claim", "history", "plan"}, key=str)]
    if "claim" not in data:
        errors.insert(0, FieldError.of("claim", "field.missing"))
    if errors:
        raise InvalidClaim(errors)
    return data["claim"], data.get("history") or (), data.get("plan")


def adjudicate_body(raw: bytes) -> Answer:
    """``POST /v1/adjudicate``: the body read as ``adjudicate`` reads JSON, and decided."""
    log: dict = {}
    try:
        data = parse_json(raw)
        try:
            claim, history, plan = envelope(data)
            if isinstance(claim, dict) and isinstance(claim.get("claim_id"), str):
                log["claim_id"] = claim["claim_id"]
            decision = adjudicate(claim, history, plan=plan)
        except InvalidClaim as exc:
            log["outcome"] = "invalid"
            raise invalid_claim(exc) from None
    except Refusal as exc:
        return _refused(exc, log)
    log["outcome"] = decision.outcome
    return Answer(200, decision_bytes(decision), log)


def replay_body(raw: bytes) -> Answer:
    """``POST /v1/replay``: a stored record decided again and compared, as ``mutualaid replay`` does."""
    log: dict = {}
    try:
        stored = _stored_shape(parse_json(raw))
        try:
            result = again(stored)
        except InvalidClaim as exc:
            raise invalid_claim(exc) from None
        except RecordError as exc:
            raise Refusal(422, "invalid_record", [error("record", "record.invalid", detail=exc)]) from None
        except UnknownEngine as exc:
            raise Refusal(422, "invalid_record", [error("decision.engine", "record.engine", detail=exc)]) from None
    except Refusal as exc:
        return _refused(exc, log)
    log["claim_id"] = result.stored.claim_id
    log["outcome"] = "identical" if result.identical else "differs"
    body = {
        "claim_id": result.stored.claim_id,
        "identical": result.identical,
        "differences": [{"field": d.field, "stored": d.stored, "now": d.now} for d in result.differences],
        "causes": list(result.causes),
        "decision": None if result.now is None else result.now.model_dump(mode="json"),
    }
    return Answer(200, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), log)


def _stored_shape(stored: Any) -> Any:
    """A stored record's envelope as the schema (``StoredRecord``) says: ``input`` an object of a
    ``claim`` object and a ``history`` list of objects (or null: none), and nothing else; else 422
    ``invalid_record`` naming the field. What is inside the claim is replayed as it was stored."""

    def bad(where: str, what: str) -> Refusal:
        return Refusal(422, "invalid_record", [error(where, "record.invalid", detail=f"{where} {what}")])

    if not isinstance(stored, dict):
        raise bad("record", "must be an object {input, decision}")
    given = stored.get("input")
    if not isinstance(given, dict):
        raise bad("input", "must be an object {claim, history}")
    for key in sorted(set(given) - {"claim", "history"}, key=str):
        raise bad(f"input.{key}", "is not a key of a stored input (claim, history)")
    if not isinstance(given.get("claim"), dict):
        raise bad("input.claim", "must be an object")
    history = given.get("history")
    if history is None:
        return {**stored, "input": {**given, "history": []}}  # null is none, as the schema says
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise bad("input.history", "must be a list of objects")
    return stored


_BATCHES: dict[str, Any] = {}
"""The heavy lane's process: the deciding worker (with its own ledger) of each ``/v1/batch``
request in progress, by the request's key. One process runs the lane's tasks one at a time, in
the order they were sent, so a request's chunks meet its own ledger in order."""


def batch_decide(key: str, plan: Optional[str], record: bool, items: list) -> tuple[bytes, int]:
    """Decide a chunk of ``/v1/batch`` lines ((line number, line) pairs) with the request's own
    worker, made on its first chunk: (the answer lines, how many). Runs in the heavy lane."""
    worker = _BATCHES.get(key)
    if worker is None:
        # DecideSpec takes an edition argument as resolve() reads it: an Edition object is handed on as it is.
        worker = _BATCHES[key] = DecideSpec(plan=cast(Any, editions.get(plan) if plan else None), engine="native", record=record).worker(0, 1)
    results = worker(items)
    return b"".join(answer for answer, _, _ in results), len(results)


def batch_end(key: str) -> None:
    """Forget a ``/v1/batch`` request's worker and ledger (its answer is complete, or its caller gone)."""
    _BATCHES.pop(key, None)
