"""Claims as columns: the contract's claim (CONTRACT §1) as one nested polars row, and flattened.

:data:`CLAIM_SCHEMA` is the claim's shape as polars (and Parquet) holds it: every leaf is text as a
backend sends it (dates ``"2022-03-01"``, amounts ``"1200.00"``), but the hospital's ``grade``,
an integer; nested objects are structs and lists are lists. A Parquet file written with this schema
(``benchmarks/bench_vector.py`` writes one) is read lazily and flattened without a Python loop; a
missing optional field is a null, read as the field left out.

:func:`read_claims` takes what ``frame.decide`` and ``whatif.compare`` take (a pandas DataFrame in
either shape, an iterable of claim dicts or models, a polars frame, a Parquet file) and gives a
:class:`Source`. A claim given as Python data that does not fit the schema (an amount given as a
float, a key the contract does not know, a date with a time) is not guessed at: it is marked for the
per-claim path, where validation names what is wrong.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Optional

import polars as pl

from ..values import read_json

HOSPITAL = pl.Struct({"name": pl.String, "grade": pl.Int64, "ownership": pl.String, "kind": pl.String, "ws218": pl.String})
ITEM = pl.Struct({"on": pl.String, "category": pl.String, "out_of_pocket": pl.String, "self_funded": pl.String, "medication_use": pl.String})
TREATMENT = pl.Struct(
    {"treatment_id": pl.String, "hospital": HOSPITAL, "setting": pl.String, "diagnoses": pl.List(pl.String), "items": pl.List(ITEM)}
)
MEMBER = pl.Struct(
    {"member_id": pl.String, "name": pl.String, "id_number": pl.String, "union_member_since": pl.String,
     "real_name_verified_on": pl.String, "occupation": pl.String}
)  # fmt: skip
ACCIDENT = pl.Struct({"accident_id": pl.String, "occurred_on": pl.String, "cause": pl.String, "circumstances": pl.List(pl.String)})
PAYEE = pl.Struct({"holder_name": pl.String, "holder_id_number": pl.String, "account_number": pl.String})

CLAIM_SCHEMA = pl.Schema(
    {  # type: ignore[arg-type]  # polars' stubs do not take a dict of nested dtypes; the schema is checked at run time
        "claim_id": pl.String,
        "plan": pl.String,
        "filed_on": pl.String,
        "member": MEMBER,
        "accident": ACCIDENT,
        "treatments": pl.List(TREATMENT),
        "documents": pl.List(pl.String),
        "payee": PAYEE,
    }
)
"""One claim a row, as polars and Parquet hold it (see the module docstring)."""


class _Misfit(Exception):
    """A claim given as Python data that the schema cannot hold as it is: the per-claim path judges it."""


def _text(v: Any) -> Optional[str]:
    if v is None or type(v) is str:
        return v
    raise _Misfit


def _date(v: Any) -> Optional[str]:
    if v is None or type(v) is str:
        return v
    if type(v) is dt.date:  # a date object is a date (a datetime is not: it has a time)
        return v.isoformat()
    raise _Misfit


def _money(v: Any) -> Optional[str]:
    if v is None or type(v) is str:
        return v
    if type(v) is int or type(v) is Decimal:  # exactly as written; the bulk check reads the text
        return str(v)
    raise _Misfit  # a float, a bool: validation names it


def _int(v: Any) -> Optional[int]:
    if v is None or (type(v) is int and -(2**62) < v < 2**62):
        return v
    raise _Misfit


def _struct(spec: dict) -> Callable[[Any], Optional[dict]]:
    def read(v: Any) -> Optional[dict]:
        if v is None:
            return None
        if type(v) is not dict or not v.keys() <= spec.keys():
            raise _Misfit
        return {k: f(v.get(k)) for k, f in spec.items()}

    return read


def _list(of: Callable[[Any], Any]) -> Callable[[Any], Optional[list]]:
    def read(v: Any) -> Optional[list]:
        if v is None:
            return None
        if type(v) is not list and type(v) is not tuple:
            raise _Misfit
        return [of(x) for x in v]

    return read


def _element(of: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A list's element: a null element is no claim's, so it goes to validation."""

    def read(v: Any) -> Any:
        if v is None:
            raise _Misfit
        return of(v)

    return read


_PLAIN = _struct(
    {
        "claim_id": _text,
        "plan": _text,
        "filed_on": _date,
        "member": _struct({"member_id": _text, "name": _text, "id_number": _text, "union_member_since": _date,
                           "real_name_verified_on": _date, "occupation": _text}),  # fmt: skip
        "accident": _struct({"accident_id": _text, "occurred_on": _date, "cause": _text, "circumstances": _list(_element(_text))}),
        "treatments": _list(
            _element(
                _struct(
                    {
                        "treatment_id": _text,
                        "hospital": _struct({"name": _text, "grade": _int, "ownership": _text, "kind": _text, "ws218": _text}),
                        "setting": _text,
                        "diagnoses": _list(_element(_text)),
                        "items": _list(_element(_struct({"on": _date, "category": _text, "out_of_pocket": _money,
                                                         "self_funded": _money, "medication_use": _text}))),  # fmt: skip
                    }
                )
            )
        ),
        "documents": _list(_element(_text)),
        "payee": _struct({"holder_name": _text, "holder_id_number": _text, "account_number": _text}),
    }
)


def plain(claim: Any) -> Optional[dict]:
    """``claim`` as a row of :data:`CLAIM_SCHEMA`, or None when it does not fit as it is given."""
    if hasattr(claim, "model_dump") and not isinstance(claim, dict):
        claim = claim.model_dump(mode="json")
    try:
        return _PLAIN(claim)
    except (_Misfit, RecursionError):
        return None


SMALL = 50_000
"""Up to this many claims, a lazy query of the engine is collected as polars collects an eager step
(:func:`flags`)."""

_EAGER = pl.QueryOptFlags._eager() if hasattr(pl.QueryOptFlags, "_eager") else pl.QueryOptFlags.none()


def flags(claims: int) -> pl.QueryOptFlags:
    """How to collect a lazy query over a table of ``claims`` claims. A small table's query is run as
    polars runs an eager step (no optimiser passes, no threads started): about 0.25 ms a query of a few
    rows against 1 to 1.4 ms with the default passes, which on a table of ten claims cost more than
    the rows (the answer is the same: the passes only reorder the work). A large table keeps them
    (projection and predicate pushdown, common subexpressions, parallel queries)."""
    return _EAGER if claims <= SMALL else pl.QueryOptFlags()


def collect_all(frames: list, claims: int) -> list[pl.DataFrame]:
    """``pl.collect_all`` with :func:`flags`; a small table's queries one after the other (collected
    together, they are handed to polars' threads, which costs more than they do)."""
    if claims <= SMALL:
        return [frame.collect(optimizations=_EAGER) for frame in frames]
    return pl.collect_all(frames, optimizations=flags(claims))


@dataclass
class Source:
    """The claims read for the polars engine.

    ``frame`` holds the claims that fit the schema, one a row, with their place ``n`` (from 0) in the
    claims given; ``misfits`` the places of the others. ``raw(places)`` gives the claims at those
    places as given (Python input), or as dicts read back from the frame (a null left out), for the
    per-claim path. ``total`` is the number of claims.
    """

    frame: pl.LazyFrame
    total: int
    misfits: frozenset = frozenset()
    given: Optional[list] = field(default=None, repr=False)
    _collected: Optional[pl.DataFrame] = field(default=None, repr=False)

    def collected(self) -> pl.DataFrame:
        """The frame read into memory, once (a Parquet file is decoded once for the bulk path and the per-claim rows)."""
        if self._collected is None:
            self._collected = self.frame.collect(optimizations=flags(self.total))
        return self._collected

    def release(self) -> None:
        """Let the frame read into memory go (:meth:`raw` reads it again if asked)."""
        self._collected = None

    def raw(self, places: Iterable[int]) -> dict[int, Any]:
        places = sorted(set(places))
        if not places:
            return {}
        if self.given is not None:
            return {n: self.given[n] for n in places}
        rows = self.collected().filter(pl.col("n").is_in(places))
        return {row.pop("n"): _without_nulls(row) for row in rows.iter_rows(named=True)}


def _without_nulls(value: Any) -> Any:
    """A row of the frame as a claim: a null field is a field left out (as ``frame.claims_of`` reads a NaN)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _parquet(path: Any) -> bool:
    return isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith(".parquet")


def read_claims(claims: Any) -> Source:
    """The claims as a :class:`Source`; see the module docstring for what is taken."""
    if isinstance(claims, Source):
        return claims
    if _parquet(claims):
        lf = pl.scan_parquet(claims)
        _same_schema(lf.collect_schema())
        total = lf.select(pl.len()).collect().item()
        return Source(lf.with_row_index("n").with_columns(pl.col("n").cast(pl.Int64)), total)
    if isinstance(claims, (pl.DataFrame, pl.LazyFrame)):
        lf = claims.lazy()
        _same_schema(lf.collect_schema())
        total = lf.select(pl.len()).collect().item()
        return Source(lf.select(list(CLAIM_SCHEMA)).with_row_index("n").with_columns(pl.col("n").cast(pl.Int64)), total)
    if type(claims).__module__.split(".")[0] == "pandas":
        from ..frame import claims_of  # the frame extra (pandas, pyarrow): the claims are a pandas DataFrame

        claims = claims_of(claims)
    elif isinstance(claims, (str, os.PathLike)) or hasattr(claims, "read"):
        claims = _json_lines(claims)
    given = list(claims)
    rows, places, misfits = [], [], []
    for n, claim in enumerate(given):
        row = plain(claim)
        if row is None:
            misfits.append(n)
        else:
            rows.append(row)
            places.append(n)
    frame = pl.DataFrame(rows, schema=CLAIM_SCHEMA) if rows else CLAIM_SCHEMA.to_frame()
    frame = frame.with_columns(pl.Series("n", places, dtype=pl.Int64))
    return Source(frame.lazy(), len(given), frozenset(misfits), given)


def read_parts(claims: Any, parts: int) -> Iterator[Source]:
    """The claims of a Parquet file or a polars frame in ``parts`` :class:`Source` parts, one member's
    claims all in one part, each read from the file only when its turn comes: what one part holds
    in memory bounds what a comparison holds (ten million claims on a machine that cannot hold them
    at once).

    A member's part is a hash of its member id as written. Members that share a 身份证 number (which a
    ledger binds to one member) are all put in part 0, found by a first pass over the two columns.
    Each row keeps its place ``n`` in the whole file.
    """
    if type(parts) is not int or parts < 1:
        raise ValueError(f"parts is a number of parts (1 or more), not {parts!r}")
    if _parquet(claims):
        lf = pl.scan_parquet(claims)
    elif isinstance(claims, (pl.DataFrame, pl.LazyFrame)):
        lf = claims.lazy()
    else:
        raise ValueError("parts= reads a Parquet file or a polars frame in mutualaid.vector.CLAIM_SCHEMA")
    _same_schema(lf.collect_schema())
    lf = lf.select(list(CLAIM_SCHEMA)).with_row_index("n").with_columns(pl.col("n").cast(pl.Int64))
    member = pl.col("member").struct.field("member_id")
    number = pl.col("member").struct.field("id_number").str.to_uppercase()
    shared = (
        lf.select(member.alias("m"), number.alias("k"))
        .drop_nulls()
        .unique()
        .filter(pl.len().over("k") > 1)
        .select("m")
        .unique()
        .collect()
        .get_column("m")
    )
    part = pl.when(member.is_null() | member.is_in(shared.implode())).then(0).otherwise((member.hash(2022) % parts).cast(pl.Int64))
    for k in range(parts):
        frame = lf.filter(part == k)
        source = Source(frame, 0)
        source.total = source.collected().height
        yield source


def _json_lines(source: Any) -> Iterable[Any]:
    """A JSON-lines file (a path or a binary stream), a claim a line; a line that is not JSON is kept as its text (bad input)."""
    def lines(fp) -> Iterable[Any]:
        for raw in fp:
            if not raw.strip():
                continue
            try:
                yield read_json(raw)
            except (ValueError, RecursionError):
                yield raw

    if hasattr(source, "read"):
        yield from lines(source)
    else:
        with open(source, "rb") as fp:
            yield from lines(fp)


def _same_schema(schema: pl.Schema) -> None:
    """A polars frame or Parquet file must hold the claims in :data:`CLAIM_SCHEMA` (other columns are ignored)."""
    missing = [name for name in CLAIM_SCHEMA if name not in schema]
    wrong = [name for name in CLAIM_SCHEMA if name in schema and schema[name] != CLAIM_SCHEMA[name]]
    if missing or wrong:
        raise ValueError(
            "engine='polars' reads claims in mutualaid.vector.CLAIM_SCHEMA; "
            + "; ".join([f"missing: {', '.join(missing)}"] * bool(missing) + [f"another type: {', '.join(wrong)}"] * bool(wrong))
        )
