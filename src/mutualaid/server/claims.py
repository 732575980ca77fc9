"""The stateful service (issue 22): ``mutualaid serve --db URL`` decides claims against a SQL store and keeps them.

``/v1/adjudicate`` is stateless: the caller sends the member's history with every claim, and keeps
the cap, the 身份证 bindings, the first filing and the guard against paying twice by itself. With
``--db``, the service keeps them, in the store (:mod:`mutualaid.ledger.sql`):

- ``POST /v1/claims``: the claim (CONTRACT §1, no history) is decided against the member's stored
  history, and the decision kept, in one transaction under the member's lock. Sent again with the
  same content, it gets the stored decision (the same bytes); with other content, once decided,
  409 naming ``claim_id`` (code ``claim_id.conflict``). Bad input is 422 as from ``/v1/adjudicate``.
- ``GET /v1/claims/{claim_id}``: the claim's last stored decision (``?member_id=`` when several
  members have used that claim id: claim ids are per member).
- ``GET /v1/members/{member_id}``: the member's history, and per edition the cap, what is used of
  it and what is left.

Deciding and the store's round trips block, so they run off the event loop through the service's
bounded pool (:func:`~mutualaid.server.pool.run_decision`, its quick lane: the ledger lives in the
worker process), and a full pool is 503 with ``Retry-After`` as for ``/v1/adjudicate``.
:func:`claims_router` builds the routes on a ledger; :func:`~mutualaid.server.app.create_app`
includes them when ``--db`` (``MUTUALAID_DB``) is set.
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..decide import _yuan
from ..door import id_key
from ..edition import editions
from ..errors import ClaimConflict, InvalidClaim
from ..facts import fen
from ..ledger.store import open_ledger, StoreError
from .decisions import Answer, _refused
from .openapi import answers, body_doc, ref
from .pool import run_decision
from .settings import SettingsError
from .transport import JSON, Refusal, invalid_claim, json_response, parse_json, read_body

__all__ = ["claims_router", "member_summary", "open_store", "claim_body"]


def open_store(url: str) -> Any:
    """The ledger on the SQL store of ``--db`` (its schema upgraded), or SettingsError saying why not."""
    try:
        ledger = open_ledger(url)
    except ImportError as exc:  # the db extra is not installed: the message names it
        raise SettingsError(str(exc)) from None
    except StoreError as exc:
        raise SettingsError(str(exc)) from None
    # No connection outlives the opening (its migration): the heavy lane is forked from this process
    # at start, and a connection shared with a forked process is broken when either closes it. The
    # store opens new ones as requests need them (SQLAlchemy's Engine.dispose keeps the engine usable).
    ledger.close()
    return ledger


def unavailable() -> Refusal:
    """503: the store could not be reached (nothing of it is shown to the caller)."""
    return Refusal(503, "store_unavailable", [])


def claim_body(ledger: Any, raw: bytes) -> Answer:
    """``POST /v1/claims``: the body read as ``/v1/adjudicate`` reads it, decided against the store and kept."""
    log: dict = {}
    try:
        claim = parse_json(raw)
        if isinstance(claim, dict) and isinstance(claim.get("claim_id"), str):
            log["claim_id"] = claim["claim_id"]
        try:
            decided, answer = ledger.decide_answer(claim)
        except ClaimConflict as exc:
            log["outcome"] = "conflict"
            raise Refusal(409, "claim_conflict", exc.as_json()) from None
        except InvalidClaim as exc:
            log["outcome"] = "invalid"
            raise invalid_claim(exc) from None
        except StoreError:
            raise unavailable() from None
    except Refusal as exc:
        return _refused(exc, log)
    log["outcome"] = decided.decision.outcome
    return Answer(200, answer, log)


def member_summary(ledger: Any, member_id: str) -> dict:
    """A member as ``GET /v1/members/{member_id}`` shows it: the history, and per registered edition the
    cap, what the history has used of it and what is left (amounts as two-place strings, as in a decision)."""
    entries = ledger.history(member_id)
    caps = []
    for edition_id in editions.ids():
        edition = editions.get(edition_id)
        assert edition is not None
        start, end = edition.period.start, edition.period.end
        counted = [e for e in entries if edition.cap.scope == "member" or start <= e.accident_occurred_on <= end]
        used = sum(fen(e.paid) for e in counted)
        caps.append(
            {
                "edition": edition.id,
                "scope": edition.cap.scope,
                "period": {"start": start.isoformat(), "end": end.isoformat()},
                "cap": str(_yuan(edition.cap_fen)),
                "used": str(_yuan(used)),
                "left": str(_yuan(max(edition.cap_fen - used, 0))),
            }
        )
    return {"member_id": member_id, "history": [e.model_dump(mode="json") for e in entries], "caps": caps}


def claims_router(ledger: Any, body_limit: int) -> APIRouter:
    """The routes of the stateful service, deciding through ``ledger`` (a :class:`~mutualaid.ledger.sql.SqlLedger`)."""
    router = APIRouter()

    @router.post(
        "/v1/claims",
        summary="Decide a claim against the stored history, and keep it (idempotent)",
        description="The claim (CONTRACT §1, no history) in; the decision out, as `/v1/adjudicate` answers it. "
        "The same claim sent again gets the stored decision; other content under a decided claim id is 409.",
        openapi_extra=body_doc("Claim"),
        responses={**answers(ref("Decision"), 413, 422), 409: {"description": "the claim id was decided from other content"}},
    )
    async def post_claim(request: Request) -> Response:
        raw = await read_body(request, body_limit)
        answer = await run_decision(request, claim_body, ledger, raw)
        for k, v in answer.log.items():
            setattr(request.state, k, v)
        return Response(answer.body, answer.status, headers=answer.headers or None, media_type=JSON)

    @router.get(
        "/v1/claims/{claim_id}",
        summary="A claim's stored decision",
        responses={**answers(ref("Decision"), 404), 409: {"description": "several members have this claim id: give member_id"}},
    )
    async def get_claim(request: Request, claim_id: str, member_id: Optional[str] = None) -> Response:
        try:
            if member_id is not None:
                stored = await run_decision(request, ledger.stored, member_id, claim_id)
                found = [] if stored is None else [(member_id, stored)]
            else:
                found = await run_decision(request, ledger.stored_by_claim, claim_id)
        except StoreError:
            raise unavailable() from None
        if not found:
            raise Refusal(404, "not_found", [])
        if len(found) > 1:
            raise Refusal(409, "several_members", [])
        return Response(found[0][1].decision.encode("utf-8"), media_type=JSON)

    @router.get("/v1/members/{member_id}", summary="A member's history, cap used and cap left", responses=answers({"type": "object"}, 404))
    async def get_member(request: Request, member_id: str) -> Response:
        if id_key(member_id) != member_id:  # a spelling validation refuses is no member (one door)
            raise Refusal(404, "not_found", [])
        try:
            summary = await run_decision(request, member_summary, ledger, member_id)
        except StoreError:
            raise unavailable() from None
        return json_response(summary)

    return router
