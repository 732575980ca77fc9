"""The SQL store (issue 22): the Ledger's decisions on SQLite and on a real PostgreSQL, its money-safety rules, its schema.

- Through the store, a stream is decided exactly as through the memory Ledger, claim by claim
  (the same bytes), except where the store's own rule speaks: a claim id sent again with other
  content is a :class:`~mutualaid.errors.ClaimConflict`, where the memory Ledger says "already decided".
- A re-sent claim gets its stored decision back, byte for byte, also after later decisions.
- A pended claim sent again keeps its first ``filed_on``; a 身份证 number belongs to one member id;
  amounts are integer fen; the constraints hold even against a write that skips the locks.
- The schema comes from the Alembic migrations shipped in the package (on open, and ``mutualaid db``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from claimdata import base_claim, generated_stream  # noqa: E402

from mutualaid.errors import ClaimConflict, InvalidClaim  # noqa: E402
from mutualaid.ledger import Ledger  # noqa: E402
from mutualaid.ledger.sql import SqlLedger, SqlStore  # noqa: E402
from mutualaid.ledger.store import StoreError, is_url, open_ledger  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return request.getfixturevalue("postgres").database()


def _answer(ledger, claim) -> tuple:
    try:
        return ("ok", ledger.decide_answer(claim)[1])
    except InvalidClaim as exc:
        return ("refused", tuple(e.code for e in exc.errors))


def test_a_stream_is_decided_as_the_memory_ledger_decides_it(url):
    stream = generated_stream(240, 30, 5)
    memory, store = Ledger(), open_ledger(url)
    try:
        for claim in stream:
            mine, theirs = _answer(store, claim), _answer(memory, claim)
            if theirs[0] == "refused" and "claim_id.already_decided" in theirs[1] and mine != theirs:
                assert mine == ("refused", ("claim_id.conflict",))  # the store's rule: other content under a decided id
                continue
            assert mine == theirs, claim["claim_id"]
        assert {m: store.history(m) for m in memory.members()} == {m: memory.history(m) for m in memory.members()}
        assert len(store) == len(memory)
    finally:
        store.close()


def test_a_resent_claim_gets_its_stored_decision_and_other_content_is_a_conflict(url):
    store = open_ledger(url)
    try:
        claim = base_claim()
        first = store.decide_answer(claim)[1]
        later = dict(base_claim(), claim_id="C-0002")
        later["accident"] = dict(later["accident"], accident_id="A-0002")
        store.decide(later)  # a later decision changes the member's history, not the stored answer
        again = dict(reversed(list(claim.items())))  # the same claim, its keys in another order
        assert store.decide_answer(again)[1] == first
        assert len(store.history(claim["member"]["member_id"])) == 2  # nothing entered twice
        changed = base_claim()
        changed["treatments"][0]["items"][0]["out_of_pocket"] = "9000.00"
        with pytest.raises(ClaimConflict) as info:
            store.decide(changed)
        assert info.value.fields == ("claim_id",) and info.value.errors[0].code == "claim_id.conflict"
        assert isinstance(info.value, InvalidClaim)  # the one documented type of bad input
        assert len(store.history(claim["member"]["member_id"])) == 2
    finally:
        store.close()


def test_a_pended_claim_keeps_its_first_filing_and_is_decided_when_completed(url):
    store = open_ledger(url)
    try:
        pending = base_claim()
        pending["documents"] = ["invoice"]
        assert store.decide(pending).outcome == "pending"
        assert store.decide(pending).outcome == "pending"  # the same content: the stored answer
        late = json.loads(json.dumps(pending))
        late["filed_on"] = "2022-05-01"
        late["documents"] = base_claim()["documents"]
        with pytest.raises(InvalidClaim) as info:
            store.decide(late)
        assert "filed_on" in info.value.fields
        done = store.decide(base_claim())  # completed, with its first filed_on: decided now
        assert done.outcome == "approved"
        assert store.pended("M-0001", "C-0001") is None
        assert [e.claim_id for e in store.history("M-0001")] == ["C-0001"]
        with pytest.raises(ClaimConflict):  # the pended version, once the claim is decided, is another content
            store.decide(late)
        assert store.decide_answer(pending)[0].decision.outcome == "pending"  # its own answer, as it was given
    finally:
        store.close()


def test_one_person_one_member_id(url):
    store = open_ledger(url)
    try:
        store.decide(base_claim())
        other = base_claim()
        other["member"] = dict(other["member"], member_id="M-0002")
        other["claim_id"] = "C-9"
        with pytest.raises(InvalidClaim) as info:
            store.decide(other)
        assert "member.id_number" in info.value.fields
        assert store.holder(base_claim()["member"]["id_number"]) == "M-0001"
        assert store.history("M-0002") == ()
    finally:
        store.close()


def test_the_constraints_refuse_a_second_entry_or_binding_even_without_the_locks(url):
    """A write that skipped the locks (a missed lock, a hand-made script) still cannot pay a claim twice."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from mutualaid.ledger.schema import bindings, history

    store = SqlStore(url)
    try:
        SqlLedger(store).decide(base_claim())
        row = {"member_id": "M-0001", "claim_id": "C-0001", "seq": 2, "accident_id": "A-0001", "accident_occurred_on": __import__("datetime").date(2022, 3, 1), "counted_fen": 320000, "paid_fen": 200000, "filed_on": None}
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(history).values(**row))
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(bindings).values(id_number=base_claim()["member"]["id_number"], member_id="M-0002"))
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(history).values(**dict(row, claim_id="C-X", seq=9, paid_fen=-1)))
        with store.engine.connect() as conn:
            paid = conn.execute(history.select()).all()
        assert [(r.claim_id, r.paid_fen, type(r.paid_fen)) for r in paid] == [("C-0001", 200000, int)]  # integer fen
    finally:
        store.close()


def test_a_write_the_constraints_refuse_rolls_back_its_whole_transaction_and_the_store_goes_on(url):
    """A decision's statements go to the driver (sqlite3, psycopg; PostgreSQL's writes held back to the
    commit, as one statement): a write a constraint refuses still raises SQLAlchemy's IntegrityError (what
    ``SqlStore.retrying`` decides again), nothing of its transaction is kept, and the next decision is made."""
    from sqlalchemy.exc import IntegrityError

    ledger = SqlLedger(url)
    try:
        ledger.decide(base_claim())
        entry = ledger.history("M-0001")[0]
        with pytest.raises(IntegrityError), ledger.store.transaction(("m", "M-0002")) as tx:
            tx.bind("a number of nobody", "M-0002")
            tx.remember("M-0002", entry)
            tx.remember("M-0002", entry)  # the primary key (member_id, claim_id) refuses it
        with ledger.store.reading() as tx:
            assert tx.holder("a number of nobody") is None and tx.history("M-0002") == ()
        again = base_claim()
        again["claim_id"] = "C-0002"
        assert ledger.decide(again).outcome == "approved"
        assert [e.claim_id for e in ledger.history("M-0001")] == ["C-0001", "C-0002"]
    finally:
        ledger.close()


def test_the_schema_is_the_migrations_and_the_metadata_agrees(url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from mutualaid.ledger import migrate
    from mutualaid.ledger.schema import metadata

    store = SqlStore(url)  # opened twice: upgraded once, then found at head
    SqlStore(url).close()
    try:
        with store.engine.connect() as conn:
            assert migrate.current(conn) == migrate.head()
            diff = compare_metadata(MigrationContext.configure(conn, opts={"version_table": "mutualaid_schema"}), metadata)
        assert diff == []
    finally:
        store.close()


def test_a_store_not_at_the_schema_is_refused_without_migrate_and_upgraded_by_the_command(tmp_path, capsys):
    from mutualaid.cli import main

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(StoreError, match="mutualaid db upgrade"):
        SqlStore(url, migrate=False)
    assert main(["db", "current", url]) == 0 and capsys.readouterr().out.startswith("empty")
    assert main(["db", "upgrade", url]) == 0 and capsys.readouterr().out.startswith("0001")
    SqlStore(url, migrate=False).close()
    assert main(["db", "current", "postgresql+psycopg://nobody@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the store" in err and "Traceback" not in err


def test_urls_and_files_are_told_apart():
    assert is_url("sqlite:///ledger.db") and is_url("postgresql+psycopg://u@h/db")
    assert not is_url("ledger.jsonl") and not is_url("/tmp/x://y")


def _code_or_bytes(line: bytes):
    record = json.loads(line)
    return line if "outcome" in record else tuple(e["code"] for e in record["errors"])


def test_batch_db_decides_as_the_memory_batch_and_a_killed_run_resumes_by_running_again(tmp_path):
    """``batch --db``: the memory batch's bytes (bar the store's own conflict rule); killed with SIGKILL
    midway and run again, it answers what it had decided from the store, byte for byte, entering nothing twice."""
    import signal
    import time

    from mutualaid.batch import run

    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in generated_stream(500, 180, 31)), encoding="utf-8")
    memory, whole = tmp_path / "memory.jsonl", tmp_path / "whole.jsonl"
    run(str(source), str(memory))
    run(str(source), str(whole), db=f"sqlite:///{tmp_path / 'whole.db'}")
    for a, b in zip(memory.read_bytes().splitlines(), whole.read_bytes().splitlines()):
        assert _code_or_bytes(a) == _code_or_bytes(b) or (_code_or_bytes(a), _code_or_bytes(b)) == (("claim_id.already_decided",), ("claim_id.conflict",))
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "mutualaid", "batch", str(source), str(out), "--db", url]
    killed = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    wal = tmp_path / "killed.db-wal"
    deadline = time.monotonic() + 60
    while not (wal.exists() and wal.stat().st_size > 32 << 10):  # a chunk committed
        assert killed.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert not out.exists()
    run(str(source), str(out), db=url, jobs=2)  # resumed, with another number of processes: the same bytes
    assert out.read_bytes() == whole.read_bytes()
    a, b = SqlLedger(url), SqlLedger(f"sqlite:///{tmp_path / 'whole.db'}")
    try:
        assert {m: a.history(m) for m in a.members()} == {m: b.history(m) for m in b.members()}
    finally:
        a.close()
        b.close()


def test_a_ledger_shared_by_threads_answers_outside_a_decision_too(tmp_path):
    """The service shares one SqlLedger between its threads: questions asked outside a decision, from a
    thread that never decided, are answered from the store."""
    from concurrent.futures import ThreadPoolExecutor

    ledger = open_ledger(f"sqlite:///{tmp_path / 'threads.db'}")
    try:
        ledger.decide(base_claim())
        number = base_claim()["member"]["id_number"]
        with ThreadPoolExecutor(4) as pool:
            holders = list(pool.map(lambda _: ledger.holder(number), range(8)))
            pended = list(pool.map(lambda _: ledger.pended("M-0001", "C-0001"), range(8)))
        assert holders == ["M-0001"] * 8 and pended == [None] * 8
    finally:
        ledger.close()
