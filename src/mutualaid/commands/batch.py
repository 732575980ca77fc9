"""``mutualaid batch IN OUT``: decide a stream of JSON lines, with its ledger, resume and ``--db``."""

from __future__ import annotations

import sys

from ..batch import BatchError, BatchIOError
from ..batch import run as run_batch
from ..terminal import OutputError, UsageError
from .arguments import edition_arg


def run(args) -> int:
    edition_arg(args.plan)  # an unknown edition fails here, before any line is read
    try:
        done = run_batch(
            args.input,
            args.output,
            plan=args.plan,
            engine=args.engine,
            record=args.record,
            jobs=args.jobs,
            ledger=args.ledger,
            checkpoint_every=args.checkpoint_every,
            spill_after=args.spill_after,
            db=args.db,
        )
    except BatchIOError as exc:
        raise OutputError(str(exc)) from None
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    if done.complete:
        print(f"already complete: {args.ledger} holds this very run (same IN, OUT and options), finished; nothing was changed", file=sys.stderr)
    if done.resumed_at:
        print(f"resumed after line {done.resumed_at:,}", file=sys.stderr)
    print(done.summary, file=sys.stderr)
    return 0
