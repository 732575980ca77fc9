"""The polars engine at scale (issue 24): what-ifs over a million claims, side by side with the native engine.

    python benchmarks/bench_vector.py [--claims 1000000] [--members 300000] [--sample 20000]
                                      [--sweep 20] [--file /tmp/claims-1m.parquet] [--threads 1]

It writes the claims once as Parquet in ``mutualaid.vector.CLAIM_SCHEMA`` (the realistic stream of
``bench_batch.py``: members with one to three accidents, top-ups, the cap reached by some, claims
that pend for a document and are sent again, typos that are bad input), reused while its name and
size match. Then, each in a fresh process (so that each peak memory is its own), on the same file:

1. ``whatif.compare(file, 2022, cap 8,000, engine="polars")``: wall time, CPU time, peak memory;
2. the same comparison with ``engine="native"`` over the claims of a sample of the members (every
   claim of ``--sample`` claims' members, so that each member's history is whole), scaled to the
   million by claims: native decides claim by claim, so its time is linear in the claims; the scaling
   is stated in the output;
3. a sweep: ``compare`` of the 2022 edition against ``--sweep - 1`` candidates of docs/analysis.md's
   grid (:func:`sweep_editions`: the cap from 6,000 to 14,000, and the tier edges moved), one call,
   ``engine="polars"``.

``--threads 1`` (the default) pins polars to one thread (``POLARS_MAX_THREADS``), so the figures are
those of one core; the load average is printed beside them. Targets: compare ≥ 100× native, peak
memory < 4 GB, the 20-edition sweep under a minute. The file is never committed.

Ten million claims (issue 24): ``--claims 10000000 --members 3000000 --replicate FILE --modes parts
--parts 10`` writes the file as ten copies of a million-claim ``FILE``, each copy's members made new
(:func:`replicate`: writing ten million claims with the claim generator takes hours), and measures
``whatif.compare(..., engine="polars", parts=10)``: the members decided a tenth after another, with
the peak memory of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.path.dirname(__file__))


def write(path: Path, claims: int, members: int, seed: int = 2022) -> None:
    """The realistic stream of bench_batch.py as Parquet, 100,000 claims a row group."""
    import polars as pl
    import pyarrow.parquet as pq
    from bench_batch import stream

    from mutualaid.vector import CLAIM_SCHEMA
    from mutualaid.vector.columns import plain

    tmp = path.with_name(path.name + ".part")
    writer = None
    rows: list = []
    misfit = 0

    def flush() -> None:
        nonlocal writer
        table = pl.DataFrame(rows, schema=CLAIM_SCHEMA).to_arrow()
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table)
        rows.clear()

    for n, claim in enumerate(stream(claims, members, seed), 1):
        row = plain(claim)
        if row is None:  # a typo the schema cannot hold (an unknown key): kept as a claim with its field missing
            misfit += 1
            row = plain({k: v for k, v in claim.items() if k in CLAIM_SCHEMA})
        rows.append(row)
        if len(rows) == 100_000:
            flush()
            print(f"  generated {n:,} claims", file=sys.stderr)
    if rows:
        flush()
    assert writer is not None
    writer.close()
    tmp.replace(path)
    print(f"  {misfit} typo(s) written with the mistyped field left out", file=sys.stderr)


CAPS = tuple(range(6000, 14001, 1000))
"""The caps of the sweep, in yuan: 6,000 to 14,000 in steps of 1,000."""
TIER_TABLES = {"2022 tiers": 100, "tier edges 20 % lower": 80, "tier edges 20 % higher": 120}
"""The tier tables of the sweep: 2022's, and its edges moved (each row pays what it paid)."""


def edition_id(table: str, cap: int) -> str:
    return f"tiers-{TIER_TABLES[table]}pc-cap-{cap}"


def sweep_editions() -> list:
    """The 2022 edition first (the baseline), then the grid: each tier table × each cap (27 editions in all,
    the 2022 tiers at a 10,000 cap being the baseline itself)."""
    from mutualaid.edition import editions

    base = editions.get("gd-nef-2022")
    out = [base]
    for name, scale in TIER_TABLES.items():
        tiers = [{("at_least" if t.at_least is not None else "over"): f"{t.edge * scale / 100:.2f}", "pays": f"{t.pays}"} for t in base.tiers]
        for cap in CAPS:
            if scale == 100 and cap == 10000:
                continue
            out.append(base.replace(id=edition_id(name, cap), tiers=tiers, cap={"amount": f"{cap}.00"}))
    return out


def _renumbered(number, k: int):
    """A 身份证 number of copy ``k`` (1-9): its region code's first two digits made ``9k`` (no original
    number begins with 9) and the check digit worked out again, so that each copy's members hold numbers
    of their own; a number that did not hold (bad input) is kept as it was."""
    import polars as pl

    from mutualaid.vector.checks import _CHECK, _WEIGHTS, born_day

    body = pl.lit(f"9{k}") + number.str.slice(2, 15)
    total = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(_WEIGHTS):
        total = total + body.str.slice(i, 1).cast(pl.Int64) * w
    return pl.when(born_day(number).is_not_null()).then(body + pl.lit(_CHECK).str.slice(total % 11, 1)).otherwise(number)


def replicate(source: Path, path: Path, times: int) -> None:
    """``source`` written ``times`` times over into ``path``: copy k's member ids end in ``~k`` and its
    身份证 numbers are its own (:func:`_renumbered`), so each copy is as many new members with the same
    claims, top-ups, caps, resends and typos (a bad member id stays bad)."""
    import polars as pl
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".part")
    writer = None
    for k in range(times):
        frame = pl.scan_parquet(source)
        if k:
            frame = frame.with_columns(
                pl.col("member").struct.with_fields(
                    (pl.field("member_id") + f"~{k}").alias("member_id"), _renumbered(pl.field("id_number"), k).alias("id_number")),
                pl.col("payee").struct.with_fields(_renumbered(pl.field("holder_id_number"), k).alias("holder_id_number")),
            )
        table = frame.collect().to_arrow()
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=100_000)
        print(f"  copy {k + 1} of {times} written", file=sys.stderr)
    assert writer is not None
    writer.close()
    tmp.replace(path)


def child(mode: str, path: str, sample_ids: str) -> None:
    """One measurement in this process: prints a JSON line."""
    import resource

    from mutualaid import whatif

    start, cpu = time.perf_counter(), time.process_time()
    grid = sweep_editions()
    two = [grid[0], grid[3]]  # 2022, and its cap at 8,000
    if mode == "polars":
        c = whatif.compare(path, *two, engine="polars")
        claims = c.claims
    elif mode == "sweep":
        c = whatif.compare(path, *grid[: int(sample_ids)], engine="polars")
        claims = c.claims
    elif mode == "parts":
        c = whatif.compare(path, *two, engine="polars", parts=int(sample_ids))
        claims = c.claims
    else:  # native, on the claims of a sample of the members
        import polars as pl

        from mutualaid.vector.columns import read_claims

        members = json.loads(Path(sample_ids).read_text())
        frame = pl.scan_parquet(path).filter(pl.col("member").struct.field("member_id").is_in(members)).collect()
        source = read_claims(frame)
        dicts = list(source.raw(range(source.total)).values())
        start, cpu = time.perf_counter(), time.process_time()
        c = whatif.compare(dicts, *two)
        claims = c.claims
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"mode": mode, "claims": claims, "wall": wall, "cpu": used, "peak": peak,
                      "paid": [str(v) for v in c.paid.values()], "load": os.getloadavg()}))  # fmt: skip


def run(mode: str, path: Path, extra: str, threads: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if threads:
        env["POLARS_MAX_THREADS"] = str(threads)
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path), extra], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--claims", type=int, default=1_000_000)
    p.add_argument("--members", type=int, default=300_000)
    p.add_argument("--sample", type=int, default=20_000, help="claims (about) of the members the native engine decides")
    p.add_argument("--sweep", type=int, default=20, help="editions in the sweep, the baseline included")
    p.add_argument("--threads", type=int, default=1, help="polars threads (0: polars' default, every core)")
    p.add_argument("--file", type=Path, default=None)
    p.add_argument("--replicate", type=Path, default=None, help="write the file as copies of this one (--claims a multiple of its claims)")
    p.add_argument("--parts", type=int, default=10, help="parts by member for the 'parts' mode")
    p.add_argument("--modes", default="polars,native,sweep", help="which measurements: polars, native, sweep, parts")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(*a.child)
        return
    path = a.file or Path(f"/tmp/mutualaid-claims-{a.claims}-{a.members}.parquet")
    if not path.exists() and a.replicate:
        import polars as pl

        times, rest = divmod(a.claims, pl.scan_parquet(a.replicate).select(pl.len()).collect().item())
        assert times and not rest, "--claims must be a multiple of the replicated file's claims"
        print(f"writing {a.claims:,} claims to {path}, {times} copies of {a.replicate}", file=sys.stderr)
        replicate(a.replicate, path, times)
    if not path.exists():
        print(f"writing {a.claims:,} claims to {path}", file=sys.stderr)
        write(path, a.claims, a.members)
    import polars as pl

    member_ids = pl.scan_parquet(path).select(pl.col("member").struct.field("member_id")).unique(maintain_order=True).collect().to_series()
    per_member = a.claims / max(1, member_ids.len())
    ids = member_ids.head(max(1, int(a.sample / per_member))).to_list()
    sample = path.with_suffix(".sample.json")
    sample.write_text(json.dumps(ids))

    print(f"load average before: {os.getloadavg()}", flush=True)
    modes = a.modes.split(",")
    gb = 1024**3
    done = {}
    for mode in modes:
        extra = {"polars": "", "native": str(sample), "sweep": str(a.sweep), "parts": str(a.parts)}[mode]
        done[mode] = r = run(mode, path, extra, a.threads)
        label = {"polars": "compare, 2 editions, polars", "native": "compare, 2 editions, native", "sweep": f"sweep, {a.sweep} editions, polars",
                 "parts": f"compare, 2 editions, polars, {a.parts} parts"}[mode]  # fmt: skip
        extra_text = f" (every claim of {len(ids):,} members)" if mode == "native" else ""
        print(f"{label}: {r['claims']:,} claims{extra_text}, {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak {r['peak'] / gb:.2f} GB, "
              f"{r['claims'] / r['wall']:,.0f} claims/s; load {r['load'][0]:.2f}; paid {r['paid']}", flush=True)  # fmt: skip
    if "polars" in done and "native" in done:
        polars, native = done["polars"], done["native"]
        scaled = native["wall"] * polars["claims"] / native["claims"]
        print(f"native scaled to {polars['claims']:,} claims: {scaled:.0f} s; polars / native: {scaled / polars['wall']:.0f}x "
              f"(CPU: {native['cpu'] * polars['claims'] / native['claims'] / polars['cpu']:.0f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
