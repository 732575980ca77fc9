"""Reading YAML the way a claims file means it.

PyYAML follows YAML 1.1, where ``on``, ``off``, ``yes``, ``no``, ``y`` and ``n`` are booleans: an
item's ``on: 2022-03-01`` would arrive as ``{True: date}``. This loader keeps YAML 1.2's booleans
(``true`` and ``false`` only), so the contract's ``on`` key means what it says.

It also leaves dates as text (``2022-03-01`` stays a string): the models read them, so that an
impossible date such as ``2022-02-30`` is reported as bad input naming its field, instead of
failing inside the YAML parser.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ClaimLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2 booleans."""


_DROPPED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
ClaimLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
ClaimLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

YAMLError = yaml.YAMLError


def load(text: str) -> Any:
    """Parse YAML (or JSON, which is YAML) text."""
    return yaml.load(text, Loader=ClaimLoader)  # noqa: S506 - a SafeLoader subclass


def split_claim_document(doc: Any) -> tuple[Any, Any]:
    """A claim file holds ``{claim, history?}`` (CONTRACT §1), or a bare claim: return both parts.

    Any other top-level key is bad input, like an unknown key anywhere else.
    """
    if isinstance(doc, dict) and "claim" in doc:
        extra = sorted(set(doc) - {"claim", "history"}, key=str)
        if extra:
            from .errors import FieldError, InvalidClaim

            raise InvalidClaim([FieldError(str(k), "unknown key; a claim file holds claim and history") for k in extra])
        return doc["claim"], doc.get("history") or ()
    return doc, ()


def read_claim_file(path) -> tuple[Any, Any]:
    """Read a YAML or JSON claim file; return ``(claim, history)`` as plain data for ``adjudicate``."""
    from pathlib import Path

    return split_claim_document(load(Path(path).read_text(encoding="utf-8")))
