"""第七条 受领人 (art7): who receives the money.

> 专属意外医疗补贴由新就业形态劳动者本人受领，转入受领人银行账户。

A payee that is missing, or is someone else, does not deny the claim: it waits (pend) until the
member gives an account in their own name.
"""

from ..rule import HintTemplate, Rule

TEXT = "专属意外医疗补贴由新就业形态劳动者本人受领，转入受领人银行账户。"

MISSING = Rule(
    id="payee.missing",
    clause="art7",
    effect="pend",
    scope="claim",
    when="payee_holder_name == '' or payee_account_number == ''",
    message_zh="补贴转入受领人本人的银行账户：未给出账户户名或账号。",
    message_en="The benefit is paid into the member's own bank account, and the account holder's name or the account number is not given.",
    text=TEXT,
    hint=HintTemplate(
        kind="payee",
        data={"member_name": "member_name"},
        message_zh="请提供以本人（{member_name}）名义开立的银行账户户名和账号，然后以同一申报号重新提交。",
        message_en="Give the name and number of a bank account in the member's own name ({member_name}), then file again under the same claim id.",
        ended_zh="补贴只转入本人（{member_name}）名义的银行账户；累计给付已达上限，不再给付。",
        ended_en="The benefit is paid only into an account in the member's own name ({member_name}); payments have reached the cap, so nothing more is paid.",
    ),
)

NOT_THE_MEMBER = Rule(
    id="payee.not_the_member",
    clause="art7",
    effect="pend",
    scope="claim",
    when="payee_holder_name != '' and payee_holder_name != member_name",
    message_zh="补贴由本人受领：账户户名“{payee_holder_name}”与被保障人“{member_name}”不符。",
    message_en="The benefit is paid to the member only: the account holder '{payee_holder_name}' is not the member '{member_name}'.",
    text=TEXT,
    hint=HintTemplate(
        kind="payee",
        data={"member_name": "member_name", "holder_name": "payee_holder_name"},
        message_zh="请改用户名为本人（{member_name}）的银行账户，然后以同一申报号重新提交。",
        message_en="Give a bank account held by the member ({member_name}) rather than '{payee_holder_name}', then file again under the same claim id.",
        ended_zh="补贴只转入户名为本人（{member_name}）的银行账户，而非“{payee_holder_name}”；累计给付已达上限，不再给付。",
        ended_en="The benefit is paid only into an account held by the member ({member_name}), not '{payee_holder_name}'; payments have reached the cap, so nothing more is paid.",
    ),
)

ID_MISMATCH = Rule(
    id="payee.id_number_mismatch",
    clause="art7",
    effect="pend",
    scope="claim",
    when="payee_holder_id_number != '' and member_id_number != '' and payee_holder_id_number != member_id_number",
    message_zh="补贴由本人受领：账户持有人身份证号与被保障人不符。",
    message_en="The benefit is paid to the member only: the account holder's ID number is not the member's.",
    text=TEXT,
    hint=HintTemplate(
        kind="payee",
        data={"member_name": "member_name"},
        message_zh="请改用本人（{member_name}）身份证号开立的银行账户，然后以同一申报号重新提交。",
        message_en="Give a bank account opened with the member's own ID number ({member_name}), then file again under the same claim id.",
        ended_zh="补贴只转入以本人（{member_name}）身份证号开立的银行账户；累计给付已达上限，不再给付。",
        ended_en="The benefit is paid only into an account opened with the member's own ID number ({member_name}); payments have reached the cap, so nothing more is paid.",
    ),
)

RULES = (MISSING, NOT_THE_MEMBER, ID_MISMATCH)
