"""第五条第(三)款 (art5.3): the cap on all payments.

The whole of the paragraph is here: its text; how it assesses a claim after art5.2 has found what is
due (:data:`ASSESSED`: the cap left and the payout, from the edition's ``cap``); the two rules that
read that assessment, their messages and hints; and the check this paragraph makes of a member's
history: an edition's payments never exceed its cap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import FieldError
from ..rule import Assessed, HintTemplate, Rule, amount_text

if TYPE_CHECKING:
    from ..edition import Edition
    from ..facts import HistorySummary

CAP_TEXT = "新就业形态劳动者不论一次或多次遭受意外伤害事故而造成合理医疗费用的,均按上述约定分别给付意外医疗补贴保障,但累计给付金额不超过10000元。累计给付金额达到10000元时,该保障责任终止。"

CAP_EXHAUSTED = Rule(
    id="cap.exhausted",
    clause="art5.3",
    effect="deny",
    scope="claim",
    on="assessment",
    # "累计给付金额达到10000元时,该保障责任终止": once nothing is left before this claim, the cover
    # has ended and every later claim is denied, whatever art5.2 finds due (CONTRACT §3, revision 3).
    when="cap_left_fen <= 0",
    ends_cover=True,  # every other hint of the decision takes its cover-ended words: no "file again"
    message_zh="累计给付金额已达 {cap_fen!y} 元上限，保障责任终止。",
    message_en="Payments have reached the cap of {cap_fen!y} yuan; cover has ended.",
    text=CAP_TEXT,
    hint=HintTemplate(
        kind="cap_left",
        data={"cap": "cap_fen!y", "cap_remaining": "cap_left_fen!y"},
        message_zh="累计给付已达上限 {cap_fen!y} 元，剩余额度 {cap_left_fen!y} 元，保障责任终止；本计划期内不再给付。",
        message_en="Payments have reached the {cap_fen!y} yuan cap and {cap_left_fen!y} yuan is left: the cover has ended, and nothing more can be paid in this edition's period.",
    ),
)

CAP_LIMITS_PAYOUT = Rule(
    id="cap.limits_payout",
    clause="art5.3",
    effect="note",
    scope="claim",
    on="assessment",
    when="cap_left_fen > 0 and cap_left_fen < due_fen",
    message_zh="应付 {due_fen!y} 元，但累计给付不超过 {cap_fen!y} 元，本次只给付剩余额度 {cap_left_fen!y} 元。",
    message_en="{due_fen!y} yuan is due, but total payments may not exceed {cap_fen!y} yuan; only the remaining {cap_left_fen!y} yuan is paid.",
    text=CAP_TEXT,
    hint=HintTemplate(
        kind="cap_left",
        data={"cap": "cap_fen!y", "cap_remaining": "cap_left_fen!y", "due": "due_fen!y"},
        message_zh="剩余额度 {cap_left_fen!y} 元（上限 {cap_fen!y} 元），少于应付的 {due_fen!y} 元；本次给付后额度用尽。",
        message_en="Only {cap_left_fen!y} yuan of the {cap_fen!y} yuan cap is left, less than the {due_fen!y} yuan due; after this payment the cap is used up.",
    ),
)

CAP = (CAP_EXHAUSTED, CAP_LIMITS_PAYOUT)


def assess_cap(fact: dict, edition: "Edition", history: "HistorySummary") -> dict[str, int]:
    """The cap: "累计给付金额不超过10000元". What is left of it after what history paid in its scope
    (this edition's period, or all the member's claims: ``cap.scope``), and the payout, which is what
    art5.2 found due (``due_fen``) up to that."""
    left = edition.cap_fen - history.paid_in_cap_scope_fen
    if left < 0:
        left = 0
    due = fact["due_fen"]
    return {"cap_left_fen": left, "payout_fen": due if due < left else left}


def assess_cap_vectorised(edition: "Edition") -> dict:
    """:func:`assess_cap` over a frame (the polars engine): the cap left after
    ``past_paid_in_cap_scope_fen``, and the due up to it."""
    import polars as pl  # polars extra: engine="polars" only

    left = pl.lit(edition.cap_fen) - pl.col("past_paid_in_cap_scope_fen")
    left = pl.when(left < 0).then(0).otherwise(left)
    due, cap_left = pl.col("due_fen"), pl.col("cap_left_fen")
    return {"cap_left_fen": left, "payout_fen": pl.when(due < cap_left).then(due).otherwise(cap_left)}


ASSESSED = Assessed(clause="art5.3", fields={"cap_left_fen": int, "payout_fen": int}, assess=assess_cap, vectorised=assess_cap_vectorised)


# --- bad history: a history that already paid one edition more than its cap cannot be true under
# this paragraph; it is bad input naming the entry that goes over (CONTRACT §7).
# mutualaid.validate keeps the running sums in entry order and asks this check.


def history_above_cap(n: int, paid_in_edition_fen: int, edition: "Edition") -> "FieldError | None":
    """第五条（三）: "……均按上述约定分别给付意外医疗补贴保障,但累计给付金额不超过10000元。"

    What history entries 0..n paid for accidents in ``edition``'s period may not exceed its cap
    (the cap is per edition, CONTRACT §7); above it, entry ``n`` is the one named (``history.N.paid``).
    """
    if paid_in_edition_fen > edition.cap_fen:
        return FieldError.of(f"history.{n}.paid", "history.over_cap", edition=edition.id, cap=amount_text(edition.cap_fen))
    return None
