"""The plan's rules, one module per article, gathered in one place in the order reasons are given.

That order is the order of CONTRACT §3's table: row by row, and within a row subject by subject
(the claim, then treatments and items in input order), and for one subject the row's rules in
the order given here (CONTRACT §7, "Reason order"). To add or change a rule, edit its one
declaration in its article's module; to move it in the reasons' order, move it here.

Which of 第六条's exclusions apply is the edition's data: :func:`rules_for` makes an edition's
circumstance and diagnosis rules from its ``exclusions`` keys. :data:`RULES` are the shipped 2022
edition's rules.
"""

from __future__ import annotations

import pkgutil
import threading
from importlib import import_module
from typing import Any

from ..edition import Edition, per_edition
from ..rule import Rule
from . import art1, art4, art5, art6, art7, art8, art9


def _rows(circumstances: tuple[Rule, ...], diagnoses: tuple[Rule, ...]) -> tuple[tuple[Rule, ...], ...]:
    """CONTRACT §3's table, a tuple a row, with the given exclusion rules in their two rows."""
    return (
        art1.RULES,  # art1 保障对象
        art4.RULES,  # art4.1 保障期限
        art9.RULES,  # art9.1 意外伤害的释义
        art5.FILING,  # art5.4 申报期限
        circumstances,  # art6.1–6.4, 6.6, 6.10–6.13 claim-level circumstances
        (art5.OUTSIDE_WINDOW,),  # art5.1 180 日
        art5.HOSPITAL,  # art5.5 医院
        diagnoses,  # art6.4, 6.5, 6.6, 6.8, 6.10 by primary diagnosis
        (art6.SELF_MEDICATION,),  # art6.7
        (art6.DENTAL,),  # art6.8
        (art6.ASSISTIVE_DEVICE,),  # art6.9
        art5.TIER,  # art5.2 梯度
        art5.CAP,  # art5.3 累计给付上限
        art8.RULES,  # art8.2 申报材料
        art7.RULES,  # art7 受领人
    )


class RuleSet(tuple):
    """The rules of one edition, in reason order, with the row of CONTRACT §3's table each is in."""

    rows: tuple[int, ...]
    """For each rule, the index of its row: reasons sort by row, then subject, then rule."""

    def __new__(cls, rows: tuple[tuple[Rule, ...], ...]) -> "RuleSet":
        self = super().__new__(cls, (rule for row in rows for rule in row))
        self.rows = tuple(n for n, row in enumerate(rows) for _ in row)
        return self


def as_ruleset(rules) -> RuleSet:
    """``rules`` as a :class:`RuleSet`; a plain sequence of rules puts each rule in a row of its own."""
    return rules if isinstance(rules, RuleSet) else RuleSet(tuple((r,) for r in rules))


RULES: RuleSet = RuleSet(_rows(art6.CIRCUMSTANCES, art6.DIAGNOSES))

_made: dict[tuple, RuleSet] = {}
_lock = threading.Lock()


def rules_for(edition: "Edition") -> RuleSet:
    """The rules of ``edition``: :data:`RULES`, with one circumstance and one diagnosis rule for each
    clause its ``exclusions`` lists (in the plan's order), and none for a clause it leaves out.

    Made once for each set of keys and shared, so an engine built for them is built once.
    """
    key = (tuple(edition.exclusions.circumstances), tuple(edition.exclusions.diagnoses))
    found = _made.get(key)
    if found is None:
        with _lock:
            found = _made.get(key)
            if found is None:
                circumstances = tuple(art6.circumstance_rule(c) for c in art6.clause_order(key[0]))
                diagnoses = tuple(art6.diagnosis_rule(c) for c in art6.clause_order(key[1]))
                if circumstances == art6.CIRCUMSTANCES and diagnoses == art6.DIAGNOSES:
                    found = RULES
                else:
                    found = RuleSet(_rows(circumstances, diagnoses))
                _made[key] = found
    return found


def _message_params() -> tuple[tuple[str, Any], ...]:
    """(module name, its ``message_params``) for each article module that declares one, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = import_module(f"{__name__}.{info.name}")  # each is imported above already, through its article
        declared = module.__dict__.get("message_params")
        if declared is not None and getattr(declared, "__module__", None) == module.__name__:
            found.append((module.__name__, declared))
    return tuple(found)


MESSAGE_PARAMS = _message_params()
"""Each article module's ``message_params(edition) -> dict``: what its messages and hints say of the
edition in words (``filing_years_zh``, ``hospital_ownership_en``), found once, when the rules load."""


@per_edition
def params_of(edition: Edition) -> dict[str, object]:
    """The edition's values as the rule conditions and messages see them: :attr:`Edition.params`
    (its own data, flat: day numbers, fen, codes) and what each article module that declares
    ``message_params`` (:mod:`~mutualaid.rules.art5_2`, :mod:`~mutualaid.rules.art5_4`,
    :mod:`~mutualaid.rules.art5_5`) adds in words. Computed once per edition.

    The edition is data and knows no rule; the rules read it, and add their words here.
    """
    params = dict(edition.params)
    for module, message_params in MESSAGE_PARAMS:
        more = message_params(edition)
        twice = sorted(set(more) & set(params))
        if twice:
            raise ValueError(f"{module} declares message parameters the edition already has: {', '.join(twice)}")
        params.update(more)
    return params


__all__ = ["MESSAGE_PARAMS", "RULES", "Rule", "RuleSet", "as_ruleset", "params_of", "rules_for"]
