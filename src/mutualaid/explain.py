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
        self._reasons = []  # (zh, en, needs) a rule
        self._hints = []  # (kind, ((data key, needs key), ...), zh, en, needs) a rule, or None
        for rule in self.rules:
            zh_label, en_label = clause_label(rule.clause)
            zh, zh_needs = _plain(rule.message_zh)
            en, en_needs = _plain(rule.message_en)
            self._reasons.append((zh_label.replace("{", "{{") + "：" + zh, en_label + ": " + en, tuple(dict.fromkeys(zh_needs + en_needs))))
            self._hints.append(self._hint_template(rule))
        self._needs = [  # what a rule's reason and hint name, together: one lookup of each
            tuple(dict.fromkeys(r[2] + (h[4] if h else ()))) for r, h in zip(self._reasons, self._hints)
        ]
        self.explained = lru_cache(maxsize=4096)(self._explained)
        self.passed = lru_cache(maxsize=1024)(self._passed)

    @staticmethod
    def _hint_template(rule: Rule):
        if rule.hint is None:
            return None
        h, data = rule.hint, []
        needs: tuple = ()
        for key, source in h.data.items():
            _, source_needs = _plain("{" + source + "}")
            data.append((key, source_needs[0][0]))
            needs += source_needs
        zh, zh_needs = _plain(h.message_zh)
        en, en_needs = _plain(h.message_en)
        return h.kind, tuple(data), zh, en, tuple(dict.fromkeys(needs + zh_needs + en_needs))

    def _passed(self, bit: frozenset) -> tuple[str, ...]:
        """The ids of the rules that were checked and did not bite, in rule order."""
        return tuple(r.id for i, r in enumerate(self.rules) if i not in bit)

    def values(self, i: int, needs: tuple, fact: Mapping[str, Any], claim: Mapping[str, Any]) -> tuple:
        """The values that ``needs`` (a template's fields) name, as a hashable key.

        A name is looked up in the fact the rule matched, then in the claim's own fact (so an
        item's hint can name the accident's window), then in the edition's parameters.
        """
        out = []
        for key, field, conv in needs:
            if field in fact:
                v = fact[field]
            elif field in claim:
                v = claim[field]
            elif field in self.params:
                v = self.params[field]
            elif field.endswith(("_zh", "_en")) and field[:-3] in fact:
                v = NAMES.get(fact[field[:-3]], (fact[field[:-3]],) * 2)[field.endswith("_en")]
            else:
                raise KeyError(f"rule {self.rules[i].id}: its message or hint names {field!r}, which nothing provides")
            out.append(_yuan(v) if conv == "y" else date.fromordinal(v).isoformat() if conv == "d" else v)
        return tuple(out)

    def _explained(self, i: int, subject: str, values: tuple) -> tuple[Reason, tuple | None]:
        """Rule ``i``'s reason, and its hint's parts, for these values (``self._needs[i]``)."""
        ctx = {key: v for (key, _, _), v in zip(self._needs[i], values)}
        zh, en, _ = self._reasons[i]
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
        template = self._hints[i]
        if template is None:
            return reason, None
        kind, data, zh, en, _ = template
        return reason, (kind, rule.id, tuple((key, ctx[source]) for key, source in data), zh.format_map(ctx), en.format_map(ctx))

    def reason_and_hint(self, i: int, subject: str, fact: Mapping[str, Any], claim: Mapping[str, Any]) -> tuple[Reason, Hint | None]:
        """Rule ``i``'s reason on ``fact`` and its hint, if it declares one.

        Both are made once for the same values and kept (a stream of claims repeats them). A
        reason is immutable and shared by every decision with the same values; a hint is built
        anew each time from the kept parts, since its ``data`` is a dict that its caller may change.
        """
        reason, hint = self.explained(i, subject, self.values(i, self._needs[i], fact, claim))
        if hint is None:
            return reason, None
        kind, rule, data, zh, en = hint
        return reason, build(Hint, kind=kind, rule=rule, subject=subject, data=dict(data), message_zh=zh, message_en=en)
