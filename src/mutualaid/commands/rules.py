"""``mutualaid rules``: the rule table, the clauses page (``--markdown``) or an edition's compiled pass (``--compiled``)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..compiled import source as compiled_source
from ..rulebook import markdown, rule_table
from ..rules import RULES, rules_for
from ..terminal import DEFAULT_EDITION, UsageError
from .arguments import edition_arg


def run(args) -> int:
    if args.tests and not args.markdown:
        raise UsageError("--tests lists the tests beside each clause of the --markdown page: give --markdown too")
    if args.compiled:
        if args.markdown:
            raise UsageError("--compiled prints the Python that runs; --markdown the clauses: give one of them")
        edition = edition_arg(args.plan or DEFAULT_EDITION)
        sys.stdout.write(compiled_source(rules_for(edition), edition))
        return 0
    if args.plan:
        raise UsageError("--plan names the edition whose compiled pass --compiled prints: give --compiled too")
    if args.markdown:
        tests = Path(args.tests) if args.tests else None
        if tests is not None and not tests.is_dir():
            raise UsageError(f"{args.tests} is not a folder")
        sys.stdout.write(markdown(RULES, tests))
    else:
        print(rule_table(RULES))
    return 0
