"""第五条第(一)款 (art5.1): only costs within the window after the accident count.

The clause text, the value the window derives for a claim (the last day whose costs count, which the
item's hint names as a date), the rule that excludes an item outside the window, its messages and its
hint. The window's length is the edition's ``window.days`` (180 in 2022, ``window_days`` in the
condition); an item's ``day`` (days since the accident, the accident day 0) is derived for every
item by :mod:`mutualaid.facts`, since every article that reads an item reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..rule import Derived, HintTemplate, Rule

if TYPE_CHECKING:
    from ..edition import Edition
    from ..facts import HistorySummary
    from ..model import Claim

WINDOW_TEXT = "新就业形态劳动者每次因遭受意外伤害事故并在医院进行治疗的，就其该次事故发生之日起 180 日内发生的、符合就诊医院所在地社会基本医疗保险规定的合理医疗费用，可获得专属意外医疗补贴保障。"

OUTSIDE_WINDOW = Rule(
    id="window.outside",
    clause="art5.1",
    effect="exclude",
    scope="item",
    when="day < 0 or day > window_days",
    message_zh="该项费用发生于{day!z}，不在事故发生之日起 {window_days} 日内（事故当日不计入），不予计算。",
    message_en="This cost falls {day!e}, outside the {window_days} days from the accident (the accident day is not counted); it does not count.",
    text=WINDOW_TEXT,
    hint=HintTemplate(
        kind="window",
        data={"day": "day", "window_days": "window_days", "last_day": "window_last_day!d", "out_of_pocket": "out_of_pocket_fen!y"},
        message_zh="只计算事故发生之日起 {window_days} 日内（至 {window_last_day!d}）发生的费用；本项 {out_of_pocket_fen!y} 元发生于{day!z}，不计入，其余费用照常计算。",
        message_en="Only costs up to day {window_days} after the accident (until {window_last_day!d}) count; this item's {out_of_pocket_fen!y} yuan fell {day!e} and does not, while the other costs still count.",
        ended_zh="只计算事故发生之日起 {window_days} 日内（至 {window_last_day!d}）发生的费用；本项 {out_of_pocket_fen!y} 元发生于{day!z}，不计入。",
        ended_en="Only costs up to day {window_days} after the accident (until {window_last_day!d}) count; this item's {out_of_pocket_fen!y} yuan fell {day!e} and does not.",
    ),
)



def window_end(claim: "Claim", edition: "Edition", history: "HistorySummary") -> dict[str, int]:
    """The window's last day as a day number: the accident's day plus ``window.days`` (the accident
    day is not counted, 民法典 第二百零一条, so day 180 is the last day of a 180-day window)."""
    return {"window_last_day": claim.accident.occurred_on.toordinal() + edition.window.days}


def window_end_vectorised(claims, edition: "Edition") -> dict:
    """:func:`window_end` over a frame of claim facts (the polars engine): the accident's day plus ``window.days``."""
    import polars as pl  # polars extra: engine="polars" only

    return {"window_last_day": pl.col("accident_day") + edition.window.days}


DERIVED = Derived(clause="art5.1", fields={"window_last_day": int}, derive=window_end, vectorised=window_end_vectorised)
