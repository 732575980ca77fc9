"""``mutualaid serve --db`` (issue 22): its endpoints, and races and kills on one store, service workers and ``batch --db`` processes deciding the same claims at once.

The endpoints' tests run on a real server (2 worker processes) on a real SQLite store, one a module,
stopped by its pid; the SQLite race shares it.

On a real PostgreSQL (``postgres`` fixture, ``tests/pgcluster.py``): a service with 2 worker
processes and 2 ``mutualaid batch --db`` processes, while 64 concurrent clients send the claims of
20 members, each claim several times at once (duplicates) and once more at the end (re-sends);
midway one service worker is killed with SIGKILL, and the clients whose requests it held send them
again. The worker with the most connections may hold no request at that instant (idle keep-alive
connections are reopened without an error): then another worker is killed at the half and at two
thirds of the stream, until a client has had a request cut. On SQLite the same, with one ``batch`` process. Afterwards:

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

import copy
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
from claimdata import base_claim, generated_stream  # noqa: E402
from liveserver import ROOT, children, start_server, stop_server  # noqa: E402

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


def _members(lines: list[bytes]) -> set:
    return {route(raw, 1)[1] for raw in lines}


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


def _status(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f, open(f"/proc/{pid}/status") as g:
            return f.read()[:120].decode(errors="replace") + " | " + " ".join(g.read().split("\n")[:8])
    except OSError:
        return "gone"


def _state(pid: int) -> str:
    """A process's state letter (``Z``: a zombie, already dead), or ``""`` once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


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


def _race(url: str, serial_url: str, workers: int, batches: int, tmp_path: Path, service: "Service | None" = None) -> None:
    lines = _stream()
    serial, serial_history = _serial(lines, serial_url)
    own = service is None
    service = service or Service(url, workers)
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
    lanes_of_victim: list[int] = []
    kill_at = [len(lines) // 3, len(lines) // 2, 2 * len(lines) // 3]  # a later point kills again while no request was cut
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
                        if kill_at and sent[0] >= kill_at[0] and not retried:  # midway: SIGKILL one worker, mid-request
                            del kill_at[0]
                            victim = service.busiest()
                            lanes_of_victim.extend(children(victim))  # its heavy lane: it must not outlive it
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
            history = {m: check.history(m) for m in check.members() if m in serial_history or m in _members(lines)}
        finally:
            check.close()
    finally:
        if own:
            service.stop()
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert killed, "no worker was killed"
    assert retried, f"none of the {len(killed)} killed workers held a request: nothing was retried"
    assert lanes_of_victim, "the killed worker had no heavy lane"
    deadline = time.monotonic() + 10
    while (orphans := [p for p in lanes_of_victim if os.path.exists(f"/proc/{p}") and _state(p) != "Z"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not orphans, f"the killed worker's heavy lane lives on: {[(p, _status(p)) for p in orphans]}"
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


# --- the endpoints, one at a time ------------------------------------------------------------------


def _post(url: str, claim) -> httpx.Response:
    body = claim if isinstance(claim, bytes) else json.dumps(claim, ensure_ascii=False).encode("utf-8")
    return httpx.post(url + "/v1/claims", content=body, headers={"content-type": "application/json"}, timeout=30)


def test_a_claim_is_decided_kept_and_answered_again_byte_for_byte(sqlite_service):
    service = sqlite_service.base
    first = _post(service, base_claim())
    assert first.status_code == 200 and first.json()["outcome"] == "approved" and first.json()["payout"] == "2000.00"
    again = _post(service, base_claim())
    assert again.status_code == 200 and again.content == first.content
    stored = httpx.get(service + "/v1/claims/C-0001")
    assert stored.status_code == 200 and stored.content == first.content
    member = httpx.get(service + "/v1/members/M-0001").json()
    assert [e["claim_id"] for e in member["history"]] == ["C-0001"]
    cap = next(c for c in member["caps"] if c["edition"] == "gd-nef-2022")
    assert (cap["used"], cap["cap"]) == ("2000.00", "10000.00") and cap["left"] == "8000.00"


def test_other_content_under_a_decided_claim_id_is_409_and_changes_nothing(sqlite_service):
    service = sqlite_service.base
    _post(service, base_claim())
    changed = base_claim()
    changed["treatments"][0]["items"][0]["out_of_pocket"] = "9000.00"
    answer = _post(service, changed)
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "claim_conflict" and [e["code"] for e in body["errors"]] == ["claim_id.conflict"]
    assert [e["claim_id"] for e in httpx.get(service + "/v1/members/M-0001").json()["history"]] == ["C-0001"]


def test_the_cap_is_kept_across_requests(sqlite_service):
    """Six accidents that would each pay 2,000.00: the store's history stops the payments at the cap (10,000.00)."""
    service = sqlite_service.base
    paid = 0
    for n in range(6):
        claim = base_claim()
        claim["member"] = dict(claim["member"], member_id="M-CAP", id_number="440106198501010015")
        claim["payee"] = dict(claim["payee"], holder_id_number="440106198501010015")
        claim["claim_id"], claim["accident"] = f"CAP-{n}", dict(claim["accident"], accident_id=f"A-CAP-{n}")
        answer = _post(service, claim)
        assert answer.status_code == 200, answer.text
        paid += int(answer.json()["payout"].replace(".", ""))
    assert paid == 1_000_000  # fen: the cap, not 1,200,000
    cap = next(c for c in httpx.get(service + "/v1/members/M-CAP").json()["caps"] if c["edition"] == "gd-nef-2022")
    assert cap["left"] == "0.00"


def test_bad_input_is_422_naming_fields_and_unknowns_are_404(sqlite_service):
    service = sqlite_service.base
    bad = copy.deepcopy(base_claim())
    bad["claim_id"] = "C-BAD"
    bad["filed_on"] = "2022-02-01"  # before the accident
    answer = _post(service, bad)
    assert answer.status_code == 422 and "filed_on" in [e["field"] for e in answer.json()["errors"]]
    assert _post(service, b"{not json").status_code == 422
    assert httpx.get(service + "/v1/claims/C-BAD").status_code == 404  # bad input keeps nothing
    assert httpx.get(service + "/v1/claims/NOPE").status_code == 404
    assert httpx.get(service + "/v1/members/M%20-1").status_code == 404


def test_a_claim_id_of_two_members_needs_the_member(sqlite_service):
    service = sqlite_service.base
    other = base_claim()
    other["member"] = dict(other["member"], member_id="M-0002", id_number="440106198501010023")
    other["payee"] = dict(other["payee"], holder_id_number="440106198501010023")
    assert _post(service, base_claim()).status_code == 200
    assert _post(service, other).status_code == 200
    assert httpx.get(service + "/v1/claims/C-0001").status_code == 409
    mine = httpx.get(service + "/v1/claims/C-0001", params={"member_id": "M-0002"})
    assert mine.status_code == 200 and mine.json()["claim_id"] == "C-0001"


# --- the races -------------------------------------------------------------------------------------


def test_races_and_a_killed_worker_on_postgresql(postgres, tmp_path):
    _race(postgres.database(), f"sqlite:///{tmp_path / 'serial.db'}", workers=2, batches=2, tmp_path=tmp_path)


@pytest.fixture(scope="module")
def sqlite_service(tmp_path_factory):
    """One ``serve --db sqlite:///…`` with 2 worker processes for the module (the endpoints' tests and the SQLite race)."""
    folder = tmp_path_factory.mktemp("claims-api")
    url = f"sqlite:///{folder / 'ledger.db'}"
    service = Service(url, 2)
    service.db = url
    try:
        yield service
    finally:
        service.stop()


def test_races_and_a_killed_worker_on_sqlite(sqlite_service, tmp_path):
    """The same on SQLite: the service's 2 worker processes and a batch process (the stream's members
    only: the endpoints' tests of this module share the store, with members of their own)."""
    _race(sqlite_service.db, f"sqlite:///{tmp_path / 'serial.db'}", workers=2, batches=1, tmp_path=tmp_path, service=sqlite_service)
