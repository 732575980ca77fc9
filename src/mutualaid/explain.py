"""Reasons in words: each rule's bilingual message, filled from the fact it matched.

A message template names fact fields and the edition's parameters, with these conversions:
``{x!y}`` states fen as yuan, exactly (``9,999.99``, ``10,000``: :func:`mutualaid.rule.amount_text`;
in a hint's ``data`` the same ``!y`` gives the two-place string ``"9999.99"``), ``{x!d}`` a day
number as a date, ``{x!z}``/``{x!e}`` days since the accident in words (事故后第 N 日 or 事故发生前 N
日; on day N after, or N day(s) before, the accident); ``{x_zh}``/``{x_en}`` names a code in the
plan's words (:mod:`mutualaid.vocabulary`).
Templates are parsed once per rule and edition; a reason already built for the same values is
reused (reasons are immutable), which keeps a stream of claims from formatting the same text again.
"""

from __future__ import annotations

import string
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from .facts import SCHEMA
from .model import Hint, Reason, build, made
from .rule import Rule, amount_text, clause_label, day_text_en, day_text_zh
from .vocabulary import NAMES

_PARSER = string.Formatter()


@lru_cache(maxsize=65536)
def _yuan(fen: int) -> str:
    """Fen as the two-place yuan string of a hint's data (``"9999.99"``, ``"10000.00"``; cached: a
    stream of claims names the same amounts again, and a hint's data is written for every decision)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


_CONVERT = {"y": "_amount", "v": "_yuan", "d": "_day", "z": "_day_zh", "e": "_day_en"}
"""Each conversion a template may name, and the function the getter calls for it (``v``: the two-place
string of a hint's data, which ``!y`` becomes there)."""


@lru_cache(maxsize=4096)
def _compiled(source: str):
    """``source`` compiled, once for every edition: a getter's and a writer's source name no
    edition's values (a parameter is a name bound in the namespace it runs in), so the many
    editions of a what-if or a property test share it, and building their engines costs a small
    ``eval`` a rule instead of Python's compiler (about 15 ms an edition)."""
    return compile(source, "<mutualaid explanation>", "eval")


@lru_cache(maxsize=4096)
def _day(day: int) -> str:
    """A day number as an ISO date (cached: a stream of claims names the same few hundred days)."""
    return date.fromordinal(day).isoformat()


@lru_cache(maxsize=4096)
def _plain(template: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """Rewrite ``{x!y}`` to ``{x__y}``; return the template and its (key, source field, conversion).

    Cached: the same templates are parsed for every edition's engine."""
    out, needs = [], []
    for literal, field, spec, conv in _PARSER.parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"message field {field!r} must be a plain name")
        if conv and conv not in _CONVERT:
            raise ValueError(f"message field {field!r}: no conversion !{conv} (there are !y, !d, !z, !e)")
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
        self._hints = []  # (kind, ((data key, needs key), ...), zh, en, ended zh, ended en, needs) a rule, or None
        for rule in self.rules:
            zh_label, en_label = clause_label(rule.clause)
            zh, zh_needs = _plain(rule.message_zh)
            en, en_needs = _plain(rule.message_en)
            self._reasons.append((zh_label.replace("{", "{{") + "：" + zh, en_label + ": " + en, tuple(dict.fromkeys(zh_needs + en_needs))))
            self._hints.append(self._hint_template(rule))
        self._needs = [  # what a rule's reason and hint name, together: one lookup of each
            tuple(dict.fromkeys(r[2] + (h[6] if h else ()))) for r, h in zip(self._reasons, self._hints)
        ]
        self.ending = frozenset(i for i, r in enumerate(self.rules) if r.ends_cover)
        """The rules that end the cover when they bite (:attr:`mutualaid.rule.Rule.ends_cover`)."""
        self._getters = [self._getter(i, SCHEMA) for i in range(len(self.rules))]
        self._writers = [self._writer(i) for i in range(len(self.rules))]
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
            (_, name, conv), = source_needs
            if conv == "y":  # in the data an amount is the two-place string, in words amount_text
                source_needs = ((f"{name}__v", name, "v"),)
            data.append((key, source_needs[0][0]))
            needs += source_needs
        zh, zh_needs = _plain(h.message_zh)
        en, en_needs = _plain(h.message_en)
        ended_zh, ended_zh_needs = _plain(h.ended_zh or h.message_zh)  # no cover-ended words: its own stand
        ended_en, ended_en_needs = _plain(h.ended_en or h.message_en)
        every = needs + zh_needs + en_needs + ended_zh_needs + ended_en_needs
        return h.kind, tuple(data), zh, en, ended_zh, ended_en, tuple(dict.fromkeys(every))

    def _passed(self, bit: frozenset) -> tuple[str, ...]:
        """The ids of the rules that were checked and did not bite, in rule order."""
        return tuple(r.id for i, r in enumerate(self.rules) if i not in bit)

    def _getter(self, i: int, schema: Mapping[str, Mapping[str, type]]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], tuple]:
        """``getter(fact, claim)``: the values rule ``i``'s templates name (``self._needs[i]``), as a
        hashable key, converted (``!y`` fen as yuan, ``!d`` a day number as a date, ``!z``/``!e``
        days since the accident in words).

        A name is looked up in the fact the rule matched, then in the claim's own fact (so an
        item's hint can name the accident's window), then in the edition's parameters, then as a
        code's name in the plan's words (``x_zh``). Where each is found is known from the fact
        schema, so the lookups are decided once, when the edition's engine is built, and a name
        that nothing provides fails then, not on the first claim that needs it.

        The source names fields only as ``repr`` of schema names and parameters only through the
        namespace, so nothing a rule says can run as code.
        """
        on = schema[self.rules[i].on]
        claim = schema["claim"]
        terms = []
        namespace = {"_yuan": _yuan, "_amount": amount_text, "_day": _day, "_day_zh": day_text_zh, "_day_en": day_text_en, "NAMES": NAMES}
        for n, (_, field, conv) in enumerate(self._needs[i]):
            if field in on:
                term = f"f[{field!r}]"
            elif field in claim:
                term = f"c[{field!r}]"
            elif field in self.params:
                namespace[f"p{n}"] = self.params[field]
                term = f"p{n}"
            elif field.endswith(("_zh", "_en")) and field[:-3] in on:
                term = f"NAMES.get(f[{field[:-3]!r}], (f[{field[:-3]!r}],) * 2)[{int(field.endswith('_en'))}]"
            else:
                raise KeyError(f"rule {self.rules[i].id}: its message or hint names {field!r}, which nothing provides")
            terms.append(f"{_CONVERT[conv]}({term})" if conv else term)
        return eval(_compiled(f"lambda f, c: ({''.join(t + ', ' for t in terms)})"), namespace)  # noqa: S307

    def _writer(self, i: int) -> Callable[[tuple], tuple]:
        """``writer(values)``: rule ``i``'s reason in both languages and, if it declares a hint, the
        hint's data and words, from the values its getter found, compiled into one function.

        Each template's literal text goes into the source through ``repr`` and each field as the
        index of its value, so a template is filled without building a dict per reason.
        """
        index = {key: n for n, (key, _, _) in enumerate(self._needs[i])}

        def filled(template: str) -> str:
            parts = []
            for literal, key, spec, _ in _PARSER.parse(template):
                if literal:
                    parts.append(repr(literal))
                if key is not None:
                    parts.append(f"format(v[{index[key]}], {spec or ''!r})")
            return " + ".join(parts) or "''"

        zh, en, _ = self._reasons[i]
        terms = [filled(zh), filled(en)]
        template = self._hints[i]
        if template is not None:
            _, data, hzh, hen, ended_zh, ended_en, _ = template
            terms += ["(" + "".join(f"({key!r}, v[{index[source]}]), " for key, source in data) + ")", filled(hzh), filled(hen)]
            terms += [filled(ended_zh), filled(ended_en)]
        return eval(_compiled(f"lambda v: ({', '.join(terms)},)"), {"format": format})  # noqa: S307

    def _explained(self, i: int, subject: str, values: tuple) -> tuple[Reason, tuple | None]:
        """Rule ``i``'s reason, and its hint's parts, for these values (``self._needs[i]``)."""
        written = self._writers[i](values)
        rule = self.rules[i]
        reason = build(Reason, clause=rule.clause, rule=rule.id, effect=rule.effect, subject=subject, message_zh=written[0], message_en=written[1])
        template = self._hints[i]
        if template is None:
            return reason, None
        return reason, (template[0], rule.id, written[2], written[3], written[4], written[5], written[6])

    def reason_and_hint(
        self, i: int, subject: str, fact: Mapping[str, Any], claim: Mapping[str, Any], ended: bool = False
    ) -> tuple[Reason, Hint | None]:
        """Rule ``i``'s reason on ``fact`` and its hint, if it declares one; ``ended``: the cover has
        ended (a rule in :attr:`ending` bit), and the hint takes its cover-ended words.

        Both are made once for the same values and kept (a stream of claims repeats them). A
        reason is immutable and shared by every decision with the same values; a hint is built
        anew each time from the kept parts, since its ``data`` is a dict that its caller may change.
        """
        reason, hint = self.explained(i, subject, self._getters[i](fact, claim))
        return reason, None if hint is None else _hint(hint, subject, ended)

    def reasons_and_hints(self, fired: Sequence[tuple[int, int]], facts: Any, assessment: Mapping[str, Any], ended: bool) -> tuple[tuple, tuple]:
        """Every fired (rule, fact) pair's reason, and the hints of those that declare one, in order:
        :meth:`reason_and_hint` over a decision's reasons in one loop (a fact index past the facts
        is the assessment's, whose subject is the claim)."""
        explained, getters, subject_of, all_facts = self.explained, self._getters, facts.subject, facts.facts
        n = len(all_facts)
        claim = all_facts[0]
        reasons = []
        hints = []
        for i, j in fired:
            if j < n:
                subject = subject_of(j)
                reason, hint = explained(i, subject, getters[i](all_facts[j], claim))
            else:
                subject = "claim"
                reason, hint = explained(i, subject, getters[i](assessment, claim))
            reasons.append(reason)
            if hint is not None:
                hints.append(_hint(hint, subject, ended))
        return tuple(reasons), tuple(hints)


def _hint(parts: tuple, subject: str, ended: bool) -> Hint:
    """A hint from its kept parts (:meth:`Explainer._explained`), with its cover-ended words if ``ended``."""
    kind, rule, data, zh, en, ended_zh, ended_en = parts
    if ended:
        zh, en = ended_zh, ended_en
    return made(Hint, {"kind": kind, "rule": rule, "subject": subject, "data": dict(data), "message_zh": zh, "message_en": en})
