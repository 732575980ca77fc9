"""Scale benchmark of ``mutualaid batch`` (issue 5): a million claims of 300,000 members, end to end.

    python benchmarks/bench_batch.py [--claims 1000000] [--members 300000] [--jobs 1,2] [--file /tmp/claims-1m.jsonl]
                                     [--no-record] [--ledger] [--spill-after N]

It writes a generated JSON-lines file (once; it is reused while its name and size match), then runs
``mutualaid batch IN OUT --jobs N`` as a subprocess for each N and reports claims per second by the
wall clock and per CPU-second, the peak resident memory of the largest process and of all the
batch's processes together (sampled every 50 ms from /proc), and checks that every run's output is
byte-identical. Targets: at least 15,000 claims/s on one process; a near-linear speed-up with
--jobs; peak memory under 500 MB.

The stream is what a claims backend would feed: claims in filing order, each member's claims over
one to three accidents (top-ups of the same accident, the cap reached by some), claims that pend
for a missing document and are filed again under the same claim_id, and a few lines of bad input.
Each claim is made from its own seed, so the file is generated in constant memory per claim (the
filing-day schedule of all claims is the only thing held). The file is never committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from array import array
from pathlib import Path
from typing import Iterator

sys.path.insert(0, os.path.dirname(__file__))
from bench_adjudicate import CIRCUMSTANCES, CODES, EXCLUDED_CODES, OCCUPATIONS, amount, id_number  # noqa: E402

YEAR = dt.date(2022, 1, 1)
NAMES = ["张三", "李四", "王五", "赵六", "陈七", "周八", "欧阳娜娜"]


def claim_counts(claims: int, members: int, seed: int) -> array:
    """How many claims each member files: mostly one to five, a few many more; exactly ``claims`` in all."""
    rng = random.Random(seed)
    mean = claims / members
    counts = array("i", (max(1, min(15, int(rng.expovariate(1 / mean) + 0.5))) for _ in range(members)))
    total = sum(counts)
    while total < claims:
        m = rng.randrange(members)
        if counts[m] < 15:
            counts[m] += 1
            total += 1
    while total > claims:
        m = rng.randrange(members)
        if counts[m] > 1:
            counts[m] -= 1
            total -= 1
    return counts


def member_plan(m: int, count: int, seed: int) -> tuple[dict, list, list]:
    """A member, their accidents, and for each of their claims (accident index, filed day, refile of)."""
    rng = random.Random(seed * 1_000_003 + m)
    first_day = YEAR + dt.timedelta(days=rng.randint(0, 364))
    ident = id_number(rng)
    member = {
        "member_id": f"M-{m:07d}",
        "name": rng.choice(NAMES),
        "id_number": ident,
        "union_member_since": (first_day - dt.timedelta(days=rng.randint(0, 700))).isoformat() if rng.random() > 0.01 else None,
        "real_name_verified_on": (first_day - dt.timedelta(days=rng.randint(0, 700))).isoformat(),
        "occupation": "not_platform_worker" if rng.random() < 0.01 else rng.choice(OCCUPATIONS),
    }
    accidents = []
    for j in range(min(count, rng.choice([1, 1, 1, 2, 2, 3]))):
        day = first_day if j == 0 else min(YEAR + dt.timedelta(days=364), first_day + dt.timedelta(days=rng.randint(1, 200)))
        accidents.append((f"A-{m:07d}-{j}", day))
    schedule: list = []
    last_filed: dict[int, dt.date] = {}
    k = 0
    while k < count:
        a = k if k < len(accidents) else rng.randrange(len(accidents))
        day = accidents[a][1]
        start = last_filed.get(a, day)
        filed = start + dt.timedelta(days=rng.randint(370, 400) if rng.random() < 0.02 else rng.randint(1, 90))
        schedule.append((a, filed, None))
        last_filed[a] = filed
        k += 1
        if k < count and rng.random() < 0.05:  # this claim pends for a document; it is filed again
            refiled = filed + dt.timedelta(days=rng.randint(3, 40))
            schedule.append((a, refiled, k - 1))
            last_filed[a] = refiled
            k += 1
    return member, accidents, schedule


def claim_body(m: int, k: int, seed: int, member: dict, accident: tuple, filed: dt.date, pends: bool) -> dict:
    """The k-th claim of member m (most are ordinary; every rule of the plan bites in some)."""
    rng = random.Random((seed * 1_000_003 + m) * 64 + k)
    aid, occurred = accident
    span = (filed - occurred).days
    treatments = []
    for t in range(rng.choice([1, 1, 1, 2, 3])):
        items = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            offset = rng.choice([181, 200]) if rng.random() < 0.02 else rng.choice([0, 1, 5, 30, 90, 179, 180])
            on = occurred + dt.timedelta(days=min(offset, span))
            category = rng.choice(["dental", "assistive_device"]) if rng.random() < 0.04 else rng.choice(["treatment"] * 3 + ["medication"])
            item = {"on": on.isoformat(), "category": category, "out_of_pocket": amount(rng), "self_funded": f"{rng.randint(0, 500)}.00"}
            if category == "medication":
                item["medication_use"] = rng.choice(["prescribed"] * 8 + ["otc_as_directed", "self_medicated"])
            items.append(item)
        hospital = {"name": "某市人民医院", "grade": rng.choice([2, 3, 3]), "ownership": "public", "kind": rng.choice(["general"] * 6 + ["tcm", "specialty"])}
        if rng.random() < 0.06:
            hospital.update(rng.choice([{"grade": 1}, {"grade": None}, {"ownership": "private"}, {"kind": "rehabilitation"}]))
        treatments.append(
            {
                "treatment_id": f"T{t + 1}",
                "hospital": hospital,
                "setting": rng.choice(["outpatient", "emergency", "inpatient"]),
                "diagnoses": [rng.choice(EXCLUDED_CODES) if rng.random() < 0.03 else rng.choice(CODES)],
                "items": items,
            }
        )
    name = member["name"]
    claim = {
        "claim_id": f"C-{m:07d}-{k:02d}",
        "filed_on": filed.isoformat(),
        "member": member,
        "accident": {
            "accident_id": aid,
            "occurred_on": occurred.isoformat(),
            "cause": "illness" if rng.random() < 0.01 else "accident",
            "circumstances": [rng.choice(CIRCUMSTANCES)] if rng.random() < 0.02 else [],
        },
        "treatments": treatments,
        "documents": ["invoice", "medical_record"] if pends else ["invoice", "accident_proof", "medical_record"],
        "payee": {"holder_name": "李四" if rng.random() < 0.01 else name, "holder_id_number": member["id_number"], "account_number": "6222020200112233445"},
    }
    if rng.random() < 0.0005:  # a backend's typo: bad input, reported as an error record
        claim["filed_om"] = claim.pop("filed_on")
    return claim


def stream(claims: int, members: int, seed: int = 2022) -> Iterator[dict]:
    """``claims`` claims of about ``members`` members, in filing order (by day, then member)."""
    counts = claim_counts(claims, members, seed)
    days: dict[int, array] = {}
    for m in range(members):
        _, _, schedule = member_plan(m, counts[m], seed)
        for k, (_, filed, _) in enumerate(schedule):
            days.setdefault(filed.toordinal(), array("q")).append(m * 16 + k)
    for day in sorted(days):
        for code in days.pop(day):
            m, k = divmod(code, 16)
            member, accidents, schedule = member_plan(m, counts[m], seed)
            a, filed, refile_of = schedule[k]
            if refile_of is None:
                pends = k + 1 < len(schedule) and schedule[k + 1][2] == k
                yield claim_body(m, k, seed, member, accidents[a], filed, pends)
            else:  # the same claim, with the missing document, sent again later: it keeps its first
                # filed_on (CONTRACT §7, "The first filing"); the stream holds it on the day it is sent
                yield claim_body(m, refile_of, seed, member, accidents[a], schedule[refile_of][1], False)


def write(path: Path, claims: int, members: int, seed: int) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        for n, c in enumerate(stream(claims, members, seed), 1):
            f.write(json.dumps(c, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
            if n % 100_000 == 0:
                print(f"  generated {n:,} claims", file=sys.stderr)
    tmp.replace(path)


# --- measuring -------------------------------------------------------------------------------------


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """(sum, max) resident kB over ``root`` and its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, ppid = int(entry), int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total = top = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        top = max(top, rss.get(pid, 0))
        todo += children.get(pid, [])
    return total, top


def measure(args: list[str], n: int) -> dict:
    """Run the command; return wall and CPU seconds, claims/s, and peak memory (tree sum and largest process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, top = _tree_rss_kb(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], top)
            done.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - w0
    done.set()
    t.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall": wall,
        "cpu": cpu,
        "per_s": n / wall,
        "per_cpu_s": n / cpu,
        "peak_tree_mb": peak[0] / 1024,
        "peak_process_mb": peak[1] / 1024,  # (ru_maxrss of RUSAGE_CHILDREN is the peak over all earlier runs too)
        "summary": err.decode().strip(),
    }


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--members", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--jobs", default="1,2", help="comma-separated process counts to time")
    ap.add_argument("--file", help="the generated input (default: /tmp/mutualaid-bench-<claims>.jsonl)")
    ap.add_argument("--no-record", action="store_true", help="also time batch --no-record (decisions without their replay record)")
    ap.add_argument("--ledger", action="store_true", help="also time batch --ledger (checkpointed, resumable)")
    ap.add_argument(
        "--spill-after", type=int, metavar="N",
        help="also time batch --spill-after N (the history moves to disk after N decided claims: memory stops growing)",
    )  # fmt: skip
    args = ap.parse_args()

    path = Path(args.file or f"/tmp/mutualaid-bench-{args.claims}-{args.members}-{args.seed}.jsonl")
    if not path.exists():
        print(f"writing {args.claims:,} claims of about {args.members:,} members to {path} …", file=sys.stderr)
        t0 = time.perf_counter()
        write(path, args.claims, args.members, args.seed)
        print(f"  done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    size = path.stat().st_size
    print(f"input: {path} ({size / 1e6:,.0f} MB, {args.claims:,} claims)")

    exe = [sys.executable, "-m", "mutualaid.cli", "batch"]
    runs: list[tuple[str, list[str]]] = []
    for jobs in (int(j) for j in args.jobs.split(",")):
        runs.append((f"--jobs {jobs}", ["--jobs", str(jobs)]))
        if args.no_record:
            runs.append((f"--jobs {jobs} --no-record", ["--jobs", str(jobs), "--no-record"]))
        if args.ledger:
            runs.append((f"--jobs {jobs} --ledger", ["--jobs", str(jobs), "--ledger", None]))  # type: ignore[list-item]
        if args.spill_after is not None:
            runs.append((f"--jobs {jobs} --spill-after {args.spill_after}", ["--jobs", str(jobs), "--spill-after", str(args.spill_after)]))
    digests: dict[str, set] = {"plain": set(), "no-record": set()}
    rates: dict[str, float] = {}
    for label, extra in runs:
        out = path.with_suffix(f".out{len(rates)}.jsonl")
        if None in extra:
            ledger = path.with_suffix(".ledger.jsonl")
            ledger.unlink(missing_ok=True)
            extra = [str(ledger) if e is None else e for e in extra]
        r = measure([*exe, str(path), str(out), *extra], args.claims)
        rates[label] = r["per_s"]
        digests["no-record" if "--no-record" in extra else "plain"].add(sha256(out))
        out.unlink()
        print(
            f"batch {label:<20} {r['per_s']:>8,.0f} claims/s wall ({r['wall']:.1f} s), {r['per_cpu_s']:>8,.0f} per CPU-second; "
            f"peak memory {r['peak_process_mb']:.0f} MB largest process, {r['peak_tree_mb']:.0f} MB all processes"
        )
    print("summary (stderr) of the last run:\n  " + r["summary"].replace("\n", "\n  "))
    if "--jobs 1" in rates:
        for label, rate in rates.items():
            if label.startswith("--jobs ") and label != "--jobs 1" and label.count("-") == 2:
                print(f"speed-up {label}: {rate / rates['--jobs 1']:.2f}x")
    same = all(len(d) <= 1 for d in digests.values())
    print("outputs byte-identical across --jobs:", "yes" if same else "NO")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
