"""``mutualaid schema``: the JSON Schema of the claim file, the history and the decision."""

from __future__ import annotations

import json

from ..model import schema_document


def run(args) -> int:
    print(json.dumps(schema_document(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0
