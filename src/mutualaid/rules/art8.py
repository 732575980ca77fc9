"""第八条 申报手续 (art8).

> （一）……工作人员接到申报后，将进行累计，达到给付条件后将补贴款直接汇入新就业形态劳动者银行账户。
> （二）申报材料 1. 由医疗机构出具的医疗收费票据(发票)原件；2. 与意外伤害事故的发生日期、性质、原因、
> 伤害程度等有关的证明和资料……；3. 诊治记录……

(一)'s 累计 is the top-up: the same accident's costs add up across claims (the edition's
``accumulate_same_accident``, used by the art5.2 tier). (二) is this rule: a missing document does
not deny the claim, it waits for the document.
"""

from ..rule import HintTemplate, Rule

MISSING_DOCUMENT = Rule(
    id="documents.missing",
    clause="art8.2",
    effect="pend",
    scope="claim",
    on="document",
    when="supplied == 0",
    message_zh="申报材料不全，缺少：{document_zh}。",
    message_en="A required document is missing: {document_en}.",
    text="申报材料：1. 由医疗机构出具的医疗收费票据(发票)原件；2. 与意外伤害事故的发生日期、性质、原因、伤害程度等有关的证明和资料；3. 诊治记录，包括病历卡、出院小结、影像学报告、手术报告、病理报告等。",
    hint=HintTemplate(
        kind="missing_document",
        data={"document": "document"},
        message_zh="请补充：{document_zh}；补齐后以同一申报号重新提交。",
        message_en="Send {document_en}, then file again under the same claim id.",
        ended_zh="申报材料缺少：{document_zh}；累计给付已达上限，补齐后也不再给付。",
        ended_en="Missing: {document_en}. Payments have reached the cap, so nothing would be paid with it either.",
    ),
)

RULES = (MISSING_DOCUMENT,)

