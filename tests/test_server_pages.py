"""The API page works with no internet (issue 21): ``/docs`` in a real headless Chromium.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``; ``.ci/run`` installs it when it is
absent), driven by Playwright; Playwright's own browser downloads are never used. The browser is
started with no network beyond the loopback server: every request to another host is aborted and
counted, so a page that still loaded a script from a CDN would fail here, as it fails on an intranet.

The test opens ``/docs``, checks that the page lists every operation, uses "Try it out" on
``/v1/adjudicate`` with the page's own example claim, and checks that the claim is decided. A
screenshot of the page is kept in the test's temporary folder (``docs/img/api-page.png`` is one).

It skips only where Chromium is absent and this is not CI; in CI (``CI=true``) it must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from liveserver import live_server  # noqa: F401 - a fixture

pytest.importorskip("fastapi")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

if not IN_CI and not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium; CI installs it and never skips)", allow_module_level=True)

OPERATIONS = ["/v1/adjudicate", "/v1/batch", "/v1/replay", "/v1/editions", "/v1/editions/{edition_id}", "/v1/rules", "/v1/schema", "/healthz"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def test_the_docs_page_lists_the_operations_and_decides_the_example_claim(browser, live_server, tmp_path):  # noqa: F811
    here = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900})

    def only_here(route) -> None:  # no internet: anything not of this server is refused, and noted
        if urlsplit(route.request.url).netloc == here:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(live_server.url + "/docs", wait_until="networkidle")
    page.wait_for_selector(".opblock", timeout=20_000)
    listed = page.locator(".opblock-summary-path").all_inner_texts()
    assert [p.replace("\u200b", "") for p in listed if p] and set(OPERATIONS) <= {p.replace("\u200b", "") for p in listed}, listed

    operation = page.locator(".opblock-post", has=page.locator(".opblock-summary-path", has_text="/v1/adjudicate")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    body = operation.locator("textarea.body-param__text")
    assert '"claim_id": "warm-up"' in body.input_value()  # the page's own example claim
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table tbody .response-col_status").first
    answer.wait_for(timeout=20_000)
    assert answer.inner_text().strip().startswith("200")
    decided = operation.locator(".live-responses-table tbody .response-col_description pre").first.inner_text()
    assert '"outcome": "approved"' in decided and '"payout": "2000.00"' in decided, decided[:300]

    shot = tmp_path / "api-page.png"
    answer.scroll_into_view_if_needed()
    page.mouse.wheel(0, -300)
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("MUTUALAID_KEEP_SCREENSHOT"):  # how docs/img/api-page.png was made
        Path(os.environ["MUTUALAID_KEEP_SCREENSHOT"]).write_bytes(shot.read_bytes())
    assert not elsewhere, elsewhere
    page.close()


def test_the_redoc_page_renders_offline(browser, live_server):  # noqa: F811
    here = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == here else (elsewhere.append(route.request.url), route.abort()))
    page.goto(live_server.url + "/redoc", wait_until="networkidle")
    page.wait_for_selector("text=Decide one claim", timeout=20_000)
    assert not elsewhere, elsewhere
    page.close()
