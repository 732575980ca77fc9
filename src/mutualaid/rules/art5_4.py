"""第五条第(四)款 (art5.4): a claim filed more than the filing limit after the accident is given up.

The whole of the paragraph is here: its text, the values it derives for a claim (the deadline, the
anniversary it was moved from, whether the holiday calendar had a gap, the days late, and whether
this filing must meet the deadline at all), its two rules, their messages and the hint.

The deadline is counted as the 民法典 counts a period in years (第二百零一条 to 第二百零三条), from the
edition's ``filing`` values: ``years`` (the limit, 一年 in 2022), ``filing_deadline_moves_to_workday``
(a last day that is a rest day or holiday moves to the next working day) and
``top_ups_meet_deadline``. That counting, and the holiday calendar it needs, is general calendar
arithmetic, not this plan's: it stays in :mod:`mutualaid.deadline`, which this module calls.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

from ..deadline import filing_deadline
from ..rule import Derived, HintTemplate, Rule, chinese_count

if TYPE_CHECKING:
    import datetime as dt

    from ..edition import Edition
    from ..facts import HistorySummary
    from ..model import Claim

FILING_TEXT = "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。"


@lru_cache(maxsize=16384)
def deadline_days(occurred_on: "dt.date", years: int, moves_to_workday: bool) -> tuple[int, int, int]:
    """(the deadline's, the anniversary's day number, 1 if the calendar had a gap) for an accident.

    Cached per accident date and filing rule: a stream of claims repeats a few hundred dates, and
    the calendar walk and ``toordinal`` are then done once for each.
    """
    deadline = filing_deadline(occurred_on, years, moves_to_workday)
    return deadline.day.toordinal(), deadline.anniversary.toordinal(), int(deadline.calendar_gap)


def filing_days(claim: "Claim", edition: "Edition", history: "HistorySummary") -> dict[str, int]:
    """The claim's filing values under ``edition``'s filing rule.

    ``filing_checked`` is 1 when this filing must meet the deadline: every filing, a top-up of an
    accident already in the history included (CONTRACT §7, revision 2). An edition may exempt
    top-ups (``filing.top_ups_meet_deadline: false``), and then a top-up gets 0 and is never late,
    but only when its accident was filed on time before: "超过一年未提出申报的,视作自动放弃", and
    an accident given up is never revived by a later top-up (CONTRACT §7, revision 3). The history
    shows that filing by the earliest ``filed_on`` of the accident's claims
    (``history.first_filed_day``); an entry without ``filed_on`` shows none, so a top-up whose
    history gives no date must meet the deadline itself.
    """
    rule = edition.filing
    deadline_day, anniversary_day, calendar_gap = deadline_days(claim.accident.occurred_on, rule.years, rule.filing_deadline_moves_to_workday)
    filed_day = claim.filed_on.toordinal()
    first = history.first_filed_day
    exempt = not rule.top_ups_meet_deadline and 0 < first <= deadline_day  # 0: no filing date in the history
    return {
        "filing_deadline_day": deadline_day,
        "filing_anniversary_day": anniversary_day,
        "filing_calendar_gap": calendar_gap,  # 1 when the deadline's year has no holiday data
        "days_late": filed_day - deadline_day if filed_day > deadline_day else 0,  # 0 when on time
        "filing_checked": 0 if exempt else 1,
    }


def filing_days_vectorised(claims, edition: "Edition") -> dict:
    """:func:`filing_days` over a frame of claim facts (the polars engine).

    A year of claims holds a few hundred accident dates: each date's deadline is counted once
    (:func:`deadline_days`, the same calendar walk) and looked up, not walked again per claim.
    ``past_first_filed_day`` is the history's ``first_filed_day``, 0 when none.
    """
    import polars as pl  # polars extra: engine="polars" only

    rule = edition.filing
    days = {day: deadline_days(dt.date.fromordinal(day), rule.years, rule.filing_deadline_moves_to_workday)
            for day in claims.get_column("accident_day").unique().to_list()}  # fmt: skip
    accident_day = pl.col("accident_day")

    def looked_up(k: int) -> "pl.Expr":
        return accident_day.replace_strict({day: v[k] for day, v in days.items()}, return_dtype=pl.Int64)

    deadline = looked_up(0)
    first = pl.col("past_first_filed_day")
    exempt = (first > 0) & (first <= deadline) if not rule.top_ups_meet_deadline else pl.lit(False)
    late = pl.col("filed_day") - deadline
    return {
        "filing_deadline_day": deadline,
        "filing_anniversary_day": looked_up(1),
        "filing_calendar_gap": looked_up(2),
        "days_late": pl.when(late > 0).then(late).otherwise(0),
        "filing_checked": pl.when(exempt).then(0).otherwise(1),
    }


DERIVED = Derived(
    clause="art5.4",
    fields={"filing_deadline_day": int, "filing_anniversary_day": int, "filing_calendar_gap": int, "days_late": int, "filing_checked": int},
    derive=filing_days,
    vectorised=filing_days_vectorised,
)

FILED_LATE = Rule(
    id="filing.late",
    clause="art5.4",
    effect="deny",
    scope="claim",
    # Every filing, a top-up included, unless the edition exempts top-ups (filing.top_ups_meet_deadline).
    when="filed_day > filing_deadline_day and filing_checked == 1",
    message_zh="自意外伤害发生日起超过{filing_years_zh}年未申报，视作自动放弃：申报期限为 {filing_deadline_day!d}，申报日为 {filed_day!d}，逾期 {days_late} 日。",
    message_en="Filed more than {filing_years} year(s) after the accident, which counts as giving up the claim: the deadline was {filing_deadline_day!d}, the claim was filed on {filed_day!d}, late by {days_late} day(s).",
    text=FILING_TEXT,
    hint=HintTemplate(
        kind="filing_deadline",
        data={"deadline": "filing_deadline_day!d", "filed_on": "filed_day!d", "days_late": "days_late"},
        message_zh="申报期限为 {filing_deadline_day!d}{filing_moves_zh}，本次于 {filed_day!d} 申报，逾期 {days_late} 日；逾期视作自动放弃，本次事故无法再获给付。",
        message_en="The deadline was {filing_deadline_day!d}{filing_moves_en}; this claim was filed on {filed_day!d}, {days_late} day(s) late. A late claim counts as given up, so nothing can be paid for this accident.",
    ),
)

CALENDAR_GAP = Rule(
    id="filing.calendar_gap",
    clause="art5.4",
    effect="note",
    scope="claim",
    when="filing_calendar_gap == 1",
    message_zh="申报期限所在年份无法定节假日数据，期限仅按周末顺延（{filing_anniversary_day!d} → {filing_deadline_day!d}）。",
    message_en="No statutory-holiday data covers the deadline's year, so only weekends moved it ({filing_anniversary_day!d} → {filing_deadline_day!d}).",
    text=FILING_TEXT,
)

FILING = (FILED_LATE, CALENDAR_GAP)


def message_params(edition: "Edition") -> dict[str, object]:
    """What this paragraph's messages and hint say of the edition's filing rule, in both languages
    (the limit's years, 超过一年 or 超过两年, and whether the deadline moves off rest days), never
    typed into them, so a what-if edition's messages follow its own numbers."""
    rule = edition.filing
    moves = rule.filing_deadline_moves_to_workday
    return {
        "filing_years": rule.years,
        "filing_years_zh": chinese_count(rule.years),  # 超过一年, 超过两年
        "filing_moves_zh": "（逢节假日已顺延至工作日）" if moves else "",
        "filing_moves_en": " (moved to the next working day where it fell on a rest day or holiday)" if moves else "",
    }
