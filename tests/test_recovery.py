"""Runs that recover (issue 22, section 5): each finding of the fault-injection audit, held by a test that failed before.

1. ``batch --jobs 2`` with a worker SIGKILLed while it sends its answer: exits 3 within seconds and
   releases the ledger, where it used to hang forever holding the lock.
2. One loader for ledger files: a missing final newline or a line cut short is refused, naming the
   line, where ``Ledger.load`` used to drop entries silently (and their claims were paid again).
3. Dask: the loss of a worker is survived, and the Dask path has the ledger and resume of ``batch``
   (in ``tests/test_distributed.py``, on its cluster).
4. The spill file is sealed: a row changed on disk is refused, never decided from.
5. A full disk names the file, and Python callers of ``batch.run`` get ``BatchIOError``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from claimdata import generated_stream
from liveserver import children

from mutualaid.errors import InvalidClaim
from mutualaid.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}


def _write_stream(path: Path, claims: int, members: int, seed: int = 5) -> list[dict]:
    stream = generated_stream(claims, members, seed)
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in stream), encoding="utf-8")
    return stream


# --- 1. a worker killed while it sends its answer ----------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker processes in /proc")
def test_a_worker_killed_while_it_sends_its_answer_ends_the_run_with_3_and_releases_the_ledger(tmp_path):
    """The main process is stopped, so each worker blocks halfway through sending an answer larger
    than a pipe holds; one worker is SIGKILLed there (as the OOM killer would), and the main process
    goes on: it must read the end of that pipe, not wait for the rest of the message."""
    source, out, ledger = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "ledger.jsonl"
    _write_stream(source, 1500, 500)
    cmd = [sys.executable, "-m", "mutualaid", "batch", str(source), str(out), "--jobs", "2", "--ledger", str(ledger), "--checkpoint-every", "256"]
    run = subprocess.Popen(cmd, env=ENV, stderr=subprocess.PIPE)
    try:
        partial = Path(str(out) + ".partial")
        deadline = time.monotonic() + 60
        while not (partial.exists() and partial.stat().st_size > 0 and len(children(run.pid)) >= 2):
            assert run.poll() is None and time.monotonic() < deadline, "the run did not start answering"
            time.sleep(0.02)
        os.kill(run.pid, signal.SIGSTOP)
        time.sleep(1.5)  # the workers decide on, and block sending answers nobody reads
        victim = children(run.pid)[0]
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.2)
        os.kill(run.pid, signal.SIGCONT)
        try:
            _, err = run.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("the run hung after its worker was killed")
    finally:
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 3, err.decode()
    assert "ended unexpectedly" in err.decode() and "Traceback" not in err.decode()
    from mutualaid.batch import run as batch_run

    resumed = batch_run(str(source), str(out), jobs=2, ledger=str(ledger), checkpoint_every=256)  # the lock is free (else LedgerBusy)
    assert not resumed.complete and resumed.summary.claims == 1500
    plain = tmp_path / "plain.jsonl"
    batch_run(str(source), str(plain))
    assert out.read_bytes() == plain.read_bytes()


# --- 2. one loader: a cut ledger is refused, naming the line --------------------------------------------


def _saved_ledger(path: Path, claims: int = 60) -> Ledger:
    ledger = Ledger()
    for claim in generated_stream(claims, 20, 9):
        try:
            ledger.decide(claim)
        except InvalidClaim:
            pass
    ledger.save(path)
    return ledger


def test_a_ledger_without_its_final_newline_is_refused_naming_the_last_line(tmp_path):
    path = tmp_path / "ledger.jsonl"
    _saved_ledger(path)
    lines = path.read_bytes().count(b"\n")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    with pytest.raises(InvalidClaim) as info:
        Ledger.load(path)
    assert info.value.fields == (f"ledger.{lines}",)
    assert info.value.errors[0].code == "ledger.torn_line"


def test_a_ledger_cut_mid_line_is_refused_naming_that_line(tmp_path):
    path = tmp_path / "ledger.jsonl"
    _saved_ledger(path)
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2) - 10  # ten bytes before the end of a line in the middle
    line = data[:cut].count(b"\n") + 1
    path.write_bytes(data[:cut])
    with pytest.raises(InvalidClaim) as info:
        Ledger.load(path)
    assert info.value.fields == (f"ledger.{line}",)


def test_a_finished_run_s_ledger_that_lost_its_final_newline_is_refused_not_cut_back(tmp_path):
    """The audit's case: the last checkpoint (``done``) without its newline read as an unfinished run, and
    ``Ledger.load`` dropped every entry after the checkpoint before it; replayed, those claims were paid again."""
    source, path = tmp_path / "in.jsonl", tmp_path / "ledger.jsonl"
    _write_stream(source, 600, 200, seed=3)
    from mutualaid.batch import run

    run(str(source), str(tmp_path / "out.jsonl"), ledger=str(path), checkpoint_every=256)
    whole = len(Ledger.load(path))
    lines = path.read_bytes().count(b"\n")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    with pytest.raises(InvalidClaim) as info:
        Ledger.load(path)
    assert info.value.fields == (f"ledger.{lines}",) and info.value.errors[0].code == "ledger.torn_line"
    path.write_bytes(path.read_bytes() + b"\n")
    assert len(Ledger.load(path)) == whole


def test_batch_refuses_the_same_cut_ledger_with_the_same_words(tmp_path, capsys):
    """``batch --ledger`` and ``Ledger.load`` read ledger files through one loader: a file a run did not
    write (no checkpoint) cut short is refused by both, naming the line; a run's own torn tail resumes."""
    path = tmp_path / "ledger.jsonl"
    _saved_ledger(path)
    lines = path.read_bytes().count(b"\n")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    source = tmp_path / "in.jsonl"
    _write_stream(source, 5, 5, seed=77)
    from mutualaid.cli import main

    assert main(["batch", str(source), str(tmp_path / "out.jsonl"), "--ledger", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"ledger.{lines}" in err and "Traceback" not in err, err


# --- 4. the spill file is sealed --------------------------------------------------------------------------


def test_a_row_changed_in_the_spill_file_is_refused_never_decided_from():
    """The audit rewrote one ``paid`` in the spill file: the member was paid past the cap. Now the row's
    seal no longer matches, and the ledger refuses to decide from it (``batch`` stops with BatchIOError)."""
    import sqlite3

    from claimdata import base_claim

    ledger = Ledger(spill_after=0)
    ledger.decide(base_claim())
    assert ledger.spilled
    ledger._rows._db.execute("UPDATE rows SET entries = replace(entries, ',200000,', ',0,')")  # paid 2000.00 → 0.00
    later = base_claim()
    later["claim_id"], later["accident"] = "C-0002", dict(later["accident"], accident_id="A-0002")
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.decide(later)
    with pytest.raises(sqlite3.DatabaseError):
        ledger.history("M-0001")


def test_batch_stops_on_a_changed_spill_row_with_batch_io_error():
    from claimdata import base_claim

    from mutualaid.batch import BatchIOError, _Decider

    ledger = Ledger(spill_after=0)
    decider = _Decider(ledger, journal=False)
    decider([(1, json.dumps(base_claim()).encode())])
    ledger._rows._db.execute("UPDATE holders SET member_id = 'M-9'")
    other = base_claim()
    other["member"] = dict(other["member"], member_id="M-9")
    with pytest.raises(BatchIOError, match="line 2"):
        decider([(2, json.dumps(other).encode())])


def _spilled_ledger() -> Ledger:
    from claimdata import base_claim

    ledger = Ledger(spill_after=0)
    ledger.decide(base_claim())  # M-0001, paid 2000.00, its 身份证 bound
    assert ledger.spilled
    return ledger


def _claim(claim_id: str, member_id: str = "M-0001") -> dict:
    from claimdata import base_claim

    claim = base_claim()
    claim["claim_id"], claim["accident"] = claim_id, dict(claim["accident"], accident_id="A-" + claim_id)
    claim["member"] = dict(claim["member"], member_id=member_id)
    return claim


def test_a_member_whose_rows_were_deleted_from_the_spill_file_is_not_taken_for_a_new_one():
    """Deleting every row of a member made it look new: its cap would be paid again."""
    import sqlite3

    ledger = _spilled_ledger()
    ledger._rows._db.execute("DELETE FROM rows WHERE member_id = 'M-0001'")
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.decide(_claim("C-0002"))
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.history("M-0001")
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        "M-0001" in ledger._rows  # noqa: B015 (the test is that it raises)


def test_the_end_of_a_member_s_history_cut_from_the_spill_file_is_refused():
    """Deleting a member's last block shortened its history silently (what it was paid, gone)."""
    import sqlite3

    ledger = _spilled_ledger()
    blocks, n = 0, 1
    while not blocks:  # about 50 characters an entry: until the history passes one block of 4096
        n += 1
        ledger.decide(_claim(f"C-{n:04d}"))
        blocks = ledger._rows._db.execute("SELECT max(seq) FROM rows WHERE member_id = 'M-0001'").fetchone()[0]
    assert len(ledger.history("M-0001")) == n
    ledger._rows._db.execute("DELETE FROM rows WHERE member_id = 'M-0001' AND seq = ?", (blocks,))
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.history("M-0001")
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.decide(_claim("C-9999"))


def test_a_binding_deleted_from_the_spill_file_does_not_give_one_person_a_second_cap(tmp_path):
    import sqlite3

    ledger = _spilled_ledger()
    ledger._rows._db.execute("DELETE FROM holders")
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.decide(_claim("C-0002", member_id="M-9"))  # the same 身份证 under another member id
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):  # a full scan counts its rows
        ledger.save(tmp_path / "ledger.jsonl")


def test_batch_stops_on_a_deleted_spill_row_with_batch_io_error():
    from mutualaid.batch import BatchIOError, _Decider

    ledger = Ledger(spill_after=0)
    decider = _Decider(ledger, journal=False)
    decider([(1, json.dumps(_claim("C-0001")).encode())])
    ledger._rows._db.execute("DELETE FROM rows")
    with pytest.raises(BatchIOError, match="line 2"):
        decider([(2, json.dumps(_claim("C-0002")).encode())])


def test_a_pended_claim_deleted_from_the_spill_file_does_not_lose_its_first_filing_date():
    import datetime as dt
    import sqlite3

    ledger = _spilled_ledger()
    ledger.pend("M-0001", "C-0009", dt.date(2022, 5, 1))
    assert ledger.pended("M-0001", "C-0009") == dt.date(2022, 5, 1)
    ledger._rows._db.execute("DELETE FROM pended")
    with pytest.raises(sqlite3.DatabaseError, match="changed outside this process"):
        ledger.pended("M-0001", "C-0009")


def test_no_false_alarm_on_many_members_nor_when_the_bloom_filter_is_wrong(monkeypatch):
    """A lookup that finds nothing is refused only when the table holds fewer rows than were written:
    10,000 misses among 10,000 members pass, and so do misses that the Bloom filter (made tiny here,
    so that it answers "perhaps" to everything) sends to the count."""
    from mutualaid import spill

    for bits, members, misses in ((spill.BLOOM_BITS, 10_000, 10_000), (64, 2_000, 300)):
        monkeypatch.setattr(spill, "BLOOM_BITS", bits)
        rows = spill.DiskRows(((f"M-{n}", ["r"]) for n in range(members)), ((f"N-{n}", f"M-{n}") for n in range(500)), (("M-1", f"C-{n}", 1) for n in range(500)))
        for n in range(misses):
            assert rows.get(f"X-{n}") is None
            if n % 10 == 0:
                assert f"X-{n}" not in rows and rows.holder(f"X-{n}") is None and rows.pended("M-1", f"X-{n}") is None
        rows.append("M-new", "r")
        rows.bind("N-0", "M-new")  # rebound: still one binding
        rows.bind("N-new", "M-new")
        rows.pend("M-1", "C-0", 2)  # pended again: still one
        rows.unpend("M-1", "C-1")
        rows.unpend("M-1", "C-never")  # nothing to remove: nothing counted
        assert rows.get("X-0") is None and rows.pended("M-1", "C-1") is None and rows.holder("N-0") == "M-new"
        assert len(rows) == members + 1 and sum(1 for _ in rows) == members + 1
        assert sum(1 for _ in rows.holders()) == 501 and sum(1 for _ in rows.pendings()) == 499
        rows.close()


# --- 5. a full disk -------------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full: a device whose every write fails as a full disk does")
def test_a_full_disk_names_the_file_and_python_callers_get_batch_io_error(tmp_path, capsys):
    from mutualaid.batch import BatchIOError, run

    source = tmp_path / "in.jsonl"
    _write_stream(source, 300, 100)
    with pytest.raises(BatchIOError) as info:  # was a bare OSError: the close's second failure replaced the first
        run(str(source), "/dev/full")
    assert str(info.value) == "cannot write /dev/full: the disk is full"
    from mutualaid.cli import main

    assert main(["batch", str(source), "/dev/full"]) == 4
    assert capsys.readouterr().err.startswith("mutualaid: cannot write /dev/full: the disk is full")
