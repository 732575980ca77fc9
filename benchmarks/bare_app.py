"""The yardstick of benchmarks/bench_hostile.py: a bare FastAPI app that only validates the same ``Claim``.

``POST /v1/adjudicate`` takes ``{claim, history?, plan?}`` as FastAPI reads a body (its JSON reader,
then pydantic), validates the claim with the library's own model, and answers ``{"ok": true}``:
no decision, no exact-number reading, no record hash, no log line, no pool. The service's
requests per CPU-second are reported as a ratio to this app's, measured in the same run.

    uvicorn --app-dir benchmarks bare_app:app --workers 2
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import FastAPI
from pydantic import BaseModel

from mutualaid.model import Claim


class Body(BaseModel):
    claim: Claim
    history: list[Any] = []
    plan: Optional[str] = None


app = FastAPI()


@app.post("/v1/adjudicate")
async def adjudicate(body: Body) -> dict:
    return {"ok": True}


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}
