"""第五条 保障待遇 (art5): the window, the tiers, the cap, the filing limit and the hospital.

Each rule below quotes the paragraph it implements. Thresholds are the edition's data
(``param(...)``); the tier lookup and the cap are the shared assembly step's arithmetic, and the
rules here only read its result (the ``assessment`` fact).
"""

from ..rule import Rule, one_of, param

# --- （一） the 180-day window -------------------------------------------------------------------

WINDOW_TEXT = "新就业形态劳动者每次因遭受意外伤害事故并在医院进行治疗的，就其该次事故发生之日起 180 日内发生的、符合就诊医院所在地社会基本医疗保险规定的合理医疗费用，可获得专属意外医疗补贴保障。"

OUTSIDE_WINDOW = Rule(
    id="window.outside",
    clause="art5.1",
    effect="exclude",
    scope="item",
    when={"$or": [{"$lt": {"day": 0}}, {"$gt": {"day": param("window_days")}}]},
    message_zh="该项费用发生于事故后第 {day} 日，不在事故发生之日起 {window_days} 日内（事故当日不计入），不予计算。",
    message_en="This cost falls on day {day} after the accident, outside the {window_days} days from the accident (the accident day is not counted); it does not count.",
    text=WINDOW_TEXT,
)

# --- （五） the hospital ---------------------------------------------------------------------------

HOSPITAL_TEXT = "本条款所指医院，是指国家卫生行政管理部门医院等级分类中的二级或二级以上的公立医院(不包括主要提供门诊、康复、护理、疗养、戒酒、戒毒或相类似服务之医疗机构)。"

HOSPITAL_GRADE = Rule(
    id="hospital.grade_below_minimum",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when={"$lt": {"grade": param("hospital_min_grade")}},
    message_zh="就诊医院须为二级或二级以上医院（等级 {grade} 级，0 为未定级），该次治疗的费用不予计算。",
    message_en="The hospital must be of grade {hospital_min_grade} or above (its grade: {grade}; 0 means ungraded); this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
)

HOSPITAL_OWNERSHIP = Rule(
    id="hospital.not_public",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when={"$neq": {"ownership": param("hospital_ownership")}},
    message_zh="就诊医院须为公立医院，该次治疗的费用不予计算。",
    message_en="The hospital must be a public hospital; this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
)

HOSPITAL_KIND = Rule(
    id="hospital.excluded_kind",
    clause="art5.5",
    effect="exclude",
    scope="treatment",
    when=one_of("kind", "hospital_excluded_kinds"),
    message_zh="主要提供门诊、康复、护理、疗养、戒酒、戒毒或相类似服务的医疗机构（{kind_zh}）不属本计划所指医院，该次治疗的费用不予计算。",
    message_en="Institutions that mainly provide outpatient, rehabilitation, nursing, sanatorium or addiction services ({kind_en}) do not count as hospitals; this treatment's costs do not count.",
    text=HOSPITAL_TEXT,
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
    when={"tier_fen": 0},
    message_zh="该次事故累计可计个人自付金额 {accident_fen!y} 元，未达到最低给付档次（{first_tier_edge!y} 元）。",
    message_en="The accident's countable out-of-pocket so far is {accident_fen!y} yuan, below the first tier ({first_tier_edge!y} yuan).",
    text=TIER_TEXT,
)

TIER_ALREADY_PAID = Rule(
    id="tier.already_paid",
    clause="art5.2",
    effect="deny",
    scope="claim",
    on="assessment",
    when={"$and": [{"$gt": {"tier_fen": 0}}, {"due_fen": 0}]},
    message_zh="该次事故累计个人自付 {accident_fen!y} 元对应补偿 {tier_fen!y} 元，已给付 {paid_for_accident_fen!y} 元，无新增应付。",
    message_en="The accident's tier pays {tier_fen!y} yuan for {accident_fen!y} yuan out-of-pocket, and {paid_for_accident_fen!y} yuan has already been paid for it; nothing more is due.",
    text=TIER_TEXT,
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
    when={"$and": [{"$gt": {"due_fen": 0}}, {"$lte": {"cap_left_fen": 0}}]},
    message_zh="累计给付金额已达 {cap_fen!y} 元上限，保障责任终止。",
    message_en="Payments have reached the cap of {cap_fen!y} yuan; cover has ended.",
    text=CAP_TEXT,
)

CAP_LIMITS_PAYOUT = Rule(
    id="cap.limits_payout",
    clause="art5.3",
    effect="note",
    scope="claim",
    on="assessment",
    when={"$and": [{"$gt": {"cap_left_fen": 0}}, {"$lt": {"cap_left_fen": {"$m": "due_fen"}}}]},
    message_zh="应付 {due_fen!y} 元，但累计给付不超过 {cap_fen!y} 元，本次只给付剩余额度 {cap_left_fen!y} 元。",
    message_en="{due_fen!y} yuan is due, but total payments may not exceed {cap_fen!y} yuan; only the remaining {cap_left_fen!y} yuan is paid.",
    text=CAP_TEXT,
)

CAP = (CAP_EXHAUSTED, CAP_LIMITS_PAYOUT)

# --- （四） the filing limit -------------------------------------------------------------------------

FILING_TEXT = "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。"

FILED_LATE = Rule(
    id="filing.late",
    clause="art5.4",
    effect="deny",
    scope="claim",
    when={"$gt": {"filed_day": {"$m": "filing_deadline_day"}}},
    message_zh="自意外伤害发生日起超过一年未申报，视作自动放弃：申报期限为 {filing_deadline_day!d}，申报日为 {filed_day!d}，逾期 {days_late} 日。",
    message_en="Filed more than a year after the accident, which counts as giving up the claim: the deadline was {filing_deadline_day!d}, the claim was filed on {filed_day!d}, late by {days_late} day(s).",
    text=FILING_TEXT,
)

CALENDAR_GAP = Rule(
    id="filing.calendar_gap",
    clause="art5.4",
    effect="note",
    scope="claim",
    when={"filing_calendar_gap": 1},
    message_zh="申报期限所在年份无法定节假日数据，期限仅按周末顺延（{filing_anniversary_day!d} → {filing_deadline_day!d}）。",
    message_en="No statutory-holiday data covers the deadline's year, so only weekends moved it ({filing_anniversary_day!d} → {filing_deadline_day!d}).",
    text=FILING_TEXT,
)

FILING = (FILED_LATE, CALENDAR_GAP)
