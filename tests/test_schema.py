"""``mutualaid schema``: a JSON Schema a backend in any language can check its input against.

It says which JSON Schema it is and names itself, and it states what a schema can state of the
contract: dates as YYYY-MM-DD, and ``medication_use`` on medication items only.
"""

from __future__ import annotations

import copy
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from mutualaid import read_claim_file
from mutualaid.cli import main

jsonschema = pytest.importorskip("jsonschema")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def schema() -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["schema"]) == 0
    return json.loads(out.getvalue())


def _validator(s: dict):
    return jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker())


def test_each_schema_names_its_dialect_and_itself(schema):
    for name in ("claim", "history_entry", "decision"):
        assert schema[name]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema[name]["$id"].startswith("urn:mutualaid:") and schema[name]["$id"].endswith(":" + schema["schema_version"])
        jsonschema.Draft202012Validator.check_schema(schema[name])


def test_every_example_claim_is_valid_under_the_claim_schema(schema):
    v = _validator(schema["claim"])
    for path in sorted(EXAMPLES.glob("*.yaml")):
        claim, _ = read_claim_file(path)
        data = json.loads(json.dumps(claim, default=str))
        assert not list(v.iter_errors(data)), path.name


def test_the_schema_refuses_a_date_in_another_form_and_medication_use_off_medication(schema):
    v = _validator(schema["claim"])
    claim, _ = read_claim_file(EXAMPLES / "courier-fracture.yaml")
    good = json.loads(json.dumps(claim, default=str))
    other_form = copy.deepcopy(good)
    other_form["filed_on"] = "20220410"
    assert list(v.iter_errors(other_form))
    off = copy.deepcopy(good)
    item = off["treatments"][0]["items"][0]
    item["category"], item["medication_use"] = "treatment", "prescribed"
    assert list(v.iter_errors(off))
    on = copy.deepcopy(good)
    item = on["treatments"][0]["items"][0]
    item["category"], item["medication_use"] = "medication", "prescribed"
    assert not list(v.iter_errors(on))
