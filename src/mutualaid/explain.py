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

from .model import Hint, Reason, build
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
    """Every rule's templates for one edition, ready to fill: its reason and, if declared, its hint."""

    def __init__(self, rules: Sequence[Rule], params: Mapping[str, Any]):
        self.rules = tuple(rules)
        self.params = dict(params)
        self._templates = []
        for rule in self.rules:
            zh_label, en_label = clause_label(rule.clause)
            zh, zh_needs = _plain(rule.message_zh)
            en, en_needs = _plain(rule.message_en)
            needs = zh_needs + en_needs
            hint = None
            if rule.hint is not None:
                h = rule.hint
                data = []
                for key, source in h.data.items():
                    (_, source_needs) = _plain("{" + source + "}")
                    data.append((key, source_needs[0][0]))
                    needs += source_needs
                hzh, hzh_needs = _plain(h.message_zh)
                hen, hen_needs = _plain(h.message_en)
                needs += hzh_needs + hen_needs
                hint = (h.kind, tuple(data), hzh, hen)
            self._templates.append((zh_label.replace("{", "{{") + "：" + zh, en_label + ": " + en, tuple(dict.fromkeys(needs)), hint))
        self.explain = lru_cache(maxsize=4096)(self._explain)
        self.passed = lru_cache(maxsize=1024)(self._passed)

    def _passed(self, bit: frozenset) -> tuple[str, ...]:
        """The ids of the rules that were checked and did not bite, in rule order."""
        return tuple(r.id for i, r in enumerate(self.rules) if i not in bit)

    def values(self, i: int, fact: Mapping[str, Any], claim: Mapping[str, Any]) -> tuple:
        """The values rule ``i``'s message and hint need, as a hashable key.

        A name is looked up in the fact the rule matched, then in the claim's own fact (so an
        item's hint can name the accident's window), then in the edition's parameters.
        """
        out = []
        for key, field, conv in self._templates[i][2]:
            if field in fact:
                v = fact[field]
            elif field in claim:
                v = claim[field]
            elif field in self.params:
                v = self.params[field]
            elif field.endswith(("_zh", "_en")) and field[:-3] in fact:
                v = NAMES.get(fact[field[:-3]], (fact[field[:-3]],) * 2)[field.endswith("_en")]
            else:
                raise KeyError(f"rule {self.rules[i].id}: its message names {field!r}, which nothing provides")
            out.append(_yuan(v) if conv == "y" else date.fromordinal(v).isoformat() if conv == "d" else v)
        return tuple(out)

    def _explain(self, i: int, subject: str, values: tuple) -> tuple[Reason, tuple | None]:
        zh, en, needs, hint = self._templates[i]
        ctx = {key: v for (key, _, _), v in zip(needs, values)}
        rule = self.rules[i]
        reason = build(
            Reason,
            clause=rule.clause,
            rule=rule.id,
            effect=rule.effect,
            subject=subject,
            message_zh=zh.format_map(ctx),
            message_en=en.format_map(ctx),
        )
        if hint is None:
            return reason, None
        kind, data, hzh, hen = hint
        return reason, (kind, rule.id, subject, tuple((key, ctx[source]) for key, source in data), hzh.format_map(ctx), hen.format_map(ctx))

    def reason_and_hint(self, i: int, subject: str, values: tuple) -> tuple[Reason, Hint | None]:
        """Rule ``i``'s reason (shared: it is immutable) and a hint of its own (its ``data`` is a dict)."""
        reason, hint = self.explain(i, subject, values)
        if hint is None:
            return reason, None
        kind, rule, subject, data, zh, en = hint
        return reason, build(Hint, kind=kind, rule=rule, subject=subject, data=dict(data), message_zh=zh, message_en=en)
