"""The native engine: each edition's bound conditions compiled into Python, once.

The engine knows no article. It takes declared rules and an edition, binds, lints and compiles
every condition, and then answers one question per call: which rules match which facts. For
speed, the conditions that test one fact type are compiled together into a single function.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, Sequence

from .conditions import expression, lint
from .edition import Edition
from .explain import Explainer
from .facts import SCHEMA
from .rule import Rule
from .rules import as_ruleset

Fired = list[tuple[int, int]]
"""(rule index, fact index) pairs."""


def bound_patterns(rules: Sequence[Rule], edition: Edition) -> list[dict]:
    """Every rule's pattern bound to ``edition`` and linted: what any engine receives.

    Each rule's expression is bound to the edition's parameters and compiled into durable_rules'
    JSON subset (:meth:`Rule.pattern`), and linted again as a whole. Raises
    :class:`~mutualaid.conditions.ConditionError` naming the rule whose condition lies outside the
    safe subset, names something that is neither a field nor a parameter, or does not fit its facts.
    """
    patterns = []
    for rule in rules:
        pattern = rule.pattern(edition.params)
        lint(pattern, SCHEMA[rule.on], where=rule.id)
        patterns.append(pattern)
    return patterns


def _matcher(tests: list[tuple[int, str]]) -> Callable[[Mapping, int, list], None]:
    """One function for every condition on one fact type: appends (rule index, j) for each match.

    The source is generated from linted conditions only (field names from the fact schema,
    values through ``repr``), so nothing a rule says can run as code.
    """
    body = "".join(f"    if {expr}: out.append(({i}, j))\n" for i, expr in tests) or "    pass\n"
    namespace: dict[str, Any] = {}
    exec(f"def match(f, j, out):\n{body}", {"__builtins__": {}}, namespace)  # noqa: S102
    return namespace["match"]


class NativeEngine:
    """Rules bound to one edition: conditions compiled per fact type, messages parsed (``explain``)."""

    name = "native"

    def __init__(self, rules: Sequence[Rule], edition: Edition):
        self.rules = as_ruleset(rules)  # with the row of each rule, for the reasons' order
        self.edition = edition
        tests: dict[str, list[tuple[int, str]]] = {}
        for i, (rule, pattern) in enumerate(zip(self.rules, bound_patterns(self.rules, edition))):
            tests.setdefault(rule.on, []).append((i, expression(pattern["$and"][1])))
        self._match = {t: _matcher(ts) for t, ts in tests.items()}
        self.explain = Explainer(self.rules, edition.params)

    def fire(self, facts: Sequence[Mapping]) -> Fired:
        """Every (rule, fact) pair whose condition holds, ordered by rule, then fact."""
        out: Fired = []
        match = self._match
        for j, fact in enumerate(facts):
            m = match.get(fact["t"])
            if m is not None:
                m(fact, j, out)
        out.sort()
        return out


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


ENGINES = ("native", "durable")


def engine_for(name: str, rules: Sequence[Rule], edition: Edition):
    """The engine ``name`` with ``rules`` bound to ``edition``, built once and shared."""
    if name == "native":
        return per_edition("native", rules, edition, lambda: NativeEngine(rules, edition))
    if name == "durable":
        from .durable_engine import DurableEngine

        return per_edition("durable", rules, edition, lambda: DurableEngine(rules, edition))
    from .errors import UnknownEngine

    raise UnknownEngine(f"unknown engine {name!r}; the engines are {', '.join(ENGINES)}")
