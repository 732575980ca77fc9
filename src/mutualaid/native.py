"""The native engine: each edition's bound conditions compiled into Python, once.

The engine knows no article. It takes declared rules and an edition, binds, lints and compiles
every condition, and then answers one question per call: which rules match which facts. For
speed, the conditions that test one fact type are compiled together into a single function.
It keeps the :class:`~mutualaid.engine.Engine` protocol, as the durable engine does.

It also offers the whole pass compiled (:attr:`NativeEngine.match`, from :mod:`mutualaid.compiled`):
derivation, matching and assessment in one function that builds a fact only where a rule bites,
which :func:`mutualaid.adjudicate` uses instead of deriving every fact and firing on them.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from .compiled import compile_pass
from .conditions import expression
from .edition import Edition
from .engine import Fired, bound_patterns
from .explain import Explainer
from .rule import Rule
from .rules import as_ruleset, params_of


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
        patterns = bound_patterns(self.rules, edition)
        for i, (rule, pattern) in enumerate(zip(self.rules, patterns)):
            tests.setdefault(rule.on, []).append((i, expression(pattern["$and"][1])))
        self._match = {t: _matcher(ts) for t, ts in tests.items()}
        self.explain = Explainer(self.rules, params_of(edition))
        self.match = compile_pass(self.rules, edition, patterns)
        """``match(claim, history) -> Matched``: the edition's compiled pass (``mutualaid rules --compiled``)."""

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
