"""第五条 保障待遇 (art5): the window, the tiers, the cap, the filing limit and the hospital.

Each rule below quotes the paragraph it implements. Thresholds are the edition's data,
named in the conditions (``window_days``); the tier lookup and the cap are the shared assembly step's arithmetic, and the
rules here only read its result (the ``assessment`` fact).
"""

from ..rule import HintTemplate, Rule

# --- （一） the 180-day window -------------------------------------------------------------------

WINDOW_TEXT = "新就业形态劳动者每次因遭受意外伤害事故并在医院进行治疗的，就其该次事故发生之日起 180 日内发生的、符合就诊医院所在地社会基本医疗保险规定的合理医疗费用，可获得专属意外医疗补贴保障。"

OUTSIDE_WINDOW = Rule(
    id="window.outside",
    clause="art5.1",
    effect="exclude",
    scope="item",
    when="day < 0 or day > window_days",
    message_zh="该项费用发生于事故后第 {day} 日，不在事故发生之日起 {window_days} 日内（事故当日不计入），不予计算。",
    message_en="This cost falls on day {day} after the accident, outside the {window_days} days from the accident (the accident day is not counted); it does not count.",
    text=WINDOW_TEXT,
    hint=HintTemplate(
        kind="window",
        data={"day": "day", "window_days": "window_days", "last_day": "window_last_day!d", "out_of_pocket": "out_of_pocket_fen!y"},
        message_zh="只计算事故发生之日起 {window_days} 日内（至 {window_last_day!d}）发生的费用；本项 {out_of_pocket_fen!y} 元发生于第 {day} 日，不计入，其余费用照常计算。",
        message_en="Only costs up to day {window_days} after the accident (until {window_last_day!d}) count; this item's {out_of_pocket_fen!y} yuan fell on day {day} and does not, while the other costs still count.",
    ),
)

# --- （五） the hospital ---------------------------------------------------------------------------

HOSPITAL_TEXT = "本条款所指医院，是指国家卫生行政管理部门医院等级分类中的二级或二级以上的公立医院(不包括主要提供门诊、康复、护理、疗养、戒酒、戒毒或相类似服务之医疗机构)。"

# What would make a treatment count: the same care at a hospital that art5.5 accepts.
QUALIFYING_HOSPITAL = HintTemplate(
    kind="qualifying_hospital",
    data={"out_of_pocket": "out_of_pocket_fen!y", "min_grade": "hospital_min_grade", "ownership": "hospital_ownership"},
    message_zh="该次治疗的个人自付 {out_of_pocket_fen!y} 元，在{hospital_min_grade_zh}级或{hospital_min_grade_zh}级以上的{hospital_ownership_zh}医院（不含{hospital_excluded_kinds_zh}）就诊即可计入；如医院等级、性质或类别记录有误，请提供证明。",
    message_en="This treatment's {out_of_pocket_fen!y} yuan out-of-pocket would count at a {hospital_ownership_en} hospital of grade {hospital_min_grade} or above that is not one of these institutions: {hospital_excluded_kinds_en}. If the hospital's grade, ownership or kind is recorded wrongly, send proof.",
)

HOSPITAL_GRADE = Rule(
    id="hospital.grade_below_minimum",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when="grade < hospital_min_grade",
    message_zh="就诊医院须为{hospital_min_grade_zh}级或{hospital_min_grade_zh}级以上医院（该院：{grade_zh}），该次治疗的费用不予计算。",
    message_en="The hospital must be of grade {hospital_min_grade} or above (this one: {grade_en}); this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
    hint=QUALIFYING_HOSPITAL,
)

HOSPITAL_OWNERSHIP = Rule(
    id="hospital.not_public",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when="ownership != hospital_ownership",
    message_zh="就诊医院须为{hospital_ownership_zh}医院，该次治疗的费用不予计算。",
    message_en="The hospital must be a {hospital_ownership_en} hospital; this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
    hint=QUALIFYING_HOSPITAL,
)

HOSPITAL_KIND = Rule(
    id="hospital.excluded_kind",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when="kind in hospital_excluded_kinds",
    message_zh="{kind_zh}不属本计划所指医院（不包括：{hospital_excluded_kinds_zh}），该次治疗的费用不予计算。",
    message_en="A {kind_en} does not count as a hospital of the plan (these do not: {hospital_excluded_kinds_en}); this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
    hint=QUALIFYING_HOSPITAL,
)

HOSPITAL = (HOSPITAL_GRADE, HOSPITAL_OWNERSHIP, HOSPITAL_KIND)

# --- （二） the tiers ------------------------------------------------------------------------------

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
        message_zh="本事故已给付 {paid_for_accident_fen!y} 元；再有 {next_tier_more_fen!y} 元可计个人自付可达到补偿 {next_tier_fen!y} 元的档次（均为 0.00 表示已达最高档）。",
        message_en="{paid_for_accident_fen!y} yuan has been paid for this accident. {next_tier_more_fen!y} yuan more countable out-of-pocket would reach the tier that pays {next_tier_fen!y} yuan in all (both 0.00: the top tier is reached).",
    ),
)

TIER = (BELOW_FIRST_TIER, TIER_ALREADY_PAID)

# --- （三） the cap --------------------------------------------------------------------------------

CAP_TEXT = "新就业形态劳动者不论一次或多次遭受意外伤害事故而造成合理医疗费用的,均按上述约定分别给付意外医疗补贴保障,但累计给付金额不超过10000元。累计给付金额达到10000元时,该保障责任终止。"

CAP_EXHAUSTED = Rule(
    id="cap.exhausted",
    clause="art5.3",
    effect="deny",
    scope="claim",
    on="assessment",
    when="due_fen > 0 and cap_left_fen <= 0",
    message_zh="累计给付金额已达 {cap_fen!y} 元上限，保障责任终止。",
    message_en="Payments have reached the cap of {cap_fen!y} yuan; cover has ended.",
    text=CAP_TEXT,
    hint=HintTemplate(
        kind="cap_left",
        data={"cap": "cap_fen!y", "cap_remaining": "cap_left_fen!y"},
        message_zh="累计给付已达上限 {cap_fen!y} 元，剩余额度 {cap_left_fen!y} 元；本计划期内不再给付。",
        message_en="Payments have reached the {cap_fen!y} yuan cap and {cap_left_fen!y} yuan is left; nothing more can be paid in this edition's period.",
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

# --- （四） the filing limit -------------------------------------------------------------------------

FILING_TEXT = "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。"

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


# --- bad history: what （二） and （三） rule out before a claim is decided -------------------------
# A history that already paid one accident more than the top tier, or one edition more than the cap,
# cannot be true under this article: it is bad input naming the entry that goes over (CONTRACT §7).
# mutualaid.validate keeps the running sums in entry order and asks these two.

from typing import TYPE_CHECKING  # noqa: E402

from ..errors import FieldError, quote  # noqa: E402

if TYPE_CHECKING:
    from ..edition import Edition


def history_above_top_tier(n: int, accident_id: str, paid_for_accident_fen: int, edition: "Edition") -> "FieldError | None":
    """第五条（二）: "因同一次意外伤害事故发生的个人自付金额……大于10000元的,一次性补偿6000元。"

    One accident is paid by its tier, at most the top tier's amount, however many claims it took.
    ``paid_for_accident_fen`` is what history entries 0..n paid for ``accident_id``, and
    ``edition`` the edition whose period holds its date; above its top tier, entry ``n`` is the
    one named (``history.N.paid``).
    """
    if paid_for_accident_fen > edition.top_tier_fen:
        return FieldError(
            f"history.{n}.paid",
            f"payments for accident {quote(accident_id)} exceed the top tier ({edition.top_tier_fen // 100} yuan)",
        )
    return None


def history_above_cap(n: int, paid_in_edition_fen: int, edition: "Edition") -> "FieldError | None":
    """第五条（三）: "……均按上述约定分别给付意外医疗补贴保障,但累计给付金额不超过10000元。"

    What history entries 0..n paid for accidents in ``edition``'s period may not exceed its cap
    (the cap is per edition, CONTRACT §7); above it, entry ``n`` is the one named (``history.N.paid``).
    """
    if paid_in_edition_fen > edition.cap_fen:
        return FieldError(f"history.{n}.paid", f"payments in edition {edition.id} exceed its cap of {edition.cap_fen // 100} yuan")
    return None
