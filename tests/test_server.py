"""The HTTP service (``mutualaid serve``, issue 15) against a real server on 127.0.0.1.

One server serves the module (``live_server``); each test speaks HTTP to it and holds its answer to
what the library itself gives for the same input: the same decision bytes as ``adjudicate``, the
same field paths as ``InvalidClaim``, the same lines as ``mutualaid batch``.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import httpx
import pytest

from claimdata import ID_X, base_claim
from liveserver import BATCH_LIMIT, BODY_LIMIT, ROOT, client, live_server, start_server, stop_server  # noqa: F401 - a fixture

from mutualaid import InvalidClaim, adjudicate
from mutualaid.cases import load_cases
from mutualaid.values import read_json

pytest.importorskip("fastapi")

CASES = ROOT / "tests" / "cases"


@pytest.fixture(scope="module")
def http(live_server):
    with client(live_server.url) as http_client:
        yield http_client


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


def expected(body: bytes) -> tuple[int, bytes | list[str]]:
    """What the library says of this very JSON: (200, the decision's bytes) or (422, the fields)."""
    data = read_json(body)
    try:
        d = adjudicate(data["claim"], data.get("history", ()), plan=data.get("plan"))
    except InvalidClaim as exc:
        return 422, list(exc.fields)
    return 200, json.dumps(d.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def answer(r: httpx.Response) -> tuple[int, bytes | list[str]]:
    if r.status_code == 200:
        return 200, r.content
    body = r.json()
    assert body["error"] == "invalid_claim", body
    return r.status_code, [e["field"] for e in body["errors"]]


# --- /v1/adjudicate ------------------------------------------------------------------------------


def test_a_claim_is_decided_to_the_bytes_adjudicate_gives(http):
    body = _json({"claim": base_claim()})
    r = http.post("/v1/adjudicate", content=body)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert answer(r) == expected(body)
    decision = r.json()
    assert (decision["outcome"], decision["payout"]) == ("approved", "2000.00")
    assert decision["record"]["input_hash"].startswith("sha256:")


def test_history_and_plan_are_passed_on(http):
    history = [{"claim_id": "H-1", "accident_id": "A-0009", "accident_occurred_on": "2022-02-01", "counted_out_of_pocket": "9000.00", "paid": "5000.00"}]
    body = _json({"claim": base_claim(), "history": history, "plan": "gd-nef-2022"})
    r = http.post("/v1/adjudicate", content=body)
    assert answer(r) == expected(body)
    assert r.json()["cap_remaining"] == "3000.00"


def test_an_amount_is_judged_by_its_exact_text_not_as_a_float(http):
    text = _json({"claim": base_claim()}).replace(b'"3200.00"', b"2000.000000000000000000000000000001")
    r = http.post("/v1/adjudicate", content=text)
    assert r.status_code == 422
    assert answer(r) == expected(text) == (422, ["treatments.0.items.0.out_of_pocket"])
    fine = _json({"claim": base_claim()}).replace(b'"3200.00"', b"3200.50")
    assert answer(http.post("/v1/adjudicate", content=fine)) == expected(fine)


def _bad_cases():
    for path in sorted(CASES.glob("bad_input*.yaml")):
        for case in load_cases(path):
            if "error" in case["expect"]:
                yield pytest.param(case, id=f"{path.stem}: {case['name']}")


@pytest.mark.parametrize("case", list(_bad_cases()))
def test_bad_input_is_422_naming_the_fields_invalid_claim_names(http, case):
    body = _json({"claim": case["claim"], "history": case.get("history") or [], **({"plan": case["plan"]} if "plan" in case else {})})
    r = http.post("/v1/adjudicate", content=body)
    assert answer(r) == expected(body)
    if r.status_code == 422:
        errors = r.json()["errors"]
        assert any(case["expect"]["error"] in e["field"] or case["expect"]["error"] in e["message_en"] for e in errors)
        assert all(set(e) == {"field", "code", "message_en", "message_zh", "value"} for e in errors)


def test_the_error_body_is_invalid_claims_own_json(http):
    claim = base_claim()
    claim["member"]["occupation"] = "pilot"
    claim["treatments"][0]["items"][0]["out_of_pocket"] = "12.345"
    r = http.post("/v1/adjudicate", json={"claim": claim})
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(claim)
    assert r.status_code == 422
    assert r.json() == {"error": "invalid_claim", "errors": exc.value.as_json()}


def test_an_unknown_edition_is_422_naming_plan(http):
    r = http.post("/v1/adjudicate", json={"claim": base_claim(), "plan": "gd-nef-2099"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["plan"]
    claim = base_claim()
    claim["plan"] = "no-such-edition"
    assert [e["field"] for e in http.post("/v1/adjudicate", json={"claim": claim}).json()["errors"]] == ["plan"]


@pytest.mark.parametrize(
    "body, fields",
    [
        ([1, 2], ["body"]),
        (None, ["body"]),
        ({"history": []}, ["claim"]),
        ({"claim": base_claim(), "extra": 1, "also": 2}, ["also", "extra"]),
        ({"claim": base_claim(), "history": "none"}, ["history"]),
        ({"claim": base_claim(), "plan": 7}, ["plan"]),
    ],
)
def test_a_body_of_another_shape_names_what_is_wrong(http, body, fields):
    r = http.post("/v1/adjudicate", content=_json(body))
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_claim"
    assert [e["field"] for e in r.json()["errors"]] == fields


@pytest.mark.parametrize("body", [b"", b"{", b"claim", b'{"claim": {}}x', b"\xff\xfe\x00{", b'{"claim": "\xc3\x28"}'])
def test_what_is_not_json_is_422(http, body):
    r = http.post("/v1/adjudicate", content=body)
    assert r.status_code == 422
    assert r.json()["error"] == "not_json"
    assert r.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("levels", [40, 5000])
def test_json_nested_too_deep_is_422(http, levels):
    nest = b"[" * levels + b"]" * levels
    r = http.post("/v1/adjudicate", content=b'{"claim": ' + nest + b"}")
    assert r.status_code == 422
    assert r.json()["error"] == "too_deep"


def test_a_body_over_the_limit_is_413_whether_or_not_its_length_is_declared(http):
    big = _json({"claim": base_claim(), "history": [{"claim_id": "x" * 100}] * (BODY_LIMIT // 100)})
    assert len(big) > BODY_LIMIT
    r = http.post("/v1/adjudicate", content=big)
    assert r.status_code == 413
    assert r.json()["error"] == "body_too_large"

    def pieces():  # no Content-Length: counted while it is read
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    r = http.post("/v1/adjudicate", content=pieces())
    assert r.status_code == 413
    assert http.get("/healthz").status_code == 200


def test_a_big_claim_is_decided_as_adjudicate_decides_it(http):
    """Over 64 KiB a body is decided in a worker thread: the same answer."""
    history = [
        {"claim_id": f"H-{i}", "accident_id": f"A-H{i}", "accident_occurred_on": "2022-01-15", "counted_out_of_pocket": "100.00", "paid": "0.00"}
        for i in range(600)
    ]
    body = _json({"claim": base_claim(), "history": history})
    assert 64 << 10 < len(body) < BODY_LIMIT
    r = http.post("/v1/adjudicate", content=body)
    assert answer(r) == expected(body)
    assert r.status_code == 200


def test_a_caller_that_goes_away_mid_body_harms_nothing(http, live_server):
    import socket

    host, port = live_server.url.rsplit("/", 1)[1].split(":")
    for path in ("/v1/adjudicate", "/v1/batch"):
        with socket.create_connection((host, int(port))) as s:
            s.sendall(f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n".encode() + _json(base_claim())[:100])
    assert http.get("/healthz").status_code == 200
    assert answer(http.post("/v1/adjudicate", content=_json({"claim": base_claim()})))[0] == 200
    log = live_server.log.read_text(encoding="utf-8")
    assert '"level": "error"' not in log and "Traceback" not in log


# --- /v1/batch -----------------------------------------------------------------------------------


def _batch_input() -> bytes:
    """Claims of two members with repeat filings, bad lines, blank lines, and no final newline."""
    lines = []
    for n in range(1, 7):
        c = base_claim()
        c["claim_id"] = f"C-{n}"
        c["member"]["member_id"] = f"M-{n % 2}"
        if n % 2 == 0:  # another person: a 身份证 number belongs to one member id
            c["member"]["id_number"] = c["payee"]["holder_id_number"] = ID_X
        c["treatments"][0]["items"][0]["out_of_pocket"] = f"{900 * n}.00"
        lines.append(_json(c))
    bad = base_claim()
    bad["member"]["occupation"] = "pilot"
    lines[2:2] = [b"", b"not json", _json(bad), b"[1, 2]", b"  "]
    lines.append(lines[0])  # the same claim again: its claim_id is decided already
    lines.append(_json(base_claim()).replace(b'"3200.00"', b"3200.001"))
    return b"\n".join(lines)


@pytest.fixture(scope="module")
def batch_files(tmp_path_factory):
    from mutualaid.batch import run

    folder = tmp_path_factory.mktemp("batch")
    source = folder / "in.jsonl"
    source.write_bytes(_batch_input())
    run(str(source), str(folder / "out.jsonl"))
    run(str(source), str(folder / "plain.jsonl"), record=False)
    return source, folder


def test_a_batch_answers_the_bytes_mutualaid_batch_writes(http, batch_files):
    source, folder = batch_files
    r = http.post("/v1/batch", content=source.read_bytes(), headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-ndjson"
    assert r.content == (folder / "out.jsonl").read_bytes()
    lines = [json.loads(x) for x in r.content.splitlines()]
    assert [x["line"] for x in lines if "error" in x] == [4, 5, 6, 12, 13]  # not JSON, pilot, [1, 2], the repeat, 3200.001
    assert [x["claim_id"] for x in lines if "outcome" in x] == ["C-1", "C-2", "C-3", "C-4", "C-5", "C-6"]


def test_a_batch_sent_in_small_pieces_gives_the_same_bytes(http, batch_files):
    source, folder = batch_files
    data = source.read_bytes()

    def pieces():
        for i in range(0, len(data), 97):  # cuts lines anywhere
            yield data[i : i + 97]

    r = http.post("/v1/batch", content=pieces())
    assert r.content == (folder / "out.jsonl").read_bytes()


def test_each_batch_request_has_its_own_ledger(http, batch_files):
    source, folder = batch_files
    first = http.post("/v1/batch", content=source.read_bytes()).content
    second = http.post("/v1/batch", content=source.read_bytes()).content  # a shared ledger would refuse every claim_id
    assert first == second == (folder / "out.jsonl").read_bytes()


def test_a_batch_takes_record_and_plan_as_the_command_does(http, batch_files):
    source, folder = batch_files
    r = http.post("/v1/batch", params={"record": "false", "plan": "gd-nef-2022"}, content=source.read_bytes())
    assert r.content == (folder / "plain.jsonl").read_bytes()
    r = http.post("/v1/batch", params={"plan": "gd-nef-2099"}, content=source.read_bytes())
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["plan"]
    r = http.post("/v1/batch", params={"record": "perhaps"}, content=b"")
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_request"
    assert [e["field"] for e in r.json()["errors"]] == ["query.record"]


def test_a_batch_over_its_limit(http):
    first = _json(base_claim()) + b"\n"
    blank = b" " * 1023 + b"\n"  # blank lines: skipped, cheap to send and to read
    body = first + blank * (BATCH_LIMIT // len(blank) + 8)
    r = http.post("/v1/batch", content=body)  # its Content-Length says so: refused before a line is read
    assert (r.status_code, r.json()["error"]) == (413, "body_too_large")

    def pieces():  # no Content-Length: the answer has begun when the limit is passed
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    r = http.post("/v1/batch", content=pieces())
    assert r.status_code == 200
    decided, last = [json.loads(x) for x in r.content.splitlines()]
    assert decided["outcome"] == "approved"
    assert last["fields"] == ["body"] and "over the limit" in last["error"]
    assert 1 < last["line"] <= BATCH_LIMIT // len(blank) + 2


def test_an_empty_batch_is_an_empty_answer(http):
    r = http.post("/v1/batch", content=b"\n\n")
    assert (r.status_code, r.content) == (200, b"")


# --- /v1/replay ----------------------------------------------------------------------------------


def test_a_stored_record_replays_identically(http):
    from mutualaid.replay import store

    claim = base_claim()
    record = store(adjudicate(claim), claim)
    r = http.post("/v1/replay", json=record)
    assert r.status_code == 200
    body = r.json()
    assert (body["claim_id"], body["identical"], body["differences"]) == ("C-0001", True, [])
    assert body["decision"] == record["decision"]

    changed = copy.deepcopy(record)
    changed["decision"]["payout"] = "1000.00"
    body = http.post("/v1/replay", json=changed).json()
    assert body["identical"] is False
    assert body["differences"] == [{"field": "payout", "stored": "1000.00", "now": "2000.00"}]


@pytest.mark.parametrize("record", [{}, {"input": {}, "decision": {}}, [1], {"input": {"claim": {}}, "decision": None}])
def test_what_is_no_record_is_422(http, record):
    r = http.post("/v1/replay", json=record)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_record"


def test_a_record_whose_input_is_bad_names_the_fields(http):
    from mutualaid.replay import store

    claim = base_claim()
    record = store(adjudicate(claim), claim)
    record["input"]["claim"]["member"]["occupation"] = "pilot"
    r = http.post("/v1/replay", json=record)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["member.occupation"]


# --- what the service tells about itself ---------------------------------------------------------


def test_editions(http):
    from mutualaid import editions

    listed = http.get("/v1/editions").json()
    assert [e["id"] for e in listed] == list(editions.ids())
    e = editions.get("gd-nef-2022")
    assert listed[0]["content_hash"] == e.content_hash
    assert listed[0]["period"] == {"start": "2022-01-01", "end": "2022-12-31"}
    assert http.get("/v1/editions/gd-nef-2022").json() == e.model_dump(mode="json", by_alias=True)
    r = http.get("/v1/editions/gd-nef-2099")
    assert r.status_code == 404
    assert r.json()["error"] == "unknown_edition"


def test_rules_are_the_rule_table(http):
    from mutualaid.rules import RULES

    rows = http.get("/v1/rules").json()
    assert [(r["id"], r["clause"], r["effect"], r["scope"], r["condition"]) for r in rows] == [
        (r.id, r.clause, r.effect, r.scope, r.condition) for r in RULES
    ]
    from mutualaid.rule import clause_label

    assert all((r["clause_zh"], r["clause_en"]) == clause_label(r["clause"]) for r in rows)
    hinted = {r.id: r.hint.kind for r in RULES if r.hint is not None}
    assert hinted and {r["id"]: r["hint"]["kind"] for r in rows if r["hint"]} == hinted


def test_schema_is_what_the_command_prints(http):
    printed = subprocess.run([sys.executable, "-m", "mutualaid.cli", "schema"], capture_output=True, text=True, check=True).stdout
    assert http.get("/v1/schema").json() == json.loads(printed)


def test_the_openapi_document_uses_the_librarys_own_models(http):
    from mutualaid import Claim, Decision, HistoryEntry

    doc = http.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]

    def own(model, mode):
        s = model.model_json_schema(mode=mode, ref_template="#/components/schemas/{model}")
        s.pop("$defs", None)
        return s

    assert schemas["Claim"] == own(Claim, "validation")
    assert schemas["HistoryEntry"] == own(HistoryEntry, "validation")
    assert schemas["Decision"] == own(Decision, "serialization")
    op = doc["paths"]["/v1/adjudicate"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AdjudicateRequest"}
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Decision"}
    assert {"413", "422"} <= set(op["responses"])
    assert set(doc["paths"]) == {"/v1/adjudicate", "/v1/batch", "/v1/replay", "/v1/editions", "/v1/editions/{edition_id}", "/v1/rules", "/v1/schema", "/healthz"}
    page = http.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    example = op["requestBody"]["content"]["application/json"]["example"]
    assert http.post("/v1/adjudicate", json=example).status_code == 200  # the page's example is a claim that decides


def test_each_answer_fits_its_schema_in_the_document(http):
    from jsonschema import Draft202012Validator

    from mutualaid.replay import store

    doc = http.get("/openapi.json").json()
    claim = base_claim()
    calls = {
        ("post", "/v1/replay"): http.post("/v1/replay", json=store(adjudicate(claim), claim)),
        ("get", "/v1/editions"): http.get("/v1/editions"),
        ("get", "/v1/editions/{edition_id}"): http.get("/v1/editions/gd-nef-2022"),
        ("get", "/v1/rules"): http.get("/v1/rules"),
        ("get", "/v1/schema"): http.get("/v1/schema"),
        ("get", "/healthz"): http.get("/healthz"),
    }
    for (method, path), r in calls.items():
        assert r.status_code == 200, path
        schema = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        errors = list(Draft202012Validator({**schema, "components": doc["components"]}).iter_errors(r.json()))
        assert not errors, (path, [e.message for e in errors[:3]])


def test_healthz_and_unknown_paths(http):
    assert http.get("/healthz").json() == {"status": "ok", "version": __import__("mutualaid").__version__, "editions": ["gd-nef-2022"]}
    head = http.head("/healthz")  # a load balancer's probe
    assert (head.status_code, head.content) == (200, b"")
    r = http.get("/v1/nothing")
    assert (r.status_code, r.json()) == (404, {"error": "not_found", "errors": []})
    r = http.get("/v1/adjudicate")
    assert (r.status_code, r.json()["error"]) == (405, "method_not_allowed")


def test_every_request_is_one_json_log_line(http, live_server):
    claim = base_claim()
    claim["claim_id"] = "C-LOGGED"
    http.post("/v1/adjudicate", json={"claim": claim})
    bad = base_claim()
    bad["claim_id"] = "C-REFUSED"
    bad["member"]["occupation"] = "pilot"
    http.post("/v1/adjudicate", json={"claim": bad})
    http.get("/healthz")  # the log lines above are written by then
    lines = [json.loads(x) for x in live_server.log.read_text(encoding="utf-8").splitlines() if x.startswith("{")]
    logged = {x.get("claim_id"): x for x in lines if x.get("path") == "/v1/adjudicate"}
    ok, refused = logged["C-LOGGED"], logged["C-REFUSED"]
    assert (ok["status"], ok["outcome"], ok["method"]) == (200, "approved", "POST")
    assert (refused["status"], refused["outcome"], refused["error"]) == (422, "invalid", "invalid_claim")
    assert all(isinstance(x["duration_ms"], (int, float)) and x["duration_ms"] >= 0 for x in (ok, refused))


def test_answers_show_nothing_of_the_server(http):
    for r in (http.post("/v1/adjudicate", content=b"{"), http.post("/v1/replay", json={}), http.get("/v1/editions/%00")):
        assert "Traceback" not in r.text and str(ROOT) not in r.text and "site-packages" not in r.text


# --- settings, workers, edition files ------------------------------------------------------------


def test_settings_come_from_flags_over_the_environment():
    from mutualaid.server import Settings, SettingsError

    env = {"MUTUALAID_HOST": "0.0.0.0", "MUTUALAID_PORT": "9000", "MUTUALAID_WORKERS": "3", "MUTUALAID_BODY_LIMIT": "100",
           "MUTUALAID_EDITIONS": f"a.yaml{__import__('os').pathsep}b.yaml"}
    s = Settings.from_env(env, port=9001, workers=None)
    assert (s.host, s.port, s.workers, s.body_limit, s.editions) == ("0.0.0.0", 9001, 3, 100, ("a.yaml", "b.yaml"))
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env(s.environ()) == s
    for bad in ({"MUTUALAID_PORT": "eighty"}, {"MUTUALAID_WORKERS": "0"}, {"MUTUALAID_BODY_LIMIT": "-1"}, {"MUTUALAID_LOG_LEVEL": "loud"}):
        with pytest.raises(SettingsError):
            Settings.from_env(bad)


@pytest.mark.parametrize("args", [["--workers", "0"], ["--plan", "no-such-file.yaml"], ["--port", "70000"]])
def test_bad_settings_exit_2_without_a_traceback(args):
    r = subprocess.run([sys.executable, "-m", "mutualaid", "serve", "--port", "1", *args], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2
    assert r.stderr.startswith("mutualaid: ") and "Traceback" not in r.stderr


def test_a_port_in_use_exits_2_without_a_traceback():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "mutualaid", "serve", "--port", str(port)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2
    assert f"mutualaid: the service could not start on 127.0.0.1:{port}" in r.stderr and "Traceback" not in r.stderr


def test_two_workers_and_an_edition_file_from_the_environment(tmp_path):
    what_if = ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml"
    from mutualaid import load_edition

    edition = load_edition(what_if)
    proc, url = start_server("--workers", "2", env={"MUTUALAID_EDITIONS": str(what_if)})
    try:
        with client(url) as served:
            assert edition.id in served.get("/healthz").json()["editions"]
            body = _json({"claim": base_claim(), "plan": edition.id})
            r = served.post("/v1/adjudicate", content=body)
            assert r.status_code == 200
            assert r.json()["plan"] == edition.id
            assert r.content == json.dumps(adjudicate(base_claim(), plan=edition).model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode()
            unnamed = served.post("/v1/adjudicate", content=_json({"claim": base_claim()}))
            assert unnamed.json()["plan"] == "gd-nef-2022"  # a loaded edition never takes over a claim without a plan
    finally:
        stop_server(proc)


def test_the_json_example_is_the_yaml_example():
    """docs/server.md and the README send examples/server/courier-fracture.json: the story of the YAML file."""
    from mutualaid import read_claim_file

    claim, history = read_claim_file(ROOT / "examples" / "courier-fracture.yaml")
    assert json.loads((ROOT / "examples" / "server" / "courier-fracture.json").read_text(encoding="utf-8")) == {"claim": claim, "history": list(history)}
