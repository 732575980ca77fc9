"""The library against a plain hand-written adjudicator (issue 14's yardstick), side by side in one process.

    python benchmarks/bench_yardstick.py [--claims 2000] [--rounds 7] [--check]

The yardstick (``benchmarks/yardstick.py``) takes the same dicts, validates nothing and explains
nothing, with the holiday and ICD-10 lookups cached as the library caches them. Absolute times on
this shared machine vary 2-3x from run to run, so every figure here is a ratio or a slope measured
in alternating rounds in one process, and the median round is reported.

It prints:

1. throughput on a realistic mix (two treatments, about five items and four reasons a claim, some
   history): the library's ``adjudicate(claim, history).model_dump(mode="json")`` against the
   yardstick's ``decide(claim, history)``, and their ratio (issue 14's target: at least 1.0);
2. what each history entry adds (claims with 0, 10, 100 and 1,000 entries; target at most 4 µs);
3. what each item adds (claims with 1, 5, 20 and 50 items; target at most 6 µs);
4. where a library decision's time goes, step by step.

``--check`` first shows that both decide every claim of the mix alike (outcome and payout).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

import yardstick  # noqa: E402

from mutualaid import adjudicate  # noqa: E402
from mutualaid.idcard import check_digit  # noqa: E402

COUNTING = ["S82.2", "S82.201", "S06.0", "S06.000x001", "S52.5", "S62.3", "T79.3", "S42.0", "S83.5", "S93.4", "S61.0"]
EXCLUDED = ["M51.2", "K02.1", "S02.5", "A41.9", "O80", "F32.0", "S33.0"]


def _id(rng: random.Random) -> str:
    body = f"4401{rng.randint(0, 99):02d}{rng.randint(1960, 1989)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + check_digit(body)


def claim(rng: random.Random, n: int, *, treatments: int = 2, items: int | None = None, entries: int | None = None) -> tuple[dict, list]:
    """A realistic claim: ``treatments`` treatments of 1–4 items (or exactly ``items`` in all), and history.

    About one reason in ten denies or pends; items outside the window, dental items, a private or
    rehabilitation hospital and an excluded diagnosis turn up as they do in a year of claims.
    """
    occurred = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
    filed = occurred + dt.timedelta(days=rng.randint(190, 250))
    ident, name = _id(rng), rng.choice(["张三", "李四", "王五", "赵六"])
    per = [items // treatments + (k < items % treatments) for k in range(treatments)] if items is not None else None
    ts = []
    for k in range(treatments):
        hospital = {"name": "某市人民医院", "grade": rng.choice([2, 3, 3]), "ownership": "public", "kind": "general"}
        if rng.random() < 0.25:
            hospital.update(rng.choice([{"grade": 1}, {"ownership": "private"}, {"kind": "rehabilitation"}]))
        its = []
        for _ in range(per[k] if per else rng.randint(1, 4)):
            offset = rng.choice([0, 3, 30, 90, 180, 181, 185]) if rng.random() < 0.5 else rng.randint(0, 150)
            category = rng.choice(["treatment", "treatment", "medication", "dental"])
            it = {"on": (occurred + dt.timedelta(days=offset)).isoformat(), "category": category, "out_of_pocket": f"{rng.uniform(20, 2500):.2f}"}
            if category == "medication":
                it["medication_use"] = rng.choice(["prescribed", "prescribed", "self_medicated"])
            its.append(it)
        primary = rng.choice(EXCLUDED) if rng.random() < 0.15 else rng.choice(COUNTING)
        ts.append({"treatment_id": f"T{k + 1}", "hospital": hospital, "setting": "inpatient", "diagnoses": [primary, rng.choice(COUNTING)], "items": its})
    c = {
        "claim_id": f"C-{n:07d}",
        "filed_on": filed.isoformat(),
        "member": {"member_id": f"M-{n:07d}", "name": name, "id_number": ident, "union_member_since": "2021-01-01",
                   "real_name_verified_on": "2021-01-01", "occupation": "courier"},
        "accident": {"accident_id": f"A-{n:07d}", "occurred_on": occurred.isoformat(), "cause": "accident", "circumstances": []},
        "treatments": ts,
        "documents": ["invoice", "medical_record"] if rng.random() < 0.1 else ["invoice", "accident_proof", "medical_record"],
        "payee": {"holder_name": name, "holder_id_number": ident, "account_number": "6222020200112233445"},
    }
    history = []
    count = entries if entries is not None else rng.choice([0, 0, 1, 2])
    for h in range(count):
        paid = 0 if entries is not None else rng.choice([0, 200, 500])
        history.append({
            "claim_id": f"H-{n}-{h}", "accident_id": c["accident"]["accident_id"] if h == 0 and rng.random() < 0.5 else f"A-{n}-{h}",
            "accident_occurred_on": occurred.isoformat(), "counted_out_of_pocket": f"{paid * 2}.00", "paid": f"{paid}.00",
        })
    return c, history


def library(batch) -> None:
    for c, h in batch:
        adjudicate(c, h).model_dump(mode="json")


def plain(batch) -> None:
    for c, h in batch:
        yardstick.decide(c, h)


def rounds(batches: dict, fns: dict, n_rounds: int) -> dict:
    """µs per claim for each (batch, fn), median over alternating rounds."""
    times: dict = {(b, f): [] for b in batches for f in fns}
    for _ in range(n_rounds):
        for b, batch in batches.items():
            for f, fn in fns.items():
                t0 = time.process_time()
                fn(batch)
                times[(b, f)].append((time.process_time() - t0) / len(batch) * 1e6)
    return {k: statistics.median(v) for k, v in times.items()}


def steps(batch) -> dict:
    """µs per claim in each step of a library decision, on the same claims."""
    from mutualaid.decide import assemble, record_of
    from mutualaid.engine import engine_for
    from mutualaid.rules import rules_for
    from mutualaid.validate import parse

    out = dict.fromkeys(["validate (models, cross-field, history)", "match (the compiled pass)", "explain + assemble", "record (input hash)", "model_dump(mode='json')"], 0.0)
    keys = list(out)
    for c, h in batch:
        t0 = time.process_time()
        model, entries, edition = parse(c, h)
        t1 = time.process_time()
        eng = engine_for("native", rules_for(edition), edition)
        matched = eng.match(model, entries)
        t2 = time.process_time()
        rec = record_of(model, entries, edition)
        t3 = time.process_time()
        d = assemble(model.claim_id, edition, matched, eng, rec)
        t4 = time.process_time()
        d.model_dump(mode="json")
        t5 = time.process_time()
        for k, dt_ in zip(keys, (t1 - t0, t2 - t1, t4 - t3, t3 - t2, t5 - t4)):
            out[k] += dt_
    return {k: v / len(batch) * 1e6 for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=2000, help="claims in the realistic mix")
    ap.add_argument("--rounds", type=int, default=7, help="alternating rounds; the median is reported")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--check", action="store_true", help="first show that both decide the mix alike")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(args.seed)
    mix = [claim(rng, n) for n in range(args.claims)]
    library(mix[:200]), plain(mix[:200])  # warm-up: editions, compiled rules, caches

    if args.check:
        differ = [c["claim_id"] for c, h in mix if (lambda d, y: (d.outcome, int(d.payout * 100)) != y[:2])(adjudicate(c, h), yardstick.decide(c, h))]
        print(f"check: {len(mix) - len(differ)} of {len(mix)} claims decided alike" + (f"; differ: {differ[:5]}" if differ else ""))

    reasons = sum(len(adjudicate(c, h).reasons) for c, h in mix) / len(mix)
    items = sum(len(t["items"]) for c, _ in mix for t in c["treatments"]) / len(mix)
    entries = sum(len(h) for _, h in mix) / len(mix)
    r = rounds({"mix": mix}, {"library": library, "yardstick": plain}, args.rounds)
    lib, yard = r[("mix", "library")], r[("mix", "yardstick")]
    print(f"1. realistic mix ({len(mix):,} claims; 2 treatments, {items:.1f} items, {reasons:.1f} reasons, {entries:.1f} history entries a claim)")
    print(f"   library {lib:7.1f} µs a claim ({1e6 / lib:,.0f}/s)   yardstick {yard:6.1f} µs ({1e6 / yard:,.0f}/s)   throughput ratio library/yardstick {yard / lib:.2f}x (target ≥ 1.0)")

    for label, sizes, make, target in (
        ("history entries", (0, 10, 100, 1000), lambda k, n: claim(rng, n, entries=k), 4.0),
        ("items", (1, 5, 20, 50), lambda k, n: claim(rng, n, treatments=1, items=k), 6.0),
    ):
        count = 60
        batches = {k: [make(k, 10_000 + k * 100 + n) for n in range(count)] for k in sizes}
        r = rounds(batches, {"library": library, "yardstick": plain}, max(3, args.rounds // 2))
        lo, hi = sizes[0], sizes[-1]
        print(f"{2 if label.startswith('history') else 3}. each of the {label} ({', '.join(map(str, sizes))} a claim, {count} claims each)")
        for who in ("library", "yardstick"):
            row = "  ".join(f"{k:>4}: {r[(k, who)]:8.1f}" for k in sizes)
            slope = (r[(hi, who)] - r[(lo, who)]) / (hi - lo)
            print(f"   {who:<9} µs a claim  {row}   → {slope:.2f} µs each" + (f" (target ≤ {target:g})" if who == "library" else ""))

    print("4. a library decision, step by step (µs a claim, the realistic mix)")
    s = steps(mix)
    total = sum(s.values())
    for k, v in s.items():
        print(f"   {k:<42} {v:7.1f}  {v / total:4.0%}")
    print(f"   {'total':<42} {total:7.1f}")


if __name__ == "__main__":
    main()
