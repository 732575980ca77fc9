"""``mutualaid check PATH…``: run case files and count what passes."""

from __future__ import annotations

from ..cases import CaseFileError
from ..cases import run as run_cases
from ..terminal import UsageError


def run(args) -> int:
    passed = failed = 0
    try:
        for result in run_cases(args.paths, engine=args.engine):
            if result.passed:
                passed += 1
            else:
                failed += 1
                print(result)
    except CaseFileError as exc:
        raise UsageError(str(exc)) from None
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
