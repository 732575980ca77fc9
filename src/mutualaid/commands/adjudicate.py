"""``mutualaid adjudicate FILE``: decide one claim file and print the decision (text, ``--json`` or ``--record``)."""

from __future__ import annotations

import sys

from ..decide import adjudicate
from ..render import decision_text
from ..replay import store
from ..terminal import _colour, _print_json, _width
from ..yamlio import split_claim_document
from .arguments import edition_arg, read_document


def run(args) -> int:
    claim, history = split_claim_document(read_document(args.file))
    plan = edition_arg(args.plan, unknown_to_adjudicate=True)
    decision = adjudicate(claim, history, plan=plan, engine=args.engine)
    if args.record:
        _print_json(store(decision, claim, history, plan=plan))
    elif args.json:
        _print_json(decision.model_dump(mode="json"))
    else:
        print(decision_text(decision, colour=_colour(sys.stdout), width=_width(sys.stdout)))
    return 0
