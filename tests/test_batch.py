"""``mutualaid batch`` (issue 5): a stream of claims in, one decision or error record out per line.

The claims come from the scale benchmark's generator (benchmarks/bench_batch.py): members in filing
order with top-ups, the cap, pending claims filed again, and a few lines of bad input.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from mutualaid import InvalidClaim, Ledger
from mutualaid.batch import BatchError, Summary, part_of, part_of_line, partial_of, run
from mutualaid.cli import main
from mutualaid.ledger import unseal

from claimdata import base_claim, claim_with

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("bench_batch", ROOT / "benchmarks" / "bench_batch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_stream(path: Path, claims: int, members: int, seed: int = 5) -> list[bytes]:
    lines = [
        json.dumps(c, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        for c in _generator().stream(claims, members, seed)
    ]
    path.write_bytes(b"".join(lines))
    return lines


@pytest.fixture(scope="module")
def stream(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "claims.jsonl"
    write_stream(path, 1200, 300)
    return path


@pytest.fixture(scope="module")
def reference(stream, tmp_path_factory) -> Path:
    """The stream decided in one process, without a ledger file."""
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    run(str(stream), str(out), stderr=io.StringIO())
    return out


def lines_of(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


# --- what each line becomes ----------------------------------------------------------------------------


def test_each_line_is_the_ledgers_decision_as_compact_json_in_input_order(stream, reference):
    ledger = Ledger()
    want = []
    for n, raw in enumerate(stream.read_bytes().splitlines(), 1):
        claim = json.loads(raw)
        try:
            d = ledger.decide(claim)
        except InvalidClaim as exc:
            want.append({"line": n, "claim_id": claim.get("claim_id"), "error": str(exc), "fields": list(exc.fields), "errors": exc.as_json()})
            continue
        want.append(json.dumps(d.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")))
    got = reference.read_text(encoding="utf-8").splitlines()
    assert len(got) == len(want) == 1200
    for g, w in zip(got, want):
        assert g == w if isinstance(w, str) else json.loads(g) == w
    outcomes = {json.loads(g).get("outcome", "error") for g in got}
    assert outcomes == {"approved", "denied", "pending", "error"}  # the stream exercises every kind


def test_bad_lines_become_error_records_naming_their_fields_and_the_run_goes_on(tmp_path):
    good = json.dumps(base_claim(), ensure_ascii=False)
    late = dict(claim_with(filed_on="2022-01-01"), claim_id="C-0002")
    lines = [
        good,
        "",  # a blank line carries no claim and gets no answer
        '{"claim_id": "C-9", "member": ',
        "[1, 2]",
        json.dumps(late),
        good,  # decided already: refused, so nothing is paid twice
        '{"claim_id": "C-\\ud800"}',
        "\xff not utf-8",
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff") + b"\n")
    out = tmp_path / "out.jsonl"
    done = run(str(src), str(out), stderr=io.StringIO())
    got = lines_of(out)
    assert [g.get("outcome") for g in got] == ["approved", None, None, None, None, None, None]
    errors = got[1:]
    assert [e["line"] for e in errors] == [3, 4, 5, 6, 7, 8]
    assert errors[0]["fields"] == ["claim"] and errors[0]["error"].startswith("not JSON")
    assert errors[1]["fields"] == ["claim"] and errors[1]["claim_id"] is None
    assert errors[2]["fields"] == ["filed_on", "treatments.0.items.0.on"] and errors[2]["claim_id"] == "C-0002"
    assert errors[3]["fields"] == ["claim_id"] and "already been decided" in errors[3]["error"]
    assert "claim_id" in errors[4]["fields"] and errors[4]["claim_id"] == "C-\ud800"
    assert errors[5]["fields"] == ["claim"]
    assert done.summary.counts == {"approved": 1, "denied": 0, "pending": 0, "error": 6}
    assert str(done.summary.paid) == "2000.00"


def test_lines_no_process_can_route_are_decided_alike_by_two_processes(tmp_path):
    """A member id with a lone surrogate, a line nested beyond reading: --jobs 2 routes them, never crashes."""
    good = json.dumps(base_claim(), ensure_ascii=False)
    surrogate = json.dumps({**base_claim(), "member": {**base_claim()["member"], "member_id": "M-\ud800"}})
    lines = [good, surrogate, "[" * 100_000 + "]" * 100_000, good]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run(str(src), str(one), stderr=io.StringIO())
    run(str(src), str(two), jobs=2, stderr=io.StringIO())
    assert one.read_bytes() == two.read_bytes()
    got = lines_of(two)
    assert got[0]["outcome"] == "approved" and "member.member_id" in got[1]["fields"]
    assert got[2]["error"].startswith("not JSON") and "already been decided" in got[3]["error"]


def test_the_summary_counts_outcomes_the_total_paid_and_denials_by_clause(stream, reference):
    summary = run(str(stream), os.devnull, stderr=io.StringIO()).summary
    decisions = lines_of(reference)
    assert summary.claims == len(decisions)
    assert summary.counts["error"] == sum("error" in d for d in decisions)
    assert summary.counts["denied"] == sum(d.get("outcome") == "denied" for d in decisions)
    assert str(summary.paid) == str(sum(Decimal(d.get("payout", "0")) for d in decisions))
    art54 = sum(any(r["clause"] == "art5.4" and r["effect"] == "deny" for r in d.get("reasons", ())) for d in decisions)
    assert art54 and summary.denied_by_clause["art5.4"] == art54
    text = str(summary)
    assert f"{summary.counts['approved']:,} approved" in text and "denied by clause: " in text
    assert Summary(json.loads(json.dumps(summary.to_json()))).to_json() == summary.to_json()  # as checkpoints keep it


# --- determinism and processes ---------------------------------------------------------------------------


def test_a_rerun_and_two_processes_give_byte_identical_output(stream, reference, tmp_path):
    again, two = tmp_path / "again.jsonl", tmp_path / "two.jsonl"
    run(str(stream), str(again), stderr=io.StringIO())
    run(str(stream), str(two), jobs=2, stderr=io.StringIO())
    assert again.read_bytes() == reference.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("spill_after, jobs", [(0, 1), (37, 1), (100, 2)])
def test_history_moved_to_disk_gives_byte_identical_output(stream, reference, tmp_path, spill_after, jobs):
    """Past ``--spill-after`` decided claims, a process keeps its history in SQLite: same bytes."""
    out = tmp_path / "spilled.jsonl"
    run(str(stream), str(out), jobs=jobs, spill_after=spill_after, stderr=io.StringIO())
    assert out.read_bytes() == reference.read_bytes()


def test_members_are_routed_by_a_stable_hash_of_their_id():
    assert [part_of(f"M-{n}", 4) for n in range(6)] == [2, 0, 2, 0, 3, 1]  # CRC-32: the same on every run
    plain = json.dumps(base_claim(), ensure_ascii=False).encode()
    escaped = json.dumps(base_claim()).encode()  # \\u escapes: parsed, not matched
    assert part_of_line(plain, 7) == part_of_line(escaped, 7) == part_of("M-0001", 7)
    tricky = json.dumps({**base_claim(), "note": {"member_id": "M-9"}}).encode()  # two keys: parsed
    assert part_of_line(tricky, 7) == part_of("M-0001", 7)
    assert part_of_line(b"not json", 7) == 0
    assert part_of_line(b"[" * 100_000 + b"]" * 100_000, 7) == 0  # nested beyond reading: bad input
    assert part_of("M-\ud800", 7) == part_of("M-\ud800", 7) in range(7)  # a lone surrogate has no UTF-8


def test_the_progress_bar_shows_on_a_terminal_only(stream, tmp_path):
    quiet, shown = io.StringIO(), io.StringIO()
    run(str(stream), os.devnull, stderr=quiet)  # a StringIO is not a terminal
    assert quiet.getvalue() == ""
    run(str(stream), os.devnull, progress=True, stderr=shown)
    drawn = shown.getvalue()
    assert "━" in drawn and "100%" in drawn and "claims" in drawn  # rich's bar, drawn to the end
    assert drawn.endswith("\x1b[2K")  # and erased when the run ends, leaving the summary alone


def test_the_command_reads_and_writes_standard_streams_and_prints_the_summary(capsysbinary, monkeypatch):
    claim = json.dumps(base_claim(), ensure_ascii=False).encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(claim + b"{bad\n")))
    assert main(["batch", "-", "-"]) == 0
    captured = capsysbinary.readouterr()
    out = captured.out.decode().splitlines()
    assert json.loads(out[0])["payout"] == "2000.00" and json.loads(out[1])["fields"] == ["claim"]
    assert "2 claims: 1 approved, 0 denied, 0 pending, 1 bad input" in captured.err.decode()
    assert "paid: 2,000.00" in captured.err.decode()


def test_the_command_refuses_what_it_cannot_do(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(base_claim()) + "\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "missing.jsonl"), str(tmp_path / "o")]) == 2
    assert main(["batch", str(src), "-", "--ledger", str(tmp_path / "l")]) == 2
    assert main(["batch", str(src), str(tmp_path / "o"), "--plan", "gd-nef-1999"]) == 2
    assert main(["batch", str(src), str(src)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "--ledger needs OUT to be a file" in err and "gd-nef-1999" in err
    assert "same file" in err and "Traceback" not in err


# --- the ledger file: history carried between runs, and resuming ----------------------------------------


def test_the_ledger_carries_history_into_the_next_run_and_refuses_claims_decided_already(stream, reference, tmp_path):
    lines = stream.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"".join(lines[:500]))
    second.write_bytes(b"".join(lines[500:]))
    ledger = tmp_path / "ledger.jsonl"
    run(str(first), str(tmp_path / "o1"), ledger=str(ledger), stderr=io.StringIO())
    run(str(second), str(tmp_path / "o2"), ledger=str(ledger), stderr=io.StringIO())
    want = reference.read_bytes().splitlines(keepends=True)
    assert (tmp_path / "o1").read_bytes() == b"".join(want[:500])
    # the second run's decisions match the one long run's; only error records carry their own line number
    got2 = lines_of(tmp_path / "o2")
    for g, w in zip(got2, map(json.loads, want[500:])):
        assert g == ({**w, "line": w["line"] - 500} if "error" in w else w)
    again = run(str(first), str(tmp_path / "o3"), ledger=str(ledger), stderr=io.StringIO())
    assert again.summary.paid == 0 and again.summary.counts["approved"] == 0  # nothing is paid twice
    rerun = lines_of(tmp_path / "o3")
    decided = [n for n, w in enumerate(map(json.loads, want[:500])) if w.get("outcome") in ("approved", "denied")]
    assert decided and all("claim_id" in rerun[n]["fields"] for n in decided)


def ledger_entries(path: Path) -> list[bytes]:
    """The entry lines of a ledger file, without their checksums (not checkpoints, not 身份证 bindings, not pended claims)."""
    return [
        unseal(x)[0]
        for x in path.read_bytes().splitlines()
        if not x.startswith((b'{"checkpoint"', b'{"id_number"', b'{"pended"'))
    ]


def test_a_run_cut_anywhere_after_a_checkpoint_resumes_to_the_same_bytes(stream, reference, tmp_path):
    """The two places a kill can fall: OUT made durable but not the ledger, or neither; with torn lines."""
    out, ledger = tmp_path / "out.jsonl", tmp_path / "ledger.jsonl"
    run(str(stream), str(out), ledger=str(ledger), checkpoint_every=100, stderr=io.StringIO())
    full_out, full_ledger = out.read_bytes(), ledger.read_bytes()
    assert full_out == reference.read_bytes()
    marks = [n for n, x in enumerate(full_ledger.splitlines(keepends=True)) if x.startswith(b'{"checkpoint"')]
    assert len(marks) == 14  # the start, every 100 lines, the end
    ledger_lines = full_ledger.splitlines(keepends=True)
    for k, tail_out, tail_ledger in [(3, 5000, 2), (7, 1, 0), (1, 0, 5)]:
        cp = json.loads(ledger_lines[marks[k]])["checkpoint"]
        kept = b"".join(ledger_lines[: marks[k] + 1])
        torn = b"".join(ledger_lines[marks[k] + 1 : marks[k] + 1 + tail_ledger]) + b'{"member_id":"M-'
        ledger.write_bytes(kept + torn)
        # a killed run leaves its output in OUT.partial (OUT is renamed into place only at the end)
        Path(partial_of(str(out))).write_bytes(full_out[: cp["out_offset"] + tail_out])
        done = run(str(stream), str(out), ledger=str(ledger), checkpoint_every=100, stderr=io.StringIO())
        assert done.resumed_at == cp["lines"]
        assert out.read_bytes() == full_out
        assert ledger.read_bytes() == full_ledger
    assert len(set(ledger_entries(ledger))) == len(ledger_entries(ledger))


def test_an_unfinished_run_is_resumed_only_with_the_same_files_and_options(stream, tmp_path):
    out, ledger = tmp_path / "out.jsonl", tmp_path / "ledger.jsonl"
    run(str(stream), str(out), ledger=str(ledger), checkpoint_every=100, stderr=io.StringIO())
    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(b"".join(lines[: len(lines) // 2]))  # as if killed half-way
    with pytest.raises(BatchError, match="unfinished run"):
        run(str(stream), str(tmp_path / "other.jsonl"), ledger=str(ledger), stderr=io.StringIO())
    with pytest.raises(BatchError, match="unfinished run"):
        run(str(stream), str(out), ledger=str(ledger), record=False, stderr=io.StringIO())
    Path(partial_of(str(out))).write_bytes(b"")
    with pytest.raises(BatchError, match="shorter"):
        run(str(stream), str(out), ledger=str(ledger), stderr=io.StringIO())


def _count(path: Path, prefix: bytes) -> int:
    try:
        return sum(x.startswith(prefix) for x in path.read_bytes().splitlines())
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("jobs, spill", [(1, None), (2, None), (1, 500)])
def test_a_killed_run_resumes_without_loss_or_double_payment(tmp_path, jobs, spill):
    """Killed mid-way, resumed: the same bytes, each claim entered once (``spill``: history on disk)."""
    src = tmp_path / "claims.jsonl"
    write_stream(src, 1200, 320, seed=11)  # past the kill at the 4th checkpoint (256 lines) and, resumed, past --spill-after 500
    ref = tmp_path / "ref.jsonl"
    run(str(src), str(ref), jobs=jobs, stderr=io.StringIO())
    out, ledger = tmp_path / "out.jsonl", tmp_path / "ledger.jsonl"
    cmd = [sys.executable, "-m", "mutualaid.cli", "batch", str(src), str(out), "--ledger", str(ledger),
           "--checkpoint-every", "64", "--jobs", str(jobs)]  # fmt: skip
    if spill is not None:
        cmd += ["--spill-after", str(spill)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _count(ledger, b'{"checkpoint"') < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # somewhere inside a checkpoint interval
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert b'"done":true' not in ledger.read_bytes()
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after line" in resumed.stderr
    assert out.read_bytes() == ref.read_bytes()
    entries = [json.loads(x) for x in ledger_entries(ledger)]
    keys = [(e["member_id"], e["claim_id"]) for e in entries]
    assert len(keys) == len(set(keys))  # no claim entered, so none paid, twice
    decided = [d for d in lines_of(ref) if d.get("outcome") in ("approved", "denied")]
    assert len(entries) == len(decided)
    assert sum(Decimal(e["paid"]) for e in entries) == sum(Decimal(d["payout"]) for d in decided)
    if Path("/proc").is_dir():  # the killed run's worker processes do not linger
        deadline = time.monotonic() + 10
        while _running(str(src)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _running(str(src)) == []


def _running(arg: str) -> list[int]:
    """Processes whose command line names ``arg``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and arg.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found



def test_a_history_on_disk_that_cannot_be_written_stops_the_run_with_a_message(stream, tmp_path, monkeypatch):
    """A full disk under --spill-after: a BatchError naming the line (the CLI prints it, no traceback)."""
    import sqlite3

    from mutualaid import spill

    def broken(self, member_id, row):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(spill.DiskRows, "append", broken)
    with pytest.raises(BatchError, match=r"cannot keep the history on disk \(line \d+\): database or disk is full"):
        run(str(stream), str(tmp_path / "out.jsonl"), spill_after=0, stderr=io.StringIO())
