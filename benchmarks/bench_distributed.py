"""Scaling of ``mutualaid.distributed.batch`` on this machine: a local Dask cluster of 1 worker against 2.

    python benchmarks/bench_distributed.py [--claims 40000] [--members 12000] [--workers 1,2] [--partitions N] [--file /tmp/claims-40k.jsonl]

It writes a generated JSON-lines stream (``bench_batch.py``'s generator; reused while its name and size
match), runs ``mutualaid batch IN OUT`` once as the reference (a subprocess, one process), then for each
worker count starts a ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)`` and times
``distributed.batch(IN, OUT)`` on it, twice: the first run warms the workers (importing mutualaid and
compiling the edition's rules, once per worker process); the second is the figure. Every output is
checked byte for byte against the reference. Reported: claims per second by the wall clock, the
speed-up over one worker, and the CPU seconds the workers and the client spent (on a shared machine
the wall clock also counts others' jobs; the CPU seconds do not).

The client reads IN, groups lines by member and merges the answers (one process, in any cluster); the
workers decide. So the speed-up is bounded by the client's share of the time ("client: reading and
grouping" times :func:`mutualaid.distributed.partition` alone).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import bench_batch  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--claims", type=int, default=40_000)
    p.add_argument("--members", type=int, default=12_000)
    p.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    p.add_argument("--partitions", type=int, default=None, help="tasks (default: four per worker thread)")
    p.add_argument("--file", default=None, help="where the generated stream is kept (default /tmp/claims-<N>.jsonl)")
    args = p.parse_args()

    from distributed import Client, LocalCluster

    from mutualaid import distributed as md

    src = Path(args.file or f"/tmp/claims-{args.claims}-{args.members}.jsonl")
    if not src.exists():
        print(f"generating {args.claims:,} claims of {args.members:,} members into {src}", file=sys.stderr)
        bench_batch.write(src, args.claims, args.members, 2022)
    lines = sum(1 for _ in open(src, "rb"))
    ref = src.with_suffix(".batch.out")
    env = {**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(__file__), "..", "src")}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mutualaid.cli", "batch", str(src), str(ref)], check=True, env=env, stderr=subprocess.DEVNULL)
    batch_s = time.perf_counter() - t
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{lines:,} claims, {os.cpu_count()} cores; mutualaid batch (1 process, incl. start-up): {batch_s:.2f} s, {lines / batch_s:,.0f} claims/s")

    t = time.perf_counter()
    numbered = [(n, raw) for n, raw in enumerate(open(src, "rb"), 1) if not raw.isspace()]
    md.partition(numbered, 8)
    client_s = time.perf_counter() - t
    print(f"client: reading and grouping by member: {client_s:.2f} s")

    first = None
    for n in (int(x) for x in args.workers.split(",")):
        out = src.with_suffix(f".dask{n}.out")
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
            t = time.perf_counter()
            md.batch(str(src), str(out), client=client, partitions=args.partitions)
            warm_s = time.perf_counter() - t
            before, cpu = client.run(time.process_time), time.process_time()
            t = time.perf_counter()
            md.batch(str(src), str(out), client=client, partitions=args.partitions)
            run_s = time.perf_counter() - t
            cpu = time.process_time() - cpu
            workers_cpu = sum(v - before[k] for k, v in client.run(time.process_time).items())
        same = filecmp.cmp(ref, out, shallow=False)
        first = first or run_s
        print(
            f"{n} worker{'s' if n > 1 else ' '}: {run_s:.2f} s, {lines / run_s:,.0f} claims/s, speed-up {first / run_s:.2f}x; "
            f"CPU: workers {workers_cpu:.2f} s ({lines / workers_cpu:,.0f} claims per worker CPU-second), client {cpu:.2f} s "
            f"(first run, warming the workers: {warm_s:.2f} s); output {'identical to' if same else 'DIFFERS from'} mutualaid batch's"
        )
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
