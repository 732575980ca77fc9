"""The service under hostile load (issue 21): good requests keep their latency while the worst bodies arrive.

    python benchmarks/bench_hostile.py                          # 60 s of each phase (the figures in docs/server.md)
    python benchmarks/bench_hostile.py --duration 10            # a short run

It starts ``mutualaid serve --workers 2`` (default limits) on a free loopback port and runs:

1. **Hostile phase.** ``--rate`` (500) good requests a second (the claim mix of
   ``bench_server.py``: the seven example stories and one bad claim in 22), open loop, latency from
   when a request was due; ``GET /healthz`` every 20 ms, each on a new connection; and, in another
   process, ``--attackers`` (4) clients sending the worst bodies the limits allow, one after the
   other with no pause: a claim of 100 treatments of 1,000 empty items with 10,000 empty history
   entries (the most errors a 1 MiB body can hold), a ``/v1/replay`` record of the same, a
   ``/v1/batch`` of four 250 KB lines of 60 treatments of 1,000 empty items each, and the issue's
   3.9 MB batch line of 1.3 million empty items. The server's resident memory (all its processes)
   is sampled every 0.2 s: its peak, its idle level before, and its level 5 s after the attack.
   Targets: good requests p99 < 50 ms and no error, ``/healthz`` p99 < 50 ms, the peak under the
   stated bound, and memory back within 10% of idle.
2. **Yardstick phase.** The same good load alone, first to the service, then to
   ``benchmarks/bare_app.py`` (a bare FastAPI app that validates the same ``Claim``, 2 workers):
   requests per CPU-second of each, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_server import _answer, drive, free_port, requests_mix, stop  # noqa: E402

MEMORY_BOUND_MIB = 600
"""The stated bound on the service's resident memory, all processes, 2 workers (docs/server.md)."""


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}


def _wait(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def start_service(workers: int, log) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mutualaid", "serve", "--port", str(port), "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=log, env=_env())
    _wait(port, proc)
    return proc, port


def start_bare(workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "bare_app:app", "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(),
    )  # fmt: skip
    _wait(port, proc)
    return proc, port


def _tree(pid: int) -> dict[int, dict]:
    """``/proc/N/status`` of the server and every process under it (workers, their heavy lanes)."""
    status: dict[int, dict] = {}
    for entry in (e for e in os.listdir("/proc") if e.isdigit()):
        try:
            status[int(entry)] = dict(r.split(":", 1) for r in Path(f"/proc/{entry}/status").read_text().splitlines() if ":" in r)
        except OSError:
            pass
    mine, grew = {pid}, True
    while grew:
        more = {p for p, rows in status.items() if int(rows.get("PPid", "0")) in mine} - mine
        grew = bool(more)
        mine |= more
    return {p: status[p] for p in mine if p in status}


def rss_total(pid: int) -> int:
    """Resident bytes of the server and every process under it."""
    return sum(int(rows.get("VmRSS", "0 kB").split()[0]) << 10 for rows in _tree(pid).values())


def cpu_total(pid: int) -> float:
    """CPU seconds of the server and every process under it."""
    total = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


# --- the attackers (another process) ---------------------------------------------------------------


def worst_bodies() -> list[tuple[str, str, bytes]]:
    """(path, content type, body): the worst bodies the default limits allow."""
    sys.path.insert(0, str(ROOT / "tests"))
    from claimdata import base_claim

    claim = base_claim()
    t = claim["treatments"][0]
    claim["treatments"] = [{**t, "treatment_id": f"T{i}", "items": [{}] * 1000} for i in range(100)]
    envelope = json.dumps({"claim": claim, "history": [{}] * 10_000}, separators=(",", ":")).encode()
    record = json.dumps({"input": {"claim": claim, "history": [{}] * 10_000}, "decision": {"record": {}}}, separators=(",", ":")).encode()
    line_claim = {**claim, "treatments": claim["treatments"][:60]}
    line = json.dumps(line_claim, separators=(",", ":")).encode() + b"\n"
    huge = json.dumps({**claim, "treatments": [{**t, "items": []}]}, separators=(",", ":")).encode().replace(b'"items":[]', b'"items":[' + b"{}," * 1_300_000 + b"{}]") + b"\n"
    assert len(envelope) < 1 << 20 and len(line) < 256 << 10, (len(envelope), len(line))
    return [
        ("/v1/adjudicate", "application/json", envelope),
        ("/v1/replay", "application/json", record),
        ("/v1/batch", "application/x-ndjson", line * 4),
        ("/v1/batch", "application/x-ndjson", huge),
    ]


def attack(port: int, seconds: float, attackers: int) -> None:
    bodies = worst_bodies()
    requests = [f"POST {p} HTTP/1.1\r\nhost: x\r\ncontent-type: {t}\r\ncontent-length: {len(b)}\r\n\r\n".encode() + b for p, t, b in bodies]
    counts: dict = {}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def one(k: int) -> None:
        i = k
        while time.monotonic() < end:
            req = requests[i % len(requests)]
            i += 1
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                    s.sendall(req)
                    s.shutdown(socket.SHUT_WR)
                    answer = b""
                    while chunk := s.recv(1 << 16):
                        answer += chunk
                status = answer[9:12].decode() or "closed"
            except OSError as exc:
                status = type(exc).__name__
            with lock:
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=one, args=(k,)) for k in range(attackers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts))


# --- the measuring side ------------------------------------------------------------------------


async def health(port: int, seconds: float) -> list[float]:
    """``GET /healthz`` every 20 ms on a new connection: each latency, in seconds."""
    out = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            await _answer(reader)
            writer.close()
            out.append(time.perf_counter() - t)
        except (OSError, asyncio.IncompleteReadError):
            out.append(float("inf"))
        await asyncio.sleep(max(0, 0.02 - (time.perf_counter() - t)))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 2)


def sampler(pid: int, stop_at: threading.Event, into: list) -> None:
    while not stop_at.is_set():
        into.append(rss_total(pid))
        time.sleep(0.2)


def hostile_phase(args, mix, tmp: str) -> dict:
    with open(Path(tmp) / "serve.log", "wb") as log:
        proc, port = start_service(args.workers, log)
        try:
            asyncio.run(drive(port, 200, 3, args.connections, mix))  # warm-up
            for path, kind, body in worst_bodies()[:1] * args.workers * 2:  # and each worker's heavy lane
                with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                    s.sendall(f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body)
                    while s.recv(1 << 16):
                        pass
            idle = rss_total(proc.pid)
            samples: list[int] = []
            done = threading.Event()
            watch = threading.Thread(target=sampler, args=(proc.pid, done, samples), daemon=True)
            watch.start()
            attackers = subprocess.Popen([sys.executable, __file__, "--attack", str(port), str(args.duration + 2), str(args.attackers)], stdout=subprocess.PIPE, text=True, env=_env())
            time.sleep(1)  # the attack is under way

            async def both():
                return await asyncio.gather(drive(port, args.rate, args.duration, args.connections, mix), health(port, args.duration))

            good, probes = asyncio.run(both())
            attacked = json.loads(attackers.communicate(timeout=300)[0].strip().splitlines()[-1])
            time.sleep(5)
            after = rss_total(proc.pid)
            done.set()
            watch.join()
        finally:
            stop(proc)
    peak = max(samples)
    return {
        "phase": "hostile", "workers": args.workers, "attackers": args.attackers, "attacker_answers": attacked,
        "good": good, "healthz_p99_ms": pct(probes, 0.99), "healthz_max_ms": pct(probes, 1.0), "healthz_probes": len(probes),
        "rss_idle_mib": idle >> 20, "rss_peak_mib": peak >> 20, "rss_after_mib": after >> 20,
        "targets": {
            "good_p99_under_50ms_no_errors": good["p99_ms"] < 50 and good["errors"] == 0,
            "healthz_p99_under_50ms": pct(probes, 0.99) < 50,
            f"rss_peak_under_{MEMORY_BOUND_MIB}_mib": peak >> 20 < MEMORY_BOUND_MIB,
            "rss_back_within_10pct_of_idle": after <= idle * 1.10,
        },
    }


def yardstick_phase(args, mix, tmp: str) -> dict:
    out = {}
    for name in ("service", "bare_fastapi"):
        if name == "service":
            log = open(Path(tmp) / "yardstick.log", "wb")
            proc, port = start_service(args.workers, log)
        else:
            log = None
            proc, port = start_bare(args.workers)
        try:
            asyncio.run(drive(port, 200, 3, args.connections, mix))
            cpu = cpu_total(proc.pid)
            result = asyncio.run(drive(port, args.rate, args.duration, args.connections, mix))
            used = cpu_total(proc.pid) - cpu
        finally:
            stop(proc)
            if log:
                log.close()
        out[name] = {"req_per_cpu_s": round(result["answered"] / used, 1), "p99_ms": result["p99_ms"], "errors": result["errors"] if name == "service" else None}
    out["ratio"] = round(out["service"]["req_per_cpu_s"] / out["bare_fastapi"]["req_per_cpu_s"], 2)
    return {"phase": "yardstick", **out}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rate", type=float, default=500, help="good requests a second (default 500)")
    p.add_argument("--duration", type=float, default=60, help="seconds of each phase (default 60)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--attackers", type=int, default=4, help="clients sending the worst bodies (default 4)")
    p.add_argument("--connections", type=int, default=32, help="keep-alive connections of the good load (default 32)")
    p.add_argument("--attack", nargs=3, metavar=("PORT", "SECONDS", "CLIENTS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.attack:
        attack(int(args.attack[0]), float(args.attack[1]), int(args.attack[2]))
        return
    mix = requests_mix()
    print(f"# {sys.executable} {' '.join(sys.argv)}  ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(hostile_phase(args, mix, tmp)))
        print(json.dumps(yardstick_phase(args, mix, tmp)))
    print(f"# load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
