"""Every output byte-identical to before issue 23's rework of the input path (the differential property).

``tests/data/outputs_frozen.jsonl.gz`` holds a sample of generated inputs (claims with histories,
one member's streams, bad claims each breaking one rule, the benchmarks' realistic mix) and every
case of tests/cases, each with the outputs the library gave before the rework (commit faa7c83):
the decision's JSON with its record, its ``model_dump(mode="json")``, the decision without a
record, or the refusal's ``InvalidClaim.as_json()``. ``benchmarks/outputs_snapshot.py`` wrote it
(``freeze``) and proves the same on 100,000 generated claims (``generate``, ``decide``, ``cmp``).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "tests" / "data" / "outputs_frozen.jsonl.gz"

_spec = importlib.util.spec_from_file_location("outputs_snapshot", ROOT / "benchmarks" / "outputs_snapshot.py")
snapshot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot)


def test_every_output_is_as_before():
    with gzip.open(FROZEN, "rt", encoding="utf-8") as fp:
        lines = [json.loads(line) for line in fp]
    kinds = {x["kind"] for x in lines}
    assert kinds == {"pair", "stream", "bad", "case"}, kinds
    assert sum(1 for x in lines if x["kind"] == "bad") >= 10
    differ = [n for n, x in enumerate(lines) if snapshot.outputs(x["kind"], x["data"]) != x["outputs"]]
    assert differ == [], f"{len(differ)} of {len(lines)} inputs decide differently, the first: line {differ[:1]}"
