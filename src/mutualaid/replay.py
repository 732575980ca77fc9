"""Replayable decision records: store what a decision was made from, and decide it again later.

A stored record is one JSON object::

    {"input": {"claim": {...}, "history": [...]}, "decision": {...}}

``input`` is the canonical input (the validated claim and history, as :func:`mutualaid.decide.
canonical_input` writes them), so its hash can be checked against ``decision.record.input_hash``.
:func:`replay` decides the input again with this library and the decision's edition and engine,
and says whether the decision is identical, or exactly what differs and why: another library
version, other edition data, or an input that no longer matches its hash.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from hashlib import sha256
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from . import __version__
from .decide import adjudicate, canonical_input
from .edition import Edition, editions
from .errors import quote
from .model import Decision
from .validate import _pydantic_errors, parse


def store(decision: Decision, claim: Any, history: Any = (), *, plan: Edition | str | None = None) -> dict:
    """The stored record of ``decision``, made from the same ``claim`` and ``history`` it decided.

    ``plan`` is the edition it was decided under, when that is not one the library knows by id (an
    edition file an analyst wrote); it must carry the decision's edition id.
    """
    given = plan.id if isinstance(plan, Edition) else plan
    if given is not None and given != decision.plan:
        raise ValueError(f"the decision was made under edition {quote(decision.plan)}, not {quote(given)}")
    model, entries, _ = parse(claim, history, plan if plan is not None else decision.plan)
    data = canonical_input(model, entries)
    if decision.record is not None and "sha256:" + sha256(data).hexdigest() != decision.record.input_hash:
        raise ValueError("this claim and history are not what the decision was made from (input hash differs)")
    # The canonical input writes every amount as a string ("1200.00"): no JSON number to round here.
    return {"input": json.loads(data), "decision": decision.model_dump(mode="json")}


@dataclass(frozen=True)
class Difference:
    field: str
    stored: Any
    now: Any

    def __str__(self) -> str:
        return f"{self.field}: {_show(self.stored)} → {_show(self.now)}"


@dataclass(frozen=True)
class Replay:
    """The outcome of deciding a stored record again."""

    stored: Decision
    now: Decision | None
    """The decision made now; None when it could not be made (the causes say why)."""
    differences: tuple[Difference, ...] = ()
    causes: tuple[str, ...] = ()
    """Why the decisions may differ: versions, edition data, input hash, engine."""

    @property
    def identical(self) -> bool:
        return self.now is not None and not self.differences

    def __str__(self) -> str:
        head = f"claim {self.stored.claim_id}: "
        if self.identical:
            lines = [head + "identical decision"]
        elif self.now is None:
            lines = [head + "could not be decided again"]
        else:
            lines = [head + f"{len(self.differences)} difference(s)"] + [f"  {d}" for d in self.differences]
        label = "note" if self.identical else "because"
        lines += [f"  {label}: {c}" for c in self.causes]
        return "\n".join(lines)


class RecordError(ValueError):
    """A stored record that cannot be read: not the shape :func:`store` writes."""


def replay(stored: Any, *, plan: Edition | None = None) -> Replay:
    """Decide a stored record again and compare (see the module docstring).

    ``plan`` replaces the edition named by the stored decision (for an edition given as a file).
    The library version that decided the record is not needed: a different version is reported
    as a cause when the decisions differ, and as a note when they agree.
    """
    if not isinstance(stored, dict) or not isinstance(stored.get("input"), dict) or "decision" not in stored:
        raise RecordError("a stored record is an object with 'input' ({claim, history}) and 'decision'")
    try:
        old = Decision.model_validate(stored["decision"])
    except ValidationError as exc:  # each bad field by its path, at most a few, without pydantic's links
        bad = _pydantic_errors(exc, "decision")
        shown = "; ".join(str(e) for e in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise RecordError(f"the stored decision is not a decision: {shown}") from None
    if old.record is None:
        raise RecordError("the stored decision has no record (library version, edition and input hashes)")
    claim, history = stored["input"].get("claim"), stored["input"].get("history") or ()

    causes = []
    if old.record.library_version != __version__:
        causes.append(f"library version {old.record.library_version} → {__version__}")
    edition = plan if plan is not None else editions.get(old.plan)
    if edition is None:
        causes.append(f"edition {quote(old.plan)} is not known to mutualaid {__version__}; give it as a file (--plan)")
        return Replay(old, None, (), tuple(causes))
    if edition.content_hash != old.record.edition_hash:
        causes.append(f"edition {old.plan} data differs ({_short(old.record.edition_hash)} → {_short(edition.content_hash)})")
    model, entries, _ = parse(claim, history, edition)
    input_hash = "sha256:" + sha256(canonical_input(model, entries)).hexdigest()
    if input_hash != old.record.input_hash:
        causes.append(f"the stored input does not match its hash ({_short(old.record.input_hash)} → {_short(input_hash)})")

    now = adjudicate(claim, history, plan=edition, engine=old.engine)
    differences = tuple(_differences(old.model_dump(mode="json"), now.model_dump(mode="json")))
    return Replay(old, now, differences, tuple(causes))


def _differences(old: dict, now: dict, prefix: str = ""):
    """Field by field, skipping ``record.library_version`` (it is a cause, not a difference)."""
    for key in dict.fromkeys([*old, *now]):
        path = f"{prefix}{key}"
        if path == "record.library_version":
            continue
        a, b = old.get(key), now.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            yield from _differences(a, b, path + ".")
        elif key in ("reasons", "hints") and isinstance(a, list) and isinstance(b, list):
            yield from _list_differences(path, a, b)
        elif a != b:
            yield Difference(path, a, b)


def _list_differences(path: str, old: list, now: list):
    """Reasons and hints compare by (rule, subject): what bit only before, only now, or differently."""
    key = lambda r: (r.get("rule"), r.get("subject"))  # noqa: E731
    old_by, now_by = {key(r): r for r in old}, {key(r): r for r in now}
    for k in dict.fromkeys([*old_by, *now_by]):
        a, b = old_by.get(k), now_by.get(k)
        if a != b:
            yield Difference(f"{path}[{k[0]} @ {k[1]}]", a and _brief(a), b and _brief(b))
    if [key(r) for r in old] != [key(r) for r in now] and set(old_by) == set(now_by):
        yield Difference(f"{path} order", [key(r) for r in old], [key(r) for r in now])


def _brief(entry: dict) -> str:
    return entry.get("message_en", "")


def _short(h: str) -> str:
    return h.split(":", 1)[-1][:12]


def _show(v: Any) -> str:
    return "absent" if v is None else json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v


class _CallableModule(ModuleType):
    """``mutualaid.replay`` is this module and its main call at once.

    The package exports ``replay`` as a call (``mutualaid.replay(stored)``), and the docs name
    ``mutualaid.replay.store``. A function of the same name as its module hid the module's other
    names, so the documented call raised AttributeError (issue 15). Calling the module calls
    :func:`replay`; every other name is the module's own.
    """

    def __call__(self, stored: Any, *, plan: Edition | None = None) -> Replay:
        return replay(stored, plan=plan)


sys.modules[__name__].__class__ = _CallableModule
