"""``mutualaid diff --edition A --edition B IN``: the claims two editions decide differently."""

from __future__ import annotations

import sys
from pathlib import Path

from ..terminal import UsageError
from ..whatif import diff
from .arguments import edition_arg


def run(args) -> int:
    if len(args.edition) != 2:
        raise UsageError("diff takes exactly two editions: --edition A --edition B")
    for e in args.edition:
        edition_arg(e)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    try:
        source = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {args.input}: {exc.strerror or exc}") from None
    try:
        size = None if args.input == "-" else Path(args.input).stat().st_size
        a, b = args.edition
        # On a terminal the change lines are the progress: a bar on the same screen would leave its
        # fragments between them in the scrollback.
        progress = False if sys.stdout.isatty() else None
        diff(source, a, b, sys.stdout, as_json=args.json, engine=args.engine, jobs=args.jobs, total_bytes=size, progress=progress)
    finally:
        if args.input != "-":
            source.close()
    return 0
