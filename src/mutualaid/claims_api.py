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

Deciding and the store's round trips block, so they run off the event loop, in a worker thread
(:func:`run_blocking`). :func:`claims_router` builds the routes on a ledger; ``server.py``
includes them when ``--db`` (``MUTUALAID_DB``) is set.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from .errors import ClaimConflict, InvalidClaim

T = TypeVar("T")

__all__ = ["claims_router", "member_summary", "run_blocking"]


async def run_blocking(call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` in a worker thread, so that the event loop answers other requests meanwhile."""
    return await anyio.to_thread.run_sync(call, *args)


def member_summary(ledger: Any, member_id: str) -> dict:
    """A member as ``GET /v1/members/{member_id}`` shows it: the history, and per registered edition the
    cap, what the history has used of it and what is left (amounts as two-place strings, as in a decision)."""
    from .decide import _yuan
    from .edition import editions
    from .facts import fen

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
    from .door import id_key
    from .ledger.store import StoreError
    from .server import JSON, Refusal, _answers, _body_doc, _json_response, _ref, invalid_claim, parse_json, read_body

    router = APIRouter()

    def unavailable(exc: StoreError) -> Refusal:
        return Refusal(503, "store_unavailable", [])

    @router.post(
        "/v1/claims",
        summary="Decide a claim against the stored history, and keep it (idempotent)",
        description="The claim (CONTRACT §1, no history) in; the decision out, as `/v1/adjudicate` answers it. "
        "The same claim sent again gets the stored decision; other content under a decided claim id is 409.",
        openapi_extra=_body_doc("Claim"),
        responses={**_answers(_ref("Decision"), 413, 422), 409: {"description": "the claim id was decided from other content"}},
    )
    async def post_claim(request: Request) -> Response:
        raw = await read_body(request, body_limit)
        claim = parse_json(raw)
        if isinstance(claim, dict) and isinstance(claim.get("claim_id"), str):
            request.state.claim_id = claim["claim_id"]
        try:
            decided, answer = await run_blocking(ledger.decide_answer, claim)
        except ClaimConflict as exc:
            request.state.outcome = "conflict"
            raise Refusal(409, "claim_conflict", exc.as_json()) from None
        except InvalidClaim as exc:
            request.state.outcome = "invalid"
            raise invalid_claim(exc) from None
        except StoreError as exc:
            raise unavailable(exc) from None
        request.state.outcome = decided.decision.outcome
        return Response(answer, media_type=JSON)

    @router.get(
        "/v1/claims/{claim_id}",
        summary="A claim's stored decision",
        responses={**_answers(_ref("Decision"), 404), 409: {"description": "several members have this claim id: give member_id"}},
    )
    async def get_claim(claim_id: str, member_id: Optional[str] = None) -> Response:
        try:
            if member_id is not None:
                stored = await run_blocking(ledger.stored, member_id, claim_id)
                found = [] if stored is None else [(member_id, stored)]
            else:
                found = await run_blocking(ledger.stored_by_claim, claim_id)
        except StoreError as exc:
            raise unavailable(exc) from None
        if not found:
            raise Refusal(404, "not_found", [])
        if len(found) > 1:
            raise Refusal(409, "several_members", [])
        return Response(found[0][1].decision.encode("utf-8"), media_type=JSON)

    @router.get("/v1/members/{member_id}", summary="A member's history, cap used and cap left", responses=_answers({"type": "object"}, 404))
    async def get_member(member_id: str) -> Response:
        if id_key(member_id) != member_id:  # a spelling validation refuses is no member (one door)
            raise Refusal(404, "not_found", [])
        try:
            summary = await run_blocking(member_summary, ledger, member_id)
        except StoreError as exc:
            raise unavailable(exc) from None
        return _json_response(summary)

    return router
