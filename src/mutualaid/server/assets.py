"""The API pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with no internet.

FastAPI's own pages load their scripts and styles from a CDN, and Google's fonts: on an intranet,
where the service is meant to run, they stay blank. The scripts come instead from the
``fastapi-offline`` package (part of the ``server`` extra), which ships Swagger UI's and ReDoc's
bundles as files; they are served from ``/docs-assets/`` of this service, and the pages are
FastAPI's own page builders pointed at them, without the web fonts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs-assets"

POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
"""The pages' Content-Security-Policy: nothing is loaded from another host, not even ReDoc's
"API docs by Redocly" logo (which it would fetch from its CDN, and hide when that fails)."""


def _own(page: HTMLResponse) -> HTMLResponse:
    page.headers["content-security-policy"] = POLICY
    return page


def asset_folder() -> Path:
    """Where ``fastapi-offline`` keeps the bundles (``swagger-ui-bundle.js``, ``redoc.standalone.js``…)."""
    try:
        import fastapi_offline  # server extra: Swagger UI and ReDoc files, needed only when /docs is first served
    except ImportError as exc:  # pragma: no cover - exercised by tests/test_extras.py in a subprocess
        raise ImportError("mutualaid.server needs fastapi-offline for its API pages: pip install 'mutualaid[server]'") from exc
    return Path(fastapi_offline.__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add ``/docs``, ``/docs/oauth2-redirect``, ``/redoc`` and the assets they load to ``app``."""
    app.mount(ASSETS, StaticFiles(directory=asset_folder()), name="docs-assets")
    title = f"{app.title} {app.version}"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _own(get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=title,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        ))

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _own(get_redoc_html(
            openapi_url="/openapi.json",
            title=title,
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        ))
