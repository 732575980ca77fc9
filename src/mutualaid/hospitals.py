"""Hospital kinds from WS 218-2002 《卫生机构(组织)分类与代码》 (CONTRACT §7).

第五条第(五)款 excludes institutions "主要提供门诊、康复、护理、疗养、戒酒、戒毒或相类似服务". When a
treatment gives the WS 218 code of its institution, the code decides the kind, not the free field.
"""

from __future__ import annotations

import re

from .errors import BadValue, quote

KINDS = ("general", "tcm", "specialty", "outpatient", "rehabilitation", "nursing", "sanatorium", "addiction")

_SHAPE = re.compile(r"^[A-Z]\d{3}\Z", re.ASCII)

# Exact codes first, then by class letter and first digit.
_EXACT = {
    "A527": "rehabilitation",  # 康复医院
    "H220": "addiction",  # 药物戒毒所
}
_BY_PREFIX = {
    "A1": "general",  # 综合医院
    "A3": "general",  # 中西医结合医院
    "A2": "tcm",  # 中医医院
    "A4": "tcm",  # 民族医院
    "A5": "specialty",  # 专科医院
    "A6": "sanatorium",  # 疗养院
    "A7": "nursing",  # 护理院(站)
    "B": "outpatient",  # 社区卫生服务中心(站)
    "C": "outpatient",  # 卫生院
    "D": "outpatient",  # 门诊部、诊所、医务室、村卫生室
}


def kind_of_ws218(code: str) -> str:
    """The hospital kind for a WS 218-2002 code; ValueError for a code the contract does not map."""
    c = code.strip().upper()
    if not _SHAPE.match(c):
        raise BadValue("ws218.shape", value=quote(code))
    kind = _EXACT.get(c) or _BY_PREFIX.get(c[:2]) or _BY_PREFIX.get(c[0])
    if kind is None:
        raise BadValue("ws218.unmapped", code=c)
    return kind
