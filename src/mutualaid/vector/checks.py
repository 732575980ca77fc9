"""Bad rows in bulk: the contract's checks (CONTRACT §5 and §7) as polars expressions, on the flattened claims.

The checks here say which rows are surely valid, and nothing more: each is the contract's rule in its
plainest spelling (an id of printable ASCII, a date ``YYYY-MM-DD`` that exists between 1900 and
2199, an amount ``1200.00`` below ten million, a 身份证 number of 17 digits and a check digit
that is right, with a birth date no later than the filing, the lists' sizes, the dates against each
other). A row that fails any of them is not refused here: it goes to the per-claim path, where
:func:`mutualaid.validate.parse` either accepts a spelling these checks leave to it (a non-ASCII id,
``"1200.000"``) or names every bad field. What validation only normalises is normalised here
alike, before the checks and the facts read it: a 身份证 number's lowercase x (:func:`id_number`);
a claim's own ``plan`` is taken when it names a registered edition (:func:`claims_ok`). So the bulk
checks may be stricter than the contract, never looser, and the per-claim path stays the one place
that words an error.

ICD-10 and WS 218 codes are read by the library's own readers (:func:`mutualaid.icd10.who_code`,
:func:`mutualaid.hospitals.kind_of_ws218`), once for each distinct code.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from typing import Optional, Sequence, get_args

import polars as pl

from ..hospitals import kind_of_ws218
from ..icd10 import who_code
from ..model import (DIAGNOSES_MAX, ITEMS_MAX, LIST_MAX, TREATMENTS_MAX, Category, Cause, Circumstance, Document, HospitalKind,
                     MedicationUse, Occupation, Ownership, Setting)  # fmt: skip
from ..values import HOSPITAL_NAME_MAX, NAME_MAX

ID = r"^[!-~]{1,64}$"
"""An id as the contract's plainest spelling: 1 to 64 printable ASCII characters, no space."""
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
AMOUNT = r"^(0|[1-9][0-9]{0,6})(\.[0-9]{1,2})?$"
"""Yuan exact in fen, below ten million, without a sign, leading zero or exponent."""
ID_NUMBER = r"^[0-9]{17}[0-9X]$"
ACCOUNT = r"^[0-9]{10,30}$"
FIRST_DAY, LAST_DAY = 693596, 802938  # date(1900, 1, 1).toordinal(), date(2199, 12, 31).toordinal()
EPOCH = 719163  # date(1970, 1, 1).toordinal(): polars counts days from 1970, Python's ordinals from year 1
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def one_of(values) -> list[str]:
    return [v for v in get_args(values)]


OCCUPATIONS, CAUSES, CIRCUMSTANCES, DOCUMENTS = one_of(Occupation), one_of(Cause), one_of(Circumstance), one_of(Document)
OWNERSHIPS, KINDS, SETTINGS, CATEGORIES, USES = (one_of(x) for x in (Ownership, HospitalKind, Setting, Category, MedicationUse))


def day(col: pl.Expr) -> pl.Expr:
    """A date's text as a day number (``date.toordinal()``), null when it is not a date the contract takes."""
    parsed = col.str.to_date("%Y-%m-%d", strict=False).cast(pl.Int32).cast(pl.Int64) + EPOCH
    return pl.when(col.str.contains(DATE) & parsed.is_between(FIRST_DAY, LAST_DAY)).then(parsed)


def fen(col: pl.Expr) -> pl.Expr:
    """An amount's text as integer fen, null when it is not in the plainest spelling (:data:`AMOUNT`).

    The shape is checked first; a text of that shape is then read exactly by polars' decimal cast, whose
    stored integer at two places is the amount in fen."""
    exact = col.cast(pl.Decimal(18, 2), strict=False).to_physical().cast(pl.Int64, strict=False)
    return pl.when(amount_ok(col)).then(exact)


def amount_ok(col: pl.Expr) -> pl.Expr:
    """Whether :func:`fen` reads the amount (not null): its shape, which the decimal cast of seven digits
    and two places always reads, so the cast is left out (it costs as much as the shape over three million items)."""
    return col.str.contains(AMOUNT)


def id_number(col: pl.Expr) -> pl.Expr:
    """A 身份证 number as validation keeps it (:func:`mutualaid.idcard.normalize_id_number`): upper-cased
    when it ends in a lowercase x. A number that still fails :data:`ID_NUMBER` then is left to validation."""
    return pl.when(col.str.ends_with("x")).then(col.str.to_uppercase()).otherwise(col)


def id_ok(col: pl.Expr) -> pl.Expr:
    return col.str.contains(ID).fill_null(False)


def born_day(col: pl.Expr) -> pl.Expr:
    """A 身份证 number's birth date as a day number when its shape (GB 11643) and check digit hold and
    digits 7–14 are a date that exists; else null."""
    total = pl.lit(0, dtype=pl.Int64)
    for k, w in enumerate(_WEIGHTS):
        total = total + col.str.slice(k, 1).cast(pl.Int64, strict=False) * w
    check = pl.lit(_CHECK).str.slice((total % 11).cast(pl.Int64), 1)
    born = col.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).cast(pl.Int32).cast(pl.Int64) + EPOCH
    return pl.when(col.str.contains(ID_NUMBER) & (col.str.slice(17, 1) == check)).then(born)


def born_days(*columns: pl.Series) -> list[pl.Series]:
    """:func:`born_day` of each number of each column, named ``<column>_born``, by integer arithmetic:
    the first 17 digits read once as one integer and each digit of the weighted sum taken from it, the
    check character compared by its place in the check string, the birth date looked up among the few
    distinct ``YYYYMMDD`` values. (A slice of text a digit, or the distinct numbers mapped back, costs
    two to three times as much over a million claims.)"""
    # the columns stacked into one, worked out in one pass, and cut apart again: on a small table
    # each polars call costs more than its rows
    sizes = [c.len() for c in columns]
    staged = pl.DataFrame([pl.concat([c.alias("v") for c in columns])]).with_columns(_STAGED).with_columns(_HOLDS)
    days = {}
    for ymd in staged.get_column("ymd").drop_nulls().unique().to_list():
        try:
            days[ymd] = dt.date(ymd // 10000, ymd // 100 % 100, ymd % 100).toordinal()
        except ValueError:  # digits 7-14 that are no date: the number does not hold
            pass
    born = staged.select(pl.when(pl.col("holds")).then(pl.col("ymd").replace_strict(days, default=None, return_dtype=pl.Int64))).to_series()
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    return [born.slice(start, size).alias(f"{c.name}_born") for c, start, size in zip(columns, starts, sizes)]


def born_days_of(numbers: pl.Series, payee: pl.Series) -> list[pl.Series]:
    """:func:`born_days` of the member's and the payee's numbers, the payee's worked out only where it is
    not the member's own (where it is, so is its birth date): most claims pay the member, so this halves
    the work."""
    other = (payee != numbers).fill_null(True) & payee.is_not_null()
    rows = other.arg_true()
    born, born_other = born_days(numbers, payee.gather(rows))
    payee_born = pl.select(pl.when(other).then(None).otherwise(pl.when(payee.is_not_null()).then(born))).to_series()
    return [born, payee_born.scatter(rows, born_other).alias(f"{payee.name}_born")]


_BODY = pl.col("body")
_STAGED = (
    pl.when(pl.col("v").str.contains(ID_NUMBER)).then(pl.col("v").str.slice(0, 17).str.to_integer(strict=False)).alias("body"),
    pl.col("v").str.slice(17, 1).replace_strict({ch: k for k, ch in enumerate(_CHECK)}, default=None, return_dtype=pl.Int64).alias("check"),
)
_HOLDS = (
    (reduce(lambda a, b: a + b, [(_BODY // 10 ** (16 - k)) % 10 * w for k, w in enumerate(_WEIGHTS)]) % 11 == pl.col("check")).alias("holds"),
    ((_BODY // 1000) % 100_000_000).alias("ymd"),
)
"""The staged columns of :func:`born_days`, built once."""


def id_number_ok(born: pl.Expr, filed_day: pl.Expr) -> pl.Expr:
    """A 身份证 number (its :func:`born_day`, ``born``) that holds, with a birth date no later than the filing."""
    return born.is_between(FIRST_DAY - 36525, 0 + filed_day).fill_null(False)


def text_ok(col: pl.Expr, longest: int, *, non_blank: bool = False) -> pl.Expr:
    # The facts strip names as Python does (str.strip); the separators U+001C..U+001F are white space
    # to Python and not to polars, so a name holding one is left to the per-claim path.
    ok = (col.str.len_chars() <= longest) & ~col.str.contains("[\x1c-\x1f\x85]")
    if non_blank:
        ok = ok & col.str.contains(r"\S")
    return ok.fill_null(False)


def in_(col: pl.Expr, values: list[str]) -> pl.Expr:
    return col.is_in(values).fill_null(False)


def optional(col: pl.Expr, ok: pl.Expr) -> pl.Expr:
    return col.is_null() | ok


def claims_ok(filed_day: pl.Expr, plans: Sequence[str] = ()) -> pl.Expr:
    """The claim's own fields (one row a claim, the flattened columns of :func:`mutualaid.vector.engine.flatten`,
    with ``id_number_born`` and ``payee_holder_id_number_born`` from :func:`born_days`). A claim may
    name its edition by one of ``plans``, the ids of the registered editions, which validation
    resolves alike (:func:`mutualaid.plan.resolve`); any other name is left to it."""
    c = pl.col
    list_ok = lambda name, values: optional(c(name), c(name).list.len() <= LIST_MAX) & c(name).list.eval(  # noqa: E731
        pl.element().is_in(values).fill_null(False)).list.all().fill_null(True)  # fmt: skip
    return (
        id_ok(c("claim_id")) & id_ok(c("member_id")) & id_ok(c("accident_id"))
        & optional(c("plan"), in_(c("plan"), list(plans)))  # a claim naming a registered edition
        & c("member_ok") & c("accident_ok")
        & c("filed_day").is_not_null() & c("accident_day").is_not_null()
        & (c("filed_day") >= c("accident_day"))
        & optional(c("union_member_since"), c("union_member_since_day_abs").is_not_null())
        & optional(c("real_name_verified_on"), c("real_name_verified_day_abs").is_not_null())
        & text_ok(c("name"), NAME_MAX, non_blank=True)
        & optional(c("id_number"), id_number_ok(c("id_number_born"), filed_day))
        & in_(c("occupation"), OCCUPATIONS) & in_(c("cause"), CAUSES)
        & list_ok("circumstances", CIRCUMSTANCES) & list_ok("documents", DOCUMENTS)
        & optional(c("payee_holder_name"), text_ok(c("payee_holder_name"), NAME_MAX) & (c("payee_holder_name").str.len_chars() > 0))
        & optional(c("payee_holder_id_number"), id_number_ok(c("payee_holder_id_number_born"), filed_day))
        & optional(c("payee_account_number"), c("payee_account_number").str.contains(ACCOUNT).fill_null(False))
        & c("treatment_count").is_between(1, TREATMENTS_MAX)
    )  # fmt: skip


def once_in_claim(n: pl.Series, ids: pl.Series) -> pl.Series:
    """Whether each treatment id is its claim's only one so spelled (``n`` the claim's place, rising),
    as ``pl.len().over("n", "treatment_id") == 1`` says (a null id is as another null). A claim's rows
    are one run: each row's id hash is compared with the rows a few places before and after it in the same claim
    (as many places as the longest claim holds rows; a claim longer than :data:`_LAGS` takes a hash
    of the claim and the id packed into one integer instead), and the window is taken over the few
    rows whose hash repeats. (A window over the text costs five times as much at a million claims.)"""
    frame = pl.DataFrame([n.alias("n"), ids.alias("treatment_id")])
    if frame.height == 0:
        return pl.Series("once", [], dtype=pl.Boolean)
    longest = frame.select(pl.col("n").rle().struct.field("len").max()).item()
    h, same = pl.col("treatment_id").hash(24), pl.col("n")
    if longest <= _LAGS:
        maybe = pl.lit(False)
        for lag in range(1, longest):
            maybe = maybe | ((same == same.shift(lag)) & (h == h.shift(lag))).fill_null(False) | ((same == same.shift(-lag)) & (h == h.shift(-lag))).fill_null(False)
    else:
        bits = max(1, int(n.max()).bit_length())  # type: ignore[arg-type]  # places are integers from 0
        maybe = (pl.col("n").cast(pl.UInt64) * pl.lit(1 << (64 - bits), dtype=pl.UInt64) + h // pl.lit(1 << bits, dtype=pl.UInt64)).is_duplicated()
    maybe_s = frame.select(maybe.alias("maybe")).to_series()
    if not maybe_s.any():
        return (~maybe_s).alias("once")
    rows = maybe_s.arg_true()
    again = frame[rows].select(pl.len().over("n", "treatment_id") == 1).to_series()  # every row of a repeated key is among them
    return (~maybe_s).scatter(rows, again).alias("once")


_LAGS = 16
"""The longest claim (in treatment rows) whose ids :func:`once_in_claim` compares by place."""


def treatments_ok(once: Optional[pl.Series] = None) -> pl.Expr:
    """A treatment's fields (one row a treatment); its codes are read by :func:`codes_ok`. Each id's
    uniqueness within its claim is ``once`` (:func:`once_in_claim`, for a large table), else a window."""
    c = pl.col
    return (
        c("treatment_ok")
        & id_ok(c("treatment_id")) & ~c("treatment_id").str.contains("/", literal=True).fill_null(True)  # a subject is T1/2
        & ((pl.len().over("n", "treatment_id") == 1) if once is None else pl.lit(once))  # treatment ids unique within the claim
        & c("hospital_ok")
        & optional(c("hospital_name"), text_ok(c("hospital_name"), HOSPITAL_NAME_MAX))
        & optional(c("grade"), c("grade").is_between(1, 3))
        & optional(c("ownership"), in_(c("ownership"), OWNERSHIPS))
        & optional(c("hospital_kind"), in_(c("hospital_kind"), KINDS))
        & in_(c("setting"), SETTINGS)
        & c("diagnoses").list.len().is_between(1, DIAGNOSES_MAX).fill_null(False)
        & c("item_count").is_not_null() & (c("item_count") <= ITEMS_MAX)
    )  # fmt: skip


def items_ok() -> pl.Expr:
    """An item's fields (one row an item), its day against the claim's filing day (``filed_day``)."""
    c = pl.col
    return (
        c("item_ok")
        & c("on_day").is_not_null() & (c("on_day") <= c("filed_day"))
        & in_(c("category"), CATEGORIES)
        & c("out_of_pocket_fen").is_not_null()
        & optional(c("self_funded"), amount_ok(c("self_funded")))
        & optional(c("medication_use"), in_(c("medication_use"), USES) & (c("category") == "medication"))
    )  # fmt: skip


def _reads(reader, code: str) -> bool:
    try:
        reader(code)
    except ValueError:
        return False
    return True


def codes_ok(codes: pl.Series, reader) -> dict[str, bool]:
    """Each distinct code, whether the library's reader takes it. The readers strip and upper-case a
    code, as validation keeps it, so a fact made from the code as written is the same."""
    return {code: len(code) <= 32 and _reads(reader, code) for code in codes.to_list() if code is not None}


def diagnosis_codes_ok(codes: pl.Series) -> dict[str, bool]:
    return codes_ok(codes, who_code)


def ws218_codes_ok(codes: pl.Series) -> dict[str, bool]:
    return codes_ok(codes, kind_of_ws218)
