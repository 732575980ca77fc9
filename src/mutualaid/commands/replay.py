"""``mutualaid replay RECORD``: decide a stored record again and say whether the decision is the same."""

from __future__ import annotations

import os

from ..replay import RecordError, replay
from ..terminal import UsageError
from .arguments import edition_arg, read_document


def run(args) -> int:
    if args.plan is not None and not os.path.isfile(args.plan):
        raise UsageError("--plan for replay takes an edition file (the record names its edition id)")
    plan = edition_arg(args.plan)
    try:
        result = replay(read_document(args.record), plan=plan)
    except RecordError as exc:
        raise UsageError(f"{args.record}: {exc}") from None
    print(result)
    return 0 if result.identical else 1
