"""``mutualaid batch`` where money goes in and out (issue 13, findings 1–4 and 10).

- One run per ledger: a second run refuses at once (exit 2) and touches nothing (finding 3).
- OUT is never truncated before the run is known to go on; a finished run started again is
  reported complete and changes nothing (finding 4).
- A number is read from its exact text (finding 1); one line never stops a run (finding 2).
- A closed pipe, a full disk and a non-UTF-8 standard output are reported, not hidden (finding 10).

Processes are bounded: each has a timeout, and every one started is waited for.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mutualaid.batch import BatchError, BatchIOError, LedgerBusy, _lock, partial_of, run
from mutualaid.cli import main
from mutualaid.ledger import Ledger, scan

from claimdata import base_claim, claim_with
from test_batch import write_stream

CLI = [sys.executable, "-m", "mutualaid.cli"]


@pytest.fixture(scope="module")
def stream(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("safety") / "claims.jsonl"
    write_stream(path, 600, 150, seed=7)
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- finding 3: one run per ledger ---------------------------------------------------------------------


def test_a_second_run_on_a_locked_ledger_refuses_at_once_and_touches_nothing(stream, tmp_path, capsys):
    ledger, out = tmp_path / "ledger.jsonl", tmp_path / "out.jsonl"
    run(str(stream), str(out), ledger=str(ledger), stderr=io.StringIO())
    before = _files(tmp_path)
    held, _ = _lock(str(ledger))  # as a running batch holds it
    try:
        with pytest.raises(LedgerBusy, match="in use by another mutualaid batch run"):
            run(str(stream), str(tmp_path / "other.jsonl"), ledger=str(ledger), stderr=io.StringIO())
        assert main(["batch", str(stream), str(out), "--ledger", str(ledger)]) == 2
        assert "in use by another" in capsys.readouterr().err
    finally:
        held.close()
    assert _files(tmp_path) == before  # neither OUT nor the ledger, and no OUT.partial


def test_two_runs_started_together_on_one_ledger_never_share_it(stream, tmp_path):
    """Ten races of two processes on different inputs: one runs, the other refuses with exit 2 (or,
    started after the first ended, runs after it); the ledger is never torn, nobody over the cap."""
    lines = stream.read_bytes().splitlines(keepends=True)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(b"".join(lines[:300]))
    b.write_bytes(b"".join(lines[300:]))
    for trial in range(10):
        folder = tmp_path / f"t{trial}"
        folder.mkdir()
        ledger = folder / "ledger.jsonl"
        procs = [
            subprocess.Popen([*CLI, "batch", str(src), str(folder / f"out-{k}.jsonl"), "--ledger", str(ledger)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
            for k, src in enumerate((a, b))
        ]
        results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs]
        for p in procs:
            p.stderr.close()
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 2]), results
        for k, (code, err) in enumerate(results):
            if code == 2:
                assert "in use by another" in err
                assert not (folder / f"out-{k}.jsonl").exists() and not Path(partial_of(str(folder / f"out-{k}.jsonl"))).exists()
        Ledger.load(ledger)  # every line whole and sealed
        _no_one_over_the_cap(ledger)


def _no_one_over_the_cap(ledger: Path) -> dict:
    """No claim entered twice and no member over the cap in a ledger file; what each member was paid."""
    paid: dict = {}
    seen = set()
    for member, e in Ledger.load(ledger, spill_after=None).entries():
        assert (member, e.claim_id) not in seen
        seen.add((member, e.claim_id))
        paid[member] = paid.get(member, 0) + e.paid
    assert all(v <= 10000 for v in paid.values())
    return paid


# --- finding 4: OUT is never lost -----------------------------------------------------------------------


def test_a_finished_run_started_again_is_complete_and_changes_nothing(stream, tmp_path, capsys):
    ledger, out = tmp_path / "ledger.jsonl", tmp_path / "out.jsonl"
    assert main(["batch", str(stream), str(out), "--ledger", str(ledger)]) == 0
    first = capsys.readouterr().err
    before = _files(tmp_path)
    stamp = out.stat().st_mtime_ns
    assert main(["batch", str(stream), str(out), "--ledger", str(ledger)]) == 0
    again = capsys.readouterr().err
    assert "already complete" in again and again.splitlines()[-2:] == first.splitlines()[-2:]  # the same summary
    assert _files(tmp_path) == before and out.stat().st_mtime_ns == stamp
    # fed again on standard input: found to be the same stream at its end, and all left as it was
    with open(stream, "rb") as fin:
        done = subprocess.run([*CLI, "batch", "-", str(out), "--ledger", str(ledger)], stdin=fin, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # (a stdin run is another IN than the file: it is a new run, whose claims are refused as decided)
    assert b'"fields":["claim_id"]' in out.read_bytes() and scan(ledger).last["done"]


def test_the_same_stream_fed_again_on_standard_input_is_complete(stream, tmp_path):
    ledger, out = tmp_path / "ledger.jsonl", tmp_path / "out.jsonl"
    cmd = [*CLI, "batch", "-", str(out), "--ledger", str(ledger)]
    with open(stream, "rb") as fin:
        assert subprocess.run(cmd, stdin=fin, capture_output=True, timeout=120).returncode == 0
    before = _files(tmp_path)
    with open(stream, "rb") as fin:
        again = subprocess.run(cmd, stdin=fin, capture_output=True, timeout=120)
    assert again.returncode == 0 and b"already complete" in again.stderr
    assert _files(tmp_path) == before


@pytest.mark.parametrize("failure", ["no ledger folder", "damaged ledger", "locked ledger", "missing IN"])
def test_a_start_that_fails_leaves_out_as_it_was(stream, tmp_path, failure):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"yesterday's 713 approved decisions\n")
    ledger = tmp_path / "ledger.jsonl"
    src = stream
    held = None
    if failure == "no ledger folder":
        ledger = tmp_path / "missing" / "ledger.jsonl"
    elif failure == "damaged ledger":
        ledger.write_bytes(b'{"checkpoint":{"done":true}}\n{"member_id":"M-1"}\n')
    elif failure == "locked ledger":
        held, _ = _lock(str(ledger))
    else:
        src = tmp_path / "missing.jsonl"
    before = _files(tmp_path)
    try:
        with pytest.raises(BatchError):
            run(str(src), str(out), ledger=str(ledger), stderr=io.StringIO())
    finally:
        if held is not None:
            held.close()
    assert _files(tmp_path) == before


def test_a_fresh_out_appears_whole_or_not_at_all(stream, tmp_path, monkeypatch):
    """Without a ledger too: OUT is written to a temporary file and renamed at the end, so a run that
    fails half-way leaves the old OUT, and no temporary file."""
    from mutualaid import batch

    out = tmp_path / "out.jsonl"
    out.write_bytes(b"old\n")
    calls = {"n": 0}
    real = batch.Summary.add

    def failing(self, stat):
        calls["n"] += 1
        if calls["n"] == 300:
            raise OSError(28, "No space left on device")
        return real(self, stat)

    monkeypatch.setattr(batch.Summary, "add", failing)
    with pytest.raises(BatchIOError, match="the disk is full"):
        run(str(stream), str(out), stderr=io.StringIO())
    assert _files(tmp_path) == {"out.jsonl": b"old\n"}
    monkeypatch.setattr(batch.Summary, "add", real)
    run(str(stream), str(out), stderr=io.StringIO())
    assert out.read_bytes().count(b"\n") == 600 and _files(tmp_path).keys() == {"out.jsonl"}


def test_a_run_killed_after_its_last_checkpoint_but_before_the_rename_is_finished_when_run_again(stream, tmp_path):
    ledger, out = tmp_path / "ledger.jsonl", tmp_path / "out.jsonl"
    run(str(stream), str(out), ledger=str(ledger), stderr=io.StringIO())
    whole = out.read_bytes()
    os.replace(out, partial_of(str(out)))  # as if killed between the done checkpoint and the rename
    done = run(str(stream), str(out), ledger=str(ledger), stderr=io.StringIO())
    assert done.complete and out.read_bytes() == whole and not Path(partial_of(str(out))).exists()
    # killed there again, and then the next day's run (another IN and OUT) on the same ledger comes first
    os.replace(out, partial_of(str(out)))
    other = tmp_path / "next-day.jsonl"
    other.write_text(json.dumps(claim_with(claim_id="C-next")) + "\n", encoding="utf-8")
    run(str(other), str(tmp_path / "next-out.jsonl"), ledger=str(ledger), stderr=io.StringIO())
    assert out.read_bytes() == whole and not Path(partial_of(str(out))).exists()


# --- findings 1 and 2: each line judged alone, exactly ----------------------------------------------------


def _line(claim: dict, amount_text: str) -> bytes:
    text = json.dumps(claim, ensure_ascii=False, separators=(",", ":"))
    return text.replace('"out_of_pocket":"3200.00"', f'"out_of_pocket":{amount_text}').encode() + b"\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_json_number_is_judged_by_its_exact_text(tmp_path, jobs):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    texts = ["2000.009999999999999999", "2000.000000000000000000000000000001", "2000.00", "2000.010", "2.00001e3", "2e3"]
    lines = []
    for n, t in enumerate(texts):
        c = claim_with(claim_id=f"C-{n}")
        c["member"]["member_id"] = f"M-{n}"
        c["member"].pop("id_number")
        c["payee"].pop("holder_id_number")
        lines.append(_line(c, t))
    src.write_bytes(b"".join(lines))
    run(str(src), str(out), jobs=jobs, stderr=io.StringIO())
    got = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert [g.get("fields") for g in got[:2]] == [["treatments.0.items.0.out_of_pocket"]] * 2  # never 2000.00
    assert [g["counted_out_of_pocket"] for g in got[2:4]] == ["2000.00", "2000.01"]
    # exponent forms are judged by their text, as the same text in a string is: refused, naming the field
    assert [g.get("fields") for g in got[4:]] == [["treatments.0.items.0.out_of_pocket"]] * 2


def test_a_line_that_cannot_be_decided_becomes_its_error_record_and_a_resume_goes_past_it(stream, tmp_path, monkeypatch):
    from mutualaid.ledger import core as ledger_module

    real = ledger_module.adjudicate
    lines = stream.read_bytes().splitlines(keepends=True)
    victim = json.loads(lines[100])["claim_id"]

    def crashing(claim, *args, **kw):
        if isinstance(claim, dict) and claim.get("claim_id") == victim or getattr(claim, "claim_id", None) == victim:
            raise ValueError("year 10000 is out of range")
        return real(claim, *args, **kw)

    monkeypatch.setattr(ledger_module, "adjudicate", crashing)
    out, ledger = tmp_path / "out.jsonl", tmp_path / "ledger.jsonl"
    done = run(str(stream), str(out), ledger=str(ledger), checkpoint_every=64, stderr=io.StringIO())
    got = out.read_bytes().splitlines()
    assert len(got) == 600 and done.summary.claims == 600
    record = json.loads(got[100])
    assert record["fields"] == ["claim"] and "year 10000 is out of range" in record["error"]
    assert record["claim_id"] == victim


# --- finding 10: failures that used to be silent or an internal error ----------------------------------------


def test_a_closed_pipe_is_an_error_with_a_message(stream):
    proc = subprocess.Popen([*CLI, "batch", str(stream), "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = proc.stdout.read(100)
    proc.stdout.close()  # as `| head -c 100` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 4 and len(head) == 100
    assert "closed the pipe" in err and "Traceback" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux) to fill a disk")
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_full_disk_is_reported_as_such_and_a_run_stops_promptly(tmp_path, jobs):
    src = tmp_path / "claims.jsonl"
    write_stream(src, 5000, 1000, seed=3)  # enough that draining the workers' queues would take seconds
    started = time.monotonic()
    done = subprocess.run([*CLI, "batch", str(src), "/dev/full", "--jobs", str(jobs)], capture_output=True, timeout=60)
    assert done.returncode == 4, done.stderr
    assert b"the disk is full" in done.stderr and b"internal error" not in done.stderr
    assert time.monotonic() - started < 6  # the processes are stopped, not drained: 0.7 s (10.6 s before)


def test_adjudicate_writes_to_a_stdout_that_is_not_utf8(tmp_path):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps({"claim": base_claim()}, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for extra in ([], ["--json"]):
        done = subprocess.run([*CLI, "adjudicate", str(path), *extra], capture_output=True, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.isascii() and b"2000.00" in done.stdout
    assert json.loads(done.stdout)["payout"] == "2000.00"


# --- finding 7 across processes: one 身份证 number, one member id, for any --jobs --------------------------


def test_one_id_number_under_two_member_ids_is_refused_alike_by_one_and_two_processes(tmp_path):
    """Members of two processes share a 身份证 number: the second member id's claim is refused as with
    one process (the routing waits for the lines before it), a pending claim binds nothing, and
    OUT and the ledger are byte-identical for --jobs 1 and 2."""
    from mutualaid.batch import part_of

    first = next(m for m in (f"M-{k}" for k in range(100)) if part_of(m, 2) == 0)
    second = next(m for m in (f"M-{k}" for k in range(100)) if part_of(m, 2) == 1)
    lines = []

    def add(member: str, claim_id: str, **changes) -> None:
        c = claim_with(claim_id=claim_id, **changes)
        c["member"]["member_id"] = member
        lines.append(json.dumps(c, ensure_ascii=False) + "\n")

    add(second, "C-1", documents=["invoice"])  # pending: binds nothing
    add(first, "C-2")  # decided: the number is first's
    add(second, "C-3")  # refused: member.id_number
    for n in range(300):  # filler, so that chunks are in flight in both processes
        add(f"F-{n}", f"C-F{n}")
    add(second, "C-4")  # refused again, far from the binding
    add(first, "C-5")
    src = tmp_path / "in.jsonl"
    for n, line in enumerate(lines):  # the filler members give no number: only first and second share one
        if '"member_id": "F-' in line:
            c = json.loads(line)
            c["member"].pop("id_number")
            c["payee"].pop("holder_id_number")
            lines[n] = json.dumps(c, ensure_ascii=False) + "\n"
    src.write_text("".join(lines), encoding="utf-8")
    outputs = {}
    for jobs in (1, 2):
        folder = tmp_path / f"j{jobs}"
        folder.mkdir()
        run(str(src), str(folder / "out.jsonl"), jobs=jobs, stderr=io.StringIO())
        plain = (folder / "out.jsonl").read_bytes()
        (folder / "out.jsonl").unlink()
        run(str(src), str(folder / "out.jsonl"), ledger=str(tmp_path / f"ledger-{jobs}.jsonl"), jobs=jobs, stderr=io.StringIO())
        assert (folder / "out.jsonl").read_bytes() == plain
        outputs[jobs] = plain
    assert outputs[1] == outputs[2]
    got = [json.loads(x) for x in outputs[1].splitlines()]
    assert got[0]["outcome"] == "pending" and got[1]["outcome"] == "approved"
    assert got[2]["fields"] == ["member.id_number"] and got[-2]["fields"] == ["member.id_number"]
    assert got[-1]["outcome"] in ("approved", "denied")
    led = [x for x in (tmp_path / "ledger-2.jsonl").read_bytes().splitlines() if x.startswith(b'{"id_number"')]
    assert len(led) == 1 and first.encode() in led[0]


# --- more of findings 1 and 10 ---------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mutualaid.batch import _Decider  # noqa: E402


@st.composite
def number_texts(draw) -> str:
    """JSON number texts near the amounts that matter: long fractions, exponents, trailing zeros."""
    whole = draw(st.sampled_from(["0", "5", "200", "1999", "2000", "5000", "9999999", "10000000"]))
    frac = draw(st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=40)))
    text = whole + ("." + frac if frac else "")
    if draw(st.booleans()):
        text += draw(st.sampled_from(["e0", "E+2", "e-2", "e-30", "e1"]))
    return text


@settings(max_examples=200)
@given(number_texts())
def test_a_json_number_amount_is_its_exact_value_never_a_rounded_one(text):
    """A batch line with an amount as a JSON number is decided as the same line with that number's
    exact value written as a plain string; a value that is not exact in fen is refused, never rounded."""
    from decimal import Decimal

    claim = base_claim()
    exact = Decimal(text)
    as_number = (1, _line(claim, text))
    as_value = (1, _line(claim, json.dumps(format(exact, "f"))))
    (num, _, num_stat), = _Decider(Ledger(record=False), journal=False)([as_number])
    (val, _, val_stat), = _Decider(Ledger(record=False), journal=False)([as_value])
    in_fen = exact == exact.quantize(Decimal("0.01")) if exact < 10**9 else False
    if num_stat[0] == "error":  # refused (an exponent may be refused as such): never taken as another amount
        assert json.loads(num)["fields"] == ["treatments.0.items.0.out_of_pocket"]
    else:
        assert in_fen and num == val


def test_a_member_id_that_is_not_utf8_is_routed_and_answered_by_two_processes(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    good = json.dumps(base_claim()).encode() + b"\n"
    src.write_bytes(good.replace(b'"member_id": "M-0001"', b'"member_id": "M-\xff"') + good)
    run(str(src), str(out), jobs=2, stderr=io.StringIO())
    got = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert got[0]["error"].startswith("not JSON") and got[1]["outcome"] == "approved"
