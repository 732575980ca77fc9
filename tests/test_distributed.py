"""mutualaid.distributed (issue 16): ``mutualaid batch`` on a real Dask cluster, byte for byte.

One ``LocalCluster`` of two worker processes (one thread each) serves the module and is closed in a
finaliser. The input mixes a generated stream (top-ups, the cap, pending refilings, bad lines) with
members who share a 身份证 number, blank lines and a line that is not JSON.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("distributed")


from mutualaid import distributed as md  # noqa: E402
from mutualaid.batch import run  # noqa: E402

from claimdata import claim_with, generated_stream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WHAT_IF = ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml"


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


@pytest.fixture(scope="module")
def stream(tmp_path_factory) -> Path:
    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in generated_stream(400, 120, 9)]
    # Two member ids with one 身份证 number: the second's claim is refused, as one person, one member id.
    shared = [claim_with(claim_id=f"C-S{k}") for k in range(3)]
    shared[1]["member"]["member_id"] = "M-OTHER"
    shared[2]["filed_on"] = "2022-05-01"
    for k, c in zip((10, 200, 390), shared):
        lines.insert(k, json.dumps(c, ensure_ascii=False))
    lines.insert(50, "")
    lines.insert(60, "{not json")
    path = tmp_path_factory.mktemp("dask") / "claims.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def _batch(stream: Path, out: Path, **options) -> tuple[bytes, dict]:
    done = run(str(stream), str(out), stderr=io.StringIO(), **options)
    return out.read_bytes(), done.summary.to_json()


@pytest.mark.parametrize("partitions", [None, 1, 7])
def test_the_output_is_batchs_byte_for_byte(client, stream, tmp_path, partitions):
    want, want_summary = _batch(stream, tmp_path / "batch.jsonl")
    got = tmp_path / "dask.jsonl"
    summary = md.batch(str(stream), str(got), client=client, partitions=partitions)
    assert got.read_bytes() == want
    assert summary.to_json() == want_summary and summary.claims == len(want.splitlines())
    refused = [json.loads(x) for x in want.splitlines() if b'"C-S1"' in x]
    assert refused and refused[0]["fields"] == ["member.id_number"]  # the shared number stayed with its member


def test_an_edition_file_and_no_records_as_batch_options(client, stream, tmp_path):
    want, _ = _batch(stream, tmp_path / "batch.jsonl", plan=str(WHAT_IF), record=False)
    got = tmp_path / "dask.jsonl"
    md.batch(str(stream), str(got), client=client, plan=str(WHAT_IF), record=False)
    assert got.read_bytes() == want and b"what-if-cap8000-filing2y" in want


def test_members_sharing_a_number_share_a_partition(stream):
    lines = [(n, raw) for n, raw in enumerate(stream.read_bytes().splitlines(keepends=True), 1) if not raw.isspace()]
    parts = md.partition(lines, 5)
    assert sorted(x for p in parts for x in p) == lines and len(parts) == 5
    where = {}
    for k, part in enumerate(parts):
        assert [n for n, _ in part] == sorted(n for n, _ in part)  # IN's order within a partition
        for _, raw in part:
            if b'"C-S' in raw:
                where[json.loads(raw)["member"]["member_id"]] = k
    assert len(set(where.values())) == 1 and set(where) == {"M-0001", "M-OTHER"}


def test_without_a_client_it_says_how_to_get_one(stream, tmp_path):
    """In a fresh interpreter, where no Dask client is the default."""
    import subprocess
    import sys

    code = f"from mutualaid import distributed; distributed.batch({str(stream)!r}, {str(tmp_path / 'x.jsonl')!r})"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "needs a Dask client" in r.stderr and "tcp://scheduler:8786" in r.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_an_empty_input_gives_an_empty_output_as_batch_does(client, tmp_path):
    """(The review of issue 16, finding 4: it raised from Dask's scatter.)"""
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    expected, _ = _batch(empty, tmp_path / "batch.jsonl")
    md.batch(str(empty), str(tmp_path / "dask.jsonl"), client=client)
    assert (tmp_path / "dask.jsonl").read_bytes() == expected == b""
