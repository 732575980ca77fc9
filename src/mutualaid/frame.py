"""Decisions as tables (issue 16): ``decide`` a table of claims, and ``reasons`` as a long-form table.

    >>> from mutualaid import frame
    >>> decisions = frame.decide(claims)          # a DataFrame, or an iterable of claim dicts
    >>> decisions.groupby("outcome")["payout_fen"].sum()
    >>> frame.reasons(decisions).value_counts(["clause", "rule"])

**Why pandas (with pyarrow types) rather than polars:** every notebook, plotting and statistics
library reads a pandas DataFrame, and its pyarrow dtypes give the exact columns money needs
(``decimal128`` yuan, ``int64`` fen) without a second DataFrame library.

**Money stays exact.** Each amount of the decision comes twice: ``payout_fen`` (integer fen, pyarrow
``int64``) to sum and compare, and ``payout`` (yuan, pyarrow ``decimal128(14, 2)``, whose values are
``Decimal``) to read. No column is ever a float.

**History.** Rows are decided in the order given, which is taken as each member's filing order (as
``mutualaid batch`` takes its input's order), through one :class:`mutualaid.Ledger`: a member's
approved and denied claims enter the history of their later claims, a pending one does not. Pass
your own ``ledger=`` to carry history in from earlier runs, or out to the next.

Needs the extra ``pip install 'mutualaid[frame]'``; ``import mutualaid`` never imports pandas.
"""

from __future__ import annotations

try:
    import pandas as pd
    import pyarrow as pa
except ImportError as exc:  # pragma: no cover - exercised in a fresh interpreter by tests/test_frame.py
    raise ImportError(
        "mutualaid.frame needs pandas and pyarrow, which a plain install leaves out: pip install 'mutualaid[frame]'"
    ) from exc

import math
from typing import Any, Iterable, Iterator, Optional

from .batch import claim_id_of
from .errors import InvalidClaim
from .facts import fen
from .ledger import Ledger, member_of
from .model import Decision
from .plan import resolve

__all__ = ["decide", "reasons", "claims_of", "Deferred", "AMOUNTS", "FEN", "YUAN", "TEXT", "RULES"]

AMOUNTS = ("payout", "counted_out_of_pocket", "accident_out_of_pocket", "tier_amount", "cap_remaining")
"""The decision's amounts; each becomes a ``…_fen`` column and a yuan column."""

FEN = pd.ArrowDtype(pa.int64())
"""Integer fen: exact, and cheap to sum."""
YUAN = pd.ArrowDtype(pa.decimal128(14, 2))
"""Yuan with two places, values ``Decimal`` (up to a trillion yuan: far beyond any total of the plan)."""
TEXT = pd.ArrowDtype(pa.string())
RULES = pd.ArrowDtype(pa.list_(pa.string()))
"""The rule ids of a decision's reasons, in reason order."""

REASON_COLUMNS = ("claim_id", "clause", "rule", "effect", "subject", "message_zh", "message_en")


def _missing(value: Any) -> bool:
    """A cell pandas filled because the claim had no such key (NaN or NA), not a value of the claim."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def claims_of(claims: Any) -> Iterator[dict]:
    """Each claim of ``claims`` as a dict, in order.

    ``claims`` is a DataFrame or an iterable of claim dicts (or :class:`~mutualaid.Claim` models).
    A DataFrame holds one claim a row in either of two shapes:

    - a ``claim`` column whose cells are claim dicts; or
    - one column per top-level field of the claim (``claim_id``, ``filed_on``, ``member``,
      ``accident``, ``treatments``, ``documents``, ``payee``, optional ``plan``), nested objects as
      dicts and lists: what ``pd.DataFrame(list_of_claims)`` or ``pd.read_json(path, lines=True,
      dtype=False)`` gives. A cell left empty because a claim lacks that key (NaN) is left out.
    """
    if isinstance(claims, pd.DataFrame):
        if "claim" in claims.columns:
            yield from claims["claim"]
            return
        columns = list(claims.columns)
        for row in claims.itertuples(index=False, name=None):
            yield {k: _plain(v) for k, v in zip(columns, row) if not _missing(v)}
        return
    yield from claims


def _plain(value: Any) -> Any:
    """A cell as plain data: pandas may hand nested lists back as numpy arrays."""
    tolist = getattr(value, "tolist", None)
    if tolist is not None and not isinstance(value, (str, bytes)):
        return _plain(tolist())
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def decide(
    claims: Any,
    *,
    plan: Any = None,
    engine: str = "native",
    ledger: Optional[Ledger] = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """Decide every claim, in order, each member's history carried through a Ledger; one row a claim.

    ``claims``: see :func:`claims_of`. ``plan`` and ``engine`` are ``adjudicate``'s; they build the
    Ledger when none is given (``record=False``: a table has no use for replay records, which cost
    a seventh of a decision). With ``ledger=``, its own plan and engine decide, and giving ``plan``
    too is refused, since it would be silently ignored.

    ``errors="raise"`` (the default) raises :class:`~mutualaid.InvalidClaim` for the first bad
    claim, naming every bad field, after the rows before it were decided into the ledger.
    ``errors="record"`` gives a bad claim a row of outcome ``error``, its fields in ``error``,
    amounts empty (``<NA>``), and goes on, as ``mutualaid batch`` does.

    Columns: ``claim_id``, ``member_id``, ``outcome``, ``edition`` (the id of the edition that decided,
    ``Decision.plan``), for each of :data:`AMOUNTS` a ``…_fen`` integer column and a yuan column,
    ``reasons`` (how many rules bit), ``rules`` (their rule ids, in reason order: a list, whose
    clauses :data:`mutualaid.rules.RULES` gives), ``error`` (the bad fields, comma-separated) and
    ``decision`` (the :class:`~mutualaid.Decision` itself, for its hints and bilingual reasons;
    :func:`reasons` reads it).

    ``engine="polars"`` (``pip install 'mutualaid[polars]'``) decides the whole table at once
    (:mod:`mutualaid.vector`), with the same columns and values; its ``decision`` cells are
    :class:`Deferred`: each decision is built, by the per-claim path, when it is read. ``claims``
    may then also be a polars frame or a Parquet file in :data:`mutualaid.vector.CLAIM_SCHEMA`.

    Write the table with ``table.drop(columns="decision").to_parquet(path)`` (a cell that is a
    Python object has no Parquet type), and sum, plot or describe the ``…_fen`` columns, which are
    plain integers: the yuan columns hold ``Decimal`` values, exact but not numbers to numpy.
    """
    if errors not in ("raise", "record"):
        raise ValueError(f"errors is 'raise' or 'record', not {errors!r}")
    if engine == "polars":
        if ledger is not None:
            raise ValueError("decide: engine='polars' decides the whole table with the history it holds; ledger= is the per-claim engines'")
        return _decide_polars(claims, plan, errors)
    if ledger is None:
        # As batch --plan and whatif.compare read it: an edition file is read once here, and an unknown
        # id raises UnknownEdition once, rather than making every row an error row naming ``plan``.
        ledger = Ledger(plan=resolve(plan), engine=engine, record=False)
    elif plan is not None:
        raise ValueError("decide: give plan= or ledger=, not both (the ledger's own plan decides)")
    rows: dict[str, list] = {name: [] for name in ("claim_id", "member_id", "outcome", "edition", "reasons", "rules", "error", "decision")}
    amounts: dict[str, list] = {name: [] for name in AMOUNTS}
    for claim in claims_of(claims):
        row = decided_row(ledger, claim, errors)
        for name in rows:
            rows[name].append(row[name])
        for name in AMOUNTS:
            amounts[name].append(row[name])
    data: dict[str, pd.Series] = {
        "claim_id": pd.Series(rows["claim_id"], dtype=TEXT),
        "member_id": pd.Series(rows["member_id"], dtype=TEXT),
        "outcome": pd.Series(rows["outcome"], dtype=TEXT),
        "edition": pd.Series(rows["edition"], dtype=TEXT),
    }
    for name in AMOUNTS:
        data[f"{name}_fen"] = pd.Series([None if a is None else fen(a) for a in amounts[name]], dtype=FEN)
        data[name] = pd.Series(amounts[name], dtype=YUAN)
    data["reasons"] = pd.Series(rows["reasons"], dtype=FEN)
    data["rules"] = pd.Series(rows["rules"], dtype=RULES)
    data["error"] = pd.Series(rows["error"], dtype=TEXT)
    data["decision"] = pd.Series(rows["decision"], dtype=object)
    return pd.DataFrame(data)


class Deferred:
    """A decision of the polars engine, built when it is read (:attr:`decision`), by the per-claim path.

    The polars engine decides a table at once and keeps each claim's amounts and the ids of the rules
    that bit; the bilingual reasons and hints are worded for the rows a reader looks at. The decision
    is ``adjudicate(claim, history)`` with the history the table gives the claim (the member's earlier
    approved and denied rows), which is what a Ledger hands it. Attributes of the decision are read
    through (``cell.reasons``, ``cell.hints``).
    """

    __slots__ = ("_table", "_n", "_decision")

    def __init__(self, table: Any, n: int) -> None:
        self._table, self._n = table, n
        self._decision: Optional[Decision] = None

    @property
    def decision(self) -> Decision:
        d = self._decision
        if d is None:
            d = self._decision = self._table.decision(self._n)
        return d

    def __getattr__(self, name: str) -> Any:
        return getattr(self.decision, name)

    def __repr__(self) -> str:
        return f"<decision of claim {self._n + 1}, worded when read>"


def _decide_polars(claims: Any, plan: Any, errors: str) -> pd.DataFrame:
    try:
        from .vector.run import decide_table  # the polars extra
    except ImportError as exc:
        raise ImportError("engine='polars' needs polars: pip install 'mutualaid[polars]'") from exc
    table = decide_table(claims, resolve(plan), errors)
    arrow = table.frame.with_columns(pl_rules_or_null(table.frame)).to_arrow()

    def column(name: str, dtype: pd.ArrowDtype) -> pd.Series:
        return pd.Series(pd.arrays.ArrowExtensionArray(arrow.column(name).combine_chunks().cast(dtype.pyarrow_dtype)))

    data: dict[str, pd.Series] = {name: column(name, TEXT) for name in ("claim_id", "member_id", "outcome", "edition")}
    for name in AMOUNTS:
        data[f"{name}_fen"] = column(f"{name}_fen", FEN)
        data[name] = pd.Series(pd.arrays.ArrowExtensionArray(yuan_array(arrow.column(f"{name}_fen").combine_chunks())))
    data["reasons"] = column("reasons", FEN)
    data["rules"] = column("rules", RULES)
    data["error"] = column("error", TEXT)
    outcome = table.frame.get_column("outcome").to_list()
    cells = [table.decisions.get(n) or (None if o == "error" else Deferred(table, n)) for n, o in zip(table.frame.get_column("n").to_list(), outcome)]
    data["decision"] = pd.Series(cells, dtype=object)
    return pd.DataFrame(data)


def pl_rules_or_null(table: Any) -> Any:
    """The ``rules`` column with an error row's left empty (null), as ``engine="native"`` leaves it."""
    import polars as pl  # the polars extra: only the polars engine's table is read here

    return pl.when(pl.col("outcome") == "error").then(None).otherwise(pl.col("rules")).alias("rules")


def yuan_array(fen_values: "pa.Array") -> "pa.Array":
    """Integer fen as ``decimal128(14, 2)`` yuan, exactly and without a Python object a value: a
    decimal's stored integer is the amount times 10², which for yuan with two places is the fen."""
    import numpy as np  # the frame extra (pandas brings numpy)

    fen_values = pa.array(fen_values, type=pa.int64()) if not isinstance(fen_values, pa.Array) else fen_values.cast(pa.int64())
    values = fen_values.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = np.where(values < 0, -1, 0)
    validity = None
    if fen_values.null_count:
        validity = pa.array(fen_values.is_valid()).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(14, 2), len(values), [validity, pa.py_buffer(words.tobytes())], null_count=fen_values.null_count)


def decided_row(ledger: Ledger, claim: Any, errors: str) -> dict[str, Any]:
    """One claim decided through ``ledger`` as a row of :func:`decide`'s table (the amounts as
    ``Decimal``); a bad claim's row of outcome ``error``, or :class:`~mutualaid.InvalidClaim` with
    ``errors="raise"``. The polars engine's per-claim path makes its rows here too."""
    try:
        d = ledger.decide(claim)
    except InvalidClaim as exc:
        if errors == "raise":
            raise
        cid = claim_id_of(claim)
        return {"claim_id": cid if isinstance(cid, str) else None, "member_id": member_of(claim), "outcome": "error", "edition": None,
                "reasons": None, "rules": None, "error": ",".join(exc.fields), "decision": None, **dict.fromkeys(AMOUNTS)}  # fmt: skip
    return {"claim_id": d.claim_id, "member_id": member_of(claim), "outcome": d.outcome, "edition": d.plan, "reasons": len(d.reasons),
            "rules": [r.rule for r in d.reasons], "error": None, "decision": d, **{name: getattr(d, name) for name in AMOUNTS}}  # fmt: skip


def _decisions(source: Any) -> Iterable[Decision]:
    if isinstance(source, Decision):
        return (source,)
    if isinstance(source, Deferred):
        return (source.decision,)
    if isinstance(source, pd.DataFrame):
        if "decision" not in source.columns:
            raise ValueError("reasons: this DataFrame has no 'decision' column: give what frame.decide returned, or decisions")
        # error rows have none; a deferred decision (engine="polars") is worded now, for these rows only
        return (d.decision if isinstance(d, Deferred) else d for d in source["decision"] if isinstance(d, (Decision, Deferred)))
    return (d.decision if isinstance(d, Deferred) else d for d in source)


def reasons(*decisions: Any) -> pd.DataFrame:
    """Every reason of every decision, one row per (claim, reason), in each decision's reason order.

    Give the DataFrame :func:`decide` returned, :class:`~mutualaid.Decision` objects, or iterables
    of them (several arguments are read one after the other). Columns, all text:
    ``claim_id``, ``clause``, ``rule``, ``effect`` (deny, exclude, pend or note), ``subject``
    (``claim``, ``T1`` or ``T1/2``), ``message_zh``, ``message_en``. Rows of bad input have no
    reasons: they are in ``decide``'s ``error`` column.
    """
    cols: dict[str, list] = {name: [] for name in REASON_COLUMNS}
    for source in decisions:
        for d in _decisions(source):
            for r in d.reasons:
                cols["claim_id"].append(d.claim_id)
                for name in REASON_COLUMNS[1:]:
                    cols[name].append(getattr(r, name))
    return pd.DataFrame({name: pd.Series(values, dtype=TEXT) for name, values in cols.items()})
