"""The service under load on loopback: requests/s, p50/p99 latency and errors, then memory over many requests.

    python benchmarks/bench_server.py                       # 500 req/s for 60 s, 1 then 2 workers; RSS over 100,000 requests
    python benchmarks/bench_server.py --duration 10 --memory 20000    # shorter

For each worker count it starts ``python -m mutualaid serve`` on a free loopback port (its log, one
JSON line a request, goes to a temporary file, as a log would), waits for ``/healthz``, warms it
up, and then sends ``POST /v1/adjudicate`` at a fixed rate (open loop) for ``--duration`` seconds
over ``--connections`` keep-alive connections. A request's latency runs from the moment it was due
to be sent, not from when a connection was free, so a server that falls behind shows it (no
coordinated omission). The load generator is one asyncio loop over raw sockets with prebuilt
requests: it shares the machine's cores with the server, and costs it little.

The claim mix: the seven example stories (``examples/*.yaml``: approved, denied, pending, top-up,
cap exhausted, with their histories), and one request in twenty bad input (an answer of 422).
An answer is an error when its status is not the one that claim gets, or the connection fails.

Then, with one worker, ``--memory`` requests as fast as the connections go, sampling the server's
resident memory (``VmRSS``) twenty times: it must stay flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int, log) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mutualaid", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=log, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def requests_mix() -> list[tuple[bytes, int]]:
    """(the HTTP request, the status it must get): the example stories, and one in twenty bad."""
    sys.path.insert(0, str(ROOT / "src"))
    from mutualaid import read_claim_file

    good = []
    for f in sorted((ROOT / "examples").glob("*.yaml")):
        claim, history = read_claim_file(f)
        good.append(json.dumps({"claim": claim, "history": list(history)}, ensure_ascii=False, default=str).encode())
    bad_claim, _ = read_claim_file(ROOT / "examples" / "courier-fracture.yaml")
    bad_claim["member"]["occupation"] = "pilot"
    bad = json.dumps({"claim": bad_claim}, ensure_ascii=False, default=str).encode()

    def request(body: bytes) -> bytes:
        head = f"POST /v1/adjudicate HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
        return head.encode() + body

    mix = [(request(b), 200) for b in good] * 3  # 21 good
    mix[19:19] = [(request(bad), 422)]  # 1 bad in 22
    return mix


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def drive(port: int, rate: float, seconds: float, connections: int, mix) -> dict:
    """Open-loop load: request i is due at start + i/rate; latency counts from when it was due."""
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    errors = 0
    total = int(rate * seconds)

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            item = await queue.get()
            if item is None:
                break
            due, (req, want) = item
            try:
                writer.write(req)
                status = await _answer(reader)
                if status != want:
                    errors += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append(time.perf_counter() - due)
        writer.close()

    tasks = [asyncio.create_task(client()) for _ in range(connections)]
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, mix[i % len(mix)]))
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "sent": total, "answered": len(latencies), "errors": errors, "seconds": round(elapsed, 1),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2), "p90_ms": round(pct(0.90), 2), "p99_ms": round(pct(0.99), 2), "max_ms": round(latencies[-1] * 1000, 2),
    }


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_cpu(pid: int) -> float:
    """CPU seconds of the server and its worker processes (uvicorn's --workers are its children)."""
    total = _cpu_seconds(pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        total += _cpu_seconds(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return total


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def memory(port: int, pid: int, count: int, connections: int, mix, samples: int = 20) -> list[tuple[int, int]]:
    """(requests done, RSS in KiB) at ``samples`` points over ``count`` closed-loop requests."""
    done = 0
    points = [(0, rss_kib(pid))]
    step = max(1, count // samples)
    lock_next = step

    async def client(k: int) -> None:
        nonlocal done, lock_next
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = k
        while done < count:
            req, _ = mix[i % len(mix)]
            i += connections
            writer.write(req)
            await _answer(reader)
            done += 1
            if done >= lock_next:
                lock_next += step
                points.append((done, rss_kib(pid)))
        writer.close()

    await asyncio.gather(*(client(k) for k in range(connections)))
    return points


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rate", type=float, default=500, help="requests a second (default 500)")
    p.add_argument("--duration", type=float, default=60, help="seconds of load per worker count (default 60)")
    p.add_argument("--workers", default="1,2", help="worker counts to measure, comma-separated (default 1,2)")
    p.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    p.add_argument("--memory", type=int, default=100_000, help="requests of the memory check, one worker; 0 skips it (default 100,000)")
    args = p.parse_args(argv)
    mix = requests_mix()
    print(f"# {sys.executable} {' '.join(sys.argv)}  ({os.cpu_count()} cores, load generator included)")
    with tempfile.TemporaryDirectory() as tmp:
        for workers in [int(w) for w in args.workers.split(",")]:
            with open(Path(tmp) / f"serve-{workers}.log", "wb") as log:
                proc, port = start(workers, log)
                try:
                    asyncio.run(drive(port, 200, 3, args.connections, mix))  # warm-up: every worker, every claim
                    cpu, own = server_cpu(proc.pid), time.process_time()
                    result = asyncio.run(drive(port, args.rate, args.duration, args.connections, mix))
                    result["server_cpu_ms_per_req"] = round((server_cpu(proc.pid) - cpu) * 1000 / result["answered"], 3)
                    result["loadgen_cpu_ms_per_req"] = round((time.process_time() - own) * 1000 / result["answered"], 3)
                    result["machine_load_avg_1m"] = os.getloadavg()[0]
                finally:
                    stop(proc)
            met = "met" if result["p99_ms"] < 25 and result["errors"] == 0 and result["req_per_s"] >= 0.98 * args.rate else "NOT met"
            print(json.dumps({"workers": workers, "target_req_per_s": args.rate, **result, "p99_under_25ms_no_errors": met}))
        if args.memory:
            with open(Path(tmp) / "serve-memory.log", "wb") as log:
                proc, port = start(1, log)
                try:
                    asyncio.run(drive(port, 200, 2, args.connections, mix))
                    points = asyncio.run(memory(port, proc.pid, args.memory, 8, mix))
                finally:
                    stop(proc)
            first, last = points[1][1], points[-1][1]  # from the first sample under load (imports, first decisions done)
            print(json.dumps({"memory_requests": points[-1][0], "rss_kib": [kib for _, kib in points], "growth_kib_after_first_sample": last - first}))


if __name__ == "__main__":
    main()
