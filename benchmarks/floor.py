"""What a decision costs before any rule runs: the parts that the contract and the design card fix.

    python benchmarks/floor.py [--claims 3000] [--repeat 5]

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

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
