"""Field types shared by the models: money in exact fen, calendar dates, codes with check digits.

Each type is an ``Annotated`` pydantic type whose validator says, in its error, what would have
been accepted. None of them accepts a float's rounding error or a date-time where a date belongs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .hospitals import kind_of_ws218
from .icd10 import who_code
from .idcard import normalize_id_number

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("10000000")  # CONTRACT §7: amounts must be below 10,000,000
EARLIEST = dt.date(1900, 1, 1)  # CONTRACT §7: a date before 1900-01-01 is bad input
_AMOUNT = re.compile(r"^-?\d+(?:\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def to_money(value: object) -> Decimal:
    """Yuan, exact in fen, 0 ≤ amount < 10,000,000, as a two-place Decimal."""
    if isinstance(value, bool):
        raise ValueError("an amount is a number or a decimal string, not a boolean")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("an amount must be a finite number")
        d = Decimal(repr(value))  # the shortest decimal that reads back as this float
    elif isinstance(value, str):
        if not _AMOUNT.match(value.strip()):
            raise ValueError(f"{value!r} is not an amount in yuan such as '1200.00'")
        d = Decimal(value.strip())
    else:
        raise ValueError("an amount is a number or a decimal string such as '1200.00'")
    try:
        if not d.is_finite():
            raise ValueError("an amount must be finite")
        q = d.quantize(CENT)
    except InvalidOperation:
        raise ValueError("amount out of range") from None
    if q != d:
        raise ValueError(f"{value!r} is not exact in fen (at most two decimals that are not zero)")
    if q < 0:
        raise ValueError("an amount must not be negative")
    if q >= MONEY_LIMIT:
        raise ValueError("an amount must be below 10,000,000")
    return q


def to_date(value: object) -> dt.date:
    """A calendar date: a ``date`` or an ISO ``YYYY-MM-DD`` string, on or after 1900-01-01."""
    if isinstance(value, dt.datetime):
        raise ValueError("a date is YYYY-MM-DD, not a date and time")
    if isinstance(value, dt.date):
        d = value
    elif isinstance(value, str) and _DATE.match(value):
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date that exists") from None
    else:
        raise ValueError("a date is a string YYYY-MM-DD")
    if d < EARLIEST:
        raise ValueError("a date before 1900-01-01 is not accepted")
    return d


def to_id_number(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a 身份证 number is a string of 18 characters")
    return normalize_id_number(value)


def to_icd10(value: object) -> str:
    """Keep the code as given (upper-cased); the WHO parent is derived when facts are built."""
    if not isinstance(value, str):
        raise ValueError("an ICD-10 code is a string such as 'S82.2'")
    who_code(value)
    return value.strip().upper()


def to_ws218(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a WS 218-2002 code is a string such as 'A100'")
    kind_of_ws218(value)
    return value.strip().upper()


def to_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    if not value.strip():
        raise ValueError("must not be empty")
    return value


_ACCOUNT = re.compile(r"^\d{10,30}$")


def to_account_number(value: object) -> str:
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise ValueError("an account number is a string of 10 to 30 digits")
    return value


_money_schema = WithJsonSchema(
    {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "description": "yuan, exact in fen"}
)
Money = Annotated[
    Decimal,
    BeforeValidator(to_money),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
    _money_schema,
]
Day = Annotated[dt.date, BeforeValidator(to_date), WithJsonSchema({"type": "string", "format": "date"})]
IdNumber = Annotated[
    str, BeforeValidator(to_id_number), WithJsonSchema({"type": "string", "pattern": r"^\d{17}[\dXx]$"})
]
Icd10Code = Annotated[str, BeforeValidator(to_icd10), WithJsonSchema({"type": "string", "examples": ["S82.2", "S82.201"]})]
Ws218Code = Annotated[str, BeforeValidator(to_ws218), WithJsonSchema({"type": "string", "pattern": r"^[A-Z]\d{3}$"})]
Text = Annotated[str, BeforeValidator(to_text), WithJsonSchema({"type": "string", "minLength": 1})]
AccountNumber = Annotated[
    str, BeforeValidator(to_account_number), WithJsonSchema({"type": "string", "pattern": r"^\d{10,30}$"})
]
