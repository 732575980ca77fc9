"""第一条 保障对象 (art1): who the plan covers.

> 全省加入工会组织并在“粤工惠”实名登记注册的新就业形态劳动者，包括货车司机、网约车司机、快递员、
> 网约配送员等平台就业群体。

Both conditions must hold on the accident day: a member who joins or verifies later was not
covered when the accident happened. Joining or verifying on the accident day itself is enough,
since 第四条 sets no waiting period ("无免责期").
"""

from ..rule import HintTemplate, Rule

TEXT = "全省加入工会组织并在“粤工惠”实名登记注册的新就业形态劳动者，包括货车司机、网约车司机、快递员、网约配送员等平台就业群体。"

UNION_MEMBER = Rule(
    id="eligibility.union_member",
    clause="art1",
    effect="deny",
    scope="claim",
    when="union_member == 0 or union_member_since_day > 0",
    message_zh="保障对象须在事故发生时（{accident_day!d}）已加入工会组织。",
    message_en="The plan covers union members only, and the member had not joined the union by the accident day ({accident_day!d}).",
    text=TEXT,
    hint=HintTemplate(
        kind="eligibility",
        data={"accident_date": "accident_day!d"},
        message_zh="只有事故发生时（{accident_day!d}）已是工会会员的，事故才获保障；如入会日期记录有误，请提供入会证明后重新申报。",
        message_en="Only accidents on or after the day the member joined a trade union are covered, and {accident_day!d} is not. If the joining date is recorded wrongly, send proof of it and file again.",
        ended_zh="只有事故发生时（{accident_day!d}）已是工会会员的，事故才获保障。",
        ended_en="Only accidents on or after the day the member joined a trade union are covered, and {accident_day!d} is not.",
    ),
)

REAL_NAME = Rule(
    id="eligibility.real_name_verified",
    clause="art1",
    effect="deny",
    scope="claim",
    when="real_name_verified == 0 or real_name_verified_day > 0",
    message_zh="保障对象须在事故发生时（{accident_day!d}）已在“粤工惠”实名登记注册。",
    message_en="The member had not completed real-name registration on 粤工惠 by the accident day ({accident_day!d}).",
    text=TEXT,
    hint=HintTemplate(
        kind="eligibility",
        data={"accident_date": "accident_day!d"},
        message_zh="只有事故发生时（{accident_day!d}）已在“粤工惠”实名登记的，事故才获保障；如登记日期记录有误，请提供登记记录后重新申报。",
        message_en="Only accidents on or after the member's real-name registration on 粤工惠 are covered, and {accident_day!d} is not. If the registration date is recorded wrongly, send the registration record and file again.",
        ended_zh="只有事故发生时（{accident_day!d}）已在“粤工惠”实名登记的，事故才获保障。",
        ended_en="Only accidents on or after the member's real-name registration on 粤工惠 are covered, and {accident_day!d} is not.",
    ),
)

PLATFORM_WORKER = Rule(
    id="eligibility.platform_worker",
    clause="art1",
    effect="deny",
    scope="claim",
    when="occupation == 'not_platform_worker'",
    message_zh="保障对象为货车司机、网约车司机、快递员、网约配送员等平台就业的新就业形态劳动者。",
    message_en="The plan covers new-employment-form platform workers (truck and ride-hailing drivers, couriers, delivery riders and the like) only.",
    text=TEXT,
    hint=HintTemplate(
        kind="eligibility",
        data={"occupation": "occupation"},
        message_zh="本计划只保障平台就业的新就业形态劳动者；如职业（{occupation}）登记有误，请更正后重新申报。",
        message_en="Only platform workers are covered; if the occupation ({occupation}) is recorded wrongly, correct it and file again.",
        ended_zh="本计划只保障平台就业的新就业形态劳动者（登记职业：{occupation}）。",
        ended_en="Only platform workers are covered (the occupation recorded: {occupation}).",
    ),
)

RULES = (UNION_MEMBER, REAL_NAME, PLATFORM_WORKER)
