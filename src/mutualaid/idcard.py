"""居民身份证号码 (GB 11643-1999): the check digit and the birth date (CONTRACT §7, revision 2).

The eighteenth character is ISO 7064 MOD 11-2 over the first seventeen digits. Digits 7–14 are
the birth date, which must exist (no month 13, no 30 February) and, a check across fields made in
:mod:`mutualaid.validate`, lie no later than the claim's ``filed_on``. The region code (digits
1–6) is not checked: codes change over the years, and a number issued under a retired code stays
valid.

The birth date is digits 7–14 read as a calendar date, as python-stdnum's
``stdnum.cn.ric.get_birth_date`` reads them (tests/test_idcard.py holds the two together over many
numbers): that call cost some 6 µs a number, a twentieth of a decision, for three ``int`` and a
``date``. Nothing else of python-stdnum fits: its ``validate`` also looks the region code up in its
own table (which the contract rules out), and its ``compact`` drops spaces and dashes inside a
number, which the contract does not allow. No clock is read: whether a birth date is too late is
judged against ``filed_on``, never against today.
"""

from __future__ import annotations

import datetime as dt
import re
from operator import mul
from functools import lru_cache

from .errors import BadValue

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]\Z", re.ASCII)


def check_digit(first17: str) -> str:
    """The GB 11643 check character for seventeen digits."""
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


@lru_cache(maxsize=16384)
def birth_date(number: str) -> dt.date | None:
    """The birth date in digits 7–14 of an 18-character number (its shape checked), or None when
    there is no such day."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


@lru_cache(maxsize=16384)
def normalize_id_number(value: str) -> str:
    """Return the number with a lowercase x read as X; raise ValueError if it is not valid.

    A 15-digit (first-generation) number is refused: the contract asks for 18 characters. So is
    white space anywhere, around the number too (CONTRACT §7, revision 3): it is refused, never
    stripped. The 18 characters are ASCII: full-width digits (１２３) are refused by the shape.
    """
    if not value.isalnum():  # the usual number is 18 ASCII letters and digits: no white space
        if any(c.isspace() for c in value):
            raise BadValue("id_number.white_space")
    v = value.upper() if value[-1:] == "x" else value
    if len(v) == 15 and v.isascii() and v.isdigit():
        raise BadValue("id_number.fifteen_digits")
    if not _SHAPE.match(v):
        raise BadValue("id_number.shape")
    if check_digit(v[:17]) != v[17]:
        raise BadValue("id_number.check_digit", expected=check_digit(v[:17]))
    if birth_date(v) is None:
        raise BadValue("id_number.birth_date", digits=v[6:14])
    return v
