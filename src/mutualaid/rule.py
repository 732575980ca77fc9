"""What a rule is: a declaration, not a code path (GoRules' decision rows, Catala's clause-by-code).

A rule holds a stable id, the clause it implements and that clause's text, its effect, its scope,
its condition (a short expression that reads like the plan, ``"day < 0 or day > window_days"``),
and a message in Chinese and English. The evaluator knows no article: it binds the condition to an
edition, lints it, compiles it and reports which facts it matched (:mod:`mutualaid.conditions`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Literal, Mapping

from .clauses import chinese_number, clause_label  # noqa: F401 - the rules' modules cite them from here
from .conditions import ConditionError, parse
from .vocabulary import HintKind

Effect = Literal["deny", "exclude", "pend", "note"]
Scope = Literal["claim", "treatment", "item"]


def chinese_count(n: int) -> str:
    """A number of things in Chinese, before a measure word: 2 is 两 (两年), any other as :func:`chinese_number`."""
    return "两" if n == 2 else chinese_number(n)


@lru_cache(maxsize=8192)
def amount_text(fen: int) -> str:
    """An amount in fen as a message states it, exactly (CONTRACT §7, "Messages"), in both languages.

    Yuan with thousands separators; the fen after the point when there are any, and nothing after
    it when the amount is whole: ``10,000``, ``9,999.99``, ``49.50``, ``200``, ``0``. A whole amount
    so reads as the plan writes its own (补偿200元, 累计给付金额不超过10000元), and an odd one is
    never rounded or cut (``9,999.99``, never ``9999``). Cached: decisions repeat the same amounts.
    """
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(-fen if fen < 0 else fen, 100)
    return f"{sign}{yuan:,}.{cents:02d}" if cents else f"{sign}{yuan:,}"


def day_text_zh(day: int) -> str:
    """Days since the accident (the accident day 0) as the Chinese messages say it: 事故后第 N 日,
    or 事故发生前 N 日 for a day before the accident (never a negative count)."""
    return f"事故发生前 {-day} 日" if day < 0 else f"事故后第 {day} 日"


def day_text_en(day: int) -> str:
    """Days since the accident as the English messages say it: "on day N after the accident", or
    "N day(s) before the accident" for a day before it (never a negative count)."""
    return f"{-day} day(s) before the accident" if day < 0 else f"on day {day} after the accident"


@dataclass(frozen=True)
class HintTemplate:
    """What a member can do about a reason, declared beside the rule (issue 6, "why-not hints").

    ``data`` maps each machine-readable key to a fact field or an edition value, written as in a
    message: ``"filing_deadline_day!d"`` (a day number shown as a date), ``"cap_fen!y"`` (fen as a
    two-place yuan string in the data, ``"9999.99"``; in words, :func:`amount_text`), or a bare name.
    The values come from the facts and the edition, never from text typed here, so a what-if
    edition's hints follow its own numbers.

    ``ended_zh`` and ``ended_en`` are the words once the cover has ended (a rule that
    ``ends_cover`` bit in the same decision: art5.3, 该保障责任终止): what the hint says then, with
    no suggestion to file again, send or correct anything, since nothing more can be paid
    (CONTRACT §7, "Messages", revision 3). A hint whose words suggest no such thing may leave them
    empty, and keeps its words.
    """

    kind: HintKind
    data: Mapping[str, str]
    message_zh: str
    message_en: str
    ended_zh: str = ""
    ended_en: str = ""

    def __post_init__(self) -> None:
        if bool(self.ended_zh) != bool(self.ended_en):
            raise ValueError(f"a {self.kind} hint gives its cover-ended words in both languages or in neither")


@dataclass(frozen=True)
class Rule:
    """One declared rule. ``when`` is its condition, tested on each fact of type ``on``.

    ``when`` is an expression (``"grade < hospital_min_grade"``) over the fact's fields and the
    edition's parameters; a condition written directly in durable_rules' JSON subset is accepted too
    (see :mod:`mutualaid.conditions` and docs/rules-format.md).
    """

    id: str
    clause: str
    effect: Effect
    scope: Scope
    when: str | Mapping[str, Any]
    message_zh: str
    message_en: str
    on: str = ""
    """The fact type the condition tests; by default the scope's own facts."""
    text: str = field(default="", repr=False)
    """The clause's Chinese text that this rule implements (quoted, for docs and reviews)."""
    hint: HintTemplate | None = field(default=None, repr=False)
    """What the member can do about it; every rule that stops or lowers a payout declares one."""
    ends_cover: bool = False
    """When this rule bites, the plan's cover has ended for the member (art5.3, 该保障责任终止): the
    other hints of the decision take their cover-ended words (:attr:`HintTemplate.ended_zh`)."""

    def __post_init__(self) -> None:
        clause_label(self.clause)  # a bad key fails at import
        if not self.on:
            object.__setattr__(self, "on", self.scope)
        if isinstance(self.when, str):
            try:
                parse(self.when)  # a construct off the whitelist fails at import, whatever the edition
            except ConditionError as exc:
                raise ConditionError(f"{self.id}: {exc}") from None
        elif not isinstance(self.when, Mapping):
            raise ConditionError(f"{self.id}: when is an expression (a string), not {self.when!r}")

    @property
    def condition(self) -> str:
        """The condition as a reader sees it (docs/rules.md, ``mutualaid rules``): the expression, or the JSON."""
        if isinstance(self.when, str):
            return " ".join(line.strip() for line in self.when.strip().splitlines())  # one line, as written
        return json.dumps(self.when, ensure_ascii=False)


@dataclass(frozen=True)
class Derived:
    """Values an article derives from a claim, declared in the article's module beside its rules.

    A condition compares fields of one fact with numbers; some of those fields are not in the claim
    but follow from it under the article (the filing deadline of art5.4, the window's last day of
    art5.1). The article that needs them declares them here, so that a reviewer reads the
    derivation, its rules and their messages in one file, and :mod:`mutualaid.facts` stays a loop
    over declarations that knows no article.

    ``derive(claim, edition, history)`` takes the validated :class:`~mutualaid.model.Claim`, the
    deciding :class:`~mutualaid.edition.Edition` and the claim's
    :class:`~mutualaid.facts.HistorySummary` (what the one walk of the history found), and returns
    exactly the declared ``fields``, integers and strings only. ``fields`` join the fact schema, so a
    rule may name them and nothing undeclared.
    """

    clause: str
    fields: Mapping[str, type]
    derive: Callable[..., Mapping[str, Any]] = field(repr=False)
    on: Literal["claim"] = "claim"
    vectorised: Callable[..., Mapping[str, Any]] | None = field(default=None, repr=False, compare=False)
    """The same derivation over a whole frame of claims, for the polars engine (:mod:`mutualaid.vector`):
    ``vectorised(claims, edition)`` takes a polars DataFrame of claim facts (the base fields, and
    the history's sums as ``past_<field of HistorySummary>`` columns) and returns one polars
    expression per declared field. It sits beside ``derive`` so that the two are read, and changed,
    together; the differential property of tests/test_vector.py holds them to the same values."""
    """The fact the fields join; only the claim's fact so far (one derivation a claim, not an item)."""

    def __post_init__(self) -> None:
        clause_label(self.clause)  # a bad key fails at import
        if self.on != "claim":
            raise ValueError(f"{self.clause}: derived values join the claim fact, not {self.on!r}")
        bad = [name for name, kind in self.fields.items() if kind not in (int, str)]
        if bad:
            raise ValueError(f"{self.clause}: a fact field is an int or a str, and {', '.join(bad)} is not")


@dataclass(frozen=True)
class Assessed:
    """Amounts an article works out for the claim's assessment, declared in the article's module.

    The assessment is the one fact that exists only after the line rules have fired: the shared
    assembly step (:func:`mutualaid.decide.assemble`) sums the countable fen that no ``exclude``
    reason hit (``counted_fen``), and then asks each article that assesses, in the declared order,
    for its amounts. Art5.2 turns the accident's total into its tier, what is due and the next tier
    (:mod:`mutualaid.rules.art5_2`); art5.3 then caps it (:mod:`mutualaid.rules.art5_3`). The tier and
    cap rules read the result like any other fact, so the arithmetic and the rules that read it are in
    one file each, and the assembly step knows no article.

    ``assess(fact, edition, history)`` takes the assessment so far (``counted_fen`` and the fields of
    the declarations before this one), the deciding :class:`~mutualaid.edition.Edition` and the
    claim's :class:`~mutualaid.facts.HistorySummary`, and returns exactly the declared ``fields``,
    integers only (amounts in fen). ``fields`` join the ``assessment`` fact's schema.
    """

    clause: str
    fields: Mapping[str, type]
    assess: Callable[..., Mapping[str, int]] = field(repr=False)
    vectorised: Callable[..., Mapping[str, Any]] | None = field(default=None, repr=False, compare=False)
    """The same assessment over a whole frame of claims, for the polars engine (:mod:`mutualaid.vector`):
    ``vectorised(edition)`` returns one polars expression per declared field, over the columns of
    the assessment so far (``counted_fen`` and the fields declared before) and the history's sums
    (``past_<field of HistorySummary>``). Beside ``assess``, so that the two are read together."""
    on = "assessment"  # not a field: the one fact an assessment fills in (read as Derived.on is)

    def __post_init__(self) -> None:
        clause_label(self.clause)  # a bad key fails at import
        bad = [name for name, kind in self.fields.items() if kind is not int]
        if bad:
            raise ValueError(f"{self.clause}: an assessed amount is an int (fen), and {', '.join(bad)} is not")
