"""What a decision costs before any rule runs: the parts that the contract and the design card fix.

    python benchmarks/floor.py [--claims 3000] [--repeat 5]
    python benchmarks/floor.py --batch FILE [--sample-every 10]


Issue 2 asks for 20,000 claims a second on one core: 50 µs for plain data → Decision → JSON-ready
dict. This prints, per claim of the same generated mix as ``bench_adjudicate.py``, the CPU time of
the steps that every decision must take whatever the rules do, each measured alone:

- ``pydantic, shape only``: pydantic v2 validating the claim and history into frozen models of the
  contract's shape, with every field a plain ``str``/``int`` (no date, amount, code or 身份证 checks):
  the least that validating into the design card's pydantic models costs;
- ``pydantic, contract types``: the same with the contract's field types (``mutualaid.model``):
  dates, exact amounts, ICD-10, GB 11643 check digits and the rest, as ``adjudicate`` validates;
- ``record: canonical JSON + sha256``: the replay record's input hash (issue 6);
- ``decision → JSON-ready dict``: ``Decision.model_dump(mode="json")``, the benchmark's last step.

With ``--batch FILE`` (a file that ``bench_batch.py`` wrote) it decides the whole stream through a
Ledger, as ``mutualaid batch --jobs 1`` does, and times each line's steps in place, with the caches
as cold as the run leaves them: reading the line into the contract's models (pydantic's JSON
validator), the ledger's decision (history, ``adjudicate``, entering the result), and writing the
decision as a JSON line. Every ``--sample-every``-th line is also read into the shape-only models and
has its replay record's hash made again, from the history it was decided with. Issue 5's target,
15,000 claims/s on one process, is 66.7 µs a line.

And then the rest of ``adjudicate`` (cross-field checks, facts, rules, explanation, assembly) for
comparison. The garbage collector is off while each step is timed, so the parts add up; the
end-to-end line has it on, as in ``bench_adjudicate.py``.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from hashlib import sha256
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model  # noqa: E402

from bench_adjudicate import claim  # noqa: E402
from mutualaid import adjudicate  # noqa: E402
from mutualaid.decide import canonical_input  # noqa: E402
from mutualaid.model import Claim, HistoryEntry  # noqa: E402


_SHAPE = ConfigDict(extra="forbid", frozen=True)


def _plain(annotation: Any) -> Any:
    """The annotation with every leaf a plain ``str`` (``int`` for integer literals), models by their shape."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return shape_of(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _plain(args[0])
    if origin is tuple:
        return tuple[_plain(args[0]), ...]
    if origin is Union:
        return Optional[_plain(next(a for a in args if a is not type(None)))]
    if origin is Literal and all(type(a) is int for a in args):
        return int
    return str


@lru_cache(maxsize=None)
def shape_of(model: type[BaseModel]) -> type[BaseModel]:
    """A model with ``model``'s fields, nesting and defaults, but no checks beyond str and int."""
    fields = {}
    for name, field in model.model_fields.items():
        default = ... if field.is_required() else field.default
        fields[name] = (_plain(field.annotation), str(default) if isinstance(default, Decimal) else default)
    return create_model(f"Shape{model.__name__}", __config__=_SHAPE, **fields)


ShapeClaim, ShapeEntry = shape_of(Claim), shape_of(HistoryEntry)


def timed(step, rounds: int, n: int, gc_on: bool = False) -> float:
    """CPU µs per claim of ``step()`` (which handles all n claims), best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        if not gc_on:
            gc.disable()
        t0 = time.process_time()
        step()
        best = min(best, time.process_time() - t0)
        gc.enable()
    return best / n * 1e6


def batch_steps(path: str, every: int) -> None:
    """Issue 5: each step of ``mutualaid batch --jobs 1`` timed in place over the whole stream of ``path``."""
    from mutualaid import Ledger
    from mutualaid.errors import InvalidClaim
    from mutualaid.ledger import member_of

    read, read_shape = Claim.__pydantic_validator__.validate_json, ShapeClaim.__pydantic_validator__.validate_json
    ledger = Ledger()
    clock = time.perf_counter_ns
    spent = {"read": 0, "decide": 0, "write": 0}
    sampled = {"read, shape only": 0, "record": 0}
    lines = samples = entries = 0
    with open(path, "rb") as fp:
        for n, raw in enumerate(fp):
            t0 = clock()
            try:
                claim = read(raw)
            except ValueError:
                continue  # the stream's few bad lines: not what a floor is made of
            t1 = clock()
            history = ledger.history(member_of(claim)) if n % every == 0 else None
            t2 = clock()
            try:
                decision = ledger.decide(claim)
            except InvalidClaim:
                continue
            t3 = clock()
            decision.__pydantic_serializer__.to_json(decision) + b"\n"
            t4 = clock()
            spent["read"] += t1 - t0
            spent["decide"] += t3 - t2
            spent["write"] += t4 - t3
            lines += 1
            if history is not None:
                t5 = clock()
                read_shape(raw)
                t6 = clock()
                sha256(canonical_input(claim, history)).hexdigest()
                t7 = clock()
                sampled["read, shape only"] += t6 - t5
                sampled["record"] += t7 - t6
                samples += 1
                entries += len(history)
            if lines % 100_000 == 0:
                print(f"  {lines:,} lines …", file=sys.stderr, flush=True)

    us = {k: v / lines / 1000 for k, v in spent.items()}
    us.update({k: v / samples / 1000 for k, v in sampled.items()})
    print(f"µs a line, {lines:,} decided lines of {path} ({samples:,} sampled, {entries / samples:.2f} history entries each);")
    print("budget at 15,000 claims/s: 66.7 µs")
    print(f"  {'read: JSON line -> contract models':<44} {us['read']:6.1f}")
    print(f"  {'  the same into shape-only models (sampled)':<44} {us['read, shape only']:6.1f}")
    print(f"  {'decide: ledger history + adjudicate + entry':<44} {us['decide']:6.1f}")
    print(f"  {'  of which the replay record (sampled)':<44} {us['record']:6.1f}")
    print(f"  {'write: decision -> JSON line':<44} {us['write']:6.1f}")
    fixed = us["read"] + us["record"] + us["write"]
    print(f"  {'fixed parts (read + record + write)':<44} {fixed:6.1f}")
    total = us["read"] + us["decide"] + us["write"]
    print(f"  {'the three steps together':<44} {total:6.1f}  ({1e6 / total:,.0f} claims/s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", metavar="FILE", help="time the steps of mutualaid batch over this JSONL stream instead")
    ap.add_argument("--sample-every", type=int, default=10, metavar="N", help="with --batch: the lines also timed shape-only and for the record")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.batch:
        batch_steps(args.batch, args.sample_every)
        return

    rng = random.Random(2022)
    for n in range(500):
        adjudicate(*claim(rng, -n - 1)).model_dump(mode="json")
    data = [claim(rng, n) for n in range(args.claims)]
    n, r = len(data), args.repeat
    shape_history = TypeAdapter(tuple[ShapeEntry, ...])
    history_adapter = TypeAdapter(tuple[HistoryEntry, ...])
    models = [(Claim.model_validate(c), history_adapter.validate_python(h)) for c, h in data]
    decisions = [adjudicate(c, h) for c, h in data]

    rows = [
        ("pydantic, shape only", lambda: [(ShapeClaim.model_validate(c), shape_history.validate_python(h)) for c, h in data]),
        ("pydantic, contract types", lambda: [(Claim.model_validate(c), history_adapter.validate_python(h)) for c, h in data]),
        ("record: canonical JSON + sha256", lambda: [sha256(canonical_input(c, h)).hexdigest() for c, h in models]),
        ("decision -> JSON-ready dict", lambda: [d.model_dump(mode="json") for d in decisions]),
    ]
    costs = {}
    for label, step in rows:
        costs[label] = timed(step, r, n)
    total = timed(lambda: [adjudicate(c, h).model_dump(mode="json") for c, h in data], r, n)
    total_gc = timed(lambda: [adjudicate(c, h).model_dump(mode="json") for c, h in data], r, n, gc_on=True)

    print(f"CPU µs per claim, {n:,} claims of the bench_adjudicate mix, best of {r} (budget at 20,000/s: 50 µs)")
    for label, us in costs.items():
        print(f"  {label:<36} {us:6.1f}")
    fixed = costs["pydantic, contract types"] + costs["record: canonical JSON + sha256"] + costs["decision -> JSON-ready dict"]
    print(f"  {'fixed parts (types + record + dump)':<36} {fixed:6.1f}")
    print(f"  {'rest of adjudicate (checks, rules…)':<36} {total - fixed:6.1f}")
    print(f"  {'end to end, gc off':<36} {total:6.1f}  ({1e6 / total:,.0f} claims/s)")
    print(f"  {'end to end, gc on':<36} {total_gc:6.1f}  ({1e6 / total_gc:,.0f} claims/s)")


if __name__ == "__main__":
    main()
