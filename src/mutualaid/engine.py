"""The native engine: each edition's bound conditions compiled into Python functions, once.

The engine knows no article. It takes declared rules and an edition, binds, lints and compiles
every condition, and then answers one question per call: which rules match which facts.
"""

from __future__ import annotations

import threading
from typing import Callable, Mapping, Sequence

from .conditions import ConditionError, bind, compile_condition, lint
from .edition import Edition
from .facts import SCHEMA
from .rule import Rule

Fired = list[tuple[int, int]]
"""(rule index, fact index) pairs."""


def bound_patterns(rules: Sequence[Rule], edition: Edition) -> list[dict]:
    """Every rule's pattern bound to ``edition`` and linted: what any engine receives.

    Raises :class:`~mutualaid.conditions.ConditionError` naming the rule whose condition lies
    outside the safe subset or does not fit its facts.
    """
    patterns = []
    for rule in rules:
        if rule.on not in SCHEMA:
            raise ConditionError(f"{rule.id}: no fact type {rule.on!r} (types: {', '.join(SCHEMA)})")
        pattern = rule.pattern(edition.params)
        lint(pattern, SCHEMA[rule.on], where=rule.id)
        patterns.append(pattern)
    return patterns


class NativeEngine:
    """Rules bound to one edition, each condition a compiled function, grouped by fact type."""

    name = "native"

    def __init__(self, rules: Sequence[Rule], edition: Edition):
        self.rules = tuple(rules)
        self.edition = edition
        by_type: dict[str, list[tuple[int, Callable[[Mapping], bool]]]] = {}
        for i, (rule, pattern) in enumerate(zip(self.rules, bound_patterns(self.rules, edition))):
            by_type.setdefault(rule.on, []).append((i, compile_condition(pattern["$and"][1])))
        self._by_type = by_type

    def fire(self, facts: Sequence[Mapping]) -> Fired:
        """Every (rule, fact) pair whose condition holds, ordered by rule, then fact."""
        fired = []
        by_type = self._by_type
        for j, fact in enumerate(facts):
            for i, test in by_type.get(fact["t"], ()):
                if test(fact):
                    fired.append((i, j))
        fired.sort()
        return fired


_cache: dict[tuple[str, int, int], NativeEngine] = {}
_lock = threading.Lock()


def native_engine(rules: Sequence[Rule], edition: Edition) -> NativeEngine:
    """The compiled engine for ``rules`` under ``edition``, built once and shared (thread-safe)."""
    key = (edition.id, id(edition), id(rules))
    engine = _cache.get(key)
    if engine is None:
        with _lock:
            engine = _cache.get(key)
            if engine is None:
                if len(_cache) >= 256:  # many throwaway editions (what-if runs, property tests)
                    _cache.clear()
                engine = NativeEngine(rules, edition)
                _cache[key] = engine
    return engine
