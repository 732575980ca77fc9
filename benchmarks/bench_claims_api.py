"""``POST /v1/claims`` (the stateful service on PostgreSQL) against ``/v1/adjudicate`` (stateless), under the same load (issue 22).

    python benchmarks/bench_claims_api.py                       # 2 workers, 10 s a phase
    python benchmarks/bench_claims_api.py --seconds 3 --rate 100 # a short look

One ``mutualaid serve --db postgresql+psycopg://… --workers 2`` on 127.0.0.1, on a PostgreSQL
cluster started for the run with its default settings (``tests/pgcluster.py``), serves both
endpoints; the client runs in this process (asyncio, HTTP/1.1 on raw keep-alive sockets, as in
``bench_server.py``). Each request is a new claim of one of
many members (``benchmarks/bench_batch.py``'s generator), sent to ``/v1/claims`` as it is and to
``/v1/adjudicate`` as ``{"claim": …}`` (no history: the stateless call a backend makes, minus the
history it would have to send).

Two phases an endpoint:

- **throughput**: ``--concurrency`` requests always in flight for ``--seconds``: answers a second;
- **latency at a fixed rate**: ``--rate`` requests a second, sent on schedule whatever the answers
  (an open loop), for ``--seconds``: p50 and p99 of the time to answer.

Printed side by side, with the ratio of the two throughputs. The issue's target: ``/v1/claims``
with 2 workers ≥ 0.3× the stateless endpoint, p99 < 50 ms at 200 requests a second.

Also printed: the CPU time an answer costs in the throughput phase (the service's processes, the
PostgreSQL cluster's and this client's, from ``/proc``), and the ratio of the two. On a machine
others share, the answers a second follow whoever else is running; the CPU an answer takes does
not, and on a quiet 2-core machine (the throughput phase keeps both cores busy) the ratio of the
throughputs tends to the ratio of the CPU an answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_batch import stream  # noqa: E402
from bench_server import _answer  # noqa: E402


def _bodies(n: int) -> list[bytes]:
    """``n`` distinct claims, each its member's only one in the run (so no claim waits on another's lock)."""
    out, seen = [], set()
    for c in stream(4 * n, 4 * n, 2022):
        if c["member"]["member_id"] in seen or c["claim_id"] in seen:
            continue
        seen.add(c["member"]["member_id"])
        out.append(json.dumps(c, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if len(out) == n:
            break
    return out


def _request(path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _throughput(port: int, requests: list[bytes], concurrency: int, seconds: float, statuses: Counter) -> float:
    """Answers a second with ``concurrency`` requests always in flight (a closed loop), each a new claim.

    The client speaks HTTP/1.1 on raw keep-alive sockets (as ``bench_server.py`` does): an HTTP
    library's own cost per request (httpx: about 1 ms of this process's CPU) would be measured instead."""
    todo = iter(requests)
    done = 0
    end = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for req in todo:
            if time.perf_counter() >= end:
                break
            writer.write(req)
            statuses[await _answer(reader)] += 1
            done += 1
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


async def _latency(port: int, requests: list[bytes], rate: float, seconds: float, statuses: Counter) -> list[float]:
    """Open loop: request i is due at start + i/rate, whatever the answers; each time counts from when it was due."""
    queue: asyncio.Queue = asyncio.Queue()
    times: list[float] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (item := await queue.get()) is not None:
            due, req = item
            writer.write(req)
            statuses[await _answer(reader)] += 1
            times.append(time.perf_counter() - due)
        writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(64)]
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = start + i / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, requests[i]))
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    return times


def _tree_cpu(*roots: int) -> float:
    """CPU seconds (user + system) so far of the processes ``roots`` and all their descendants (Linux ``/proc``)."""
    from liveserver import children

    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, list(roots)
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        todo += children(pid)
    return total


def _p(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[q - 1] * 1000 if len(times) > 1 else times[0] * 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    import pgcluster
    from liveserver import start_server, stop_server

    need = int(args.rate * args.seconds) + int(2000 * args.seconds) + 100
    bodies = _bodies(need)
    cluster = pgcluster.start(fast=False)
    try:
        proc, base = start_server("--db", cluster.database("bench"), "--workers", str(args.workers))
        try:
            results = {}
            port = int(base.rsplit(":", 1)[1])
            for name, path, wrap in (("/v1/adjudicate", "/v1/adjudicate", True), ("/v1/claims", "/v1/claims", False)):
                sent = [_request(path, b'{"claim":' + b + b"}" if wrap else b) for b in bodies]
                half = len(sent) // 2
                statuses: Counter = Counter()
                cpu = _tree_cpu(proc.pid, cluster.process.pid) + time.process_time()
                rps = asyncio.run(_throughput(port, sent[:half], args.concurrency, args.seconds, statuses))
                cpu = _tree_cpu(proc.pid, cluster.process.pid) + time.process_time() - cpu
                answers = sum(statuses.values())
                times = asyncio.run(_latency(port, sent[half:], args.rate, args.seconds, statuses))
                results[name] = (rps, _p(times, 50), _p(times, 99), dict(sorted(statuses.items())), cpu / answers * 1000)
        finally:
            stop_server(proc)
    finally:
        cluster.stop()
    print(f"{args.workers} workers, PostgreSQL (defaults), {args.concurrency} in flight for throughput, {args.rate:g}/s for latency, {args.seconds:g} s a phase")
    print(f"{'endpoint':16} {'answers/s':>10} {'CPU ms/answer':>14} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for name, (rps, p50, p99, statuses, cpu) in results.items():
        print(f"{name:16} {rps:10,.0f} {cpu:14.2f} {p50:8.1f} {p99:8.1f}  {statuses}")
    claims, stateless = results["/v1/claims"], results["/v1/adjudicate"]
    print(f"/v1/claims ÷ /v1/adjudicate: {claims[0] / stateless[0]:.2f} (answers a second); {stateless[4] / claims[4]:.2f} (CPU an answer)")


if __name__ == "__main__":
    main()
