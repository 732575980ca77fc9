"""``POST /v1/claims`` (the stateful service on PostgreSQL) against ``/v1/adjudicate`` (stateless), under the same load (issue 22).

    python benchmarks/bench_claims_api.py                       # 2 workers, 10 s a phase
    python benchmarks/bench_claims_api.py --seconds 3 --rate 100 # a short look

One ``mutualaid serve --db postgresql+psycopg://… --workers 2`` on 127.0.0.1, on a PostgreSQL
cluster started for the run with its default settings (``tests/pgcluster.py``), serves both
endpoints; the client runs in this process (asyncio, httpx). Each request is a new claim of one of
many members (``benchmarks/bench_batch.py``'s generator), sent to ``/v1/claims`` as it is and to
``/v1/adjudicate`` as ``{"claim": …}`` (no history: the stateless call a backend makes, minus the
history it would have to send).

Two phases an endpoint:

- **throughput**: ``--concurrency`` requests always in flight for ``--seconds``: answers a second;
- **latency at a fixed rate**: ``--rate`` requests a second, sent on schedule whatever the answers
  (an open loop), for ``--seconds``: p50 and p99 of the time to answer.

Printed side by side, with the ratio of the two throughputs. The issue's target: ``/v1/claims``
with 2 workers ≥ 0.3× the stateless endpoint, p99 < 50 ms at 200 requests a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from bench_batch import stream  # noqa: E402


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


async def _throughput(base: str, path: str, bodies: list[bytes], concurrency: int, seconds: float) -> float:
    done = 0
    at = iter(bodies)
    end = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def one() -> None:
            nonlocal done
            while time.perf_counter() < end:
                body = next(at)
                r = await client.post(path, content=body, headers={"content-type": "application/json"})
                assert r.status_code in (200, 409, 422), r.text
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return done / (time.perf_counter() - start)


async def _latency(base: str, path: str, bodies: list[bytes], rate: float, seconds: float) -> list[float]:
    times: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=512)) as client:

        async def one(body: bytes) -> None:
            t = time.perf_counter()
            r = await client.post(path, content=body, headers={"content-type": "application/json"})
            assert r.status_code in (200, 409, 422), r.text
            times.append(time.perf_counter() - t)

        tasks = []
        start = time.perf_counter()
        for k in range(int(rate * seconds)):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(bodies[k])))
        await asyncio.gather(*tasks)
    return times


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
            for name, path, wrap in (("/v1/adjudicate", "/v1/adjudicate", True), ("/v1/claims", "/v1/claims", False)):
                sent = [b'{"claim":' + b + b"}" for b in bodies] if wrap else bodies
                half = len(sent) // 2
                rps = asyncio.run(_throughput(base, path, sent[:half], args.concurrency, args.seconds))
                times = asyncio.run(_latency(base, path, sent[half:], args.rate, args.seconds))
                results[name] = (rps, _p(times, 50), _p(times, 99))
        finally:
            stop_server(proc)
    finally:
        cluster.stop()
    print(f"{args.workers} workers, PostgreSQL (defaults), {args.concurrency} in flight for throughput, {args.rate:g}/s for latency, {args.seconds:g} s a phase")
    print(f"{'endpoint':16} {'answers/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (rps, p50, p99) in results.items():
        print(f"{name:16} {rps:10,.0f} {p50:8.1f} {p99:8.1f}")
    print(f"/v1/claims ÷ /v1/adjudicate: {results['/v1/claims'][0] / results['/v1/adjudicate'][0]:.2f}")


if __name__ == "__main__":
    main()
