"""The durable_rules engine: the very same rule declarations, decided by durable_rules' Rete network.

It serves as the reference engine: a differential test holds the native engine to it. Every rule's
bound, linted pattern (:func:`mutualaid.engine.bound_patterns`) is registered as it is; the actions
only record which rule fired on which fact, and the shared assembly step builds the decision.

durable_rules 2.0.28 has traps, each seen on this machine (``shared/notes/durable-rules.md``); here
is how each is kept away:

- events are consumed by ``post``: facts are asserted (``assert_facts``), so every matching rule fires;
- cross-fact references crash: the safe subset has none, and the linter refuses them;
- it is not thread-safe, and its background timer threads run actions: one process-wide lock around
  every evaluation, and a Host whose background runner never starts;
- at most 1,024 live states, and a 32-bit sid hash that can collide: one state lives at a time, under
  the lock, and it is deleted in ``finally``;
- a ruleset name can be registered once: each engine registers a name of its own, so a re-run
  notebook cell or a second engine for the same edition never re-registers one;
- exceptions in actions are swallowed into the state: the state is checked after each evaluation;
- an action with two parameters is treated as asynchronous: actions take one;
- each branch of an ``$or`` that matches fires the rule again on the same fact (seen here): the pairs
  are made a set, since a rule either holds for a fact or not;
- a fact that no rule matches makes ``assert_facts`` raise ``MessageNotHandledException``, after which
  ``delete_state`` crashes the process (seen here, not in the notes): each fact type has a catch-all
  rule that matches every fact of that type and does nothing.
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Mapping, Sequence

from .edition import Edition
from .engine import Fired, bound_patterns
from .errors import UnknownEngine
from .explain import Explainer
from .facts import SCHEMA
from .rule import Rule
from .rules import as_ruleset, params_of

INSTALL_HINT = (
    "the durable engine needs durable_rules: pip install 'mutualaid[durable]' "
    "(it compiles C, so it needs a C compiler, and it does not import on Python 3.13 or newer)"
)

_LOCK = threading.Lock()
"""One lock for every durable_rules call in the process: its C state is shared and not thread-safe."""

_names = itertools.count(1)


def _host_class():
    try:
        from durable.engine import Host  # durable extra: engine="durable" only
    except ImportError as exc:  # not installed, or Python 3.13 (undefined symbol PyEval_CallObject)
        raise UnknownEngine(f"{INSTALL_HINT} ({exc})") from None

    class QuietHost(Host):
        """A Host whose background dispatch and timer threads never start."""

        def _run(self) -> None:
            pass

    return QuietHost


def _ignore(c) -> None:
    """The action of the catch-all rules: a fact that no plan rule matches is still handled."""


class DurableEngine:
    """Rules bound to one edition, registered as one durable_rules ruleset on a Host of its own."""

    name = "durable"

    def __init__(self, rules: Sequence[Rule], edition: Edition):
        self.rules = as_ruleset(rules)  # with the row of each rule, for the reasons' order
        self.edition = edition
        self.explain = Explainer(self.rules, params_of(edition))
        self._ruleset = f"mutualaid_{re.sub(r'[^A-Za-z0-9_]', '_', edition.id)}_{next(_names)}"
        self._sids = itertools.count(1)
        self._fired: Fired = []

        definition: dict = {}
        for i, pattern in enumerate(bound_patterns(self.rules, edition)):
            definition[f"r{i}"] = {"all": [{"m": pattern}], "run": self._recorder(i)}
        for fact_type in SCHEMA:
            definition[f"seen_{fact_type}"] = {
                "all": [{"m": {"$and": [{"t": fact_type}, {"$gte": {"j": 0}}]}}],
                "run": _ignore,
            }
        with _LOCK:
            self._host = _host_class()()
            self._host.register_rulesets({self._ruleset: definition})

    def _recorder(self, i: int):
        def record(c) -> None:  # one parameter: two would make durable_rules treat it as async
            self._fired.append((i, c.m.j))

        return record

    def fire(self, facts: Sequence[Mapping]) -> Fired:
        """Every (rule, fact) pair durable_rules fires on, ordered by rule, then fact."""
        with _LOCK:
            sid = str(next(self._sids))
            fired: Fired = []
            self._fired = fired
            try:
                self._host.assert_facts(self._ruleset, [{**fact, "sid": sid, "j": j} for j, fact in enumerate(facts)])
                state = self._host.get_state(self._ruleset, sid)
            finally:
                self._host.delete_state(self._ruleset, sid)
            self._fired = []
        if "exception" in state:
            raise RuntimeError(f"durable_rules: an action failed: {state['exception']}")
        return sorted(set(fired))  # each branch of a matching $or fires on its own: once per fact is meant
