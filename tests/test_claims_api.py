"""``mutualaid serve --db``: the stateful endpoints on a real server and a real SQLite store (issue 22).

One server a module, on a free loopback port, stopped by its pid (``tests/liveserver.py``).
The races, the kills and PostgreSQL are in ``tests/test_store_races.py``.
"""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
import httpx  # noqa: E402
from claimdata import base_claim  # noqa: E402
from liveserver import start_server, stop_server  # noqa: E402


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claims-api")
    proc, url = start_server("--db", f"sqlite:///{folder / 'ledger.db'}")
    try:
        yield url
    finally:
        stop_server(proc)


def _post(url: str, claim) -> httpx.Response:
    body = claim if isinstance(claim, bytes) else json.dumps(claim, ensure_ascii=False).encode("utf-8")
    return httpx.post(url + "/v1/claims", content=body, headers={"content-type": "application/json"}, timeout=30)


def test_a_claim_is_decided_kept_and_answered_again_byte_for_byte(service):
    first = _post(service, base_claim())
    assert first.status_code == 200 and first.json()["outcome"] == "approved" and first.json()["payout"] == "2000.00"
    again = _post(service, base_claim())
    assert again.status_code == 200 and again.content == first.content
    stored = httpx.get(service + "/v1/claims/C-0001")
    assert stored.status_code == 200 and stored.content == first.content
    member = httpx.get(service + "/v1/members/M-0001").json()
    assert [e["claim_id"] for e in member["history"]] == ["C-0001"]
    cap = next(c for c in member["caps"] if c["edition"] == "gd-nef-2022")
    assert (cap["used"], cap["cap"]) == ("2000.00", "10000.00") and cap["left"] == "8000.00"


def test_other_content_under_a_decided_claim_id_is_409_and_changes_nothing(service):
    _post(service, base_claim())
    changed = base_claim()
    changed["treatments"][0]["items"][0]["out_of_pocket"] = "9000.00"
    answer = _post(service, changed)
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "claim_conflict" and [e["code"] for e in body["errors"]] == ["claim_id.conflict"]
    assert [e["claim_id"] for e in httpx.get(service + "/v1/members/M-0001").json()["history"]] == ["C-0001"]


def test_the_cap_is_kept_across_requests(service):
    """Six accidents that would each pay 2,000.00: the store's history stops the payments at the cap (10,000.00)."""
    paid = 0
    for n in range(6):
        claim = base_claim()
        claim["member"] = dict(claim["member"], member_id="M-CAP", id_number="440106198501010015")
        claim["payee"] = dict(claim["payee"], holder_id_number="440106198501010015")
        claim["claim_id"], claim["accident"] = f"CAP-{n}", dict(claim["accident"], accident_id=f"A-CAP-{n}")
        answer = _post(service, claim)
        assert answer.status_code == 200, answer.text
        paid += int(answer.json()["payout"].replace(".", ""))
    assert paid == 1_000_000  # fen: the cap, not 1,200,000
    cap = next(c for c in httpx.get(service + "/v1/members/M-CAP").json()["caps"] if c["edition"] == "gd-nef-2022")
    assert cap["left"] == "0.00"


def test_bad_input_is_422_naming_fields_and_unknowns_are_404(service):
    bad = copy.deepcopy(base_claim())
    bad["claim_id"] = "C-BAD"
    bad["filed_on"] = "2022-02-01"  # before the accident
    answer = _post(service, bad)
    assert answer.status_code == 422 and "filed_on" in [e["field"] for e in answer.json()["errors"]]
    assert _post(service, b"{not json").status_code == 422
    assert httpx.get(service + "/v1/claims/C-BAD").status_code == 404  # bad input keeps nothing
    assert httpx.get(service + "/v1/claims/NOPE").status_code == 404
    assert httpx.get(service + "/v1/members/M%20-1").status_code == 404


def test_a_claim_id_of_two_members_needs_the_member(service):
    other = base_claim()
    other["member"] = dict(other["member"], member_id="M-0002", id_number="440106198501010023")
    other["payee"] = dict(other["payee"], holder_id_number="440106198501010023")
    assert _post(service, base_claim()).status_code == 200
    assert _post(service, other).status_code == 200
    assert httpx.get(service + "/v1/claims/C-0001").status_code == 409
    mine = httpx.get(service + "/v1/claims/C-0001", params={"member_id": "M-0002"})
    assert mine.status_code == 200 and mine.json()["claim_id"] == "C-0001"
