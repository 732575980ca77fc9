"""``mutualaid serve``: the library as an HTTP service, for claims platforms not written in Python.

``pip install 'mutualaid[server]'`` brings FastAPI (it speaks pydantic, so the OpenAPI document is
made from the library's own models: :class:`~mutualaid.model.Claim`,
:class:`~mutualaid.model.HistoryEntry`, :class:`~mutualaid.model.Decision`, never copies of them)
and uvicorn, which runs it. ``docs/server.md`` is the user's page; the choices, and why:

- **The library reads the JSON, not the framework.** A request body is read as bytes and parsed by
  :func:`mutualaid.values.read_json`, which keeps each number's exact text: an amount sent as
  ``2000.000000000000000000000000000001`` is refused as not exact in fen, where the framework's
  reader (floats) would have paid 2000.00. So the service decides a claim exactly as
  ``adjudicate`` decides the same JSON, and answers the same bytes.
- **A batch is ``mutualaid batch``.** ``/v1/batch`` feeds the request's lines, numbered and
  chunked by :func:`mutualaid.batch.read_chunks`, to the deciding worker of
  :class:`mutualaid.batch.DecideSpec`, built afresh for each request: a new ledger each time, never
  one shared between requests. The answer is streamed in input order, the same bytes as the batch.
- **Bodies are bounded while they are read.** A ``Content-Length`` over the limit is refused (413)
  before a byte is read; a body without one is counted as it arrives and refused when it passes the
  limit. A document nested deeper than :data:`MAX_DEPTH` is refused (422) before it reaches a model.
- **Refusals name fields.** Bad input is 422 with ``{"error", "errors": [...]}``, each error as
  :meth:`mutualaid.errors.FieldError.as_json` gives it, with ``InvalidClaim``'s field paths.
  Nothing else reaches the caller: no stack trace, no path on the server.
- **One log line a request**, JSON on standard error through :mod:`logging`: method, path, status,
  duration, and for a decision its claim id and outcome.
"""

from __future__ import annotations

try:
    import anyio
    import uvicorn  # noqa: F401 - the extra's second half: fail here, not when serving
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.utils import get_openapi
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.requests import ClientDisconnect
except ImportError as exc:  # pragma: no cover - exercised by tests/test_extras.py in a subprocess
    raise ImportError(
        "mutualaid.server needs FastAPI and uvicorn, which a plain install leaves out: "
        "pip install 'mutualaid[server]'"
    ) from exc

import io
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Literal, Mapping, Optional, Union, cast

from pydantic import BaseModel, ConfigDict

from . import __version__
from .errors import MISSING, FieldError, InvalidClaim
from .validate import _field_error
from .model import Claim, Decision, HistoryEntry

log = logging.getLogger("mutualaid.server")

MAX_DEPTH = 32
"""How deep a request's JSON may nest. A claim nests 6 levels and a stored record 8; anything far
deeper is no claim, and is refused before it reaches a model (or the parser's recursion limit)."""

BIG = 64 << 10
"""A body this large (some 30 claims' worth) is decided in a worker thread rather than in the event
loop: a usual claim costs less than a thread's round trip, a big one would hold up every other request."""

LOGGED_ID = 64
"""At most this many characters of a claim id go into a request's log line (a valid id has at most 64)."""

JSON = "application/json"
JSON_LINES = "application/x-ndjson"


# --- settings ------------------------------------------------------------------------------------


class SettingsError(ValueError):
    """A setting (flag or environment variable) that is not a valid value: the command exits 2."""


ENV = {
    "host": "MUTUALAID_HOST",
    "port": "MUTUALAID_PORT",
    "workers": "MUTUALAID_WORKERS",
    "body_limit": "MUTUALAID_BODY_LIMIT",
    "batch_limit": "MUTUALAID_BATCH_LIMIT",
    "editions": "MUTUALAID_EDITIONS",
    "log_level": "MUTUALAID_LOG_LEVEL",
    "db": "MUTUALAID_DB",
}
"""The environment variable of each setting. Flags win over these; these win over the defaults."""

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@dataclass(frozen=True)
class Settings:
    """How the service runs. ``mutualaid serve`` builds it from flags over :meth:`from_env`."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    body_limit: int = 1 << 20
    """Bytes a JSON request body may hold (``/v1/adjudicate``, ``/v1/replay``): 1 MiB by default,
    some 500 times a large claim."""
    batch_limit: int = 64 << 20
    """Bytes a ``/v1/batch`` body may hold: 64 MiB by default, about 90,000 claims. The request's
    own ledger holds each member's history for the length of the request (about 110 bytes a claim)."""
    editions: tuple[str, ...] = ()
    """Edition files to load at start, each registered under its id (``plan`` in a request)."""
    log_level: str = "info"
    db: Optional[str] = None
    """A SQL store's URL (``--db``): adds the stateful endpoints of :mod:`mutualaid.claims_api`."""

    def __post_init__(self) -> None:
        for name in ("port", "workers", "body_limit", "batch_limit"):
            value = getattr(self, name)
            if type(value) is not int or value < (0 if name == "port" else 1) or (name == "port" and value > 65535):
                raise SettingsError(f"{name} must be a whole number{' from 0 to 65535' if name == 'port' else ' of 1 or more'}, not {value!r}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"log level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """The defaults, replaced by the ``MUTUALAID_*`` variables set, replaced by ``overrides`` not None."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in ENV.items():
            text = env.get(var)
            if text is None or text == "":
                continue
            if name in ("port", "workers", "body_limit", "batch_limit"):
                try:
                    values[name] = int(text)
                except ValueError:
                    raise SettingsError(f"{var} must be a whole number, not {text!r}") from None
            elif name == "editions":
                values[name] = tuple(p for p in text.split(os.pathsep) if p)
            else:
                values[name] = text.lower() if name == "log_level" else text
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "editions" in values:
            values["editions"] = tuple(values["editions"])
        return cls(**values)

    def environ(self) -> dict[str, str]:
        """These settings as ``MUTUALAID_*`` variables: how uvicorn's worker processes receive them."""
        return {
            var: os.pathsep.join(self.editions) if name == "editions" else ("" if getattr(self, name) is None else str(getattr(self, name)))
            for name, var in ENV.items()
        }


def load_editions(paths: tuple[str, ...]) -> list[str]:
    """Read and register each edition file; their ids. A bad file raises SettingsError naming it."""
    from .edition import InvalidEdition, register
    from .plan import resolve

    ids = []
    for path in paths:
        if not os.path.isfile(path):
            raise SettingsError(f"edition file {path} does not exist")
        try:
            edition = resolve(path)
            assert edition is not None
            register(edition, by_id_only=True)  # a claim names it by plan; it never takes over a claim without one
        except (InvalidEdition, OSError, ValueError) as exc:
            raise SettingsError(f"{path} is not an edition: {' '.join(str(exc).split())}") from None
        ids.append(edition.id)
    return ids


# --- what goes over the wire, beyond the library's own models -------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AdjudicateRequest(BaseModel):
    """``POST /v1/adjudicate``: the claim, the member's earlier decided claims, and the edition.

    The schema of the body; the service itself reads the body as ``adjudicate`` reads JSON.
    """

    model_config = ConfigDict(extra="forbid")

    claim: Claim
    history: list[HistoryEntry] = []
    plan: Optional[str] = None
    """An edition id (default: the claim's ``plan``, else the edition of the accident's day)."""


class StoredInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: Claim
    history: list[HistoryEntry] = []


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


# --- reading a request ---------------------------------------------------------------------------


class Refusal(Exception):
    """A request the service refuses: its status and its body (an :class:`ErrorBody`)."""

    def __init__(self, status: int, error: str, errors: list[dict]) -> None:
        super().__init__(error)
        self.status, self.error, self.errors = status, error, errors

    def response(self) -> Response:
        return _json_response({"error": self.error, "errors": self.errors}, self.status)


def _error(field_: str, code: str, value: Any = MISSING, **params: Any) -> dict:
    """One offending field as the service answers it: the catalogue's code and words (:mod:`mutualaid.errorcodes`)."""
    return FieldError.of(field_, code, value, **params).as_json()


def _too_large(limit: int) -> Refusal:
    return Refusal(413, "body_too_large", [_error("body", "body.too_large", limit=limit)])


def declared_length(request: Request, limit: int) -> None:
    """Refuse at once a body whose Content-Length passes ``limit`` (nothing of it is read)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise _too_large(limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read up to ``limit`` bytes; past it, 413. Never more than ``limit`` is held."""
    declared_length(request, limit)
    parts: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            parts.append(chunk)
    except ClientDisconnect:  # nobody will read the answer; the log says what happened
        raise Refusal(400, "client_disconnected", []) from None
    return b"".join(parts)


def depth(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` (parsed JSON) nests no deeper than ``limit`` arrays and objects. Iterative."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            if d > limit:
                return False
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            if d > limit:
                return False
            stack.extend((x, d + 1) for x in v)
    return True


def parse_json(raw: bytes) -> Any:
    """The body as the library reads JSON (:func:`mutualaid.values.read_json`: each number by its
    exact text), or a 422 refusal: not JSON, not UTF-8, or nested deeper than :data:`MAX_DEPTH`."""
    from .values import read_json

    try:
        data = read_json(raw)
    except RecursionError:
        raise _too_deep() from None
    except InvalidClaim as exc:  # a repeated key (CONTRACT §7, revision 3), named by its path in the body
        raise invalid_claim(exc) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise Refusal(422, "not_json", [_error("body", "body.not_json", detail=exc)]) from None
    # A document can only nest as deep as it has brackets: most bodies are cleared by counting them.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and not depth(data):
        raise _too_deep()
    return data


def _too_deep() -> Refusal:
    return Refusal(
        422, "too_deep",
        [_error("body", "body.too_deep", depth=MAX_DEPTH)],
    )


def invalid_claim(exc: InvalidClaim) -> Refusal:
    return Refusal(422, "invalid_claim", exc.as_json())


def _envelope(data: Any) -> tuple[Any, Any, Any]:
    """(claim, history, plan) of an adjudicate body; a body of another shape is bad input naming its fields."""
    if not isinstance(data, dict):
        raise InvalidClaim([FieldError.of("body", "body.not_object")])

    errors = [
        FieldError.of(k, "body.unknown_key", k)
        for k in sorted(set(data) - {"claim", "history", "plan"}, key=str)
    ]
    if "claim" not in data:
        errors.insert(0, FieldError.of("claim", "field.missing"))
    if errors:
        raise InvalidClaim(errors)
    return data["claim"], data.get("history", ()), data.get("plan")


# --- answers -------------------------------------------------------------------------------------


def _json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status, media_type=JSON)


def decision_bytes(decision: Decision) -> bytes:
    """A decision's JSON: ``json.dumps(decision.model_dump(mode="json"), ensure_ascii=False,
    separators=(",", ":"))``, the bytes a batch line carries (``docs/batch.md``), made by pydantic."""
    return decision.__pydantic_serializer__.to_json(decision)


def _edition_summary(e) -> dict:
    return {"id": e.id, "title": e.title, "period": {"start": e.period.start.isoformat(), "end": e.period.end.isoformat()}, "content_hash": e.content_hash}


def rule_rows() -> list[dict]:
    """The rule table as data: what ``mutualaid rules`` prints, with each rule's clause and messages."""
    from .rule import clause_label
    from .rules import RULES

    rows = []
    for r in RULES:
        zh, en = clause_label(r.clause)
        hint = None if r.hint is None else {"kind": r.hint.kind, "data": dict(r.hint.data), "message_zh": r.hint.message_zh, "message_en": r.hint.message_en}
        rows.append({
            "id": r.id, "clause": r.clause, "clause_zh": zh, "clause_en": en, "effect": r.effect, "scope": r.scope,
            "on": r.on, "condition": r.condition, "message_zh": r.message_zh, "message_en": r.message_en, "hint": hint,
        })
    return rows


# --- the log -------------------------------------------------------------------------------------


class _JsonLines(logging.Formatter):
    """A log record as one JSON line: its time, level, and the fields of the request."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        data = {"time": stamp, "level": record.levelname.lower()}
        fields = getattr(record, "fields", None)
        data.update(fields if isinstance(fields, dict) else {"message": record.getMessage()})
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)  # the log only, never the answer
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    """One JSON line a record on standard error, unless the embedding program set up this logger."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JsonLines())
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(level.upper())


class RequestLog:
    """ASGI middleware: one log line a request, written when its answer is complete.

    The endpoint adds what it knows (claim id, outcome, lines of a batch) to ``request.state``,
    which is the ``state`` of the request's ASGI scope.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 0

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            fields = {"method": scope["method"], "path": scope["path"], "status": status or 500}
            for key in ("claim_id", "outcome", "lines", "error"):
                if key in state:
                    fields[key] = state[key]
            if isinstance(fields.get("claim_id"), str) and len(fields["claim_id"]) > LOGGED_ID:  # a log line stays a line
                fields["claim_id"] = fields["claim_id"][:LOGGED_ID] + "..."
            fields["duration_ms"] = round((time.perf_counter() - start) * 1000, 3)
            log.info("request", extra={"fields": fields})


# --- the application -----------------------------------------------------------------------------


def _body_doc(ref: str, example: Any = None) -> dict:
    content: dict[str, Any] = {"schema": _ref(ref)}
    if example is not None:
        content["example"] = example
    return {"requestBody": {"required": True, "content": {JSON: content}}}


def _answers(ok: Any, *statuses: int, media: str = JSON) -> dict:
    """The documented answers of an operation: 200 (``ok``: a schema) and the refusals it can give."""
    refused = {"$ref": "#/components/schemas/ErrorBody"}
    what = {404: "unknown", 413: "body over the size limit", 422: "bad input: the fields, as InvalidClaim names them"}
    out: dict[Union[int, str], Any] = {200: {"description": "the answer", "content": {media: {"schema": ok}}}}
    for s in statuses:
        out[s] = {"description": what[s], "content": {JSON: {"schema": refused}}}
    return out


def _ref(name: str) -> dict:
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


def _component_schemas() -> dict:
    """The JSON Schemas of the bodies, made by pydantic from the library's models in one pass, so
    that each model has one name (``Decision``; ``Decision-Input`` where a record carries one in)."""
    from pydantic.json_schema import models_json_schema

    from .edition import Edition

    keys, top = models_json_schema([*_SCHEMAS, (Edition, "serialization")], ref_template="#/components/schemas/{model}")
    schemas = dict(top.get("$defs", {}))
    # models_json_schema names a model used in one mode by its bare name; the operations refer to these.
    for (model, mode), ref in keys.items():
        name = ref["$ref"].rsplit("/", 1)[-1]
        if name != model.__name__ and model.__name__ not in schemas:
            schemas[model.__name__] = schemas[name]
    return schemas


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, with ``settings`` (default: :meth:`Settings.from_env`). Loads the edition files."""
    from .edition import editions

    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    load_editions(settings.editions)
    _warm(editions)

    app = FastAPI(
        title="mutualaid",
        version=__version__,
        summary="Decides claims under the Guangdong trade unions' accident-medical mutual-aid plan (附件4 of 粤工总〔2021〕30号).",
        description="Bodies are read as `mutualaid` reads JSON: every amount by its exact text. Bad input is 422 naming "
        "each field as `InvalidClaim` does. See docs/server.md.",
    )
    app.state.settings = settings
    app.add_middleware(RequestLog)

    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal) -> Response:
        request.state.error = exc.error
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [_field_error(".".join(str(p) for p in e.get("loc", ())), e).as_json() for e in exc.errors()]  # coded as pydantic's errors are
        request.state.error = "invalid_request"
        return _json_response({"error": "invalid_request", "errors": errors}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _json_response({"error": kind, "errors": []}, exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug, never an input
        # The last resort: a bug must not show its traceback (or the server's paths) to the caller.
        # It is logged in full; the tests (Schemathesis among them) hold that no input reaches it.
        log.error("internal error", exc_info=exc, extra={"fields": {"path": request.url.path, "error": type(exc).__name__}})
        return _json_response({"error": "internal_error", "errors": []}, 500)

    limit = settings.body_limit

    @app.post(
        "/v1/adjudicate",
        summary="Decide one claim",
        description="`{claim, history?, plan?}` in; the decision out, exactly `Decision.model_dump(mode=\"json\")` (with its replay record).",
        openapi_extra=_body_doc("AdjudicateRequest", example={"claim": _WARM_UP}),
        responses=_answers(_ref("Decision"), 413, 422),
    )
    async def adjudicate(request: Request) -> Response:
        from .decide import adjudicate as decide

        raw = await read_body(request, limit)
        data = parse_json(raw)
        try:
            claim, history, plan = _envelope(data)
            request.state.claim_id = claim.get("claim_id") if isinstance(claim, dict) and isinstance(claim.get("claim_id"), str) else None
            if len(raw) < BIG:
                decision = decide(claim, history, plan=plan)
            else:  # a long history or many items: decided in a thread, so that other requests go on meanwhile
                decision = await anyio.to_thread.run_sync(lambda: decide(claim, history, plan=plan))
        except InvalidClaim as exc:
            request.state.outcome = "invalid"
            raise invalid_claim(exc) from None
        request.state.outcome = decision.outcome
        return Response(decision_bytes(decision), media_type=JSON)

    @app.post(
        "/v1/batch",
        summary="Decide a stream of claims, as `mutualaid batch` does",
        description="JSON lines in (one claim a line, in filing order per member), one decision or error record a line out, "
        "in input order: the bytes `mutualaid batch IN OUT` writes. Each request has its own ledger. `plan`: an edition id for "
        "every claim; `record=false`: as `--no-record`.",
        openapi_extra={"requestBody": {"required": True, "content": {JSON_LINES: {"schema": {"type": "string"}}}}},
        responses=_answers({"type": "string"}, 413, 422, media=JSON_LINES),
    )
    async def batch(request: Request, plan: Optional[str] = None, record: bool = True) -> Response:
        from .batch import DecideSpec
        from .plan import UnknownEdition

        declared_length(request, settings.batch_limit)
        edition = None
        if plan is not None:
            edition = editions.get(plan)  # an id, never a file on the server
            if edition is None:
                request.state.outcome = "invalid"
                raise invalid_claim(InvalidClaim([FieldError.from_exception("plan", UnknownEdition(plan), plan)]))
        # The batch's own worker, with a ledger of this request's own (DecideSpec takes an edition
        # argument as resolve() reads it: an Edition object is handed on as it is).
        worker = DecideSpec(plan=cast(Any, edition), engine="native", record=record).worker(0, 1)
        return _BatchAnswer(request, worker, settings.batch_limit)

    @app.post(
        "/v1/replay",
        summary="Decide a stored record again and compare, as `mutualaid replay` does",
        openapi_extra=_body_doc("StoredRecord"),
        responses=_answers(_ref("ReplayAnswer"), 413, 422),
    )
    async def replay(request: Request) -> Response:
        from .errors import UnknownEngine
        from .replay import RecordError, replay as again

        stored = parse_json(await read_body(request, limit))
        try:
            result = again(stored)
        except InvalidClaim as exc:
            raise invalid_claim(exc) from None
        except RecordError as exc:
            raise Refusal(422, "invalid_record", [_error("record", "record.invalid", detail=exc)]) from None
        except UnknownEngine as exc:
            raise Refusal(422, "invalid_record", [_error("decision.engine", "record.engine", detail=exc)]) from None
        request.state.claim_id = result.stored.claim_id
        request.state.outcome = "identical" if result.identical else "differs"
        return _json_response({
            "claim_id": result.stored.claim_id,
            "identical": result.identical,
            "differences": [{"field": d.field, "stored": d.stored, "now": d.now} for d in result.differences],
            "causes": list(result.causes),
            "decision": None if result.now is None else result.now.model_dump(mode="json"),
        })

    @app.get("/v1/editions", summary="The editions this service knows", responses=_answers({"type": "array", "items": _ref("EditionSummary")}))
    async def edition_list() -> Response:
        return _json_response([_edition_summary(editions.get(i)) for i in editions.ids()])

    @app.get("/v1/editions/{edition_id}", summary="One edition's data (tiers, cap, filing limit, documents, exclusions…)", responses=_answers(_ref("Edition"), 404))
    async def edition_one(edition_id: str) -> Response:
        e = editions.get(edition_id)
        if e is None:
            from .plan import UnknownEdition

            raise Refusal(404, "unknown_edition", [FieldError.from_exception("edition_id", UnknownEdition(edition_id), edition_id).as_json()])
        return _json_response(e.model_dump(mode="json", by_alias=True))  # as an edition file spells it (`except`)

    rules_body = json.dumps(rule_rows(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @app.get("/v1/rules", summary="Every rule: its id, clause, effect, scope and condition (`mutualaid rules`)", responses=_answers({"type": "array", "items": _ref("RuleOut")}))
    async def rules() -> Response:
        return Response(rules_body, media_type=JSON)

    @app.get("/v1/schema", summary="The JSON Schemas of the claim, a history entry and the decision (`mutualaid schema`)", responses=_answers({"type": "object"}))
    async def schema() -> Response:
        from .cli import schema_document

        return _json_response(schema_document())

    # HEAD too: load balancers probe with it (uvicorn sends the headers of the GET answer, no body).
    @app.api_route("/healthz", methods=["GET", "HEAD"], summary="Whether the service is up, and which editions it knows", responses=_answers(_ref("Health")))
    async def healthz() -> Response:
        return _json_response({"status": "ok", "version": __version__, "editions": list(editions.ids())})

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, summary=app.summary, description=app.description, routes=app.routes)
            doc.setdefault("components", {}).setdefault("schemas", {}).update(_component_schemas())
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if settings.db:
        from .claims_api import claims_router

        app.include_router(claims_router(open_store(settings.db), limit))
    return app


def open_store(url: str):
    """The ledger on the SQL store of ``--db`` (its schema upgraded), or SettingsError saying why not."""
    try:
        from .ledger.store import StoreError, open_ledger

        return open_ledger(url)
    except ImportError as exc:
        raise SettingsError(str(exc)) from None
    except StoreError as exc:
        raise SettingsError(str(exc)) from None


class _BatchAnswer(Response):
    """The answer of ``/v1/batch``, streamed while the request's body is still arriving.

    Starlette's ``StreamingResponse`` listens for the client's disconnect on the same channel the
    body arrives on, and would take body chunks away from the reader: this answer reads the body
    itself, and ends when the client goes away.
    """

    media_type = JSON_LINES

    def __init__(self, request: Request, worker, limit: int) -> None:
        super().__init__(media_type=JSON_LINES)
        self.request, self.worker, self.limit = request, worker, limit
        del self.headers["content-length"]

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for part in _batch_lines(self.request, self.worker, self.limit):
                await send({"type": "http.response.body", "body": part, "more_body": True})
        except ClientDisconnect:  # the caller went away mid-batch: stop deciding for nobody
            scope.setdefault("state", {})["error"] = "client_disconnected"
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _batch_lines(request: Request, worker, limit: int) -> AsyncIterator[bytes]:
    """The lines of ``/v1/batch``'s answer: each arrival of complete lines decided, in order, as it comes.

    Lines are numbered and chunked by :func:`mutualaid.batch.read_chunks`, as ``mutualaid batch``
    reads a file, and decided by its worker in a thread, so that other requests are answered
    meanwhile. A body that passes the limit without declaring its length (413 is no longer possible
    once the answer has begun) ends with an error record for the first line not decided.
    """
    from .batch import error_record, read_chunks

    line = size = 0
    rest = bytearray()
    decided = 0

    async def decide(lines: bytes):
        nonlocal line, decided
        out = []
        for (last, _), items in read_chunks(io.BytesIO(lines), line=line):  # split as a file is read
            line = last
            if items:
                results = await anyio.to_thread.run_sync(worker, items)
                decided += len(results)
                out += [answer for answer, _, _ in results]
        return b"".join(out)

    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                over = FieldError.of("body", "body.too_large", limit=limit)
                yield error_record(line + 1, None, f"{over.message}: the rest was not read", (over,))
                return
            cut = chunk.rfind(b"\n")
            if cut < 0:
                rest += chunk
                continue
            whole = bytes(rest) + chunk[: cut + 1]
            rest = bytearray(chunk[cut + 1 :])
            answer = await decide(whole)
            if answer:
                yield answer
        if rest:
            answer = await decide(bytes(rest))
            if answer:
                yield answer
    finally:
        request.state.lines = decided


_WARM_UP = {
    "claim_id": "warm-up",
    "filed_on": "2022-04-10",
    "member": {"member_id": "warm-up", "name": "张三", "id_number": "440106199003071231", "union_member_since": "2021-08-01",
               "real_name_verified_on": "2021-08-01", "occupation": "courier"},
    "accident": {"accident_id": "warm-up", "occurred_on": "2022-03-01", "cause": "accident"},
    "treatments": [{"treatment_id": "T1", "hospital": {"name": "-", "grade": 3, "ownership": "public", "kind": "general"},
                    "setting": "inpatient", "diagnoses": ["S82.2"],
                    "items": [{"on": "2022-03-01", "category": "treatment", "out_of_pocket": "3200.00"}]}],
    "documents": ["invoice", "accident_proof", "medical_record"],
}
"""A claim decided once under each edition at start: the first decision loads the ICD-10 tables, the
holiday calendar and the compiled rules (a quarter of a second), which no claimant should wait for.
It is also the example body of ``/v1/adjudicate`` on the OpenAPI page."""


def _warm(registry) -> None:
    from .decide import adjudicate

    for edition_id in registry.ids():
        try:
            adjudicate(_WARM_UP, plan=registry.get(edition_id))
        except InvalidClaim:  # an edition loaded from a file may refuse it: its rules are compiled all the same
            pass


def app_from_env() -> FastAPI:
    """The app factory uvicorn's worker processes call (``mutualaid.server:app_from_env``)."""
    return create_app(Settings.from_env())


def serve(settings: Settings) -> None:
    """Run the service until it is stopped (Ctrl-C, SIGTERM)."""
    common = dict(host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False, server_header=False)
    try:
        if settings.workers > 1:
            # uvicorn starts each worker from an import string; the settings travel in the environment.
            os.environ.update(settings.environ())
            load_editions(settings.editions)  # a bad file fails here, once, before any worker starts
            if settings.db:
                open_store(settings.db).close()  # so does a store that cannot be opened; it is migrated once, here
            uvicorn.run("mutualaid.server:app_from_env", factory=True, workers=settings.workers, **common)  # type: ignore[arg-type]
        else:
            uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
    except SystemExit as exc:  # uvicorn exits when it cannot start (a port in use): say so as a setting
        if exc.code not in (0, None):
            raise SettingsError(f"the service could not start on {settings.host}:{settings.port} (uvicorn's message is above)") from None
        raise
