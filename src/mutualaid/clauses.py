"""Every clause of 附件4, in the plan's order, and how each is carried out.

A clause with rules quotes its text beside those rules (``Rule.text``). The clauses below have no
rule of their own: a value in the edition's data carries them, or they change no decision. Each
says which, so that ``docs/rules.md`` can account for the whole plan, clause by clause.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .errors import BadValue


class Clause(NamedTuple):
    key: str
    title: str
    """The article's heading in 附件4 (and the paragraph's, where it has one)."""
    text: str
    """The clause's words, for clauses no rule quotes; "" when its rules quote it."""
    carried_by: str
    """For clauses without a rule: the edition value or the shared step that carries it, or why none is needed."""


PLAN: tuple[Clause, ...] = (
    Clause("art1", "第一条 保障对象", "", ""),
    Clause(
        "art2",
        "第二条 保障内容",
        "专属意外医疗互助保障：新就业形态劳动者因遭受意外伤害事故在医院进行治疗的，就其该次事故发生之日起 180 日内发生的、符合就诊医院所在地社会基本医疗保险规定的合理医疗费用，最高可获得 1 万元的专属意外医疗补贴保障。",
        "A summary of 第五条: the edition's `window.days` (art5.1) and `cap.amount` (art5.3) carry it.",
    ),
    Clause(
        "art3",
        "第三条 保障费用",
        "本计划保障费标准为每人 20 元。",
        "The edition's `contribution`; it changes no decision (the portfolio notebook compares costs with it).",
    ),
    Clause("art4.1", "第四条 保障期限 （一）", "", ""),
    Clause(
        "art4.2",
        "第四条 保障期限 （二）",
        "在 2022 年内被保障人只允许参加一次本计划，超出次数视为无效。",
        "The edition's `cap.scope: edition`: one membership per edition, so one cap per edition (art5.3).",
    ),
    Clause("art5.1", "第五条 保障待遇 （一）", "", ""),
    Clause("art5.2", "第五条 保障待遇 （二）", "", ""),
    Clause("art5.3", "第五条 保障待遇 （三）", "", ""),
    Clause("art5.4", "第五条 保障待遇 （四）", "", ""),
    Clause("art5.5", "第五条 保障待遇 （五）", "", ""),
    *(Clause(f"art6.{n}", f"第六条 除外责任 ({n})", "", "") for n in range(1, 14)),
    Clause("art7", "第七条 受领人", "", ""),
    Clause(
        "art8.1",
        "第八条 申报手续 （一） 申报方式",
        "新就业形态劳动者在个人费用发生后，通过“粤工惠”APP进行申报。工作人员接到申报后，将进行累计，达到给付条件后将补贴款直接汇入新就业形态劳动者银行账户。",
        "The edition's `accumulate_same_accident: true`: the same accident's costs add up across claims "
        "(history), and the shared assembly step pays the tier less what was paid before (the top-up).",
    ),
    Clause("art8.2", "第八条 申报手续 （二） 申报材料", "", ""),
    Clause("art9.1", "第九条 其他约定事项（释义） 1", "", ""),
    Clause(
        "art9.2",
        "第九条 其他约定事项（释义） 2",
        "医疗费用指因意外伤害事故接受门、急诊治疗或住院而发生的合理且必要的费用，包括医生诊疗费、床位费、药费、治疗费、护理费、检查费、化验费、特殊检查治疗费、手术费、器官移植费等符合就诊医院所在地社会医疗保险范围内的医疗费用。",
        "Outpatient, emergency and inpatient care count alike, so `setting` changes no decision; only "
        "`out_of_pocket` (个人自付, inside the insurance scope) counts and `self_funded` (个人自费) never does.",
    ),
)


_CN = "〇一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """0 to 99 in Chinese numerals (``2`` → ``二``, ``12`` → ``十二``), for clause labels and messages."""
    if not 0 <= n < 100:
        raise ValueError(f"{n} is outside 0..99")
    if n <= 10:
        return _CN[n]
    return ("十" if n < 20 else _CN[n // 10] + "十") + (_CN[n % 10] if n % 10 else "")


_KEY = re.compile(r"^art(\d+)(?:\.(\d+))?$")


def clause_label(key: str) -> tuple[str, str]:
    """The clause key as a reader cites it: ``art6.3`` → ``第六条第(3)项`` / ``Art. 6(3)``.

    第六条 numbers its items (项) with Arabic numerals in brackets, 第九条 lists them as 1., 2., and
    the other articles number their paragraphs (款) (一), (二) (CONTRACT: "`art5.2` is 第五条第(二)款").
    """
    m = _KEY.match(key)
    if not m:
        raise BadValue("edition.clause_key", key=repr(key))
    art, sub = int(m.group(1)), m.group(2)
    zh = f"第{chinese_number(art)}条"
    en = f"Art. {art}"
    if sub is not None:
        n = int(sub)
        zh += f"第({n})项" if art == 6 else (f"第{n}项" if art == 9 else f"第({chinese_number(n)})款")
        en += f"({n})"
    return zh, en
