"""Races and kills on one store (issue 22): service workers and ``batch --db`` processes deciding the same claims at once.

On a real PostgreSQL (``postgres`` fixture, ``tests/pgcluster.py``): a service with 2 worker
processes and 2 ``mutualaid batch --db`` processes, while 64 concurrent clients send the claims of
20 members, each claim several times at once (duplicates) and once more at the end (re-sends);
midway one service worker is killed with SIGKILL, and the clients whose requests it held send them
again. On SQLite the same, with one ``batch`` process. Afterwards:

- no member is over the cap (per edition period, from the store's history);
- no claim is entered (or paid) twice, and every answer to one claim's content is the same bytes;
- each member's history, and every answer, equals a serial run's (one process deciding the
  stream in order through the same store code, on a fresh SQLite database: the serial run is the
  reference, the stores under test are PostgreSQL and SQLite).

Clients keep each member's claims in filing order (the next is sent when the last is answered),
as a claims platform does; members that share a 身份证 number are one lane (who binds it first
depends on that order). The batch processes read the stream in the same order. So whichever
process decides a claim, the history it sees is the serial run's: what races is the duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
import httpx  # noqa: E402
from claimdata import generated_stream  # noqa: E402
from liveserver import ROOT, start_server, stop_server  # noqa: E402

from mutualaid.batch import route  # noqa: E402
from mutualaid.edition import editions  # noqa: E402
from mutualaid.errors import InvalidClaim  # noqa: E402
from mutualaid.facts import fen  # noqa: E402
from mutualaid.ledger.sql import SqlLedger  # noqa: E402

CLAIMS, MEMBERS, SEED = 64, 20, 22
COPIES = 3  # each claim sent this many times at once
CLIENTS = 64


def _stream() -> list[bytes]:
    return [json.dumps(c, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for c in generated_stream(CLAIMS, MEMBERS, SEED)]


def _lanes(lines: list[bytes]) -> list[list[int]]:
    """Line indexes by member, members sharing a 身份证 number joined into one lane; each lane in stream order."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys = []
    for raw in lines:
        _, member, number = route(raw, 1)
        key = ("m", member)
        find(key)
        if number is not None:
            parent[find(("n", number))] = find(key)
        keys.append(key)
    lanes: dict = {}
    for i, key in enumerate(keys):
        lanes.setdefault(find(key), []).append(i)
    return list(lanes.values())


def _serial(lines: list[bytes], url: str) -> tuple[list, dict]:
    """Every line's answer ("ok", bytes) or ("refused", codes), and every member's history, deciding in order."""
    ledger = SqlLedger(url)
    try:
        answers = []
        for raw in lines:
            try:
                answers.append(("ok", ledger.decide_answer(json.loads(raw))[1]))
            except InvalidClaim as exc:
                answers.append(("refused", tuple(sorted(e.code for e in exc.errors))))
        return answers, {m: ledger.history(m) for m in ledger.members()}
    finally:
        ledger.close()


class Service:
    """A ``serve --db`` with worker processes; one can be killed, and uvicorn's supervisor starts another."""

    def __init__(self, url: str, workers: int) -> None:
        self.proc, self.base = start_server("--db", url, "--workers", str(workers))

    def workers(self) -> list[int]:
        """The worker processes' pids (the supervisor's children that run ``spawn_main``, not its resource tracker)."""
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            children = [int(p) for p in f.read().split()]
        found = []
        for pid in children:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"spawn_main" in f.read():
                        found.append(pid)
            except OSError:  # gone meanwhile
                pass
        return found

    def busiest(self) -> int:
        """The worker holding the most sockets (the clients' connections): the one to kill mid-request."""

        def sockets(pid: int) -> int:
            try:
                return sum(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:") for fd in os.listdir(f"/proc/{pid}/fd"))
            except OSError:
                return -1

        return max(self.workers(), key=sockets)

    def stop(self) -> None:
        stop_server(self.proc)


def _answer(response: httpx.Response) -> tuple:
    if response.status_code == 200:
        return ("ok", response.content)
    assert response.status_code in (409, 422), response.text
    return ("refused", tuple(sorted(e["code"] for e in response.json()["errors"])))


def _send(client: httpx.Client, base: str, raw: bytes, retried: list) -> tuple:
    """POST a claim; a request cut by a killed worker is sent again (the retry must get the same decision)."""
    for _ in range(50):
        try:
            return _answer(client.post(base + "/v1/claims", content=raw, headers={"content-type": "application/json"}))
        except httpx.TransportError:
            retried.append(raw)
            time.sleep(0.2)
    raise AssertionError("the service did not answer a claim in 50 tries")


def _race(url: str, serial_url: str, workers: int, batches: int, tmp_path: Path) -> None:
    lines = _stream()
    serial, serial_history = _serial(lines, serial_url)
    service = Service(url, workers)
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(raw + b"\n" for raw in lines))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    runs = [
        subprocess.Popen([sys.executable, "-m", "mutualaid", "batch", str(source), str(tmp_path / f"out{k}.jsonl"), "--db", url], env=env, stderr=subprocess.PIPE)
        for k in range(batches)
    ]
    answers: dict[int, list] = {i: [] for i in range(len(lines))}
    retried: list = []
    sent = [0]
    killed: list[int] = []
    lock = threading.Lock()
    try:
        with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=CLIENTS)) as client, ThreadPoolExecutor(CLIENTS) as pool:

            def lane(indexes: list[int]) -> None:
                for i in indexes:
                    copies = [pool.submit(_send, client, service.base, lines[i], retried) for _ in range(COPIES)]
                    got = [c.result() for c in copies]
                    with lock:
                        answers[i] += got
                        sent[0] += 1
                        if not killed and sent[0] >= len(lines) // 3:  # midway: SIGKILL one worker, mid-request
                            victim = service.busiest()
                            os.kill(victim, signal.SIGKILL)
                            killed.append(victim)

            with ThreadPoolExecutor(MEMBERS + 4) as lanes:
                for done in [lanes.submit(lane, ix) for ix in _lanes(lines)]:
                    done.result()
            for i, raw in enumerate(lines):  # re-sent, once everything is decided
                answers[i].append(_send(client, service.base, raw, retried))
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err.decode()
        check = SqlLedger(url)
        try:
            history = {m: check.history(m) for m in check.members()}
        finally:
            check.close()
    finally:
        service.stop()
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert killed, "no worker was killed"
    assert retried, "the killed worker held no request: nothing was retried"
    for k in range(batches):  # the batch processes' answers: each line as the serial run answered it
        out = (tmp_path / f"out{k}.jsonl").read_bytes().splitlines()
        assert len(out) == len(lines)
        for i, got in enumerate(out):
            record = json.loads(got)
            if "outcome" in record:
                answers[i].append(("ok", got))
            else:
                answers[i].append(("refused", tuple(sorted(e["code"] for e in record["errors"]))))
    for i in range(len(lines)):
        assert set(answers[i]) == {serial[i]}, (i, lines[i][:80], set(answers[i]), serial[i])
    assert history == serial_history  # each member's history, entry by entry, in the same order
    for member, entries in history.items():
        ids = [e.claim_id for e in entries]
        assert len(ids) == len(set(ids)), member  # nothing entered (paid) twice
        for edition_id in editions.ids():
            edition = editions.get(edition_id)
            paid = sum(fen(e.paid) for e in entries if edition.period.start <= e.accident_occurred_on <= edition.period.end)
            assert paid <= edition.cap_fen, (member, edition_id, paid)
    assert sum(1 for a in serial if a[0] == "ok") > CLAIMS // 2  # the stream decides, not only refuses


def test_races_and_a_killed_worker_on_postgresql(postgres, tmp_path):
    _race(postgres.database(), f"sqlite:///{tmp_path / 'serial.db'}", workers=2, batches=2, tmp_path=tmp_path)


def test_races_and_a_killed_worker_on_sqlite(tmp_path):
    _race(f"sqlite:///{tmp_path / 'race.db'}", f"sqlite:///{tmp_path / 'serial.db'}", workers=2, batches=1, tmp_path=tmp_path)
