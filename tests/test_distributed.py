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


# --- issue 22: a worker lost; the ledger and resume of batch (tests/test_recovery.py has the other findings) ---

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}


from test_recovery import _write_stream  # noqa: E402


def _dask_stream(tmp_path: Path, name: str, claims: int, members: int, seed: int) -> Path:
    path = tmp_path / name
    _write_stream(path, claims, members, seed)
    return path


def test_dask_survives_the_loss_of_a_worker(client, tmp_path):
    """A worker SIGKILLed while it decides: its tasks run again elsewhere (their input travels with
    them), and OUT is ``batch``'s, byte for byte. Before, the partitions were scattered to one worker
    each, and its loss failed the run (``FutureCancelledError … already forgotten``)."""
    import threading

    from mutualaid import distributed as md
    from mutualaid.batch import run

    source = _dask_stream(tmp_path, "in.jsonl", 2000, 700, 13)
    out, want = tmp_path / "out.jsonl", tmp_path / "want.jsonl"
    run(str(source), str(want))
    pids = client.run(os.getpid)
    failure: list = []
    done = threading.Event()

    def go() -> None:
        try:
            md.batch(str(source), str(out), client=client, partitions=4)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failure.append(exc)
        done.set()

    worker = threading.Thread(target=go)
    worker.start()
    deadline = time.monotonic() + 60
    while not any(client.processing().values()):
        assert time.monotonic() < deadline and not done.is_set(), "no task started"
        time.sleep(0.02)
    busy = next(addr for addr, tasks in client.processing().items() if tasks)
    os.kill(pids[busy], signal.SIGKILL)
    worker.join(timeout=120)
    client.wait_for_workers(2, timeout=60)  # the nanny has started another: the module's cluster is whole again
    assert not failure, failure
    assert out.read_bytes() == want.read_bytes()


def test_dask_keeps_a_ledger_as_batch_does_and_resumes_a_killed_run(client, tmp_path):
    """The Dask path with ``ledger=``: the same ledger entries and OUT as ``batch --ledger``, over two
    days' streams; a client killed midway is resumed by running it again, deciding only what it had not kept."""
    from mutualaid import distributed as md
    from mutualaid.batch import run
    from mutualaid.ledger import CHECKPOINT_PREFIX, unseal

    day1 = _dask_stream(tmp_path, "day1.jsonl", 900, 300, 21)
    lines = day1.read_bytes().splitlines(keepends=True)
    day2 = tmp_path / "day2.jsonl"
    day2.write_bytes(b"".join(lines[600:]))
    day1.write_bytes(b"".join(lines[:600]))

    def entries(path: Path) -> list[bytes]:
        return [unseal(x)[0] for x in path.read_bytes().splitlines() if not x.startswith(CHECKPOINT_PREFIX)]

    want_ledger = tmp_path / "want-ledger.jsonl"
    for day in (day1, day2):
        run(str(day), str(tmp_path / f"want-{day.name}"), ledger=str(want_ledger))
    ledger = tmp_path / "ledger.jsonl"
    # Day 1 by a client in another process, killed once it has kept a partition's answer.
    out1 = tmp_path / f"out-{day1.name}"
    keep = Path(str(out1) + ".partial.dask")
    script = (
        "import sys; from distributed import Client; from mutualaid import distributed as md; "
        f"md.batch({str(day1)!r}, {str(out1)!r}, client=Client({client.scheduler.address!r}), partitions=8, ledger={str(ledger)!r})"
    )
    client_run = subprocess.Popen([sys.executable, "-c", script], env=ENV, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not (keep.exists() and any(p.suffix == ".bin" for p in keep.iterdir())):
            assert client_run.poll() is None and time.monotonic() < deadline, "the Dask run kept no partition"
            time.sleep(0.02)
        os.kill(client_run.pid, signal.SIGKILL)
        client_run.wait()
    finally:
        if client_run.poll() is None:
            client_run.kill()
            client_run.wait()
    kept = {p.name for p in keep.iterdir() if p.suffix == ".bin"}
    assert 0 < len(kept) < 8 and not out1.exists()
    md.batch(str(day1), str(out1), client=client, partitions=8, ledger=str(ledger))  # resumed
    assert not keep.exists()
    md.batch(str(day2), str(tmp_path / f"out-{day2.name}"), client=client, partitions=3, ledger=str(ledger))
    for day in (day1, day2):
        assert (tmp_path / f"out-{day.name}").read_bytes() == (tmp_path / f"want-{day.name}").read_bytes()
    assert entries(ledger) == entries(want_ledger)
    again = md.batch(str(day2), str(tmp_path / f"out-{day2.name}"), client=client, partitions=3, ledger=str(ledger))
    assert entries(ledger) == entries(want_ledger) and again.claims == 300  # finished already: nothing changed
    from mutualaid.ledger import Ledger as L

    assert len(L.load(ledger)) == len(L.load(want_ledger))
