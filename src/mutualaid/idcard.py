"""居民身份证号码 (GB 11643-1999): the check digit, and nothing more (CONTRACT §7).

The eighteenth character is ISO 7064 MOD 11-2 over the first seventeen digits.
"""

from __future__ import annotations

import re
from operator import mul
from functools import lru_cache

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]\Z", re.ASCII)


def check_digit(first17: str) -> str:
    """The GB 11643 check character for seventeen digits."""
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


@lru_cache(maxsize=16384)
def normalize_id_number(value: str) -> str:
    """Return the number with a lowercase x read as X; raise ValueError if it is not valid.

    A 15-digit (first-generation) number is refused: the contract asks for 18 characters.
    """
    v = value.strip().upper()
    if len(v) == 15 and v.isdigit():
        raise ValueError("a 15-digit 身份证 number is not accepted; give the 18-character number")
    if not _SHAPE.match(v):
        raise ValueError("a 身份证 number is 17 digits and a check character (0-9 or X)")
    if check_digit(v[:17]) != v[17]:
        raise ValueError(f"the GB 11643 check digit does not hold (expected {check_digit(v[:17])})")
    return v
