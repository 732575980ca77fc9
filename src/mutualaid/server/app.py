"""The application: its routes, each a few lines, deciding through the bounded pool.

The event loop reads and writes bytes only; everything that decides, parses or validates a body
runs in :mod:`mutualaid.server.pool` (:func:`~mutualaid.server.pool.run_decision`), through the
functions of :mod:`mutualaid.server.decisions`. See the package's docstring for the choices.
"""

from __future__ import annotations

import io
import json
import os
import time
from typing import Any, AsyncIterator, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__
from ..batch import error_record, read_chunks
from ..decide import adjudicate
from ..edition import editions
from ..errors import FieldError, InvalidClaim
from ..model import schema_document
from ..plan import UnknownEdition
from ..rule import clause_label
from ..rules import RULES
from ..validate import _field_error
from . import assets
from .claims import claims_router, open_store
from .decisions import Answer, adjudicate_body, batch_decide, batch_end, replay_body
from .logs import RequestLog, configure_logging, log
from .openapi import answers, body_doc, component_schemas, ref
from .pool import _WARM_UP, DecisionPool, _warm, busy, heavy, run_decision
from .settings import Settings, load_editions
from .transport import JSON, JSON_LINES, JSON_LINES_TYPES, Refusal, deadline, declared_length, invalid_claim, json_response, media_type, read_body



OPEN_BATCHES = 8
"""``/v1/batch`` requests a worker answers at once; one more is 503. Each keeps its own ledger in the
heavy lane (about 110 bytes a claim decided) for as long as it lasts."""


def _answer(request: Request, answer: Answer) -> Response:
    for k, v in answer.log.items():
        setattr(request.state, k, v)
    return Response(answer.body, answer.status, headers=answer.headers or None, media_type=JSON)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, with ``settings`` (default: :meth:`Settings.from_env`). Loads the edition files."""
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
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.open_batches = 0
    app.state.pool = DecisionPool(settings.threads, settings.queue, settings.editions)
    app.router.on_startup.append(app.state.pool.start)
    app.router.on_shutdown.append(app.state.pool.close)
    app.add_middleware(RequestLog)
    assets.mount(app)

    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal) -> Response:
        request.state.error = exc.error
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [_field_error(".".join(str(p) for p in e.get("loc", ())), e).as_json() for e in exc.errors()]  # coded as pydantic's errors are
        request.state.error = "invalid_request"
        return json_response({"error": "invalid_request", "errors": errors}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        request.state.error = kind
        return json_response({"error": kind, "errors": []}, exc.status_code, headers=dict(exc.headers or {}))  # 405 keeps its Allow

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug, never an input
        # The last resort: a bug must not show its traceback (or the server's paths) to the caller.
        # It is logged in full; the tests (Schemathesis among them) hold that no input reaches it.
        log.error("internal error", exc_info=exc, extra={"fields": {"path": request.url.path, "error": type(exc).__name__}})
        return json_response({"error": "internal_error", "errors": []}, 500)

    limit = settings.body_limit

    @app.post(
        "/v1/adjudicate",
        summary="Decide one claim",
        description="`{claim, history?, plan?}` in (`application/json`, UTF-8); the decision out, exactly "
        "`Decision.model_dump(mode=\"json\")` (with its replay record).",
        openapi_extra=body_doc("AdjudicateRequest", example={"claim": _WARM_UP}),
        responses=answers(ref("Decision"), 408, 413, 415, 422, 503),
    )
    async def adjudicate(request: Request) -> Response:
        raw = await read_body(request, limit)
        return _answer(request, await run_decision(request, adjudicate_body, raw, heavy=heavy(raw)))

    @app.post(
        "/v1/batch",
        summary="Decide a stream of claims, as `mutualaid batch` does",
        description="JSON lines in (`application/x-ndjson`; one claim a line, in filing order per member), one decision or error "
        "record a line out, in input order: the bytes `mutualaid batch IN OUT` writes. Each request has its own ledger. `plan`: "
        "an edition id for every claim; `record=false`: as `--no-record`. A line over the line limit is answered by an error record.",
        openapi_extra={"requestBody": {"required": True, "content": {JSON_LINES: {"schema": {"type": "string"}}}}},
        responses=answers({"type": "string"}, 413, 415, 422, 503, media=JSON_LINES),
    )
    async def batch(request: Request, plan: Optional[str] = None, record: bool = True) -> Response:
        media_type(request, JSON_LINES_TYPES)
        declared_length(request, settings.batch_limit)
        if plan is not None and editions.get(plan) is None:  # an id, never a file on the server
            request.state.outcome = "invalid"
            raise invalid_claim(InvalidClaim([FieldError.from_exception("plan", UnknownEdition(plan), plan)]))
        # Once the answer has begun, a busy lane can only be waited for: so a batch starts only when
        # the heavy lane has room, and at most OPEN_BATCHES keep a ledger in it at once.
        if request.app.state.pool.full(heavy=True) or request.app.state.open_batches >= OPEN_BATCHES:
            raise busy()
        # Decided in the heavy lane by a worker with a ledger of this request's own (batch_decide).
        return _BatchAnswer(request, (plan, record), settings)

    @app.post(
        "/v1/replay",
        summary="Decide a stored record again and compare, as `mutualaid replay` does",
        openapi_extra=body_doc("StoredRecord"),
        responses=answers(ref("ReplayAnswer"), 408, 413, 415, 422, 503),
    )
    async def replay(request: Request) -> Response:
        raw = await read_body(request, limit)
        return _answer(request, await run_decision(request, replay_body, raw, heavy=heavy(raw)))

    @app.get("/v1/editions", summary="The editions this service knows", responses=answers({"type": "array", "items": ref("EditionSummary")}))
    async def edition_list() -> Response:
        return json_response([_edition_summary(editions.get(i)) for i in editions.ids()])

    @app.get("/v1/editions/{edition_id}", summary="One edition's data (tiers, cap, filing limit, documents, exclusions…)", responses=answers(ref("Edition"), 404))
    async def edition_one(edition_id: str) -> Response:
        e = editions.get(edition_id)
        if e is None:
            raise Refusal(404, "unknown_edition", [FieldError.from_exception("edition_id", UnknownEdition(edition_id), edition_id).as_json()])
        return json_response(e.model_dump(mode="json", by_alias=True))  # as an edition file spells it (`except`)

    rules_body = json.dumps(rule_rows(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @app.get("/v1/rules", summary="Every rule: its id, clause, effect, scope and condition (`mutualaid rules`)", responses=answers({"type": "array", "items": ref("RuleOut")}))
    async def rules() -> Response:
        return Response(rules_body, media_type=JSON)

    @app.get("/v1/schema", summary="The JSON Schemas of the claim, a history entry and the decision (`mutualaid schema`)", responses=answers({"type": "object"}))
    async def schema() -> Response:
        return json_response(schema_document())

    # HEAD too: load balancers probe with it (uvicorn sends the headers of the GET answer, no body).
    # One route, so that a 405 on /healthz allows both; the document gives HEAD its own operationId.
    @app.api_route("/healthz", methods=["GET", "HEAD"], summary="Whether the service is up, and which editions it knows", responses=answers(ref("Health")))
    async def healthz() -> Response:
        return json_response({"status": "ok", "version": __version__, "editions": list(editions.ids())})

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, summary=app.summary, description=app.description, routes=app.routes)
            doc.setdefault("components", {}).setdefault("schemas", {}).update(component_schemas())
            for method, op in doc["paths"]["/healthz"].items():  # one route, two operations: two ids
                op["operationId"] = f"healthz_{method}"
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if settings.db:
        app.include_router(claims_router(open_store(settings.db), limit))
    return app


def _edition_summary(e) -> dict:
    return {"id": e.id, "title": e.title, "period": {"start": e.period.start.isoformat(), "end": e.period.end.isoformat()}, "content_hash": e.content_hash}


def rule_rows() -> list[dict]:
    """The rule table as data: what ``mutualaid rules`` prints, with each rule's clause and messages."""
    rows = []
    for r in RULES:
        zh, en = clause_label(r.clause)
        hint = None if r.hint is None else {"kind": r.hint.kind, "data": dict(r.hint.data), "message_zh": r.hint.message_zh, "message_en": r.hint.message_en}
        rows.append({
            "id": r.id, "clause": r.clause, "clause_zh": zh, "clause_en": en, "effect": r.effect, "scope": r.scope,
            "on": r.on, "condition": r.condition, "message_zh": r.message_zh, "message_en": r.message_en, "hint": hint,
        })
    return rows




class _BatchAnswer(Response):
    """The answer of ``/v1/batch``, streamed while the request's body is still arriving.

    Starlette's ``StreamingResponse`` listens for the client's disconnect on the same channel the
    body arrives on, and would take body chunks away from the reader: this answer reads the body
    itself, and ends when the client goes away.
    """

    media_type = JSON_LINES

    def __init__(self, request: Request, options: tuple[Optional[str], bool], settings: Settings) -> None:
        super().__init__(media_type=JSON_LINES)
        self.request, self.options, self.settings = request, options, settings
        del self.headers["content-length"]

    async def __call__(self, scope, receive, send) -> None:
        state = self.request.app.state
        state.open_batches += 1
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            try:
                async for part in _batch_lines(self.request, self.options, self.settings):
                    await send({"type": "http.response.body", "body": part, "more_body": True})
            except ClientDisconnect:  # the caller went away mid-batch: stop deciding for nobody
                scope.setdefault("state", {})["error"] = "client_disconnected"
                return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            state.open_batches -= 1


async def _chunks(request: Request, seconds: float) -> AsyncIterator[bytes]:
    """The body's chunks, each of which must arrive within ``seconds`` (else TimeoutError)."""
    stream = request.stream().__aiter__()
    while True:
        async with deadline(seconds):
            try:
                chunk = await stream.__anext__()
            except StopAsyncIteration:
                return
        yield chunk


async def _batch_lines(request: Request, options: tuple[Optional[str], bool], settings: Settings) -> AsyncIterator[bytes]:
    """The lines of ``/v1/batch``'s answer: each arrival of complete lines decided, in order, as it comes.

    Lines are numbered and chunked by :func:`mutualaid.batch.read_chunks`, as ``mutualaid batch``
    reads a file, and decided in the pool's heavy lane by a worker with this request's own ledger,
    so that other requests are answered meanwhile. A line longer than :attr:`Settings.line_limit` is answered by an error
    record and never held whole, nor parsed. A body that passes the limit without declaring its
    length (413 is no longer possible once the answer has begun), or stops arriving for
    :attr:`Settings.body_timeout`, ends with an error record for the first line not decided.
    """
    pool: DecisionPool = request.app.state.pool
    key = f"{os.getpid()}-{id(request)}-{time.monotonic_ns()}"
    opened = False
    limit, line_limit = settings.batch_limit, settings.line_limit
    line = size = decided = 0
    partial = bytearray()
    skipping = False  # within a line over the line limit: its bytes are dropped until it ends

    async def decide(lines: bytes) -> bytes:
        nonlocal line, decided, opened
        out = []
        for (last, _), items in read_chunks(io.BytesIO(lines), line=line):  # split as a file is read
            line = last
            if items:
                opened = True
                answer, count = await pool.run(batch_decide, key, *options, items, heavy=True, wait=True)
                decided += count
                out.append(answer)
        return b"".join(out)

    def refused(code: str, what: str = "line", **params: Any) -> bytes:
        nonlocal line
        line += 1
        e = FieldError.of(what, code, **params)
        return error_record(line, None, e.message if what == "line" else f"{e.message}: the rest was not read", (e,))

    try:
        async for chunk in _chunks(request, settings.body_timeout):
            size += len(chunk)
            if size > limit:
                yield refused("body.too_large", "body", limit=limit)
                return
            *complete, tail = chunk.split(b"\n")
            out: list[bytes] = []
            lines = bytearray()
            for piece in complete:
                if skipping:  # the end of a line over the limit
                    skipping = False
                    continue
                if partial:
                    piece = bytes(partial) + piece
                    partial.clear()
                if len(piece) > line_limit:
                    if lines:
                        out.append(await decide(bytes(lines)))
                        lines.clear()
                    out.append(refused("body.line_too_large", limit=line_limit))
                    continue
                lines += piece + b"\n"
            if lines:
                out.append(await decide(bytes(lines)))
            if not skipping:
                partial += tail
                if len(partial) > line_limit:
                    out.append(refused("body.line_too_large", limit=line_limit))
                    partial.clear()
                    skipping = True
            answer = b"".join(out)
            if answer:
                yield answer
        if partial:
            answer = await decide(bytes(partial))
            if answer:
                yield answer
    except TimeoutError:
        yield refused("body.too_slow", "body", seconds=f"{settings.body_timeout:g}")
    finally:
        request.state.lines = decided
        if opened:
            try:
                await pool.run(batch_end, key, heavy=True, wait=True)
            except Refusal:  # the lane's process is gone, and the worker with it
                pass
