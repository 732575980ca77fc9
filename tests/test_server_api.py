"""The service, driven by its own OpenAPI document and by the library's strategies (issue 15, point 2).

- **Schemathesis** reads ``/openapi.json`` from a real server on 127.0.0.1 and sends generated
  requests to every operation, valid bodies and bodies that break the schema alike: no answer is a
  5xx, and each answer has a documented status, its documented content type and a body that
  conforms to its schema. Bounded: a few dozen examples an operation.
- **Differential**: for claims (with histories, and bad claims) from :mod:`mutualaid.testing`,
  the service's answer is ``adjudicate``'s, byte for byte, or 422 naming ``InvalidClaim``'s fields;
  and each answer fits its schema in the OpenAPI document (generated requests rarely make a valid
  claim, so this is where a decision's conformance is checked).
"""

from __future__ import annotations

import json

import httpx
import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from liveserver import client, live_server  # noqa: E402,F401 - a fixture

from mutualaid import InvalidClaim, adjudicate  # noqa: E402
from mutualaid.testing import bad_claims, claims_with_history  # noqa: E402


@pytest.fixture(scope="module")
def http(live_server):
    with client(live_server.url) as http_client:
        yield http_client


# --- Schemathesis --------------------------------------------------------------------------------


@schemathesis.serializer("application/x-ndjson")
def _json_lines(ctx, value):
    """A generated batch body: a string is sent as it is; anything else as one JSON line."""
    if isinstance(value, (bytes, str)):
        return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return json.dumps(value).encode() + b"\n"


@pytest.fixture(scope="module")
def api_schema(live_server):
    return schemathesis.openapi.from_url(live_server.url + "/openapi.json")


OPERATIONS = [
    ("POST", "/v1/adjudicate"),
    ("POST", "/v1/batch"),
    ("POST", "/v1/replay"),
    ("GET", "/v1/editions"),
    ("GET", "/v1/editions/{edition_id}"),
    ("GET", "/v1/rules"),
    ("GET", "/v1/schema"),
    ("GET", "/healthz"),
]
"""Every operation of the document (tests/test_server.py holds the document to this list)."""


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    # positive_data_acceptance is left out on purpose: a claim can fit the JSON Schema and still be
    # bad input (a filing date before the accident, a 身份证 check digit), which is 422 by design.
    return [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection]


# Schemathesis' own pytest loader (schemathesis.pytest.from_fixture) fails under pytest 9 (it reads
# a node attribute pytest no longer has), so each operation's strategy is run by Hypothesis here.
@pytest.mark.parametrize(
    "method, path, mode",
    [(m, p, "positive") for m, p in OPERATIONS] + [(m, p, "negative") for m, p in OPERATIONS if m == "POST"],  # a GET takes no body to break
)
def test_no_generated_request_gets_a_server_error_and_every_answer_fits_the_schema(api_schema, live_server, method, path, mode):
    from schemathesis import GenerationMode

    operation = api_schema[path][method]
    checks = _checks()
    if path == "/v1/batch":  # any text is a batch: a line that is no claim gets its error record, as in mutualaid batch
        checks = [c for c in checks if c.__name__ != "negative_data_rejection"]
    examples = 30 if method == "POST" else 10

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
    def run(case):
        case.call_and_validate(base_url=live_server.url, checks=checks)

    run()


# --- differential --------------------------------------------------------------------------------


def _library(claim, history) -> tuple[int, object]:
    try:
        d = adjudicate(claim, history)
    except InvalidClaim as exc:
        return 422, list(exc.fields)
    return 200, json.dumps(d.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.fixture(scope="module")
def conforms(http):
    """Whether a body fits a schema of the service's OpenAPI document (Schemathesis' requests are
    refused before a decision, so the decisions' own conformance is checked here)."""
    from jsonschema import Draft202012Validator

    components = http.get("/openapi.json").json()["components"]
    validators = {}

    def check(name: str, body) -> None:
        if name not in validators:
            validators[name] = Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components})
        errors = list(validators[name].iter_errors(body))
        assert not errors, [e.message for e in errors[:3]]

    return check


def _service(http, claim, history, conforms=None) -> tuple[int, object]:
    r = http.post("/v1/adjudicate", content=json.dumps({"claim": claim, "history": history}, ensure_ascii=False).encode("utf-8"))
    if conforms is not None:
        conforms("Decision" if r.status_code == 200 else "ErrorBody", r.json())
    if r.status_code == 200:
        return 200, r.content
    assert r.json()["error"] == "invalid_claim", r.text
    return r.status_code, [e["field"] for e in r.json()["errors"]]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pair=claims_with_history())
def test_the_service_decides_as_adjudicate_does(http, conforms, pair):
    claim, history = pair
    assert _service(http, claim, history, conforms) == _library(claim, history)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bad=bad_claims())
def test_the_service_refuses_bad_claims_naming_invalid_claims_fields(http, conforms, bad):
    status, fields = _service(http, bad.claim, bad.history, conforms)
    assert (status, fields) == _library(bad.claim, bad.history)
    assert status == 422 and bad.field in fields
