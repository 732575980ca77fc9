"""What goes over the wire beyond the library's own models, and the OpenAPI document that says so.

The schemas are made by pydantic from the library's models (:class:`~mutualaid.model.Claim`,
:class:`~mutualaid.model.HistoryEntry`, :class:`~mutualaid.model.Decision`, the edition), never
copies of them, and each says what the service does: ``history`` may be null (read as none), and
the decision of a stored record must carry its ``record`` (``StoredDecision``), which
``/v1/replay`` needs to compare.
"""

from __future__ import annotations

import copy
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from ..edition import Edition
from ..model import Claim, Decision, HistoryEntry
from .transport import JSON

# --- what goes over the wire, beyond the library's own models -------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AdjudicateRequest(BaseModel):
    """``POST /v1/adjudicate``: the claim, the member's earlier decided claims, and the edition.

    The schema of the body; the service itself reads the body as ``adjudicate`` reads JSON.
    """

    model_config = ConfigDict(extra="forbid")

    claim: Claim
    history: Optional[list[HistoryEntry]] = None
    """The member's earlier decided claims; absent or null: none."""
    plan: Optional[str] = None
    """An edition id (default: the claim's ``plan``, else the edition of the accident's day)."""


class StoredInput(BaseModel):
    """The input a record stores, as it was stored. It is replayed as it is: a claim that is bad
    input today (a record of an older library) is answered ``identical: false``, ``decision: null``,
    with the cause, not refused; so its schema is any object, not today's ``Claim``."""

    model_config = ConfigDict(extra="forbid")

    claim: dict[str, Any]
    history: Optional[list[dict[str, Any]]] = None
    """The member's earlier decided claims, as stored; absent or null: none."""


class StoredRecord(BaseModel):
    """``POST /v1/replay``: a record as ``mutualaid adjudicate --record`` and ``replay.store`` write it."""

    input: StoredInput
    decision: Decision


class ErrorDetail(_Out):
    """One offending field, as :meth:`mutualaid.errors.FieldError.as_json` gives it."""

    field: str
    code: str
    message_en: str
    message_zh: str
    value: Optional[str] = None


class ErrorBody(_Out):
    """Every refusal: what kind (``invalid_claim``, ``not_json``, ``too_deep``, ``body_too_large``,
    ``invalid_record``, ``invalid_request``, ``not_found``, ``method_not_allowed``) and which fields."""

    error: str
    errors: list[ErrorDetail]


class Difference(_Out):
    field: str
    stored: Any = None
    now: Any = None


class ReplayAnswer(_Out):
    """What ``mutualaid replay`` says of a stored record: identical or not, what differs, and why."""

    claim_id: str
    identical: bool
    differences: list[Difference]
    causes: list[str]
    decision: Optional[Decision]
    """The decision made now; null when it could not be made (the causes say why)."""


class Period(_Out):
    start: str
    end: str


class EditionSummary(_Out):
    id: str
    title: str
    period: Period
    content_hash: str
    """``sha256:`` of the edition's data, as a decision's ``record.edition_hash`` names it."""


class HintOut(_Out):
    kind: str
    data: dict[str, str]
    message_zh: str
    message_en: str


class RuleOut(_Out):
    """One rule of the table (``mutualaid rules``): where it stands in the plan and what it tests."""

    id: str
    clause: str
    clause_zh: str
    clause_en: str
    effect: str
    scope: str
    on: str
    condition: str
    message_zh: str
    message_en: str
    hint: Optional[HintOut] = None


class Health(_Out):
    status: Literal["ok"]
    version: str
    editions: list[str]



def body_doc(name: str, example: Any = None) -> dict:
    content: dict[str, Any] = {"schema": ref(name)}
    if example is not None:
        content["example"] = example
    return {"requestBody": {"required": True, "content": {JSON: content}}}


def answers(ok: Any, *statuses: int, media: str = JSON) -> dict:
    """The documented answers of an operation: 200 (``ok``: a schema) and the refusals it can give."""
    refused = {"$ref": "#/components/schemas/ErrorBody"}
    what = {
        404: "unknown",
        408: "the body did not arrive within the body timeout (the connection is closed)",
        413: "body over the size limit",
        415: "the body's Content-Type is not the one this operation reads (UTF-8)",
        422: "bad input: the fields, as InvalidClaim names them",
        503: "busy: the decision pool and its queue are full; try again after Retry-After seconds",
    }
    out: dict[Union[int, str], Any] = {200: {"description": "the answer", "content": {media: {"schema": ok}}}}
    for s in statuses:
        out[s] = {"description": what[s], "content": {JSON: {"schema": refused}}}
        if s == 503:
            out[s]["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return out


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_SCHEMAS: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
    (AdjudicateRequest, "validation"),
    (StoredRecord, "validation"),
    (Decision, "serialization"),
    (ReplayAnswer, "serialization"),
    (EditionSummary, "serialization"),
    (RuleOut, "serialization"),
    (ErrorBody, "serialization"),
    (Health, "serialization"),
]


def component_schemas() -> dict:
    """The JSON Schemas of the bodies, made by pydantic from the library's models in one pass, so
    that each model has one name (``Decision``; ``Decision-Input`` where a record carries one in)."""
    keys, top = models_json_schema([*_SCHEMAS, (Edition, "serialization")], ref_template="#/components/schemas/{model}")
    schemas = dict(top.get("$defs", {}))
    # models_json_schema names a model used in one mode by its bare name; the operations refer to these.
    for (model, mode), ref in keys.items():
        name = ref["$ref"].rsplit("/", 1)[-1]
        if name != model.__name__ and model.__name__ not in schemas:
            schemas[model.__name__] = schemas[name]
    _stored_decision(schemas)
    return schemas


def _stored_decision(schemas: dict) -> None:
    """``StoredRecord.decision`` as ``/v1/replay`` reads it: a decision that carries its ``record``
    (a decision without one cannot be replayed, and is refused as ``invalid_record``)."""
    stored = schemas["StoredRecord"]["properties"]["decision"]
    name = stored["$ref"].rsplit("/", 1)[-1]
    decision = copy.deepcopy(schemas[name])
    record = decision["properties"]["record"]
    options = [o for o in record.get("anyOf", [record]) if o.get("type") != "null"]
    decision["properties"]["record"] = {**{k: v for k, v in record.items() if k not in ("anyOf", "default")}, **options[0]}
    decision["required"] = [*decision.get("required", []), *([] if "record" in decision.get("required", []) else ["record"])]
    decision["title"] = "StoredDecision"
    schemas["StoredDecision"] = decision
    schemas["StoredRecord"]["properties"]["decision"] = ref("StoredDecision")

