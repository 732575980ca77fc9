"""Reasons in words: each rule's bilingual message, filled from the fact it matched.

A message template names fact fields and the edition's parameters, with two conversions: ``{x!y}`` shows fen as yuan, ``{x!d}`` a day number as a
date; ``{x_zh}``/``{x_en}`` names a code in the plan's words (:mod:`mutualaid.vocabulary`).
Templates are parsed once per rule and edition; a reason already built for the same values is
reused (reasons are immutable), which keeps a stream of claims from formatting the same text again.
"""

from __future__ import annotations

import string
from datetime import date
from functools import lru_cache
from typing import Any, Mapping, Sequence

from .model import Reason, build
from .rule import Rule, clause_label
from .vocabulary import NAMES

_PARSER = string.Formatter()


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _plain(template: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """Rewrite ``{x!y}`` to ``{x__y}``; return the template and its (key, source field, conversion)."""
    out, needs = [], []
    for literal, field, spec, conv in _PARSER.parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"message field {field!r} must be a plain name")
        key = f"{field}__{conv}" if conv else field
        needs.append((key, field, conv or ""))
        out.append("{" + key + (":" + spec if spec else "") + "}")
    return "".join(out), tuple(dict.fromkeys(needs))


class Explainer:
    """Every rule's templates for one edition, ready to fill."""

    def __init__(self, rules: Sequence[Rule], params: Mapping[str, Any]):
        self.rules = tuple(rules)
        self.params = dict(params)
        self._templates = []
        for rule in self.rules:
            zh_label, en_label = clause_label(rule.clause)
            zh, zh_needs = _plain(rule.message_zh)
            en, en_needs = _plain(rule.message_en)
            self._templates.append(
                (zh_label.replace("{", "{{") + "：" + zh, en_label + ": " + en, tuple(dict.fromkeys(zh_needs + en_needs)))
            )
        self.reason = lru_cache(maxsize=4096)(self._reason)
        self.passed = lru_cache(maxsize=1024)(self._passed)

    def _passed(self, bit: frozenset) -> tuple[str, ...]:
        """The ids of the rules that were checked and did not bite, in rule order."""
        return tuple(r.id for i, r in enumerate(self.rules) if i not in bit)

    def values(self, i: int, fact: Mapping[str, Any]) -> tuple:
        """The values rule ``i``'s message needs, as a hashable key."""
        out = []
        for key, field, conv in self._templates[i][2]:
            if field in fact:
                v = fact[field]
            elif field in self.params:
                v = self.params[field]
            elif field.endswith(("_zh", "_en")) and field[:-3] in fact:
                v = NAMES.get(fact[field[:-3]], (fact[field[:-3]],) * 2)[field.endswith("_en")]
            else:
                raise KeyError(f"rule {self.rules[i].id}: its message names {field!r}, which nothing provides")
            out.append(_yuan(v) if conv == "y" else date.fromordinal(v).isoformat() if conv == "d" else v)
        return tuple(out)

    def _reason(self, i: int, subject: str, values: tuple) -> Reason:
        zh, en, needs = self._templates[i]
        ctx = {key: v for (key, _, _), v in zip(needs, values)}
        rule = self.rules[i]
        return build(
            Reason,
            clause=rule.clause,
            rule=rule.id,
            effect=rule.effect,
            subject=subject,
            message_zh=zh.format_map(ctx),
            message_en=en.format_map(ctx),
        )
