"""Fault injection (issue 13): ``batch --ledger`` killed with SIGKILL at random points, many times.

For each of ``--jobs`` 1 and 2, with the history in memory and spilled to disk (``--spill-after``
small): a run is started, sometimes a second run of the same command is started against the same
ledger while it works (it must refuse, exit 2, and change nothing), and the first is killed at a
random moment (a random delay, or once the ledger has grown to a random size). The command is run
again until it finishes. The final OUT and ledger must be byte-identical to an uninterrupted run's,
and in them no member is over the cap and no claim is entered (so paid) twice.

Bounded: a fixed number of kills per configuration (``MUTUALAID_FAULT_KILLS``, 4; more by hand), seeded, every process
waited for with a timeout.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from mutualaid.batch import partial_of
from test_batch import write_stream
from test_batch_safety import _no_one_over_the_cap

KILLS = int(os.environ.get("MUTUALAID_FAULT_KILLS", 4))  # more, by hand, to hunt
CLI = [sys.executable, "-m", "mutualaid.cli", "batch"]
TIMEOUT = 120


@pytest.fixture(scope="module")
def stream(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "claims.jsonl"
    write_stream(path, 600, 100, seed=13)
    return path


def _command(src: Path, folder: Path, jobs: int, spill: int | None) -> list[str]:
    cmd = [*CLI, str(src), str(folder / "out.jsonl"), "--ledger", str(folder / "ledger.jsonl"), "--checkpoint-every", "64",
           "--jobs", str(jobs)]  # fmt: skip
    return cmd + (["--spill-after", str(spill)] if spill is not None else [])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("jobs, spill", [(1, None), (2, None), (1, 40), (2, 40)])
def test_killed_anywhere_any_number_of_times_the_run_ends_byte_identical(stream, tmp_path, jobs, spill):
    folder = tmp_path / "run"
    folder.mkdir()
    cmd = _command(stream, folder, jobs, spill)
    started = time.monotonic()
    reference = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
    took = time.monotonic() - started
    assert reference.returncode == 0, reference.stderr
    want_out, want_ledger = (folder / "out.jsonl").read_bytes(), (folder / "ledger.jsonl").read_bytes()
    assert b'{"pended":' in want_ledger  # first filings of pended claims are among what each kill may tear (issue 20)
    _sound(folder / "ledger.jsonl", folder / "out.jsonl")
    shutil.rmtree(folder)
    folder.mkdir()

    rng = random.Random(f"{jobs}-{spill}")
    kills = finished = 0
    for attempt in range(8 * KILLS + 8):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kills < KILLS:
            if rng.random() < 0.5:
                time.sleep(rng.uniform(0, took))
            else:  # once the ledger has grown to a random size: somewhere inside the run's writing
                target, deadline = rng.uniform(0, len(want_ledger)), time.monotonic() + TIMEOUT
                while _size(folder / "ledger.jsonl") < target and proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.002)
            if rng.random() < 0.3 and proc.poll() is None:  # the same command, started again meanwhile
                second = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
                assert second.returncode in (0, 2), second.stderr
                if second.returncode == 2:
                    assert b"in use by another" in second.stderr, second.stderr
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
        code = proc.wait(timeout=TIMEOUT)
        err = proc.stderr.read()
        proc.stderr.close()
        if code == 0:
            assert (folder / "out.jsonl").read_bytes() == want_out
            assert (folder / "ledger.jsonl").read_bytes() == want_ledger
            assert not Path(partial_of(str(folder / "out.jsonl"))).exists()
            finished += 1
            if kills >= KILLS:
                break
            shutil.rmtree(folder)  # finished before enough kills: again from the start
            folder.mkdir()
            continue
        assert code in (-signal.SIGKILL, 2), err  # killed, or refused while the killed run's workers still held on
        if code == 2:
            assert b"in use by another" in err, err
            time.sleep(0.6)  # a killed run's workers end within half a second
    else:
        raise AssertionError(f"the run did not finish after {kills} kills")
    assert kills >= KILLS and finished >= 1


def _sound(ledger: Path, out: Path) -> None:
    """No claim entered twice, no member over the cap, and the ledger pays what OUT says."""
    paid = _no_one_over_the_cap(ledger)
    decisions = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert paid and sum(Decimal(d["payout"]) for d in decisions if "payout" in d) == sum(paid.values())
