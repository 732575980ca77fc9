"""Reading YAML the way a claims file means it.

PyYAML follows YAML 1.1, some of whose readings change what a claim says. This loader keeps
YAML 1.1's choice of which plain scalars are numbers (so a file that ``yaml.safe_dump`` wrote
reads back as written: it quotes every string that YAML 1.1 would take for a number), and
changes how they are read:

- ``on``, ``off``, ``yes``, ``no``, ``y`` and ``n`` are booleans in YAML 1.1: an item's
  ``on: 2022-03-01`` would arrive as ``{True: date}``. Here only ``true`` and ``false`` are.
- A number with a fraction is read as a ``Decimal`` from its exact text, never through a float:
  ``out_of_pocket: 2000.009999999999999999`` is judged by those digits and refused, where a float
  would have rounded it to 2000.01 (issue 13, CONTRACT §7). ``.inf`` and ``.nan`` stay floats. A
  number in exponent form (``1.5e+3``) stays its text, so that it meets the rules of the same text
  given as a string (an amount in exponent form is refused), as a JSON number does.
- ``0200`` is the decimal 200, not YAML 1.1's octal 128 (as in YAML 1.2); ``1:30`` is text, not
  YAML 1.1's sexagesimal 90. An integer is plain digits: ``1_0``, ``0x1F`` and ``0b11`` stay their
  text (CONTRACT §7, revision 3: ``1_0`` is bad input wherever an integer or an amount belongs).
- A mapping that repeats a key is bad input (CONTRACT §7, revision 3, "Duplicate keys"): the
  last value silently winning could change a payout. :func:`load` raises :class:`DuplicateKeys`
  (an :class:`~mutualaid.errors.InvalidClaim`) naming each repeated key's path in the document
  (``claim.treatments.0.items.0.out_of_pocket``); :func:`load_claim_document` names it as a
  claim's field (``treatments.0.items.0.out_of_pocket``, ``history.0.paid``).

It leaves dates as text (``2022-03-01`` stays a string): the models read them, so that an
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
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import DuplicateKeys, FieldError, InvalidClaim, quote
from .values import Repeated, duplicate_key, repeated_keys  # noqa: F401 - repeated_keys is this module's API too

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _numbers_without_sexagesimal(tag: str) -> re.Pattern:
    """PyYAML's YAML 1.1 pattern for ``tag`` (int or float), less the forms with a colon (``1:30``)."""
    rx = next(rx for resolvers in _Base.yaml_implicit_resolvers.values() for t, rx in resolvers if t == tag)
    return re.compile("(?!.*:)" + rx.pattern, rx.flags)


_INT = _numbers_without_sexagesimal("tag:yaml.org,2002:int")
_FLOAT = _numbers_without_sexagesimal("tag:yaml.org,2002:float")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


ALIAS_ALLOWANCE = 100_000
"""How many nodes aliases may add to a document, beyond those written out in it."""


class ClaimLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2's booleans, YAML 1.1's numbers read exactly, bounded aliases, and
    repeated keys recorded (:attr:`repeated`: each mapping node with the key it repeats)."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[Any, Any]] = []

    def construct_document(self, node):
        _check_expansion(node)
        self.root = node
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:  # ``<<: *base`` lays keys under those written: no repetition
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        self.repeated.append((node, key, key_node.start_mark.index))
                    seen.add(key)
                except TypeError:  # an unhashable key: the constructor below says so
                    pass
        return super().construct_mapping(node, deep=deep)


_MERGE = "tag:yaml.org,2002:merge"


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


_REPLACED = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
ClaimLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
ClaimLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
ClaimLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
ClaimLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"))


_PLAIN_INT = re.compile(r"[-+]?[0-9]+\Z")


def _int(loader: ClaimLoader, node) -> int | Decimal | str:
    text = loader.construct_scalar(node)
    if not _INT.match(text):  # tagged !!int by hand
        raise yaml.constructor.ConstructorError(None, None, f"{quote(text)} is not an integer", node.start_mark)
    if not _PLAIN_INT.match(text):  # 1_0, 0x1F, 0b11: no plain integer; judged as the text (revision 3)
        return text
    digits = text
    sign, body = (-1, digits[1:]) if digits[0] == "-" else (1, digits.lstrip("+"))
    if len(body) > 4000:  # beyond what int() reads from text; still an exact number
        return Decimal(digits)
    return sign * int(body, 10)  # decimal, leading zeros too: 0200 is 200


def _float(loader: ClaimLoader, node) -> float | Decimal | str:
    text = loader.construct_scalar(node)
    if not _FLOAT.match(text):  # tagged !!float by hand
        raise yaml.constructor.ConstructorError(None, None, f"{quote(text)} is not a number", node.start_mark)
    digits = text.replace("_", "")
    if digits[-1] in "fFnN":  # .inf, -.inf, .nan: no exact decimal; the amount types refuse them
        return float(digits.replace(".", "", 1))
    if "e" in digits or "E" in digits:  # judged as its text, as a JSON number is (values.json_number)
        return text
    return Decimal(digits)  # every other text the pattern holds, less its underscores, is a decimal


ClaimLoader.add_constructor("tag:yaml.org,2002:int", _int)
ClaimLoader.add_constructor("tag:yaml.org,2002:float", _float)

YAMLError = yaml.YAMLError


def load(text: str, *, keep_repeated: bool = False) -> Any:
    """Parse YAML (or JSON, which is YAML) text.

    A mapping that repeats a key raises :class:`DuplicateKeys` naming its path in the document; with
    ``keep_repeated``, such a mapping is a :class:`Repeated` instead, for the caller to judge.
    """
    loader = ClaimLoader(text)
    try:
        data = loader.get_single_data()
        root = getattr(loader, "root", None)
    finally:
        loader.dispose()
    if not loader.repeated:
        return data
    if keep_repeated:
        return _marked(data, root, loader.repeated)
    raise DuplicateKeys([duplicate_key(path, key) for path, key in _paths(root, loader.repeated)])


def _paths(root, repeated: list) -> list[tuple[tuple, Any]]:
    """Each (mapping node, key) of ``repeated`` as (the mapping's path from ``root``, key), in document order."""
    where: dict[int, tuple] = {}
    stack: list[tuple[Any, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in where:
            continue
        where[id(node)] = path
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, str(i))) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):  # a key as written: the path is text throughout
            stack.extend((v, (*path, k.value if isinstance(k, yaml.ScalarNode) else "?")) for k, v in node.value)
    return [(where.get(id(node), ()), key) for node, key, _ in sorted(repeated, key=lambda r: r[2])]


def _marked(data: Any, root, repeated: list) -> Any:
    """``data`` with each mapping that repeated a key turned into a :class:`Repeated` naming them."""
    keys_at: dict[tuple, list] = {}
    for path, key in _paths(root, repeated):
        keys_at.setdefault(path, []).append(key)

    def at(value: Any, path: tuple) -> Any:
        if isinstance(value, dict):
            pairs = ((k, at(v, (*path, str(k)))) for k, v in value.items())
            if path not in keys_at:
                return dict(pairs)
            made = Repeated(pairs)
            made.repeated = tuple(keys_at[path])
            return made
        if isinstance(value, list):
            return [at(v, (*path, str(i))) for i, v in enumerate(value)]
        return value

    return at(data, ())


class RepeatedKeyError(yaml.YAMLError):
    """A case file repeats a key outside any case's claim or history (a case's ``name``, its ``expect``)."""


def load_case_file(text: str) -> Any:
    """:func:`load` for a case file (CONTRACT §6). A mapping that repeats a key in a case's ``claim``
    or ``history`` is kept as a :class:`Repeated`: it is that case's bad input
    (:func:`refuse_repeated_keys`, which ``mutualaid check`` calls before deciding the case). A key
    repeated anywhere else raises :class:`RepeatedKeyError`, a ``YAMLError``: the file is unreadable."""
    data = load(text, keep_repeated=True)
    outside = [e.field for e in repeated_keys(_without_claims(data))]
    if outside:
        raise RepeatedKeyError(f"a mapping repeats a key: {', '.join(outside[:5])}")
    return data


def _without_claims(data: Any) -> Any:
    """``data`` with every value under a ``claim`` or ``history`` key left out, :class:`Repeated` kept."""
    if isinstance(data, dict):
        kept = {k: _without_claims(v) for k, v in data.items() if k not in ("claim", "history")}
        if isinstance(data, Repeated):
            out = Repeated(kept)
            out.repeated = data.repeated
            return out
        return kept
    if isinstance(data, list):
        return [_without_claims(v) for v in data]
    return data


def refuse_repeated_keys(case: dict) -> None:
    """A case whose claim or history repeats a key is bad input (:class:`DuplicateKeys`), as the same
    claim read as a claim file or a JSON line is (CONTRACT §7, revision 3)."""
    found = repeated_keys(case["claim"]) + repeated_keys(case.get("history"), ("history",))
    if found:
        raise DuplicateKeys(found)


def load_claim_document(text: str) -> Any:
    """:func:`load` for a claim file (``{claim, history?}`` or a bare claim): a repeated key is named
    as the claim's field (``treatments.0.items.0.out_of_pocket``) or the history's (``history.0.paid``)."""
    try:
        return load(text)
    except DuplicateKeys as exc:
        errors = [replace(e, field=e.field[len("claim."):]) if e.field.startswith("claim.") else e for e in exc.errors]
        raise DuplicateKeys(errors, exc.total) from None


def split_claim_document(doc: Any) -> tuple[Any, Any]:
    """A claim file holds ``{claim, history?}`` (CONTRACT §1), or a bare claim: return both parts.

    It may also carry ``expect:``, the decision it expects, which ``mutualaid check`` checks and
    deciding ignores (``docs/case-files.md``): the examples are stories that check themselves. Any
    other top-level key is bad input, like an unknown key anywhere else.
    """
    if isinstance(doc, dict) and "claim" in doc:
        extra = sorted(set(doc) - {"claim", "history", "expect"}, key=str)
        if extra:
            raise InvalidClaim([FieldError.of(quote(k), "claim_file.unknown_key", doc[k]) for k in extra])
        return doc["claim"], doc.get("history") or ()
    return doc, ()


def read_claim_file(path) -> tuple[Any, Any]:
    """Read a YAML or JSON claim file; return ``(claim, history)`` as plain data for ``adjudicate``."""
    return split_claim_document(load_claim_document(Path(path).read_text(encoding="utf-8")))
