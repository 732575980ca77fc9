"""``mutualaid serve``: the library as an HTTP service, for claims platforms not written in Python.

``pip install 'mutualaid[server]'`` (from a checkout: ``pip install '.[server]'``) brings FastAPI (it
speaks pydantic, so the OpenAPI document is made from the library's own models:
:class:`~mutualaid.model.Claim`, :class:`~mutualaid.model.HistoryEntry`,
:class:`~mutualaid.model.Decision`, never copies of them), uvicorn, which runs it, and
``fastapi-offline``, whose Swagger UI and ReDoc files make the API pages work with no internet.
``docs/server.md`` is the user's page. One request must never take the service down, so:

- **The library reads the JSON, not the framework.** A request body is read as bytes and parsed by
  :func:`mutualaid.values.read_json`, which keeps each number's exact text, so the service decides a
  claim exactly as ``adjudicate`` decides the same JSON, and answers the same bytes.
- **A strict transport** (:mod:`.transport`, :mod:`.limits`): one media type a door (415 otherwise),
  UTF-8 only, a lone surrogate or a repeated key is 422, bodies are bounded while they are read
  (413) and in time (408), request heads too (431, 408), and the connections a worker keeps.
- **The event loop never decides** (:mod:`.pool`): every decision runs in a bounded pool of
  threads; when it and its queue are full the answer is 503 with ``Retry-After``.
- **Bounded work per request.** Sizes are checked by length before validation builds anything, the
  error list is capped at 100, and ``/v1/batch`` is bounded per line and per request.
- **Refusals name fields**, as ``InvalidClaim`` does, and show nothing of the server.
- **One log line a request** (:mod:`.logs`), JSON on standard error, every control escaped.

Modules: :mod:`.settings` (every limit), :mod:`.transport`, :mod:`.limits`, :mod:`.pool`,
:mod:`.decisions` (what the pool runs), :mod:`.openapi`, :mod:`.assets`, :mod:`.logs`, :mod:`.app`
(the routes), :mod:`.run` (uvicorn).
"""

from __future__ import annotations

try:
    import anyio  # noqa: F401
    import fastapi_offline  # noqa: F401 - the API pages' scripts
    import uvicorn  # noqa: F401 - the extra's second half: fail here, not when serving
    from fastapi import FastAPI  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by tests/test_extras.py in a subprocess
    raise ImportError(
        "mutualaid.server needs FastAPI, uvicorn and fastapi-offline, which a plain install leaves out: "
        "pip install 'mutualaid[server]' (from a checkout of the source: pip install '.[server]')"
    ) from exc

from .app import create_app, rule_rows
from .decisions import decision_bytes
from .pool import DecisionPool, run_decision
from .run import app_from_env, serve, uvicorn_options
from .settings import ENV, Settings, SettingsError, load_editions
from .transport import MAX_DEPTH, Refusal

__all__ = [
    "create_app", "Settings", "SettingsError", "serve", "app_from_env", "run_decision", "Refusal",
    "DecisionPool", "ENV", "MAX_DEPTH", "load_editions", "uvicorn_options", "decision_bytes", "rule_rows",
]
