"""Field types shared by the models: money in exact fen, calendar dates, codes with check digits.

Each type is an ``Annotated`` pydantic type whose validator says, in its error, what would have
been accepted. None of them accepts a float's rounding error or a date-time where a date belongs.
An error quotes at most a short prefix of the value it refuses (:func:`mutualaid.errors.quote`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any, Annotated

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import core_schema as cs

from .errors import BadValue, DuplicateKeys, FieldError, quote, shown
from .hospitals import kind_of_ws218
from .icd10 import who_code
from .idcard import normalize_id_number

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_LIMIT = Decimal("10000000")  # CONTRACT §7: amounts must be below 10,000,000
EARLIEST = dt.date(1900, 1, 1)  # CONTRACT §7: a date before 1900-01-01 is bad input
LATEST = dt.date(2199, 12, 31)  # CONTRACT §7 (revision 2): so is a date after 2199-12-31
_AMOUNT = re.compile(r"^(-?)(\d+)(?:\.(\d+))?\Z", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z", re.ASCII)


def to_money(value: object) -> Decimal:
    """Yuan, exact in fen, 0 ≤ amount < 10,000,000, as a two-place Decimal."""
    if type(value) is str:
        return _money_text(value)
    if isinstance(value, bool):
        raise BadValue("amount.boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue("amount.not_finite")
        return _exact(Decimal(repr(value)), value)  # the shortest decimal that reads back as this float
    if isinstance(value, (int, Decimal)):
        if isinstance(value, Decimal) and not value.is_finite():
            raise BadValue("amount.not_finite")
        return _exact(Decimal(value), value)
    if isinstance(value, str):  # a str subclass
        return _money_text(str(value))
    raise BadValue("amount.wrong_type")


@lru_cache(maxsize=16384)
def _money_text(value: str) -> Decimal:
    whole, _, frac = value.partition(".")
    if len(frac) == 2 and 0 < len(whole) < 8 and value.isascii() and whole.isdigit() and frac.isdigit():
        return Decimal(value)  # the usual '1200.00': what _amount_text gives, at half the cost
    return _amount_text(value)


def _amount_text(value: str) -> Decimal:
    """Any spelling of an amount in yuan (``' 12'``, ``'0.5'``, ``'1200.000'``), or ValueError."""
    m = _AMOUNT.match(value.strip())
    if not m:
        raise BadValue("amount.not_an_amount", value=quote(value))
    sign, whole, frac = m.groups()
    if not sign and frac is not None and len(frac) == 2 and len(whole) < 8:  # the usual '1200.00'
        return Decimal(m.group(0))
    return _exact(Decimal(m.group(0)), value)


def _exact(d: Decimal, value: object) -> Decimal:
    if d >= MONEY_LIMIT:  # before quantize, which fails on huge numbers (of either sign)
        raise BadValue("amount.too_large")
    if d <= -MONEY_LIMIT:
        raise BadValue("amount.negative")
    q = d.quantize(CENT)
    if q != d:
        raise BadValue("amount.not_exact_in_fen", value=shown(value))
    if q < 0:
        raise BadValue("amount.negative")
    return q if q else ZERO  # -0.00 reads as 0.00


class _FenOf(dict):
    """Two-place amounts as integer fen, each worked out once (``int(amount.scaleb(2))``) on first use."""

    def __missing__(self, amount: Decimal) -> int:
        fen = int(amount.scaleb(2))
        if len(self) < 65536:  # the few amounts a history repeats (payouts are tier amounts), bounded
            self[amount] = fen
        return fen


FEN: dict[Decimal, int] = _FenOf()
"""``FEN[amount]`` is ``int(amount.scaleb(2))`` for a ``Decimal``, read from a dict once seen (C code, no
Python call): the history's two loops (its checks, the facts' walk) turn each entry's amounts into
fen, 0.3 µs each by ``scaleb``. Validation gives equal amounts as one cached ``Decimal``
(:func:`_money_text`), whose hash is then computed once. Only for a ``Decimal``: an ``int`` key
equals the ``Decimal`` of its value. A key equal to another with more places (``1.0``, ``1.00``)
has the same value, hence the same fen."""


_PLAIN_NUMBER = re.compile(r"^-?\d+\.\d+\Z", re.ASCII)


def json_number(text: str) -> Decimal | str:
    """``json.loads``'s ``parse_float`` hook: a JSON number with a fraction or an exponent, judged by its text.

    A plain decimal (``2000.009999999999999999``) becomes the exact ``Decimal`` of its text, never a
    float that rounds it. Any other spelling (``2e3``, ``1E-2``) stays text, so that it meets the
    same rules as the same text given as a string: an amount in exponent form is refused, whether
    quoted or not. Whatever a number is accepted as, the string of its text is accepted as too
    (issue 13, finding 1).
    """
    return Decimal(text) if _PLAIN_NUMBER.match(text) else text


def read_json(data: str | bytes) -> Any:
    """JSON as plain data, each number with a fraction or exponent read by :func:`json_number`.

    An object that repeats a key raises :class:`~mutualaid.errors.DuplicateKeys` (an
    :class:`~mutualaid.errors.InvalidClaim`) naming the key's path from the document's root
    (CONTRACT §7, revision 3): ``json.loads`` would keep the last value silently. The check costs
    ``object_pairs_hook``'s dict per object, about 4 µs a claim.
    """
    found: list = []

    def pairs(items: list) -> dict:
        d = dict(items)
        if len(d) != len(items):
            d = _repeated(items)
            found.append(d)
        return d

    value = json.loads(data, parse_float=json_number, object_pairs_hook=pairs)
    if found:
        raise DuplicateKeys(repeated_keys(value))
    return value


class Repeated(dict):
    """A JSON object or YAML mapping that repeated a key, each repeated key in ``repeated`` (the last
    value is kept). :func:`read_json` and :func:`mutualaid.yamlio.load` refuse one; ``mutualaid check``
    reads case files keeping them, and refuses each case whose claim or history holds one."""

    repeated: tuple = ()


def _repeated(items: list) -> Repeated:
    d = Repeated(items)
    seen: set = set()
    again = []
    for k, _ in items:
        if k in seen:
            again.append(k)
        seen.add(k)
    d.repeated = tuple(dict.fromkeys(again))
    return d


def duplicate_key(path: tuple, key: Any) -> FieldError:
    """The ``key.duplicate`` error for ``key`` repeated in the object at ``path`` (keys and indexes)."""
    return FieldError.of(".".join(map(str, (*path, key))), "key.duplicate", key, key=quote(key))


def repeated_keys(data: Any, path: tuple = ()) -> list[FieldError]:
    """The ``key.duplicate`` error of each key a :class:`Repeated` mapping in ``data`` repeats, in
    document order, each named by its path from ``path``."""
    found: list[FieldError] = []
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            found += [duplicate_key(where, k) for k in getattr(value, "repeated", ())]
            stack.extend((v, (*where, k)) for k, v in reversed(list(value.items())))
        elif isinstance(value, (list, tuple)):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(value))))
    return found


def _json_money(value: object) -> Decimal:
    """``to_money`` for pydantic's own JSON reader (``validate_json``), which must refuse a fraction.

    That reader hands a JSON number with a fraction or an exponent over as a float, and a float
    can round it: ``2000.009999999999999999`` and ``2000.000000000000000000000000000001`` would
    read as 2000.01 and 2000.00, though their exact text is not exact in fen (issue 13). So it
    refuses such a number, and its callers (the batch) read the line again as plain data with
    :func:`read_json`, which keeps the exact text. Integers and strings are
    exact in both readers and are read here as ``to_money`` reads them.
    """
    if type(value) is float:
        raise BadValue("json.float_money")
    return to_money(value)


class _ExactMoney:
    """Money's validator: ``to_money`` on plain data, ``_json_money`` in pydantic's JSON reader."""

    def __get_pydantic_core_schema__(self, source, handler):
        decimal = handler(source)
        return cs.json_or_python_schema(
            json_schema=cs.no_info_before_validator_function(_json_money, decimal),
            python_schema=cs.no_info_before_validator_function(to_money, decimal),
        )


def _bounded(d: dt.date) -> dt.date:
    if d < EARLIEST:
        raise BadValue("date.too_early")
    if d > LATEST:
        raise BadValue("date.too_late")
    return d


def to_date(value: object) -> dt.date:
    """A calendar date: a ``date`` or an ISO ``YYYY-MM-DD`` string, from 1900-01-01 to 2199-12-31.

    The upper bound keeps every date the rules derive (a filing deadline years later, the end of
    the 180-day window) a real date: year 10000 would crash deep inside instead (issue 13).
    """
    if type(value) is str:
        return _date_text(value)
    if isinstance(value, str):  # a str subclass (an enum's member): its text, as pydantic-core reads it
        return _date_text(str.__str__(value))
    if isinstance(value, dt.datetime):
        raise BadValue("date.has_time")
    if isinstance(value, dt.date):
        d = value
    else:
        raise BadValue("date.not_a_date")
    return _bounded(d)


@lru_cache(maxsize=8192)
def _date_text(value: str) -> dt.date:
    if not _DATE.match(value):
        raise BadValue("date.not_a_date")
    try:
        d = dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue("date.does_not_exist", value=quote(value)) from None
    return _bounded(d)


def to_id_number(value: object) -> str:
    if type(value) is str:
        return normalize_id_number(value)
    if not isinstance(value, str):
        raise BadValue("id_number.not_a_string")
    return normalize_id_number(value)


_ICD_MAX = 32  # the longest code, S06.000x001, with room for white space around it


def to_icd10(value: object) -> str:
    """Keep the code as given (upper-cased); the WHO parent is derived when facts are built."""
    if not isinstance(value, str):
        raise BadValue("icd10.not_a_string")
    if len(value) > _ICD_MAX:  # before the code reader, whose message would quote all of it
        raise BadValue("icd10.too_long", value=quote(value))
    return _icd_text(value if type(value) is str else str(value))


@lru_cache(maxsize=8192)
def _icd_text(value: str) -> str:
    who_code(value)
    return value.strip().upper()


def to_ws218(value: object) -> str:
    if not isinstance(value, str):
        raise BadValue("ws218.not_a_string")
    kind_of_ws218(value)
    return value.strip().upper()


ID_MAX = 64  # CONTRACT §7 (revision 2): ids are 1 to 64 characters
_NOT_IN_IDS = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn", "Zs"})
"""CONTRACT §7 (revision 3): control, format, line and paragraph separators, lone surrogates (not
text), private-use and unassigned code points, and space separators (Zs: with Cc, Zl and Zp they
make up Unicode's White_Space). Unassigned means unassigned in the Unicode version of Python's
``unicodedata`` (``unicodedata.unidata_version``): a character newer than that is refused."""

# Unicode Default_Ignorable_Code_Point, every range of DerivedCoreProperties.txt (Unicode 15.1 and
# 16.0 give the same list; https://www.unicode.org/Public/16.0.0/ucd/DerivedCoreProperties.txt).
# Python's unicodedata has no such property and no well-kept library on the project's list gives
# it without a new dependency, so the ranges are written out here; tests/test_input_text.py checks
# the contract's examples and every range's ends.
DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER, HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ, AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS, VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE .. RIGHT-TO-LEFT MARK
    (0x202A, 0x202E),  # bidirectional embeddings and overrides
    (0x2060, 0x206F),  # WORD JOINER .. NOMINAL DIGIT SHAPES (invisible operators, isolates, reserved)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (byte-order mark)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT controls
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM .. END PHRASE
    (0xE0000, 0xE0FFF),  # tags, VARIATION SELECTOR-17..256, reserved
)
_IGNORABLE = re.compile("[" + "".join(f"\\U{a:08X}-\\U{b:08X}" for a, b in DEFAULT_IGNORABLE) + "]")


def to_id(value: object) -> str:
    """An id (claim, member, accident, treatment, and the history's), exactly as the contract spells valid ones.

    The cap is kept per ``member_id``, so one person must have one spelling: ``"M-1 "``, the
    full-width ``"Ｍ-1"``, ``"M\\u200b-1"``, ``"M-1\\ufe0f"`` and ``"M-1\\u1160"`` would each open a
    second cap for ``M-1`` (issue 13; CONTRACT §7, revision 3). An id is therefore 1 to 64
    characters, already NFKC, with no white space anywhere, no control, format, surrogate,
    private-use or unassigned character, and no default-ignorable code point. It is refused,
    never normalised: a silent rewrite would hide that the sender keeps two spellings of one member.
    """
    if type(value) is str and 0 < len(value) <= ID_MAX and value.isascii() and value.isprintable() and " " not in value:
        return value  # the usual id: printable ASCII other than the space is NFKC and has nothing refused
    if not isinstance(value, str):
        raise BadValue("id.not_a_string")
    if not 0 < len(value) <= ID_MAX:
        raise BadValue("id.length", limit=ID_MAX, length=len(value))
    return _id_text(value if type(value) is str else str.__str__(value))  # a subclass's text, not its __str__


def _id_refusal(value: str) -> BadValue | None:
    """Why ``value`` (1 to 64 characters) is no id, or None: its first refused character decides."""
    for at, c in enumerate(value):
        category = unicodedata.category(c)
        if category in _NOT_IN_IDS:
            char = f"{ord(c):04X}"
            if category == "Cs":
                return BadValue("id.lone_surrogate", value=quote(value), char=char)
            if category in ("Co", "Cn"):
                return BadValue("id.unassigned" if category == "Cn" else "id.private_use", value=quote(value), char=char)
            if c.isspace() and category != "Cc" or c == " ":  # a space separator, line or paragraph separator
                where = "id.white_space" if at in (0, len(value) - 1) else "id.white_space_inside"
                return BadValue(where, value=quote(value), char=char)
            return BadValue("id.control_character", value=quote(value), char=char)
        if _IGNORABLE.match(c):
            return BadValue("id.default_ignorable", value=quote(value), char=f"{ord(c):04X}")
    if not unicodedata.is_normalized("NFKC", value):
        return BadValue("id.not_nfkc", value=quote(value), nfkc=quote(unicodedata.normalize("NFKC", value)))
    return None


@lru_cache(maxsize=16384)
def _id_text(value: str) -> str:
    if value.isascii() and value.isprintable() and " " not in value:
        return value  # the usual id: printable ASCII other than the space
    refusal = _id_refusal(value)
    if refusal is not None:
        raise refusal
    return value


def to_plain_int(value: object) -> int:
    """An integer given as an integer (CONTRACT §7, revision 3): ``true``, ``3.0``, ``"3"`` and ``1_0``
    are bad input (code ``number.not_an_integer``). A bool is an int in Python, and pydantic's lax
    mode reads ``true`` as 1 and ``"3"`` as 3: a hospital ``grade: true`` was decided as grade 1.
    An ``int`` subclass other than ``bool`` (an ``IntEnum``) is read as its value, as pydantic-core's
    strict integer reads it (:mod:`mutualaid.quick_schema`)."""
    if type(value) is int:
        return value
    if isinstance(value, int) and not isinstance(value, bool):  # an int subclass (IntEnum): its value
        return int(value)
    raise BadValue("number.not_an_integer")


PlainInt = Annotated[int, BeforeValidator(to_plain_int)]
"""An ``int`` that only an integer is: see :func:`to_plain_int` (edition files use it too)."""


_ACCOUNT = re.compile(r"^\d{10,30}\Z", re.ASCII)


def to_account_number(value: object) -> str:
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise BadValue("account_number.shape")
    return value


_MONEY_TEXT = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "description": "yuan, exact in fen, below 10,000,000"}
Money = Annotated[
    Decimal,
    _ExactMoney(),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "exclusiveMaximum": 10_000_000}, _MONEY_TEXT]}, mode="validation"),
    WithJsonSchema({**_MONEY_TEXT, "pattern": r"^\d+\.\d{2}$"}, mode="serialization"),
]
"""A two-place Decimal, written to JSON as its string, ``"1200.00"``; read from its exact text."""
Day = Annotated[dt.date, BeforeValidator(to_date), WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"})]
# The code types check in a function before pydantic's own str check (not PlainValidator, whose
# serializer calls back into Python for every value: the record hashes the validated input as JSON).
IdNumber = Annotated[
    str, BeforeValidator(to_id_number), WithJsonSchema({"type": "string", "pattern": r"^\d{17}[\dXx]$"})
]
Icd10Code = Annotated[str, BeforeValidator(to_icd10), WithJsonSchema({"type": "string", "examples": ["S82.2", "S82.201"]})]
Ws218Code = Annotated[str, BeforeValidator(to_ws218), WithJsonSchema({"type": "string", "pattern": r"^[A-Z]\d{3}$"})]
Id = Annotated[str, BeforeValidator(to_id), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": ID_MAX})]
"""A claim, member, accident or treatment id (CONTRACT §7, "Ids"): see :func:`to_id`."""
NAME_MAX = 100  # CONTRACT §7 (revision 3), "Sizes": member.name and payee.holder_name
HOSPITAL_NAME_MAX = 200  # hospital.name
TEXT_MAX = 1000  # any other text
Text = Annotated[str, StringConstraints(strict=True, pattern=r"\S")]
"""A string with at least one character that is not white space."""
Name = Annotated[str, StringConstraints(strict=True, pattern=r"\S", max_length=NAME_MAX)]
"""A person's name (``member.name``): 1 to 100 characters, at least one of them not white space."""
FreeText = Annotated[str, StringConstraints(pattern=r"(?s).*", max_length=TEXT_MAX), WithJsonSchema({"type": "string", "maxLength": TEXT_MAX})]
"""Any string that is text, of at most 1,000 characters: the pattern makes pydantic read it as
Unicode, so a lone surrogate (an unpaired ``\\ud800`` escape, which no UTF-8 can hold) is bad input
here rather than a crash when the decision or its record is written as JSON."""
HolderName = Annotated[
    str, StringConstraints(pattern=r"(?s).*", min_length=1, max_length=NAME_MAX), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": NAME_MAX})
]
"""``payee.holder_name``: 1 to 100 characters (a blank one is no name, and art7 pends)."""
HospitalName = Annotated[
    str, StringConstraints(pattern=r"(?s).*", max_length=HOSPITAL_NAME_MAX), WithJsonSchema({"type": "string", "maxLength": HOSPITAL_NAME_MAX})
]
"""``hospital.name``: at most 200 characters."""
AccountNumber = Annotated[
    str, BeforeValidator(to_account_number), WithJsonSchema({"type": "string", "pattern": r"^\d{10,30}$"})
]
