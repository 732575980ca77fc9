"""第四条 保障期限 (art4): the edition's period.

> （一）保障期限 2022 年 1 月 1 日零时开始生效，至 2022 年 12 月 31 日 24 时止，无免责期。
> （二）在 2022 年内被保障人只允许参加一次本计划，超出次数视为无效。

(一) is this rule; the dates are the edition's ``period``. (二) makes the annual cap a cap per
edition: see ``cap.scope`` in the edition data and the art5.3 rules.
"""

from ..rule import HintTemplate, Rule

PERIOD = Rule(
    id="period.accident_outside",
    clause="art4.1",
    effect="deny",
    scope="claim",
    when="accident_day < period_start or accident_day > period_end",
    message_zh="事故发生日 {accident_day!d} 不在本计划保障期限（{period_start!d} 至 {period_end!d}）内。",
    message_en="The accident on {accident_day!d} lies outside this edition's period ({period_start!d} to {period_end!d}).",
    text="保障期限 2022 年 1 月 1 日零时开始生效，至 2022 年 12 月 31 日 24 时止，无免责期。",
    hint=HintTemplate(
        kind="period",
        data={"period_start": "period_start!d", "period_end": "period_end!d", "accident_date": "accident_day!d"},
        message_zh="本版计划保障 {period_start!d} 至 {period_end!d} 发生的事故；{accident_day!d} 的事故请按保障该日的计划版本申报。",
        message_en="This edition covers accidents from {period_start!d} to {period_end!d}; an accident on {accident_day!d} is claimed under the edition whose period holds that day.",
        ended_zh="本版计划保障 {period_start!d} 至 {period_end!d} 发生的事故，{accident_day!d} 的事故不在其内。",
        ended_en="This edition covers accidents from {period_start!d} to {period_end!d}, and an accident on {accident_day!d} is not among them.",
    ),
)

RULES = (PERIOD,)
