"""The 2022 plan's rules, one module per article, gathered in one place in the order reasons are given.

That order is the order of CONTRACT §3's table (then treatments, then items, in input order).
To add or change a rule, edit its one declaration in its article's module; to move it in the
reasons' order, move it here.
"""

from __future__ import annotations

from .. import exclusions
from ..rule import Rule
from . import art1, art4, art5, art7, art8, art9

RULES: tuple[Rule, ...] = (
    *art1.RULES,  # art1 保障对象
    *art4.RULES,  # art4.1 保障期限
    *art9.RULES,  # art9.1 意外伤害的释义
    *art5.FILING,  # art5.4 申报期限
    *exclusions.CIRCUMSTANCES,  # art6.1–6.4, 6.6, 6.10–6.13 claim-level circumstances
    art5.OUTSIDE_WINDOW,  # art5.1 180 日
    *art5.HOSPITAL,  # art5.5 医院
    *exclusions.DIAGNOSES,  # art6.4, 6.5, 6.6, 6.8, 6.10 by primary diagnosis
    *exclusions.ITEMS,  # art6.7, 6.8, 6.9 by item
    *art5.TIER,  # art5.2 梯度
    *art5.CAP,  # art5.3 累计给付上限
    *art8.RULES,  # art8.2 申报材料
    *art7.RULES,  # art7 受领人
)

__all__ = ["RULES", "Rule"]
