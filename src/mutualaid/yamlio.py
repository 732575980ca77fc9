"""Reading YAML the way a claims file means it.

PyYAML follows YAML 1.1, where ``on``, ``off``, ``yes``, ``no``, ``y`` and ``n`` are booleans: an
item's ``on: 2022-03-01`` would arrive as ``{True: date}``. This loader keeps YAML 1.2's booleans
(``true`` and ``false`` only), so the contract's ``on`` key means what it says.

It also leaves dates as text (``2022-03-01`` stays a string): the models read them, so that an
impossible date such as ``2022-02-30`` is reported as bad input naming its field, instead of
failing inside the YAML parser.

It bounds what aliases (``*name``) may add. PyYAML shares an aliased node rather than copying it,
so a 1.4 KB tree of aliases loads quickly, but it stands for more nodes than any memory holds,
and whatever then walks or quotes the value (a message echoing a bad ``plan``) explodes (issue 13,
finding 9). So a document whose aliases would add more than ``ALIAS_ALLOWANCE`` nodes to those
written out, or that contains itself, is refused before it is built. Aliases as such stay
accepted: ``yaml.safe_dump`` writes one for every object that a case file uses twice.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import quote

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


ALIAS_ALLOWANCE = 100_000
"""How many nodes aliases may add to a document, beyond those written out in it."""


class ClaimLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2 booleans and bounded aliases."""

    def construct_document(self, node):
        _check_expansion(node)
        return super().construct_document(node)


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_expansion(root) -> None:
    """Refuse a node graph that contains itself, or whose aliases add more than ``ALIAS_ALLOWANCE`` nodes.

    The composer shares an aliased node, so the graph has one node per node written. Its size
    expanded as a tree is counted once per node (each node's size is the sum of its children's),
    in time linear in the nodes written, however far the tree would expand.
    """
    size: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being counted: the path from the root
    stack = [(root, False)]
    while stack:
        node, counted = stack.pop()
        key = id(node)
        children = _children(node)
        if counted:
            open_.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            continue
        if key in size:
            continue
        open_.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_:
                raise yaml.constructor.ConstructorError(
                    None, None, "found an alias (*) to a node that contains it: a value cannot contain itself", child.start_mark
                )
            if id(child) not in size:
                stack.append((child, False))
    added = size[id(root)] - len(size)
    if added > ALIAS_ALLOWANCE:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"aliases (*) here would add {added if added < 10**12 else 'more than 10**12'} nodes to the {len(size)} "
            f"written out; at most {ALIAS_ALLOWANCE} are accepted",
            root.start_mark,
        )


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

            raise InvalidClaim([FieldError(quote(k), "unknown key; a claim file holds claim and history") for k in extra])
        return doc["claim"], doc.get("history") or ()
    return doc, ()


def read_claim_file(path) -> tuple[Any, Any]:
    """Read a YAML or JSON claim file; return ``(claim, history)`` as plain data for ``adjudicate``."""
    from pathlib import Path

    return split_claim_document(load(Path(path).read_text(encoding="utf-8")))
