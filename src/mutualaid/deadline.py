"""A period in years counted as the 民法典 counts periods, and the holiday calendar it needs.

General calendar arithmetic, no rule of the plan: 第五条第(四)款 (the filing limit, 申报期限) calls it
with its edition's values and owns the rest, in :mod:`mutualaid.rules.art5_4`.

- 第二百零一条: the day of the accident is not counted; the period starts the next day.
- 第二百零二条: a period in years ends on the corresponding day of the last year; where that day does
  not exist (29 February), on the last day of that month (28 February).
- 第二百零三条: a last day that is a statutory holiday moves to the day after the holiday. The contract
  reads "holiday" as any day that is not a working day: weekend rest days and statutory holidays
  move it; 调休 working days (make-up Saturdays and Sundays) count as working days.

Statutory holidays and 调休 days come from chinesecalendar. For a year it does not cover, only
weekends move the deadline and the result says so (``calendar_gap``), so the decision can carry a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    """The last day on which a claim is on time."""
    anniversary: dt.date
    """occurred_on + the filing limit, before any move."""
    calendar_gap: bool
    """True when the deadline, or a day the move passed through, lies in a year without holiday data."""


@lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """``(working, known)``: is ``day`` a working day, and did the holiday calendar cover its year."""
    import chinese_calendar  # loaded on first use, with the first decision (docs/api.md)

    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:  # a year chinesecalendar does not publish
        return day.weekday() < 5, False


@lru_cache(maxsize=16384)
def filing_deadline(occurred_on: dt.date, years: int, moves_to_workday: bool) -> Deadline:
    """The last on-time filing day for an accident on ``occurred_on``.

    relativedelta already follows 第二百零二条: 2020-02-29 + 1 year is 2021-02-28.
    """
    anniversary = occurred_on + relativedelta(years=years)
    day, gap = anniversary, False
    if moves_to_workday:
        while True:
            working, known = is_working_day(day)
            gap = gap or not known
            if working:
                break
            day += dt.timedelta(days=1)
    return Deadline(day=day, anniversary=anniversary, calendar_gap=gap)
