"""What ``mutualaid batch``'s fsyncs cost (issue 13: measure the cost of any fsync added).

    python benchmarks/bench_fsync.py [--claims 100000] [--members 30000] [--file /tmp/claims-100k.jsonl]
                                     [--checkpoint-every 10000] [--dir /tmp]

Runs the batch in this process on the scale benchmark's stream (``benchmarks/bench_batch.py``
writes it once), without and with ``--ledger``, with ``os.fsync`` wrapped to count its calls and
time them. Without a ledger, OUT is fsynced once, before it is renamed into place (a rename that
survives a power loss must not point at data still in the page cache); with a ledger, OUT and the
ledger are fsynced at every checkpoint and at the end, and the folder after the rename. It prints
each run's wall time, the fsyncs' share of it, and what a run with fsync turned into a no-op takes.
``--dir`` is where OUT and the ledger go (the disk being measured).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

from mutualaid import batch  # noqa: E402


class Timed:
    """``os.fsync``, counted and timed (or skipped, to see the run without it)."""

    def __init__(self, real, skip: bool = False) -> None:
        self.real, self.skip = real, skip
        self.calls, self.seconds = 0, 0.0

    def __call__(self, fd: int) -> None:
        self.calls += 1
        if self.skip:
            return
        start = time.perf_counter()
        self.real(fd)
        self.seconds += time.perf_counter() - start


def stream_file(path: Path, claims: int, members: int) -> Path:
    if not path.exists():
        from bench_batch import stream

        with open(path, "w", encoding="utf-8") as fp:
            for c in stream(claims, members):
                fp.write(json.dumps(c, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def measure(src: Path, folder: Path, ledger: bool, every: int, skip: bool) -> tuple[float, Timed]:
    out, led = folder / "bench-fsync-out.jsonl", folder / "bench-fsync-ledger.jsonl"
    for p in (out, led):
        if p.exists():
            p.unlink()
    timed = Timed(os.fsync, skip)
    real, os.fsync = os.fsync, timed  # the batch calls os.fsync by name
    try:
        start = time.perf_counter()
        batch.run(str(src), str(out), ledger=str(led) if ledger else None, checkpoint_every=every, stderr=io.StringIO())
        wall = time.perf_counter() - start
    finally:
        os.fsync = real
    for p in (out, led):
        if p.exists():
            p.unlink()
    return wall, timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=30_000)
    ap.add_argument("--file", default=None)
    ap.add_argument("--checkpoint-every", type=int, default=10_000)
    ap.add_argument("--dir", default="/tmp")
    args = ap.parse_args()
    src = stream_file(Path(args.file or f"/tmp/claims-{args.claims // 1000}k.jsonl"), args.claims, args.members)
    folder = Path(args.dir)
    for ledger in (False, True):
        name = "with --ledger" if ledger else "without a ledger"
        wall, timed = measure(src, folder, ledger, args.checkpoint_every, skip=False)
        bare, _ = measure(src, folder, ledger, args.checkpoint_every, skip=True)
        print(
            f"{name:>17}: {wall:6.1f} s, of which {timed.calls} fsyncs {timed.seconds:5.2f} s "
            f"({timed.seconds / wall:.1%}, {timed.seconds / args.claims * 1e6:.1f} µs a claim); "
            f"with fsync a no-op: {bare:6.1f} s"
        )


if __name__ == "__main__":
    main()
