"""第五条第(二)款 (art5.2): the tiers, looked up on the accident's countable out-of-pocket.

The whole of the paragraph is here: its text; how it assesses a claim (:data:`ASSESSED`: the
accident's total, its tier, what is due after what the accident was already paid, and the next tier
that pays more, read off the edition's ``tiers``); the two rules that read that assessment, their
messages and hints; the first tier's edge that a message names (:func:`message_params`); and the
check this paragraph makes of a member's history: one accident is never paid more than the top tier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..edition import per_edition
from ..errors import FieldError, quote
from ..rule import Assessed, HintTemplate, Rule, amount_text

if TYPE_CHECKING:
    from ..edition import Edition
    from ..facts import HistorySummary

TIER_TEXT = "按梯度获得专属意外医疗补贴保障。因同一次意外伤害事故发生的个人自付金额在200-500元(含)的,一次性补偿200元;个人自付金额在500-2000元(含)的,一次性补偿500元;个人自付金额在2000元至5000元(含)的,一次性补偿2000元;个人自付金额在5000元至10000元(含)的,一次性补偿5000元;个人自付金额大于10000元的,一次性补偿6000元。"

BELOW_FIRST_TIER = Rule(
    id="tier.below_first_tier",
    clause="art5.2",
    effect="deny",
    scope="claim",
    on="assessment",
    when="tier_fen == 0",
    message_zh="该次事故累计可计个人自付金额 {accident_fen!y} 元，未达到最低给付档次（{first_tier_edge!y} 元）。",
    message_en="The accident's countable out-of-pocket so far is {accident_fen!y} yuan, below the first tier ({first_tier_edge!y} yuan).",
    text=TIER_TEXT,
    hint=HintTemplate(
        kind="next_tier",
        data={"more": "next_tier_more_fen!y", "tier_amount": "next_tier_fen!y", "accident_out_of_pocket": "accident_fen!y"},
        message_zh="再有 {next_tier_more_fen!y} 元可计个人自付（同一事故、{window_days} 日内）即达到补偿 {next_tier_fen!y} 元的档次；同一事故的费用累计计算，可届时再次申报。",
        message_en="{next_tier_more_fen!y} yuan more countable out-of-pocket for this accident (within {window_days} days of it) reaches the tier that pays {next_tier_fen!y} yuan. The same accident's costs add up, so file again when they do.",
        ended_zh="该次事故累计可计个人自付 {accident_fen!y} 元，未达到最低给付档次（{first_tier_edge!y} 元）；累计给付已达上限，此后的费用也不再给付。",
        ended_en="The accident's countable out-of-pocket of {accident_fen!y} yuan is below the first tier ({first_tier_edge!y} yuan); payments have reached the cap, so later costs will not be paid either.",
    ),
)

TIER_ALREADY_PAID = Rule(
    id="tier.already_paid",
    clause="art5.2",
    effect="deny",
    scope="claim",
    on="assessment",
    when="tier_fen > 0 and due_fen == 0",
    message_zh="该次事故累计个人自付 {accident_fen!y} 元对应补偿 {tier_fen!y} 元，已给付 {paid_for_accident_fen!y} 元，无新增应付。",
    message_en="The accident's tier pays {tier_fen!y} yuan for {accident_fen!y} yuan out-of-pocket, and {paid_for_accident_fen!y} yuan has already been paid for it; nothing more is due.",
    text=TIER_TEXT,
    hint=HintTemplate(
        kind="next_tier",
        data={"more": "next_tier_more_fen!y", "tier_amount": "next_tier_fen!y", "paid": "paid_for_accident_fen!y"},
        message_zh="本事故已给付 {paid_for_accident_fen!y} 元；再有 {next_tier_more_fen!y} 元可计个人自付可达到补偿 {next_tier_fen!y} 元的档次（均为 0 表示已达最高档）。",
        message_en="{paid_for_accident_fen!y} yuan has been paid for this accident. {next_tier_more_fen!y} yuan more countable out-of-pocket would reach the tier that pays {next_tier_fen!y} yuan in all (both 0: the top tier is reached).",
        ended_zh="本事故已给付 {paid_for_accident_fen!y} 元；累计给付已达上限，此后的费用也不再给付。",
        ended_en="{paid_for_accident_fen!y} yuan has been paid for this accident; payments have reached the cap, so later costs will not be paid either.",
    ),
)

TIER = (BELOW_FIRST_TIER, TIER_ALREADY_PAID)


# --- the tier table, read as the paragraph reads it ------------------------------------------


@per_edition
def tier_table(edition: "Edition") -> tuple[tuple[int, int], ...]:
    """The edition's ``tiers`` as (the least fen that reaches the row, what it pays in fen), rising.

    A row written 以上 (``at_least``) is reached at its edge; a row written 超过 (``over``) only one
    fen above it. Once per edition: every claim reads it.
    """
    return tuple((int(t.edge * 100) + (0 if t.at_least is not None else 1), int(t.pays * 100)) for t in edition.tiers)


def _read(table: tuple[tuple[int, int], ...], amount_fen: int) -> tuple[int, int, int]:
    """(what the rows reached pay, how many more fen reach the next row that pays more, what it pays).

    One pass up the rising rows: the last row reached is the tier; the first row above it that pays
    more is the next tier ((0, 0) when there is none, at the top).
    """
    now = 0
    for reach, pays in table:
        if reach <= amount_fen:
            now = pays
        elif pays > now:
            return now, reach - amount_fen, pays
    return now, 0, 0


def tier_fen(edition: "Edition", amount_fen: int) -> int:
    """What ``edition``'s tier table pays for an accident's countable out-of-pocket, in fen (0: below the first tier)."""
    return _read(tier_table(edition), amount_fen)[0]


def next_tier(edition: "Edition", amount_fen: int) -> tuple[int, int]:
    """(how many more fen reach the next tier that pays more, what it pays), or (0, 0) at the top.

    The why-not hint of this paragraph (issue 6): read off the tier table, so a what-if edition's
    hints follow its own tiers.
    """
    return _read(tier_table(edition), amount_fen)[1:]


def assess_tier(fact: dict, edition: "Edition", history: "HistorySummary") -> dict[str, int]:
    """The accident's tier: "因同一次意外伤害事故发生的个人自付金额……一次性补偿".

    The accident's total is what this claim counts plus what the history counted for the same
    accident (``history.counted_fen``, 0 unless the edition accumulates one accident's claims); the
    tier is paid once per accident, so what is due is the tier less what the accident was paid.
    """
    accident = history.counted_fen + fact["counted_fen"]
    tier, more, pays = _read(tier_table(edition), accident)
    paid = history.paid_for_accident_fen
    return {
        "accident_fen": accident,
        "tier_fen": tier,
        "paid_for_accident_fen": paid,
        "due_fen": tier - paid if tier > paid else 0,
        "next_tier_more_fen": more,  # how much more out-of-pocket reaches a tier that pays more (0: none)
        "next_tier_fen": pays,  # what that tier pays (0: none)
    }


def tier_segments(edition: "Edition") -> tuple[tuple[int, int, int, int], ...]:
    """The tier table cut where a row is reached: (least fen of the segment, tier, next reach, next pays).

    Inside one segment :func:`_read` gives the same tier and the same next row for every amount,
    so a whole column of amounts is read with one comparison per segment (the polars engine).
    """
    table = tier_table(edition)
    starts = sorted({0, *(reach for reach, _ in table)})
    out = []
    for start in starts:
        tier, more, pays = _read(table, start)
        out.append((start, tier, start + more if more else 0, pays))
    return tuple(out)


def assess_tier_vectorised(edition: "Edition") -> dict:
    """:func:`assess_tier` over a frame (the polars engine): the same reading of the tier table,
    segment by segment (:func:`tier_segments`), on ``past_counted_fen + counted_fen``."""
    import polars as pl  # polars extra: engine="polars" only

    accident = pl.col("past_counted_fen") + pl.col("counted_fen")
    segments = tier_segments(edition)

    def by_segment(k: int, dtype=pl.Int64) -> "pl.Expr":
        expr = pl.lit(0, dtype=dtype)
        for seg in segments:  # rising starts: the last segment reached wins
            expr = pl.when(pl.col("accident_fen") >= seg[0]).then(pl.lit(seg[k], dtype=dtype)).otherwise(expr)
        return expr

    tier = pl.col("tier_fen")
    paid = pl.col("past_paid_for_accident_fen")
    reach = by_segment(2)
    return {
        "accident_fen": accident,
        "tier_fen": by_segment(1),
        "paid_for_accident_fen": paid,
        "due_fen": pl.when(tier > paid).then(tier - paid).otherwise(0),
        "next_tier_more_fen": pl.when(reach > 0).then(reach - pl.col("accident_fen")).otherwise(0),
        "next_tier_fen": by_segment(3),
    }


ASSESSED = Assessed(
    clause="art5.2",
    vectorised=assess_tier_vectorised,
    fields={
        "accident_fen": int, "tier_fen": int, "paid_for_accident_fen": int, "due_fen": int,
        "next_tier_more_fen": int, "next_tier_fen": int,
    },  # fmt: skip
    assess=assess_tier,
)


def message_params(edition: "Edition") -> dict[str, int]:
    """What this paragraph's messages say of the edition: the first tier's edge, in fen."""
    return {"first_tier_edge": int(edition.tiers[0].edge * 100)}


# --- bad history: a history that already paid one accident more than the top tier cannot be true
# under this paragraph; it is bad input naming the entry that goes over (CONTRACT §7).
# mutualaid.validate keeps the running sums in entry order and asks this check.


def history_above_top_tier(n: int, accident_id: str, paid_for_accident_fen: int, edition: "Edition") -> "FieldError | None":
    """第五条（二）: "因同一次意外伤害事故发生的个人自付金额……大于10000元的,一次性补偿6000元。"

    One accident is paid by its tier, at most the top tier's amount, however many claims it took.
    ``paid_for_accident_fen`` is what history entries 0..n paid for ``accident_id``, and
    ``edition`` the edition whose period holds its date; above its top tier, entry ``n`` is the
    one named (``history.N.paid``).
    """
    if paid_for_accident_fen > edition.top_tier_fen:
        top = amount_text(edition.top_tier_fen)  # exactly: 5,999.99, never 5999
        return FieldError.of(f"history.{n}.paid", "history.over_top_tier", accident=quote(accident_id), top=top)
    return None
