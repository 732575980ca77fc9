"""What every engine keeps to, and how one is found by name.

An engine takes declared rules bound to one edition and answers one question per call: which rules
match which facts (:meth:`Engine.fire`). Everything else, the facts and the arithmetic, is shared
(:mod:`mutualaid.decide`), so an engine is only its matching. This module holds that protocol,
the bound patterns every engine receives, the per-edition cache, and the registry of engine
names; it imports no engine, so an engine module may import it without a cycle. The native engine
is :mod:`mutualaid.native`, the durable_rules one :mod:`mutualaid.durable_engine`.
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

from .conditions import ConditionError, bind, lint, to_subset
from .errors import UnknownEngine
from .facts import SCHEMA
from .rules import params_of, rules_for

if TYPE_CHECKING:  # pragma: no cover
    from .edition import Edition
    from .explain import Explainer
    from .rule import Rule

Fired = list[tuple[int, int]]
"""(rule index, fact index) pairs."""


@runtime_checkable
class Engine(Protocol):
    """What the shared assembly step reads of an engine (:func:`mutualaid.decide.assemble`).

    ``rules`` are the rules it was built with, each with its row (``as_ruleset``), in the order the
    indices of :meth:`fire` refer to; ``explain`` writes their messages (an
    :class:`~mutualaid.explain.Explainer`); ``name`` is what a decision records as its engine, so
    that ``replay`` can ask for the same engine again: it is the name the engine is registered under.
    An engine class is built as ``Engine(rules, edition)``.

    An engine may also offer ``match(claim, history) -> Matched``, the whole pass (derivation,
    matching, assessment) done its own way; :func:`mutualaid.adjudicate` then uses it instead of
    the generic :func:`mutualaid.decide.match`. The native engine offers its compiled pass
    (:mod:`mutualaid.compiled`).
    """

    name: str
    rules: Sequence[Rule]
    explain: Explainer

    def fire(self, facts: Sequence[Mapping]) -> Fired:
        """Every (rule index, fact index) pair whose condition holds, ordered by rule, then fact."""
        ...


def bound_patterns(rules: Sequence[Rule], edition: Edition) -> list[dict]:
    """Every rule's pattern bound to ``edition`` and linted: what any engine receives.

    Each rule's expression is bound to the edition's parameters and compiled into durable_rules'
    JSON subset (:func:`bound_pattern`), and linted again as a whole. Raises
    :class:`~mutualaid.conditions.ConditionError` naming the rule whose condition lies outside the
    safe subset, names something that is neither a field nor a parameter, or does not fit its facts.
    """
    params = params_of(edition)
    patterns = []
    for rule in rules:
        pattern = bound_pattern(rule, params)
        lint(pattern, SCHEMA[rule.on], where=rule.id)
        patterns.append(pattern)
    return patterns


def bound_pattern(rule: Rule, params: Mapping[str, Any]) -> dict:
    """``rule``'s condition bound to an edition's parameters, with its type test first, as both
    engines receive it.

    Raises :class:`~mutualaid.conditions.ConditionError` naming the rule when a name is neither a
    field of its facts nor one of the edition's parameters, or a comparison does not fit the facts.
    """
    try:
        if rule.on not in SCHEMA:
            raise ConditionError(f"no fact type {rule.on!r} (types: {', '.join(SCHEMA)})")
        if isinstance(rule.when, str):
            cond = to_subset(rule.when, SCHEMA[rule.on], params, on=rule.on)
        else:
            cond = bind(dict(rule.when), params)
    except ConditionError as exc:
        raise ConditionError(f"{rule.id}: {exc}") from None
    return {"$and": [{"t": rule.on}, cond]}


_cache: dict[tuple, Any] = {}
_lock = threading.Lock()


def per_edition(kind: str, rules: Sequence[Rule], edition: Edition, build: Callable[[], Any]) -> Any:
    """Build once and share what ``build`` makes for ``rules`` under ``edition`` (thread-safe).

    The value keeps the edition and rules alive, so their ids cannot be reused while cached.
    """
    key = (kind, edition.id, id(edition), id(rules))
    value = _cache.get(key)
    if value is None:
        with _lock:
            value = _cache.get(key)
            if value is None:
                if len(_cache) >= 512:  # many throwaway editions (what-if runs, property tests)
                    _cache.clear()
                value = (build(), edition, rules)
                _cache[key] = value
    return value[0]


ENGINES: dict[str, str] = {
    "native": "mutualaid.native:NativeEngine",
    "durable": "mutualaid.durable_engine:DurableEngine",
}
"""Engine name → ``"module:Class"``. Resolved on first use, so that only the engine asked for loads
(durable_rules is an extra, and may not even import on this Python)."""

_registry_lock = threading.Lock()


def register_engine(name: str, where: str, *, replace: bool = False) -> None:
    """Make the engine class at ``where`` (``"package.module:Class"``) known as ``name``.

    The class keeps the :class:`Engine` protocol and its ``name`` is ``name``. It is imported when
    an engine of that name is first asked for, not here.
    """
    module, _, attr = where.partition(":")
    if not module or not attr:
        raise ValueError(f"an engine is named as 'package.module:Class', not {where!r}")
    with _registry_lock:
        if ENGINES.get(name, where) != where and not replace:
            raise ValueError(f"an engine {name!r} is already registered ({ENGINES[name]}); pass replace=True")
        ENGINES[name] = where


def engine_class(name: str) -> type:
    """The class registered as ``name``, imported now; :class:`~mutualaid.errors.UnknownEngine` if none is."""
    where = ENGINES.get(name)
    if where is None:
        raise _unknown(name)
    return _imported(where)


def _imported(where: str) -> type:
    module, _, attr = where.partition(":")
    return getattr(import_module(module), attr)


def _unknown(name: str) -> Exception:
    return UnknownEngine(f"unknown engine {name!r}; the engines are {', '.join(ENGINES)}")


def engine_for(name: str, rules: Sequence[Rule], edition: Edition) -> Engine:
    """The engine ``name`` with ``rules`` bound to ``edition``, built once and shared."""
    where = ENGINES.get(name)
    if where is None:
        raise _unknown(name)
    # Keyed by where the class lives, so that an engine registered again under its name is built anew.
    return per_edition(where, rules, edition, lambda: _imported(where)(rules, edition))


def engine_of(name: str, edition: Edition) -> Engine:
    """``engine_for(name, rules_for(edition), edition)``, kept on the edition (:attr:`Edition.memo`).

    A decision asks for its engine once a claim; the rules' key (the edition's exclusions) and the
    shared cache's key cost more than the lookup of the engine on the edition itself (1.4 and 3.8 µs
    against one dict lookup). Keyed by where the class lives, as :func:`engine_for` is. Two threads
    that race keep the one engine :func:`engine_for` shares.
    """
    memo = edition.memo
    key = (engine_of, name, ENGINES.get(name))
    eng = memo.get(key)
    if eng is None:
        eng = memo[key] = engine_for(name, rules_for(edition), edition)
    return eng


def __getattr__(name: str) -> Any:
    """``from mutualaid.engine import NativeEngine`` as before the native engine had its own module."""
    if name == "NativeEngine":
        return engine_class("native")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
