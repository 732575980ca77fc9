"""The first filing in the ledger (CONTRACT §7 "The first filing", revision 3; issue 20).

A claim pended for documents and sent again keeps its first ``filed_on``: the ledger remembers the
``filed_on`` of each claim it pended and refuses a re-sent claim with another. A decided claim's
history entry carries its ``filed_on``, in memory, on disk (the spill store), in the ledger file and
in the folded history (the earliest of its accident), and an old ledger file without it still loads.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import signal
import time
from pathlib import Path

import pytest

from claimdata import claim_with, item, treatment
from mutualaid import InvalidClaim, Ledger
from mutualaid.batch import run
from mutualaid.ledger import Chain, entry_line, pended_line, scan, unseal

MISSING_PROOF = ["invoice", "medical_record"]  # pends (art7: accident_proof missing)


def _pended(**changes) -> dict:
    return claim_with(documents=MISSING_PROOF, **changes)


def test_a_pended_claim_sent_again_with_its_first_filed_on_is_decided():
    ledger = Ledger()
    assert ledger.decide(_pended()).outcome == "pending"
    assert ledger.pended("M-0001", "C-0001").isoformat() == "2022-04-10"
    again = ledger.decide(claim_with())  # the documents supplied, the same filed_on
    assert again.outcome == "approved"
    assert ledger.pended("M-0001", "C-0001") is None  # decided: no longer pended
    assert [h.filed_on.isoformat() for h in ledger.history("M-0001")] == ["2022-04-10"]


def test_a_pended_claim_sent_again_with_another_filed_on_is_bad_input_naming_filed_on():
    ledger = Ledger()
    ledger.decide(_pended())
    with pytest.raises(InvalidClaim) as exc:
        ledger.decide(claim_with(filed_on="2022-05-20"))
    assert list(exc.value.fields) == ["filed_on"]
    error = exc.value.errors[0]
    assert error.code == "filed_on.not_first_filing"
    assert "2022-04-10" in error.message and "2022-05-20" in error.message
    assert "2022-04-10" in error.message_zh
    assert len(ledger) == 0 and ledger.pended("M-0001", "C-0001").isoformat() == "2022-04-10"  # bad input changes nothing
    # pended again with another filed_on: refused too (the first filing never moves)
    with pytest.raises(InvalidClaim):
        ledger.decide(_pended(filed_on="2022-04-11"))
    assert ledger.decide(claim_with()).outcome == "approved"


def test_the_refusal_joins_the_claims_other_faults():
    ledger = Ledger()
    ledger.decide(_pended())
    bad = claim_with(filed_on="2022-05-20")
    bad["treatments"][0]["items"][0]["out_of_pocket"] = "-1"
    with pytest.raises(InvalidClaim) as exc:
        ledger.decide(bad)
    assert "filed_on" in exc.value.fields and "treatments.0.items.0.out_of_pocket" in exc.value.fields


def test_the_pended_filed_on_is_per_member_and_claim_id():
    ledger = Ledger()
    ledger.decide(_pended())
    other = claim_with(filed_on="2022-05-20")
    other["member"] = {**other["member"], "member_id": "M-0002"}
    other["member"].pop("id_number")
    other["payee"].pop("holder_id_number")
    assert ledger.decide(other).outcome == "approved"  # another member's C-0001
    assert ledger.decide(claim_with(claim_id="C-0002", filed_on="2022-05-20")).outcome == "approved"


def test_history_entries_carry_filed_on_through_save_load_and_the_spill(tmp_path):
    for spill_after in (None, 0):
        ledger = Ledger(spill_after=spill_after)
        ledger.decide(claim_with(claim_id="C-1", filed_on="2022-03-15"))
        ledger.decide(_pended(claim_id="C-2", filed_on="2022-04-02"))
        assert ledger.spilled == (spill_after == 0)
        assert [h.filed_on.isoformat() for h in ledger.history("M-0001")] == ["2022-03-15"]
        assert ledger.pended("M-0001", "C-2").isoformat() == "2022-04-02"
        path = tmp_path / f"l-{spill_after}.jsonl"
        ledger.save(path)
        lines = [unseal(x)[0] for x in path.read_bytes().splitlines()]
        assert json.loads(lines[1])["filed_on"] == "2022-03-15"
        assert json.loads(lines[-1]) == {"pended": "C-2", "member_id": "M-0001", "filed_on": "2022-04-02"}
        loaded = Ledger.load(path)
        assert [h.filed_on.isoformat() for h in loaded.history("M-0001")] == ["2022-03-15"]
        assert loaded.pended("M-0001", "C-2").isoformat() == "2022-04-02"
        with pytest.raises(InvalidClaim) as exc:
            loaded.decide(claim_with(claim_id="C-2", filed_on="2022-04-20"))
        assert list(exc.value.fields) == ["filed_on"]
        assert loaded.decide(claim_with(claim_id="C-2", filed_on="2022-04-02")).outcome in ("approved", "denied")


def test_an_old_ledger_file_without_filed_on_still_loads_and_verifies(tmp_path):
    """A ledger written before revision 3: entries without filed_on, sealed; their sums still hold."""
    old = (
        b'{"id_number":"440106199003071231","member_id":"M-0001"}\n'
        b'{"member_id":"M-0001","claim_id":"C-1","accident_id":"A-0001","accident_occurred_on":"2022-03-01",'
        b'"counted_out_of_pocket":"3200.00","paid":"2000.00"}\n'
    )
    path = tmp_path / "old.jsonl"
    path.write_bytes(Chain().seal_all(old))
    assert scan(path).end == path.stat().st_size
    ledger = Ledger.load(path)
    (entry,) = ledger.history("M-0001")
    assert entry.filed_on is None and str(entry.paid) == "2000.00"
    ledger.save(tmp_path / "again.jsonl")  # written back as it was: no filed_on is invented
    assert b"filed_on" not in (tmp_path / "again.jsonl").read_bytes()
    assert ledger.decide(claim_with(claim_id="C-2")).outcome in ("approved", "denied")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"pended": "C-1", "member_id": "M-1"}, "ledger.2.pended"),
        ({"pended": "C-1", "member_id": "M-1", "filed_on": "2022-13-01"}, "ledger.2.filed_on"),
        ({"pended": "C-1 ", "member_id": "M-1", "filed_on": "2022-04-01"}, "ledger.2.claim_id"),
        ({"pended": "C-1", "member_id": "M-1", "filed_on": "2022-04-01", "x": 1}, "ledger.2.pended"),
        ({"pended": "C-9", "member_id": "M-1", "filed_on": "2022-04-01"}, "ledger.3.filed_on"),  # another first filing
    ],
)
def test_a_malformed_pended_line_is_refused_naming_its_line(tmp_path, payload, field):
    lines = b'{"member_id":"M-1","claim_id":"C-0","accident_id":"A","accident_occurred_on":"2022-01-01","counted_out_of_pocket":"1","paid":"0"}\n'
    lines += json.dumps(payload).encode() + b"\n"
    if field == "ledger.3.filed_on":
        lines += pended_line("M-1", "C-9", dt.date(2022, 4, 2))
    path = tmp_path / "l.jsonl"
    path.write_bytes(Chain().seal_all(lines))
    with pytest.raises(InvalidClaim) as exc:
        Ledger.load(path)
    assert any(f.startswith(field) for f in exc.value.fields), exc.value.fields


def test_a_pended_line_of_a_claim_already_decided_is_refused(tmp_path):
    ledger = Ledger()
    ledger.decide(claim_with(claim_id="C-1"))
    path = tmp_path / "l.jsonl"
    ledger.save(path)
    chain = Chain(scan(path).digest)
    with open(path, "ab") as fp:
        fp.write(chain.seal(pended_line("M-0001", "C-1", dt.date(2022, 4, 10))))
    with pytest.raises(InvalidClaim) as exc:
        Ledger.load(path)
    assert list(exc.value.fields) == ["ledger.3.claim_id"]


def test_the_folded_history_keeps_the_earliest_filed_on_of_the_accident():
    """Past FOLD_AFTER entries the accident's sums stand for its claims: with their earliest filing."""
    ledger = Ledger()
    ledger.FOLD_AFTER = 2
    for k in range(4):
        c = claim_with(treatment(items=[item(on="2022-03-01", amount="10.00")]), claim_id=f"C-{k}", filed_on=f"2022-0{4 + k}-10")
        assert ledger.decide(c).outcome in ("approved", "denied")
    sums = ledger._sums["M-0001"]
    assert sums.accidents["A-0001"][3] == dt.date(2022, 4, 10).toordinal()
    folded, _ = ledger._folded(claim_with(claim_id="C-9", filed_on="2022-09-01"), sums)
    assert folded[0].accident_id == "A-0001" and folded[0].filed_on.isoformat() == "2022-04-10"
    assert [h.filed_on.isoformat() for h in ledger.history("M-0001")] == ["2022-04-10", "2022-05-10", "2022-06-10", "2022-07-10"]


def test_entry_line_writes_filed_on_only_when_the_entry_has_one():
    from mutualaid.model import HistoryEntry

    e = HistoryEntry.model_validate({"claim_id": "C", "accident_id": "A", "accident_occurred_on": "2022-01-01", "counted_out_of_pocket": "1", "paid": "0"})
    assert b"filed_on" not in entry_line("M", e)
    e2 = HistoryEntry.model_validate({**e.model_dump(mode="json"), "filed_on": "2022-02-01"})
    assert entry_line("M", e2).endswith(b',"paid":"0.00","filed_on":"2022-02-01"}\n')


# --- through mutualaid batch --ledger: resumed, and killed ---------------------------------------------------


def _stream_with_refiles(path: Path, filler: int = 700) -> None:
    """Claims pended early, filler, then each sent again: one with its first filed_on, one with another."""
    lines = []

    def add(c: dict) -> None:
        lines.append(json.dumps(c, ensure_ascii=False) + "\n")

    for m in range(4):
        c = _pended(claim_id=f"C-P{m}")
        c["member"] = {**c["member"], "member_id": f"M-P{m}"}
        c["member"].pop("id_number")
        c["payee"].pop("holder_id_number")
        add(c)
    for n in range(filler):
        c = claim_with(claim_id=f"C-F{n}")
        c["member"] = {**c["member"], "member_id": f"F-{n % 90}"}
        c["member"].pop("id_number")
        c["payee"].pop("holder_id_number")
        add(c)
    for m in range(4):
        c = claim_with(claim_id=f"C-P{m}", filed_on="2022-04-10" if m % 2 == 0 else "2022-06-01")
        c["member"] = {**c["member"], "member_id": f"M-P{m}"}
        c["member"].pop("id_number")
        c["payee"].pop("holder_id_number")
        add(c)
    path.write_text("".join(lines), encoding="utf-8")


def _refile_answers(out: Path) -> list:
    got = [json.loads(x) for x in out.read_bytes().splitlines()][-4:]
    return [d.get("outcome") or d["errors"][0]["code"] for d in got]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_pended_filed_on_survives_a_resumed_batch(tmp_path, jobs):
    """A first run pends; a second run (another IN, the same ledger) refuses the re-sent claim with another filed_on."""
    src = tmp_path / "in.jsonl"
    _stream_with_refiles(src, filler=10)
    lines = src.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(b"".join(lines[:-4]))
    second.write_bytes(b"".join(lines[-4:]))
    ledger = tmp_path / "ledger.jsonl"
    run(str(first), str(tmp_path / "out-a.jsonl"), ledger=str(ledger), jobs=jobs, stderr=io.StringIO())
    assert ledger.read_bytes().count(b'{"pended":') == 4
    run(str(second), str(tmp_path / "out-b.jsonl"), ledger=str(ledger), jobs=jobs, stderr=io.StringIO())
    got = [json.loads(x) for x in (tmp_path / "out-b.jsonl").read_bytes().splitlines()]
    assert [d.get("outcome") or d["fields"] for d in got] == ["approved", ["filed_on"], "approved", ["filed_on"]]
    loaded = Ledger.load(ledger)
    assert loaded.pended("M-P1", "C-P1").isoformat() == "2022-04-10" and loaded.pended("M-P0", "C-P0") is None


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_pended_filed_on_survives_kill_9(tmp_path, jobs):
    """Killed after the pended lines were committed, resumed: the same bytes as an uninterrupted run,
    and the re-sent claims with another filed_on refused."""
    src = tmp_path / "in.jsonl"
    _stream_with_refiles(src)
    ref = tmp_path / "ref.jsonl"
    run(str(src), str(ref), jobs=jobs, stderr=io.StringIO())
    assert _refile_answers(ref) == ["approved", "filed_on.not_first_filing", "approved", "filed_on.not_first_filing"]
    ref_ledger_out, ref_ledger = tmp_path / "ref-l.jsonl", tmp_path / "ref-ledger.jsonl"
    run(str(src), str(ref_ledger_out), ledger=str(ref_ledger), jobs=jobs, checkpoint_every=64, stderr=io.StringIO())
    out, ledger = tmp_path / "out.jsonl", tmp_path / "ledger.jsonl"
    cmd = [sys.executable, "-m", "mutualaid.cli", "batch", str(src), str(out), "--ledger", str(ledger),
           "--checkpoint-every", "64", "--jobs", str(jobs)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while (not ledger.exists() or ledger.read_bytes().count(b'{"checkpoint"') < 3) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert b'"done":true' not in ledger.read_bytes() and ledger.read_bytes().count(b'{"pended":') == 4
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after line" in resumed.stderr
    assert out.read_bytes() == ref.read_bytes() == ref_ledger_out.read_bytes()
    assert ledger.read_bytes().count(b'{"pended":') == 4  # none written twice
    strip = lambda b: [unseal(x)[0] for x in b.splitlines() if not x.startswith(b'{"checkpoint"')]  # noqa: E731
    assert strip(ledger.read_bytes()) == strip(ref_ledger.read_bytes())
