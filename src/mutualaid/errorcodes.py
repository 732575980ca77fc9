"""Every code a :class:`~mutualaid.errors.FieldError` can carry, with its Chinese and English words.

A backend branches on the code and shows the claimant ``message_zh``, as it shows a reason's
``message_zh``. The codes are stable: a code is never renamed or given another meaning (a test
pins the list); a new check gets a new code. ``docs/errors.md`` is generated from this table
(``python -m mutualaid.errorcodes > docs/errors.md``).

Each entry is ``code → (zh, en)``: templates whose ``{names}`` are filled by the check that found
the fault. The English template gives exactly the message the check has always given. Where the
fault is found by pydantic's own checks (a missing field, an unknown key, a value outside a list),
the English message is pydantic's, and ``en`` here shows its usual form; the Chinese is filled
from the same details pydantic gives (``{expected}``, ``{min_length}``...).

The words follow the plan's and the contract's: 身份证号码, 个人自付, 申报日期 (``filed_on``),
事故发生日期 (``accident.occurred_on``), 费用发生日期 (an item's ``on``), 给付, 档次, 累计给付上限.
"""

from __future__ import annotations

from typing import NamedTuple

QUOTE_LIMIT = 40
"""At most this many characters of a bad value are quoted in a message (issue 13, finding 9)."""
QUOTE_MAX = QUOTE_LIMIT + 8
"""The longest text :func:`mutualaid.errors.quote` gives (a long value is cut to a prefix and ``...``)."""


class Code(NamedTuple):
    zh: str
    en: str


CODES: dict[str, Code] = {
    # --- any field: the shape of the input (pydantic's checks) -------------------------------
    "field.missing": Code("缺少必填字段。", "Field required"),
    "field.unknown": Code("未知字段：合同中没有这个字段（可能拼写有误），不予受理。", "Extra inputs are not permitted"),
    "field.not_allowed": Code("取值不在允许范围内，应为以下之一：{expected}。", "Input should be {expected}"),
    "field.not_text": Code("应为字符串。", "Input should be a valid string"),
    "field.not_an_object": Code("应为对象（键值映射）。", "Input should be a valid dictionary or instance of {class_name}"),
    "field.not_a_list": Code("应为列表。", "Input should be a valid tuple"),
    "field.too_few": Code("至少应有 {min_length} 项，实际为 {actual_length} 项。", "{field_type} should have at least {min_length} item after validation, not {actual_length}"),
    "field.not_a_boolean": Code("应为布尔值（true 或 false）。", "Input should be a valid boolean"),
    "field.invalid": Code("取值无效：{detail}", "{detail}"),
    "number.not_an_integer": Code("应为整数。", "Input should be a valid integer"),
    "number.too_small": Code("应大于 {gt}。", "Input should be greater than {gt}"),
    "number.below_minimum": Code("应大于或等于 {ge}。", "Input should be greater than or equal to {ge}"),
    "number.above_maximum": Code("应小于或等于 {le}。", "Input should be less than or equal to {le}"),
    "text.blank": Code("应为至少含一个非空白字符的文字。", "String should match pattern '{pattern}'"),
    "text.too_short": Code("至少应有 {min_length} 个字符。", "String should have at least {min_length} character"),
    "text.not_unicode": Code(
        "文字中含有孤立的代理字符（未配对的 \\ud800–\\udfff 转义），不是合法的 Unicode 文字。",
        "text with a lone surrogate (an unpaired \\ud800–\\udfff escape) is not Unicode",
    ),
    "text.too_long": Code("最多 {max_length} 个字符。", "String should have at most {max_length} characters"),
    "field.too_many": Code("最多 {max_length} 项，实际为 {actual_length} 项。", "{field_type} should have at most {max_length} items, not {actual_length}"),
    "key.duplicate": Code(
        "键 {key} 在同一对象中重复出现：后一个值会悄悄覆盖前一个值，不予受理。",
        "the key {key} stands twice in one object (a JSON object or YAML mapping): the last value would silently win",
    ),
    "errors.more": Code("另有 {count} 个字段有误，未逐一列出（最多逐一列出 {limit} 个）。", "and {count} more offending fields, not listed one by one (at most {limit} are)"),
    # --- amounts (个人自付、个人自费、已给付), exact in fen ------------------------------------
    "amount.boolean": Code("金额应为数字或小数字符串，不能是布尔值。", "an amount is a number or a decimal string, not a boolean"),
    "amount.not_finite": Code("金额必须是有限的数。", "an amount must be a finite number"),
    "amount.wrong_type": Code("金额应为数字或小数字符串，例如 '1200.00'。", "an amount is a number or a decimal string such as '1200.00'"),
    "amount.not_an_amount": Code("{value} 不是以元为单位的金额（例如 '1200.00'）。", "{value} is not an amount in yuan such as '1200.00'"),
    "amount.too_large": Code("金额必须低于 10,000,000 元。", "an amount must be below 10,000,000"),
    "amount.negative": Code("金额不能为负数。", "an amount must not be negative"),
    "amount.not_exact_in_fen": Code("{value} 不能精确到分（小数点后第三位起须全为 0）。", "{value} is not exact in fen (at most two decimals that are not zero)"),
    "json.float_money": Code(
        "带小数的 JSON 数字被读成浮点数，可能已被舍入：请按原文读取每个数字（mutualaid.values.read_json），或以字符串给出金额。",
        "a JSON number with a fraction reaches this reader as a float, which may round it: read the JSON keeping "
        "each number's text (mutualaid.values.read_json), or give the amount as a string",
    ),
    "json.invalid": Code("不是有效的 JSON：{detail}", "not JSON: {detail}"),
    # --- dates (申报日期、事故发生日期、费用发生日期) -------------------------------------------
    "date.not_a_date": Code("日期应为 YYYY-MM-DD 格式的字符串。", "a date is a string YYYY-MM-DD"),
    "date.has_time": Code("日期应为 YYYY-MM-DD，不能带时间。", "a date is YYYY-MM-DD, not a date and time"),
    "date.does_not_exist": Code("{value} 不是实际存在的日期。", "{value} is not a date that exists"),
    "date.too_early": Code("不受理 1900-01-01 之前的日期。", "a date before 1900-01-01 is not accepted"),
    "date.too_late": Code("不受理 2199-12-31 之后的日期。", "a date after 2199-12-31 is not accepted"),
    "filed_on.before_accident": Code("申报日期 {filed} 早于事故发生日期 {occurred}。", "filed on {filed} before the accident on {occurred}"),
    "item.on_after_filing": Code("费用发生日期 {on} 晚于申报日期 {filed}：申报不能包含尚未发生的费用。", "a cost on {on} is after the filing date {filed}"),
    # --- 身份证号码 (GB 11643-1999) ------------------------------------------------------------
    "id_number.not_a_string": Code("身份证号码应为 18 个字符的字符串。", "a 身份证 number is a string of 18 characters"),
    "id_number.fifteen_digits": Code("不受理 15 位身份证号码，请提供 18 位号码。", "a 15-digit 身份证 number is not accepted; give the 18-character number"),
    "id_number.white_space": Code("身份证号码中不能有空白字符（任何位置）。", "a 身份证 number holds no white space, anywhere"),
    "id_number.shape": Code("身份证号码应为 17 位数字加 1 位校验码（0-9 或 X）。", "a 身份证 number is 17 digits and a check character (0-9 or X)"),
    "id_number.check_digit": Code("身份证号码校验码不符（GB 11643，应为 {expected}）。", "the GB 11643 check digit does not hold (expected {expected})"),
    "id_number.birth_date": Code("身份证号码第 7-14 位（{digits}）不是实际存在的出生日期（YYYYMMDD）。", "digits 7-14 ({digits}) are not a birth date that exists (YYYYMMDD)"),
    "id_number.born_after_filing": Code("身份证号码中的出生日期 {born} 晚于申报日期 {filed}。", "the birth date {born} in the 身份证 number is after the filing date {filed}"),
    "id_number.taken": Code(
        "该身份证号码在本台账中已属于会员 {holder}：一人只有一个会员编号、一个累计给付上限。",
        "this 身份证 number belongs to member {holder} in this ledger: one person has one member id and one cap",
    ),
    "id_number.bound_to_other": Code("该身份证号码已属于会员 {holder}。", "this 身份证 number belongs to member {holder} already"),
    "id_number.not_text": Code("身份证号码应为文字。", "a 身份证 number is text"),
    # --- ids (申报编号、会员编号、事故编号、就诊编号) -------------------------------------------
    "id.not_a_string": Code("编号应为字符串。", "an id is a string"),
    "id.length": Code("编号应为 1 至 {limit} 个字符，实际为 {length} 个。", "an id has 1 to {limit} characters, not {length}"),
    "id.control_character": Code("{value} 含有控制或格式字符 U+{char}。", "{value} holds U+{char}, a control or format character"),
    "id.lone_surrogate": Code("{value} 含有孤立的代理字符 U+{char}，不是合法文字。", "{value} holds U+{char}, a lone surrogate, which is not text"),
    "id.white_space": Code("{value} 前后有空白字符。", "{value} has white space around it"),
    "id.white_space_inside": Code("{value} 含有空白字符 U+{char}：编号中任何位置都不能有空白。", "{value} holds white space (U+{char}): an id has none anywhere"),
    "id.private_use": Code("{value} 含有私用区字符 U+{char}。", "{value} holds U+{char}, a private-use character"),
    "id.unassigned": Code("{value} 含有 Unicode 未分配的码位 U+{char}。", "{value} holds U+{char}, a code point Unicode has not assigned"),
    "id.default_ignorable": Code(
        "{value} 含有不可见的可忽略字符 U+{char}（变体选择符、韩文填充符、零宽字符等）。",
        "{value} holds U+{char}, a default-ignorable code point (a variation selector, a Hangul filler, a zero-width character...)",
    ),
    "id.not_nfkc": Code(
        "{value} 不是 Unicode NFKC 形式（规范化为 {nfkc} 后会成为另一个编号）。",
        "{value} is not in Unicode NFKC form (as {nfkc} it would name another id)",
    ),
    "member_id.empty": Code("会员编号应为非空字符串。", "a member id is a non-empty string"),
    "member_id.not_text": Code("会员编号应为文字（孤立的代理字符没有 UTF-8 编码）。", "a member id is text (a lone surrogate has no UTF-8)"),
    "account_number.shape": Code("银行账号应为 10 至 30 位数字的字符串。", "an account number is a string of 10 to 30 digits"),
    "treatment_id.slash": Code("{value}：就诊编号不能含有 '/'。", "{value}: a treatment id may not contain '/'"),
    "treatment_id.duplicate": Code("就诊编号 {value} 在本次申报中出现两次。", "treatment id {value} stands twice in the claim"),
    "medication_use.not_medication": Code(
        "用药情况（medication_use）只适用于药品类费用，不适用于 {category} 类费用。",
        "medication_use applies to medication items only, not to a {category} item",
    ),
    # --- diagnoses and institutions ------------------------------------------------------------
    "icd10.not_a_string": Code("ICD-10 诊断编码应为字符串，例如 'S82.2'。", "an ICD-10 code is a string such as 'S82.2'"),
    "icd10.too_long": Code("{value} 不是 ICD-10 诊断编码（过长）。", "{value} is not an ICD-10 code (far too long)"),
    "icd10.shape": Code(
        "{value} 不是 ICD-10 诊断编码（WHO 版：S82、S82.2 或 S822；国家临床版 2.0：S82.201 或 S06.000x001）。",
        "{value} is not an ICD-10 code (WHO: S82, S82.2 or S822; clinical edition 2.0: S82.201 or S06.000x001)",
    ),
    "icd10.unknown": Code("{value}：ICD-10（WHO 2019）中没有编码 {parent}。", "{value}: there is no ICD-10 (WHO 2019) code {parent}"),
    "icd10.not_an_entry": Code(
        "{value} 不是 ICD-10 类目（S82）、亚目（S82.2）或类目范围（K00-K08）。",
        "{value} is not an ICD-10 category (S82), subcategory (S82.2) or range of categories (K00-K08)",
    ),
    "icd10.range_reversed": Code("{value}：类目范围应从一个类目到其后的类目（K00-K08）。", "{value}: a range runs from a category to a later category (K00-K08)"),
    "ws218.not_a_string": Code("WS 218-2002 机构编码应为字符串，例如 'A100'。", "a WS 218-2002 code is a string such as 'A100'"),
    "ws218.shape": Code("{value} 不是 WS 218-2002 卫生机构编码（一个字母加三位数字）。", "{value} is not a WS 218-2002 institution code (a letter and three digits)"),
    "ws218.unmapped": Code("WS 218-2002 编码 {code} 不在合同所列的医疗机构类别之中。", "WS 218-2002 code {code} is not one the contract maps to a hospital kind"),
    # --- the plan (edition) a claim names ------------------------------------------------------
    "plan.unknown": Code("{edition_id} 不是已知的计划版本（已知：{known}）。", "{edition_id} names no known edition (known: {known})"),
    # --- the history of earlier decided claims --------------------------------------------------
    "history.not_a_list": Code("历史记录应为此前已决定申报的列表。", "history is a list of earlier decided claims"),
    "claim_id.already_decided": Code("申报 {claim} 已经决定过（已在历史记录中）。", "claim {claim} has already been decided (it stands in history)"),
    "claim_id.duplicate": Code("申报 {claim} 在历史记录中出现两次。", "claim {claim} stands twice in history"),
    "claim_id.in_ledger": Code("会员 {member} 的申报 {claim} 已在台账中。", "claim {claim} of member {member} is already in the ledger"),
    "claim_id.conflict": Code(
        "会员 {member} 的申报 {claim} 已按另一份申报内容作出决定：同一申报编号重复提交时内容必须相同；新的费用请以新的申报编号提交。",
        "claim {claim} of member {member} was decided already from other content: a claim sent again must be the same claim; new costs are a new claim_id",
    ),
    "history.accident_date_differs": Code("事故 {accident} 的发生日期是 {known}，不是 {day}。", "accident {accident} occurred on {known}, not on {day}"),
    "history.over_top_tier": Code(
        "事故 {accident} 的已给付金额超过最高档次（{top} 元）：同一事故最多按最高档给付。",
        "payments for accident {accident} exceed the top tier ({top} yuan)",
    ),
    "history.over_cap": Code("计划版本 {edition} 的已给付金额超过累计给付上限 {cap} 元。", "payments in edition {edition} exceed its cap of {cap} yuan"),
    # --- a claim file, a batch line ---------------------------------------------------------------
    "claim_file.unknown_key": Code("未知的顶层键：申报文件只含 claim、history 和 expect。", "unknown key; a claim file holds claim, history and expect"),
    "claim.cannot_decide": Code("无法决定这一行：{kind}: {detail}", "cannot decide this line: {kind}: {detail}"),
    # --- a request to the service (mutualaid serve) ------------------------------------------
    "body.too_large": Code("请求体超过 {limit:,} 字节的上限。", "the request body is over the limit of {limit:,} bytes"),
    "body.not_json": Code("请求体不是有效的 JSON（UTF-8）：{detail}", "the body is not JSON: {detail}"),
    "body.not_object": Code("请求体须为 JSON 对象 {{claim, history?, plan?}}。", "the body is a JSON object {{claim, history?, plan?}}"),
    "body.unknown_key": Code("未知字段：请求体只含 claim、history 与 plan。", "unknown key; the body holds claim, history and plan"),
    "body.too_deep": Code("JSON 嵌套超过 {depth} 层。", "the JSON nests deeper than {depth} levels"),
    "record.invalid": Code("不是有效的决定记录（须含 input 与带 record 的 decision）：{detail}", "{detail}"),
    "record.engine": Code("记录所用的引擎在本服务中不可用：{detail}", "{detail}"),
    "body.media_type": Code(
        "请求体的类型须为 {expected}（UTF-8），而不是 {given}。", "the body's Content-Type must be {expected} (UTF-8), not {given}"
    ),
    "body.not_utf8": Code("请求体须为 UTF-8 编码（RFC 8259）：{detail}", "the body must be UTF-8 (RFC 8259): {detail}"),
    "body.lone_surrogate": Code("字符串含有未配对的代理码位（\\ud800–\\udfff），不是有效的 Unicode 文字。", "a string holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text"),
    "body.too_slow": Code("请求体在 {seconds} 秒内未送达完毕。", "the body did not arrive within {seconds} seconds"),
    "body.line_too_large": Code("这一行超过 {limit:,} 字节的上限，未读取。", "the line is over the limit of {limit:,} bytes and was not read"),
    "request.head_too_slow": Code("请求行与请求头未在 {seconds} 秒内送达：连接已关闭。", "the request line and headers did not arrive within {seconds} seconds: the connection is closed"),
    "request.head_too_large": Code("请求行与请求头超过 {limit:,} 字节的上限：连接已关闭。", "the request line and headers are over the limit of {limit:,} bytes: the connection is closed"),
    "service.busy": Code("服务繁忙：请在 {retry_after} 秒后重试。", "the service is busy: try again in {retry_after} seconds"),
    # --- an edition of the plan (InvalidEdition) -----------------------------------------------
    "edition.not_yaml": Code("版本文件不是 YAML 或 JSON：{detail}", "not YAML or JSON: {detail}"),
    "edition.not_utf8": Code("版本文件不是 UTF-8 文字：{reason}（第 {start} 字节）。", "not UTF-8 text: {reason} at byte {start}"),
    "edition.period_reversed": Code("保障期间的结束日早于开始日。", "period.end is before period.start"),
    "edition.tier_edge": Code("每个档次须且只须给出 at_least（以上）或 over（超过）之一。", "a tier gives exactly one of at_least or over"),
    "edition.tiers_not_rising": Code("各档次的起点必须严格递增。", "tier edges must rise strictly"),
    "edition.unknown_exclusion": Code("{keys} 不是第六条的责任免除项；可用的键为 {known}。", "{keys} names no exclusion of 第六条; the keys are {known}"),
    "edition.circumstance_twice": Code("情形 {circumstance} 同时列在 {first} 和 {second} 之下。", "circumstance {circumstance} is listed under both {first} and {second}"),
    "edition.references_missing": Code("references 引用了版本中没有的取值：{paths}", "references name values the edition does not have: {paths}"),
    "edition.clause_key": Code("{key} 不是条款键（例如 art6.3）。", "{key} is not a clause key such as art6.3"),
    # --- a ledger file ---------------------------------------------------------------------------
    "ledger.checksum": Code(
        "校验和不符：这一行或之前的某一行被修改、添加或删除。",
        "its checksum does not match: this line, or one before it, was changed, added or removed",
    ),
    "ledger.unsealed_line": Code("已封存的行之后出现没有校验和的行：文件被编辑过。", "a line without a checksum after sealed lines: the file was edited"),
    "ledger.unsealed_checkpoint": Code(
        "检查点没有校验和：该台账写于台账封存之前（issue 13 之前的 mutualaid 0.1）；见 docs/batch.md。",
        "a checkpoint without a checksum: the ledger was written before ledgers were sealed "
        "(mutualaid 0.1 before issue 13); see docs/batch.md, 'Ledgers written before checksums'",
    ),
    "ledger.torn_line": Code(
        "这一行不完整（行尾没有换行符）：台账文件被截断或丢失了末尾的换行符；请恢复完整的文件，不要丢弃其中的记录。",
        "this line is cut short (it has no newline at its end): the file was cut or lost its final newline; restore the whole file, never drop its entries",
    ),
    "ledger.uncommitted": Code(
        "从这一行起是一次未完成的批处理运行写入的记录：请先用同样的输入、输出和选项续跑该运行（mutualaid batch），再读取台账。",
        "from this line on are the entries of a batch run that did not finish: resume that run (mutualaid batch, same IN, OUT and options) before loading the ledger",
    ),
    "ledger.checkpoint_not_object": Code("最后一个检查点不是 JSON 对象。", "the last checkpoint is not a JSON object"),
    "ledger.not_json": Code("不是 JSON 行：{detail}", "not a JSON line: {detail}"),
    "ledger.not_object": Code("台账的每一行应为 JSON 对象。", "a ledger line is a JSON object"),
    "ledger.binding_shape": Code("绑定行只含 id_number 和 member_id。", "a binding line has id_number and member_id only"),
    "filed_on.not_first_filing": Code(
        "申报 {claim} 已于 {first} 首次申报并被暂缓（待补材料）；再次提交时申报日期应仍为首次申报日期 {first}，而不是 {filed}。",
        "claim {claim} was first filed on {first} and pended; sent again it keeps that filed_on, not {filed}",
    ),
    "ledger.pended_shape": Code(
        "暂缓行只含 pended（申报编号）、member_id 和 filed_on（有效日期）。",
        "a pended line has pended (a claim id), member_id and filed_on (a valid date) only",
    ),
}
"""Every error code, with its Chinese and English templates (see the module's docstring)."""


PYDANTIC_TYPES: dict[str, str] = {
    "missing": "field.missing",
    "extra_forbidden": "field.unknown",
    "literal_error": "field.not_allowed",
    "string_type": "field.not_text",
    "string_pattern_mismatch": "text.blank",
    "string_too_short": "text.too_short",
    "string_too_long": "text.too_long",
    "string_unicode": "text.not_unicode",
    "model_type": "field.not_an_object",
    "model_attributes_type": "field.not_an_object",
    "dict_type": "field.not_an_object",
    "tuple_type": "field.not_a_list",
    "list_type": "field.not_a_list",
    "too_short": "field.too_few",
    "too_long": "field.too_many",
    "bool_type": "field.not_a_boolean",
    "bool_parsing": "field.not_a_boolean",
    "int_type": "number.not_an_integer",
    "int_parsing": "number.not_an_integer",
    "int_from_float": "number.not_an_integer",
    "greater_than": "number.too_small",
    "greater_than_equal": "number.below_minimum",
    "less_than_equal": "number.above_maximum",
    "json_invalid": "json.invalid",
}
"""pydantic's error types, as they reach a :class:`~mutualaid.errors.FieldError`, and the code each
becomes. A check of the library's own raises :class:`~mutualaid.errors.BadValue`, which carries its
code; any other type becomes ``field.invalid``, whose Chinese message still says what is wrong."""


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, params: dict) -> str:
    """``template`` with ``{names}`` from ``params``; a name not given stays as written."""
    return template.format_map(_Blank(params))


def markdown() -> str:
    """``docs/errors.md``: every code with its Chinese and English text, from :data:`CODES`."""
    lines = [
        "# Error codes",
        "",
        "<!-- Generated from src/mutualaid/errorcodes.py: python -m mutualaid.errorcodes > docs/errors.md -->",
        "",
        "Bad input raises `mutualaid.InvalidClaim`. Each of its `errors` is a `FieldError` with the",
        "offending `field` (a dotted path such as `treatments.0.items.1.out_of_pocket`), a stable `code`,",
        "the message in Chinese (`message_zh`) and in English (`message`, `message_en` in JSON), and the",
        f"offending `value` cut short (at most {QUOTE_MAX} characters; null when the field is missing).",
        "`InvalidClaim.as_json()` gives them as a list of",
        "`{field, code, message_en, message_zh, value}`; `mutualaid batch` writes the same list in",
        "each error record's `errors` (docs/batch.md).",
        "",
        "A backend branches on `code` and shows `message_zh` to the claimant, as it shows a reason's",
        "`message_zh`. Codes are stable: none is renamed or given another meaning, and a new check gets a",
        "new code. `{names}` stand for the details the check fills in. Where pydantic finds the fault",
        "(a missing field, an unknown key, a value outside a list), the English message is pydantic's,",
        "and the table shows its usual form. A fault that no code below names is `field.invalid`.",
        "",
        "At most the first 100 offending fields are listed one by one (CONTRACT §5). When there are more,",
        "one last entry counts the rest: `{\"field\": \"...\", \"code\": \"errors.more\", \"value\": \"250\", ...}`,",
        "its `value` the count as digits; `InvalidClaim.total` is the number of offending fields in all.",
        "",
        "| code | 中文 | English |",
        "|---|---|---|",
    ]
    for code, (zh, en) in CODES.items():
        lines.append(f"| `{code}` | {_cell(zh)} | {_cell(en)} |")
    lines += ["", "pydantic's error types and the codes they become:", "", "| pydantic type | code |", "|---|---|"]
    lines += [f"| `{t}` | `{c}` |" for t, c in PYDANTIC_TYPES.items()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(markdown(), end="")
