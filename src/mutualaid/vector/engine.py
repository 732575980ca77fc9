"""The polars engine: a whole frame of claims decided under one edition, exactly as a Ledger decides them one by one.

**The facts.** The claims are flattened once (:func:`flatten`: one row a claim, a treatment, an
item), edition-independent, and checked in bulk (:mod:`.checks`). For an edition, every fact type
of :data:`mutualaid.facts.SCHEMA` becomes a frame with the same fields :mod:`mutualaid.compiled`
computes per claim, and each rule's bound condition (:func:`mutualaid.engine.bound_patterns`, the
JSON subset both other engines receive) is compiled by :func:`polars_expression` and tested on the
whole frame at once.

**The history.** A Ledger hands each claim the member's earlier approved and denied claims. Over a
frame in filing order, what a claim reads of them (:class:`mutualaid.facts.HistorySummary`) is a
set of running sums: per accident, the counted and the paid, and the earliest filing; per member, the
paid in the cap's scope. They depend on which earlier claims entered the history and what they were
paid, so the frame is decided against a guess of both and decided again until the guess is what
comes out. A guess that reproduces itself *is* the sequential answer: the first claim of every
member reads no history and is decided right; if the first k claims entered and were paid as
guessed, the (k+1)-th reads exactly the history a Ledger gives it. The same induction bounds the
rounds by the longest member's claim count; each round after the first decides only the members
whose guess moved.

The first guess is the arithmetic of issue 24, which is exact unless a pending or denied claim
changes what later ones read: the accident's total is a cumulative sum over its claims; a top-up's
due telescopes (the tier of the running total less the largest tier paid before, a shifted
cumulative maximum); and the cap clips once (a member's payout is ``min(due, max(0, cap − the
member's earlier dues)))``, worked out over what the row and claim rules say of each claim without a
history (no round is spent on it). So a year of claims is decided in one round, which confirms the
guess for all but a few members (a claim pended then sent again, a top-up after a denial); those are
decided again.

**The reasons** are the rules that bit, in the contract's order (CONTRACT §7, "Reason order": the
table's row, the subject, the rule), as lists of rule ids and subjects; the bilingual message is
built for the rows a reader looks at (:class:`mutualaid.frame.Deferred`), by the per-claim path.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Callable, Optional, Sequence, cast

import polars as pl

from ..conditions import ARITHMETIC, COMBINATIONS, COMPARISONS
from ..edition import Edition, editions
from ..engine import bound_patterns
from ..facts import ASSESSED, DERIVED
from ..hospitals import kind_of_ws218
from ..icd10 import who_code
from ..door import _oversized, read
from ..ledger import member_of
from ..rules import rules_for
from . import checks
from .columns import SMALL, Source, collect_all, flags

HISTORY_MAX = 10_000
"""A member with more claims than a history may hold goes to the per-claim path (the ledger's folds)."""


def vectorised(declaration: Any) -> Callable[..., Any]:
    """A :class:`~mutualaid.rule.Derived` or :class:`~mutualaid.rule.Assessed` declaration's vectorised form."""
    form = declaration.vectorised
    if form is None:
        raise NotImplementedError(f"{declaration.clause} declares no vectorised form, so engine='polars' cannot decide with it")
    return cast(Callable[..., Any], form)


# --- the third compilation: a bound condition as a polars expression ----------------------------------


def polars_expression(cond: Any) -> pl.Expr:
    """A bound, linted condition (durable_rules' JSON subset, :mod:`mutualaid.conditions`) as a polars expression.

    The same subset the native engine compiles to Python (:func:`mutualaid.conditions.expression`)
    and the durable engine registers: ``$and``/``$or``, the six comparisons, ``{field: value}``,
    ``$ex``/``$nex`` (always known: a linted field is on every fact of its type), and on the right
    an int, a str, ``{"$m": field}`` or ``$add``/``$sub``/``$mul``. Field names are columns.
    """
    (key, body), = cond.items()
    if key in COMBINATIONS:
        parts = [polars_expression(c) for c in body]
        return reduce((lambda a, b: a & b) if key == "$and" else (lambda a, b: a | b), parts)
    if key in COMPARISONS:
        (field, rhs), = body.items()
        left, right = pl.col(field), _rhs(rhs)
        return {"$eq": left == right, "$neq": left != right, "$lt": left < right, "$lte": left <= right,
                "$gt": left > right, "$gte": left >= right}[key]  # fmt: skip
    if key in ("$ex", "$nex"):
        return pl.lit(key == "$ex")
    return pl.col(key) == _rhs(body)


def _rhs(rhs: Any) -> pl.Expr:
    if isinstance(rhs, (int, str)):
        return pl.lit(rhs)
    (op, arg), = rhs.items()
    if op == "$m":
        return pl.col(arg)
    left, right = _rhs(arg["$l"]), _rhs(arg["$r"])
    assert op in ARITHMETIC
    return left + right if op == "$add" else left - right if op == "$sub" else left * right


# --- reading the claims once ---------------------------------------------------------------------------


@dataclass
class Flat:
    """The claims flattened (edition-independent): ``claims``, ``treatments``, ``items``, and which rows the bulk checks pass."""

    claims: pl.DataFrame
    treatments: pl.DataFrame
    items: pl.DataFrame
    ok: pl.DataFrame
    """``n`` and ``ok`` for every row of the frame."""
    keys: pl.DataFrame
    """``n`` and integer keys: ``m`` the member, ``a`` the member's accident, ``s`` the member's claim id; ``resent``: the member sent that claim id more than once."""
    cache: dict = field(default_factory=dict)
    alone: frozenset = frozenset()
    """The places of the bad rows :func:`routed` sends to the per-claim path without their member: bad
    input whatever the history, so bad input under every edition alike."""
    """The edition-independent facts of a set of rows (:func:`_base_facts`), shared by the editions of a comparison."""


def _field(struct: str, name: str) -> pl.Expr:
    return pl.col(struct).struct.field(name)


def flatten(source: Source) -> Flat:
    """The claims of ``source`` as three frames and the bulk checks' verdict.

    The source is read once (a Parquet file is decoded once, and kept for the per-claim path's rows);
    a list is exploded beside the range of its places (``t``, ``i``), so no window per claim is needed.
    ``tr`` numbers the treatment rows (rising, an item carries its treatment's), so that a fact finds
    its parent row by its place (:func:`_parent`). Each claim's treatment and item rows are summed by
    place (:func:`_summer`) into what the bulk checks say of the claim (:func:`_claim_ok`)."""
    lf = source.collected().lazy()
    day = checks.day
    claims = lf.select(
        "n", "claim_id", "plan", "filed_on",
        day(pl.col("filed_on")).alias("filed_day"),
        pl.col("member").is_not_null().alias("member_ok"),
        *(_field("member", f).alias(f) for f in ("member_id", "name", "union_member_since", "real_name_verified_on", "occupation")),
        checks.id_number(_field("member", "id_number")).alias("id_number"),
        pl.col("accident").is_not_null().alias("accident_ok"),
        *(_field("accident", f).alias(f) for f in ("accident_id", "occurred_on", "cause", "circumstances")),
        "documents",
        _field("payee", "holder_name").alias("payee_holder_name"),
        checks.id_number(_field("payee", "holder_id_number")).alias("payee_holder_id_number"),
        _field("payee", "account_number").alias("payee_account_number"),
        pl.col("treatments").list.len().alias("treatment_count"),
    ).with_columns(
        day(pl.col("occurred_on")).alias("accident_day"),
        day(pl.col("union_member_since")).alias("union_member_since_day_abs"),
        day(pl.col("real_name_verified_on")).alias("real_name_verified_day_abs"),
    )  # fmt: skip
    treatments = (
        lf.select("n", "treatments", pl.int_ranges(0, pl.col("treatments").list.len(), dtype=pl.Int64).alias("t"))
        .explode("treatments", "t")
        .select(
            "n", "t", pl.int_range(pl.len(), dtype=pl.Int64).alias("tr"),
            pl.col("treatments").is_not_null().alias("treatment_ok"),
            _field("treatments", "treatment_id").alias("treatment_id"),
            _field("treatments", "hospital").is_not_null().alias("hospital_ok"),
            *(_field("treatments", "hospital").struct.field(f).alias(a) for f, a in
              (("name", "hospital_name"), ("grade", "grade"), ("ownership", "ownership"), ("kind", "hospital_kind"), ("ws218", "ws218"))),
            _field("treatments", "setting").alias("setting"),
            _field("treatments", "diagnoses").alias("diagnoses"),
            _field("treatments", "items").list.len().alias("item_count"),
            _field("treatments", "items").alias("items"),
        )
    )  # fmt: skip
    items = (
        treatments.select("n", "t", "tr", "items", pl.int_ranges(1, pl.col("items").list.len() + 1, dtype=pl.Int64).alias("i"))
        .explode("items", "i")
        .select(
            "n", "t", "tr", "i",
            pl.col("items").is_not_null().alias("item_ok"),
            day(_field("items", "on")).alias("on_day"),
            _field("items", "category").alias("category"),
            checks.fen(_field("items", "out_of_pocket")).alias("out_of_pocket_fen"),
            _field("items", "self_funded").alias("self_funded"),
            _field("items", "medication_use").alias("medication_use"),
        )
    )  # fmt: skip
    # An empty or null list explodes to one null row, which is no treatment or item: its place (the
    # range of an empty list's places exploded) is null. A null inside a list has a place; it is kept,
    # and fails the checks.
    size = source.total
    c, t_real, i = collect_all([claims, treatments.drop("items").filter(pl.col("t").is_not_null()), items.filter(pl.col("i").is_not_null())], size)

    # the bulk checks
    codes = checks.diagnosis_codes_ok(t_real.get_column("diagnoses").explode().unique())
    ws = checks.ws218_codes_ok(t_real.get_column("ws218").unique())
    small = size <= SMALL  # a small table pays per polars call: it takes the forms of fewest calls
    once = None if small else checks.once_in_claim(t_real.get_column("n"), t_real.get_column("treatment_id"))
    t_checked = t_real.lazy().select(
        "n", "item_count",
        (
            checks.treatments_ok(once)
            & pl.col("diagnoses").list.eval(pl.element().replace_strict(codes, default=False, return_dtype=pl.Boolean)).list.all().fill_null(False)
            & checks.optional(pl.col("ws218"), pl.col("ws218").replace_strict(ws, default=False, return_dtype=pl.Boolean))
        ).alias("ok"),
    )  # fmt: skip
    of_i = _parent(c.get_column("n"), i.get_column("n"))  # each item's claim
    i_checked = i.lazy().with_columns(c.get_column("filed_day").gather(of_i).alias("filed_day")).with_columns(checks.items_ok().alias("ok"))
    born = checks.born_days if small else checks.born_days_of
    c_checked = c.lazy().with_columns(born(c.get_column("id_number"), c.get_column("payee_holder_id_number"))).select(
        "n", "treatment_count", checks.claims_ok(pl.col("filed_day"), editions.ids()).fill_null(False).alias("ok"))  # fmt: skip
    bad = (~pl.col("ok")).fill_null(False).cast(pl.Int64)
    if small:  # one query: each claim's treatment and item rows grouped and joined by the claim's number
        ok = (
            c_checked.join(t_checked.group_by("n").agg(pl.len().alias("t_rows"), bad.sum().alias("t_bad"),
                                                       pl.col("item_count").fill_null(0).sum().alias("items_expected")), on="n", how="left")
            .join(i_checked.group_by("n").agg(pl.len().alias("i_rows"), bad.sum().alias("i_bad")), on="n", how="left")
            .select("n", _claim_ok(pl.col("ok"), *(pl.col(name).fill_null(0) for name in ("t_rows", "t_bad", "items_expected", "i_rows", "i_bad"))))
            .sort("n")
        )  # fmt: skip
        items_out, ok_out = collect_all([i_checked.drop("ok"), ok], size)
        return Flat(c, t_real, items_out, ok_out, _keys(c, small))
    t_ok, i_done, c_ok = collect_all([t_checked.select("item_count", bad.alias("bad")), i_checked, c_checked], size)
    # Over a large table, by the claim's place: differences of a cumulative sum over the rows (in place
    # order), not a group and a join by the claim's number (a second and a half at a million claims).
    per_t, per_i = _summer(_parent(c.get_column("n"), t_real.get_column("n")), c.height), _summer(of_i, c.height)
    one = pl.repeat(1, max(t_real.height, i.height), dtype=pl.Int64, eager=True)
    sums = [per_t(one.slice(0, t_real.height)), per_t(t_ok.get_column("bad")), per_t(t_ok.get_column("item_count").fill_null(0)),
            per_i(one.slice(0, i.height)), per_i(i_done.select(bad).to_series())]  # fmt: skip
    ok_out = c_ok.select("n", _claim_ok(pl.col("ok"), *(pl.lit(v) for v in sums)))
    items_out, keys_out = i_done.drop("ok"), _keys(c, small)
    return Flat(c, t_real, items_out, ok_out, keys_out)


def _claim_ok(claim: pl.Expr, t_rows: pl.Expr, t_bad: pl.Expr, items_expected: pl.Expr, i_rows: pl.Expr, i_bad: pl.Expr) -> pl.Expr:
    """A claim the bulk checks pass: its own fields, ``t_rows`` treatments (as many as its list holds) of
    which ``t_bad`` fail, ``i_rows`` items of which ``i_bad`` fail, as many as its treatments' lists
    hold (``items_expected``), no more than a claim may hold."""
    return (
        claim & (t_rows > 0) & (t_bad == 0) & (t_rows == pl.col("treatment_count")).fill_null(False)
        & (i_bad == 0) & (i_rows == items_expected) & (items_expected <= checks.ITEMS_MAX)
    ).alias("ok")  # fmt: skip


def _keys(c: pl.DataFrame, small: bool) -> pl.DataFrame:
    """:attr:`Flat.keys` of the claims ``c``: ``m`` the member id's dense rank (the ids' order), ``a``
    and ``s`` a number for each member's accident and claim id (rows of equal keys share it, what it is
    matters to no one), ``resent``. A ``small`` table ranks the member's key joined by NUL to the other
    (one query); a large one numbers them by :func:`_within`, but where a member id holds a NUL, which
    makes the joined text ambiguous (then the joined text is what keeps the keys as they ever were)."""
    joined = [pl.concat_str("member_id", pl.lit("\x00"), name).rank("dense").alias(key) for key, name in (("a", "accident_id"), ("s", "claim_id"))]
    if small or c.select(pl.col("member_id").str.contains("\x00", literal=True).any()).item():
        return c.select("n", pl.col("member_id").rank("dense").alias("m"), *joined).with_columns(pl.col("s").is_duplicated().alias("resent"))
    m = c.select(pl.col("member_id").rank("dense")).to_series()
    (a, _), (s, resent) = _within(m, c.get_column("accident_id")), _within(m, c.get_column("claim_id"))
    return pl.DataFrame([c.get_column("n"), m.alias("m"), a.alias("a"), s.alias("s"), resent.alias("resent")])


def _within(m: pl.Series, text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A number (from 1) for each distinct (``m``, ``text``), null where either is, and whether another
    row has the same (as ``is_duplicated`` says: the rows where either is null are all alike). The
    member's key and the text's hash are packed into one integer, sorted, and numbered by run; the text
    is compared along the sorted runs, and when two texts of a member share a hash (which the hash makes
    all but impossible), the text itself is ranked. Sorting integers costs a fraction of sorting the
    text (two thirds of a second at a million claims, for the accident and claim keys)."""
    bits = max(1, int(cast(int, m.max() or 0)).bit_length())
    frame = pl.DataFrame([m.alias("m"), text.alias("v")])
    key = frame.select(
        pl.when(pl.col("m").is_not_null() & pl.col("v").is_not_null())
        .then(pl.col("m").cast(pl.UInt64) * pl.lit(1 << (64 - bits), dtype=pl.UInt64) + pl.col("v").hash(24) // pl.lit(1 << bits, dtype=pl.UInt64))
    ).to_series()
    if key.len() == 0:
        return key.cast(m.dtype), key.is_duplicated()
    order = key.arg_sort(nulls_last=True)
    k = pl.lit(key).gather(pl.lit(order))
    same = (k == k.shift(1)).fill_null(False)  # the row's key is the one before it (in key order)
    run = pl.select(
        same.alias("same"), (~same).cast(m.dtype).cum_sum().cast(m.dtype).alias("number"), (same | same.shift(-1, fill_value=False)).alias("repeated")
    )
    nulls = key.null_count()
    # the texts of each row whose key is the one before it, compared with that row's
    at = pl.lit(run.get_column("same").arg_true())
    if pl.select((pl.lit(text).gather(pl.lit(order).gather(at)) != pl.lit(text).gather(pl.lit(order).gather(at - 1))).any()).item():
        number = frame.select(pl.when(pl.col("m").is_not_null() & pl.col("v").is_not_null()).then(pl.struct("m", "v").rank("dense"))).to_series()
    else:
        placed = pl.repeat(0, key.len(), dtype=m.dtype, eager=True).scatter(order, run.get_column("number"))  # back in the rows' order
        number = pl.select(pl.when(key.is_not_null()).then(pl.lit(placed))).to_series()
    repeated = pl.repeat(False, key.len(), dtype=pl.Boolean, eager=True).scatter(order, run.get_column("repeated"))
    if nulls > 1:
        repeated = repeated | key.is_null()
    return number, repeated


# --- which members the vectorised path decides --------------------------------------------------------


def routed(flat: Flat, source: Source, edition_of: Any) -> tuple[pl.DataFrame, set]:
    """(the rows to decide in bulk with their edition, the places of the rows for the per-claim path).

    Every row the bulk checks cannot vouch for, or that does not fit the schema, goes to the per-claim
    path. Its member's other claims go with it, all of them in order, unless the row is bad input
    (validation refuses it) that cannot read the member's history: bad input changes no ledger, and
    what its error names reads the history only through a claim id the ledger decided or pended, an
    accident the history holds on another date, or a 身份证 number another member holds, so a bad row
    whose claim id is none of its member's other claims' is worded alike by a fresh ledger
    (:func:`_harmless`; an accident on two dates, and a shared number, send the member aside anyway). A member goes to the per-claim path too when it gives
    one accident two dates; shares a 身份证 number with another member id; has claims under two
    editions; or has more claims than a history holds. Everything the Ledger would read across a
    member's claims is then the per-claim path's.

    The members are the integer keys of :attr:`Flat.keys` (``m``): grouping integers costs a fraction
    of grouping the ids' text over a million claims.
    """
    assert flat.claims.height == flat.ok.height == flat.keys.height  # all three in place order, a row a claim
    c = flat.claims.select("n", "claim_id", "member_id", "accident_day", "id_number", "plan").hstack(
        [flat.ok.get_column("ok").fill_null(False), flat.keys.get_column("m"), flat.keys.get_column("a")]
    )
    c = c.with_columns(edition_of(c).alias("edition"))
    bad = c.filter(~pl.col("ok"))
    raw = source.raw(bad.get_column("n").to_list()) if bad.height else {}
    # The queries below are independent: collected together (a small table pays per polars call).
    lc = c.lazy()
    mine = lc.filter(pl.col("m").is_in(bad.get_column("m").drop_nulls().implode()))
    # A bad row's claim id among its member's other claims': its error may name it (a claim decided
    # or pended). (An accident the history holds on another date sends the member aside: two_dates.)
    again = bad.lazy().join(mine.group_by("m", "claim_id").len(), on=["m", "claim_id"], how="left", maintain_order="left").select(
        pl.col("len").fill_null(0) > 1)  # fmt: skip
    if c.height <= SMALL:
        found = collect_all([_shared(lc), *_spread_queries(lc), again], c.height)
    else:  # integers, not text, grouped (a second at a million claims): see _spread_members
        found = [*_spread_members(c), *collect_all([again], c.height)]
    # The members of the bad rows that may read (or be read by) their member's history: by their key
    # as written (the key validation keeps is that text or none, so a row with no valid key is alone).
    reads = [not _harmless(raw[n]) or again for n, again in zip(bad.get_column("n").to_list(), found[3].to_series().to_list())]
    aside_m = set(bad.filter(pl.Series(reads, dtype=pl.Boolean)).get_column("m").drop_nulls().to_list()) if any(reads) else set()
    if source.misfits:
        ids = {member_of(claim) for claim in source.raw(source.misfits).values()} - {None}
        aside_m |= set(c.filter(pl.col("member_id").is_in(list(ids))).get_column("m").drop_nulls().to_list())
    for members in found[:3]:
        aside_m |= set(members.to_series().to_list())
    gone = pl.col("m").is_in(pl.Series(sorted(aside_m), dtype=flat.keys.schema["m"]).implode()).fill_null(False)
    aside, alone, keep = collect_all([
        lc.filter(gone | ~pl.col("ok")).select("n"),
        lc.filter(~pl.col("ok") & ~gone & pl.col("m").is_not_null()).select("n"),
        lc.filter(pl.col("ok") & ~gone).select("n", "edition"),
    ], c.height)  # fmt: skip
    flat.alone = frozenset(alone.to_series().to_list())
    return keep, set(aside.to_series().to_list()) | set(source.misfits)


def _shared(lc: pl.LazyFrame) -> pl.LazyFrame:
    """The members (``m``) whose 身份证 number (upper-cased, as a ledger keeps it) another member gives too."""
    return (
        lc.filter(pl.col("id_number").is_not_null() & pl.col("m").is_not_null())
        .select(pl.col("id_number").str.to_uppercase().alias("key"), "m")
        .unique()
        .filter(pl.len().over("key") > 1)
        .select("m")
    )


def _spread_queries(lc: pl.LazyFrame) -> list[pl.LazyFrame]:
    """The members with more claims than a history holds or claims under two editions, and those that give one accident two dates."""
    per_member = (
        lc.filter(pl.col("m").is_not_null())
        .group_by("m")
        .agg((pl.len() > HISTORY_MAX).alias("long"), (pl.col("edition").n_unique() > 1).alias("editions"))
        .filter(pl.col("long") | pl.col("editions"))
        .select("m")
    )
    two_dates = lc.filter(pl.col("a").is_not_null()).select("m", "a", "accident_day").unique().filter(pl.len().over("a") > 1).select("m")
    return [per_member, two_dates]


def _spread_members(c: pl.DataFrame) -> list[pl.DataFrame]:
    """:func:`_shared` and :func:`_spread_queries` of a large table, each a group of integers holding
    more than one value (:func:`_spread`): the number's hash and the member, the member and its
    edition's code, the accident's key and its day. The hash only proposes: the numbers' text is
    grouped over the rows whose hash another member's shares (few), as :func:`_shared` groups it."""
    m = c.get_column("m")
    bits = max(1, int(cast(int, m.max() or 0)).bit_length())
    hashed = c.select(pl.when(pl.col("m").is_not_null() & pl.col("id_number").is_not_null()).then(pl.col("id_number").str.to_uppercase().hash(24) // pl.lit(1 << bits, dtype=pl.UInt64))).to_series()
    maybe = _spread(hashed, m, bits)
    shared = _shared(c.lazy().filter(pl.lit(hashed).is_in(maybe.implode()).fill_null(False))).collect(optimizations=flags(c.height)) if maybe.len() else c.select("m").clear()
    names = c.get_column("edition").drop_nulls().unique().sort().to_list()
    edition = c.select(pl.col("edition").replace_strict(names, range(1, len(names) + 1), default=0, return_dtype=pl.UInt64).fill_null(0)).to_series()
    runs = m.drop_nulls().sort().rle()
    long = runs.struct.field("value").filter(runs.struct.field("len") > HISTORY_MAX)
    members = pl.concat([long, _spread(m, edition, max(1, len(names).bit_length())).cast(m.dtype)])
    accident = c.get_column("a")
    two = _spread(accident, c.get_column("accident_day").fill_null(0), 21)  # a day number is below 2**21
    two_dates = c.select(pl.col("m").filter(pl.col("a").is_in(two.cast(accident.dtype).implode())).unique())
    return [shared, members.unique().to_frame("m"), two_dates]


def _spread(group: pl.Series, value: pl.Series, bits: int) -> pl.Series:
    """The groups (not null) whose rows hold more than one distinct ``value`` (integers below ``2**bits``;
    ``group`` below ``2**(64 - bits)``): the two packed into one integer, its distinct values, and the
    groups among them that repeat."""
    packed = pl.select((pl.lit(group).cast(pl.UInt64) * pl.lit(1 << bits, dtype=pl.UInt64) + pl.lit(value).cast(pl.UInt64)).drop_nulls().unique()).to_series()
    groups = packed // (1 << bits)
    return groups.filter(groups.is_duplicated()).unique()


def _harmless(claim: Any) -> bool:
    """Whether ``claim`` is bad input that validation refuses by itself (not by its lengths, which
    ``adjudicate`` reads its own way): then it is an error row whatever history its member has."""
    if type(claim) is not dict:
        return False
    if _oversized(claim):
        return False
    model, _ = read(claim)
    return model is None


# --- one edition --------------------------------------------------------------------------------------


@dataclass
class Decided:
    """What one edition decided of the bulk rows: one row a claim, in place order.

    Columns: ``n``, ``claim_id``, ``member_id``, ``outcome``, ``edition``, ``payout_fen``,
    ``counted_out_of_pocket_fen``, ``accident_out_of_pocket_fen``, ``tier_amount_fen``,
    ``cap_remaining_fen``, ``reasons`` (how many rules bit), ``rules`` and ``subjects`` (the reasons'
    rule ids and subjects, in reason order), ``accident_id``, ``accident_day``, ``filed_day`` (for the
    history of a row's deferred decision).
    """

    edition: Edition
    frame: pl.DataFrame
    rounds: int
    fired: Optional[pl.DataFrame] = None
    """The (claim, rule) pairs that bit, one row a pair: ``n``, ``rule`` (the rule's place in the
    edition's rules, :attr:`rule_ids`), ``subject`` (kept when the frame leaves the reasons' lists out:
    a comparison reads them for the claims that moved only, and names their rules)."""
    rule_ids: Optional[dict] = None
    """The id of each rule of :attr:`fired` by its place."""


def _facts(flat: Flat, rows: pl.DataFrame, edition: Edition) -> dict[str, pl.DataFrame]:
    """Each fact type's frame for the rows ``rows`` under ``edition``: the fields :mod:`mutualaid.compiled` computes.

    ``j`` is the fact's place in the claim's facts (the claim 0, circumstances, documents, then each
    treatment followed by its items), ``subject`` its reason subject. What does not depend on the
    edition is worked out once for the rows (:func:`_base_facts`), whatever the number of editions.
    """
    base = flat.cache.get(id(rows))
    if base is None or base[0] is not rows:
        base = flat.cache[id(rows)] = (rows, _base_facts(flat, rows))
    claim, circumstance, documents, treatment, item = base[1]
    required = list(edition.documents.required)
    circumstance = circumstance.with_columns(
        pl.col("code").replace_strict(edition.circumstance_group, default="", return_dtype=pl.String).alias("exclusion")
    )
    # one row a claim and a required document, document after document (a block of every claim, in
    # place order, a document): what was supplied is tested against each document as a literal
    document = pl.concat(
        [documents.select(
            "n", pl.int_range(pl.len(), dtype=pl.Int64).alias("cp"), pl.lit(d, dtype=pl.String).alias("document"),
            pl.col("documents").list.contains(d).fill_null(False).cast(pl.Int64).alias("supplied"),
            (1 + pl.col("circumstances") + k).alias("j"),
        ) for k, d in enumerate(required)]
        or [pl.DataFrame(schema={"n": pl.Int64, "cp": pl.Int64, "document": pl.String, "supplied": pl.Int64, "j": pl.Int64})]
    )  # fmt: skip
    groups = edition.diagnosis_groups
    proviso = groups.has_proviso()
    exclusion = {}
    for key in treatment.get_column("diagnosis_key").unique().to_list():
        codes = key.split("\x00")
        exclusion[key] = groups.group_of(who_code(codes[0]), tuple(who_code(d) for d in codes[1:]) if proviso and len(codes) > 1 else ())
    treatment = treatment.with_columns(
        pl.col("diagnosis_key").replace_strict(exclusion, return_dtype=pl.String).alias("primary_exclusion"),
        pl.col("j") + len(required),
    ).drop("diagnosis_key")
    item = item.with_columns(pl.col("j") + len(required))
    return {"claim": claim, "circumstance": circumstance, "document": document, "treatment": treatment, "item": item}


def _among(flat: Flat, rows: pl.DataFrame) -> Callable[..., pl.DataFrame]:
    """A filter of a frame of ``flat`` (by its ``n``) to the claims of ``rows``: a mask by place, set at
    ``rows``' places and gathered at the frame's, not a hash of a million places probed five million times.
    Given the columns a reader reads, only those are filtered (the text and lists of the others cost as
    much to copy)."""
    places = flat.claims.get_column("n")
    size = cast(int, places.max()) + 1 if places.len() else 0
    mask = pl.Series([False], dtype=pl.Boolean).extend_constant(False, size - 1) if size else pl.Series([], dtype=pl.Boolean)
    mask.scatter(rows.get_column("n"), True)
    return lambda frame, columns=None: (frame if columns is None else frame.select(columns)).filter(mask.gather(frame.get_column("n")))


def _diagnosis_keys(diagnoses: pl.Series) -> pl.Series:
    """Each treatment's diagnoses joined by NUL, once (the key of its exclusion group). Over a large
    table, a treatment of one diagnosis (not null) takes it as it is, and only the others are joined:
    joining 1.6 million lists costs a quarter of a second at a million claims, taking the first a fiftieth."""
    if diagnoses.len() <= SMALL:
        return diagnoses.list.join("\x00")
    first = diagnoses.list.first()
    rows = ((diagnoses.list.len() != 1) | first.is_null()).fill_null(True).arg_true()
    return first.scatter(rows, diagnoses.gather(rows).list.join("\x00")).alias(diagnoses.name)


_CLAIM_READ = ["n", "claim_id", "member_id", "accident_id", "occupation", "union_member_since_day_abs", "real_name_verified_day_abs", "cause",
               "accident_day", "filed_day", "name", "id_number", "payee_holder_name", "payee_holder_id_number", "payee_account_number",
               "circumstances", "documents"]  # fmt: skip
"""The columns of :attr:`Flat.claims` that :func:`_base_facts` reads."""


def _base_facts(flat: Flat, rows: pl.DataFrame) -> tuple:
    """The facts' fields that no edition changes, for the rows ``rows`` (``j`` as if no document were required).

    Each field is computed as :mod:`mutualaid.compiled` computes it per claim (its ``_FIELDS``) and
    :func:`mutualaid.facts.derive` for the durable engine; tests/test_vector.py holds the three alike."""
    chosen = _among(flat, rows)
    claims = chosen(flat.claims, _CLAIM_READ)  # each frame of flat is in place order (n, then t, then i)
    since, verified = pl.col("union_member_since_day_abs"), pl.col("real_name_verified_day_abs")
    claim = claims.select(
        "n", "claim_id", "member_id", "accident_id",
        pl.col("occupation"),
        since.is_not_null().cast(pl.Int64).alias("union_member"),
        (since - pl.col("accident_day")).fill_null(0).alias("union_member_since_day"),
        verified.is_not_null().cast(pl.Int64).alias("real_name_verified"),
        (verified - pl.col("accident_day")).fill_null(0).alias("real_name_verified_day"),
        "cause", "accident_day", "filed_day",
        pl.col("name").str.strip_chars().alias("member_name"),
        pl.col("id_number").fill_null("").alias("member_id_number"),
        pl.col("payee_holder_name").str.strip_chars().fill_null("").alias("payee_holder_name"),
        pl.col("payee_holder_id_number").fill_null("").alias("payee_holder_id_number"),
        pl.col("payee_account_number").fill_null("").alias("payee_account_number"),
    )  # fmt: skip
    claim_n = claims.get_column("n")

    circumstance = (
        claims.lazy().select("n", pl.int_range(pl.len(), dtype=pl.Int64).alias("cp"), pl.col("circumstances").alias("code"))
        .explode("code")
        .filter(pl.col("code").is_not_null())
        .unique(subset=["n", "code"], keep="first", maintain_order=True)
        .with_columns((_place_in_run("n") + 1).alias("j"))
        .collect(optimizations=flags(claims.height))  # each chain one query (a small table pays per query)
    )
    circ_count = _sums_by_parent(pl.repeat(1, circumstance.height, dtype=pl.Int64, eager=True), circumstance.get_column("cp"), claims.height)
    documents = claims.select("n", "documents").with_columns(circ_count.alias("circumstances"))

    t = chosen(flat.treatments, ["n", "t", "tr", "treatment_id", "grade", "ownership", "ws218", "hospital_kind", "diagnoses", "item_count"])
    joined = _diagnosis_keys(t.get_column("diagnoses"))
    keys = joined.unique().to_list()
    primary = {key: who_code(key.split("\x00")[0]) for key in keys}
    kinds = {code: kind_of_ws218(code) for code in t.get_column("ws218").unique().to_list() if code is not None}
    items = chosen(flat.items, ["n", "t", "tr", "i", "on_day", "category", "medication_use", "out_of_pocket_fen"])
    of_treatment = _parent(t.get_column("tr"), items.get_column("tr"))
    of_claim = _parent(claim_n, t.get_column("n"))
    key = pl.lit(joined)
    treatment = (
        t.lazy().with_columns(
            (1 + circ_count.gather(of_claim)).alias("first"),
            _sums_by_parent(items.get_column("out_of_pocket_fen").fill_null(0), of_treatment, t.height).alias("out_of_pocket_fen"),
        )
        .with_columns(
            (pl.col("first") + pl.col("t") + _before_in_run("item_count", "n")).alias("j"),
        )
        .with_columns(of_claim.alias("cp"))
        .select(
            "n", "t", "cp", "j", pl.col("treatment_id").alias("subject"),
            pl.col("grade").fill_null(0).alias("grade"),
            pl.col("ownership").fill_null("").alias("ownership"),
            pl.when(pl.col("ws218").is_not_null()).then(pl.col("ws218").replace_strict(kinds, default=None, return_dtype=pl.String))
            .otherwise(pl.col("hospital_kind").fill_null("general")).alias("kind"),
            key.replace_strict(primary, return_dtype=pl.String).alias("primary_diagnosis"),
            key.alias("diagnosis_key"),
            pl.col("out_of_pocket_fen"),
        )
        .collect(optimizations=flags(claims.height))
    )  # fmt: skip
    item = (
        items.lazy().with_columns(
            treatment.get_column("j").gather(of_treatment).alias("tj"),
            claims.get_column("accident_day").gather(of_claim.gather(of_treatment)).alias("accident_day"),
            of_treatment.alias("tp"),
            of_claim.gather(of_treatment).alias("cp"),
        )
        .select(
            "n", "t", "tp", "cp", (pl.col("tj") + pl.col("i")).alias("j"),
            "i",  # its subject, T1/2, is written for the items a rule bit only (:func:`_item_subjects`)
            (pl.col("on_day") - pl.col("accident_day")).alias("day"),
            "category",
            pl.when(pl.col("category") == "medication").then(pl.col("medication_use").fill_null("prescribed")).otherwise(pl.lit("")).alias("medication_use"),
            "out_of_pocket_fen",
        )
        .collect(optimizations=flags(claims.height))
    )  # fmt: skip
    return claim, circumstance, documents, treatment, item


class _Compiled:
    """An edition's rules, compiled to polars expressions, by fact type."""

    def __init__(self, edition: Edition) -> None:
        self.rules = rules_for(edition)
        self.patterns = bound_patterns(self.rules, edition)
        self.by_type: dict[str, list[tuple[int, pl.Expr]]] = {}
        for i, (rule, pattern) in enumerate(zip(self.rules, self.patterns)):
            self.by_type.setdefault(rule.on, []).append((i, polars_expression(pattern["$and"][1])))
        self.ids = {i: r.id for i, r in enumerate(self.rules)}
        self.rows = {i: row for i, row in enumerate(self.rules.rows)}
        self.assessed = [vectorised(assessed)(edition) for assessed in ASSESSED]
        """Each assessment's columns as expressions, built once for the edition (a round and a guess read them)."""

    def effect(self, i: int) -> str:
        return self.rules[i].effect

    def any_of(self, on: str, effect: str) -> pl.Expr:
        found = [pl.col(f"r{i}") for i, _ in self.by_type.get(on, ()) if self.effect(i) == effect]
        return reduce(lambda a, b: a | b, found) if found else pl.lit(False)

    def tested(self, frame: Any, on: str) -> Any:
        """``frame`` with a boolean column ``r<i>`` for each rule on ``on`` facts."""
        tests = [expr.fill_null(False).alias(f"r{i}") for i, expr in self.by_type.get(on, ())]
        return frame.with_columns(tests) if tests else frame

    def fired(self, frame: pl.DataFrame, on: str, *, j: pl.Expr, subject: pl.Expr, level: bool) -> pl.DataFrame:
        """The (claim, rule) pairs that bit on ``on`` facts: ``n``, ``rule``, ``j``, ``order`` (0 on the claim's level, else ``j``), ``subject``.

        The pairs come rule after rule, each rule's in the frame's order: each rule's rows are a filter
        of the frame by its column, and ``j`` and ``subject`` are worked out on those rows only (few
        reasons name an item, of millions). The filters are one query (a small table pays per query)."""
        tests = self.by_type.get(on, ())
        if not tests or frame.height == 0:
            return _NO_FIRED
        bit = frame.select(pl.col(f"r{i}").any() for i, _ in tests).row(0)  # most rules bite no row of a table
        live = [i for (i, _), any_row in zip(tests, bit) if any_row]
        if not live:
            return _NO_FIRED
        lazy = frame.lazy()
        where = j.cast(pl.Int64)
        each = [
            lazy.filter(pl.col(f"r{i}")).select(
                "n", pl.lit(i, dtype=pl.Int64).alias("rule"), where.alias("j"),
                (pl.lit(0, dtype=pl.Int64) if level else where).alias("order"), subject.cast(pl.String).alias("subject"),
            )
            for i in live
        ]  # fmt: skip
        return pl.concat(each).collect(optimizations=flags(frame.height))


_NO_FIRED = pl.DataFrame(schema={"n": pl.Int64, "rule": pl.Int64, "j": pl.Int64, "order": pl.Int64, "subject": pl.String})
_compiled: dict[int, tuple[Edition, _Compiled]] = {}


def compiled(edition: Edition) -> _Compiled:
    found = _compiled.get(id(edition))
    if found is None or found[0] is not edition:
        if len(_compiled) > 64:
            _compiled.clear()
        found = _compiled[id(edition)] = (edition, _Compiled(edition))
    return found[1]


def _row_rules(flat: Flat, rows: pl.DataFrame, edition: Edition, rules: _Compiled) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The claims' facts and what the row rules (circumstances, documents, treatments, items) found:
    one row a claim with its countable fen and the row rules' effects, and the (claim, rule) pairs that
    bit. Editions that bind those rules alike and read the facts alike (a sweep of caps and tiers)
    share them: they are worked out once."""
    key = (id(rows), _row_key(edition, rules))
    found = flat.cache.get(key)
    if found is not None and found[0] is rows:
        return found[1], found[2]
    facts = _facts(flat, rows, edition)
    claim = facts["claim"]

    # The row rules, once: circumstances, documents, treatments, items.
    circumstance = rules.tested(facts["circumstance"], "circumstance")
    document = rules.tested(facts["document"], "document")
    treatment = rules.tested(facts["treatment"], "treatment")
    item = rules.tested(facts["item"], "item")
    fired = [
        rules.fired(circumstance, "circumstance", j=pl.col("j"), subject=pl.lit("claim"), level=True),
        rules.fired(document, "document", j=pl.col("j"), subject=pl.lit("claim"), level=True),
        rules.fired(treatment, "treatment", j=pl.col("j"), subject=pl.col("subject"), level=False),
        rules.fired(item, "item", j=pl.col("j"), subject=_item_subjects(treatment), level=False),
    ]
    # What each claim's row facts say, by the claim's place (``cp``): differences of a cumulative sum
    # where the places rise (circumstances, treatments, items), a sum of blocks for the documents;
    # not a group and a join a fact type.
    count = claim.height
    frames = {"circumstance": circumstance, "document": document, "treatment": treatment, "item": item}
    per_claim = {on: _blocks(count) if on == "document" else _summer(f.get_column("cp"), count) for on, f in frames.items()}

    wanted = {on: [e for e in ("deny", "pend", "exclude") if e != "exclude" or on in ("circumstance", "document")] for on in frames}
    # each frame's effects in one query (a literal broadcast where no rule of the type has the effect)
    anys = {on: f.lazy().with_columns([rules.any_of(on, e).alias(f"_{e}") for e in wanted[on]]).collect(optimizations=flags(count))
            for on, f in frames.items()}  # fmt: skip

    def anywhere(on: str, effect: str) -> pl.Series:
        return per_claim[on](anys[on].get_column(f"_{effect}")) > 0

    t_excluded = treatment.with_columns(rules.any_of("treatment", "exclude").alias("_any")).get_column("_any").gather(item.get_column("tp"))
    countable = item.with_columns(pl.when(rules.any_of("item", "exclude") | t_excluded).then(0).otherwise(pl.col("out_of_pocket_fen")).alias("_c")).get_column("_c")
    effects = {effect: reduce(lambda a, b: a | b, [anywhere(on, effect) for on in frames if effect != "exclude" or on in ("circumstance", "document")])
               for effect in ("deny", "pend", "exclude")}  # fmt: skip
    row_fired = pl.concat(fired)
    static = claim.with_columns(
        per_claim["item"](countable).alias("counted_base"),
        effects["deny"].alias("deny_rows"), effects["pend"].alias("pend_rows"), effects["exclude"].alias("exclude_claim_rows"),
    )
    # Rows grouped by member (integer keys, each member's claims together, in filing order), so that
    # every running sum is over small contiguous groups.
    keys = _among(flat, rows)(flat.keys)  # the claims' places, in place order
    static = static.hstack(keys.drop("n")).sort("m", "n").with_row_index("at")  # a row's place, for _settled
    flat.cache[key] = (rows, static, row_fired)
    return static, row_fired


def _item_subjects(treatment: pl.DataFrame) -> pl.Expr:
    """The subjects of items (``T1/2``: the treatment's id, the item's place from 1), an expression worked
    out on the items a rule bit only: a million claims hold three million items, and few reasons name one."""
    return pl.lit(treatment.get_column("subject")).gather(pl.col("tp")) + "/" + pl.col("i").cast(pl.String)


def _row_key(edition: Edition, rules: _Compiled) -> str:
    """What the row rules and their facts read of an edition: their bound conditions, the documents required,
    the circumstance and diagnosis groups."""
    row = [(r.id, p) for r, p in zip(rules.rules, rules.patterns) if r.on not in ("claim", "assessment")]
    data = edition.model_dump(mode="json", include={"documents", "exclusions"})
    return json.dumps([row, data], sort_keys=True, default=str)


def decide_edition(flat: Flat, rows: pl.DataFrame, edition: Edition, *, lists: bool = True, pairs: bool = True) -> Decided:
    """Decide the bulk rows ``rows`` (``n``) under ``edition``: see the module docstring. Without
    ``lists``, the table leaves the reasons out, and holds the rules that bit as pairs (``pairs``) or not at all."""
    rules = compiled(edition)
    static, row_fired = _row_rules(flat, rows, edition, rules)
    start, end = edition.period.start.toordinal(), edition.period.end.toordinal()
    in_scope = pl.lit(True) if edition.cap.scope == "member" else pl.col("accident_day").is_between(start, end)
    static = static.with_columns(in_scope.alias("in_scope"))
    orders = _orders(flat, rows, static)

    # The first guess is the arithmetic over what the row and claim rules say without a
    # history (_first_guess, _guess); each round decides against the guess, and a round that
    # reproduces its guess ends it for its members. The members whose guess moved are decided again,
    # for ACCELERATED rounds against the arithmetic over their round's tiers, and past that against
    # the round's own output, which settles by the induction of the module docstring.
    first = _first_guess(flat, rows, static, edition, rules, orders)
    stage_columns, reads_history = _claim_columns(static.select("accident_day"), edition, rules)
    claim_stage = None if reads_history else first.select(stage_columns)  # what the whole frame's round takes as it is
    state = _guess(first, static.columns, edition, orders)
    del first
    rounds_out: list[pl.DataFrame] = []  # each round's rows: the whole frame's, then the moved members' again
    longest = _longest(flat, rows, static)
    rounds = 0
    while True:
        whole = state.height == static.height
        out = _round(state, edition, rules, orders if whole else None, claim_stage if whole else None)
        rounds_out.append(out)
        rounds += 1
        new_entered = pl.col("outcome").is_in(["approved", "denied"])
        new_err = pl.col("outcome") == "error"
        same = (new_entered == pl.col("entered")) & (pl.col("payout_out") == pl.col("paid")) & (new_err == pl.col("err"))
        moved = out.filter(~same).get_column("m").unique().implode()
        if moved.list.len().item() == 0:
            break
        if rounds > longest + ACCELERATED + 2:  # pragma: no cover - the induction in the module docstring rules it out
            raise RuntimeError("the polars engine's history did not settle; please report this claim stream")
        out = out.filter(pl.col("m").is_in(moved))
        if rounds < ACCELERATED:  # the next guess: how each claim was decided, and the arithmetic
            state = _guess(out, static.columns, edition, None)
        else:
            state = out.select([*static.columns, new_entered.alias("entered"), new_err.alias("err")]).with_columns(pl.col("payout_out").alias("paid"))
    # The rounds carry no text: the ids are put back once, beside the rows in place order (the claims'
    # facts are in that order), rather than gathered with them. Only the table's columns are put into
    # place order; the rules that bit are read in the rounds' order.
    names = flat.cache[id(rows)][1][0].select("claim_id", "member_id", "accident_id")
    table = _KEPT if lists else ("n", "outcome", "payout_out", "tier_fen", "error")
    tested = [f"r{i}" for on in ("claim", "assessment") for i, _ in rules.by_type.get(on, ())] if lists or pairs else []
    unsorted = _settled(rounds_out, [*table, *tested])
    result = unsorted.select(table)[_in_place(flat, rows)].hstack(names)

    if not lists:  # the pairs as they are: a comparison orders nothing, and reads the claims that moved
        slim = result.select(
            "n", "claim_id", "member_id", "outcome",
            pl.when(pl.col("outcome") != "error").then(pl.col("payout_out")).alias("payout_fen"),
            pl.when(pl.col("outcome") != "error").then(pl.col("tier_fen")).alias("tier_amount_fen"),
            "error",
        )  # fmt: skip
        if not pairs:  # a sweep's totals read no reasons
            return Decided(edition, slim, rounds)
    # The reasons: the row rules', the claim's and the assessment's, in reason order.
    dynamic = [
        rules.fired(unsorted, "claim", j=pl.lit(0), subject=pl.lit("claim"), level=True),
        rules.fired(unsorted, "assessment", j=pl.lit(1 << 40), subject=pl.lit("claim"), level=True),
    ]
    every = pl.concat([row_fired, *dynamic])
    if not lists:
        return Decided(edition, slim, rounds, every.select("n", "rule", "subject"), rules.ids)
    every = every.with_columns(pl.col("rule").replace_strict(rules.rows, return_dtype=pl.Int64).alias("row"))
    reason_lists = (
        every.sort("n", "row", "order", "rule", "j")
        .with_columns(pl.col("rule").replace_strict(rules.ids, return_dtype=pl.String).alias("rule_id"))
        .group_by("n", maintain_order=True)
        .agg(pl.col("rule_id").alias("rules"), pl.col("subject").alias("subjects"))
    )
    def unless_error(expr: pl.Expr) -> pl.Expr:  # a bad claim is not decided: its row holds no amounts nor reasons
        return pl.when(pl.col("outcome") != "error").then(expr)

    frame = (
        result.join(reason_lists, on="n", how="left", maintain_order="left")
        .select(
            "n", "claim_id", "member_id", "outcome", unless_error(pl.lit(edition.id)).alias("edition"),
            unless_error(pl.col("payout_out")).alias("payout_fen"),
            unless_error(pl.col("counted_fen")).alias("counted_out_of_pocket_fen"),
            unless_error(pl.col("accident_fen")).alias("accident_out_of_pocket_fen"),
            unless_error(pl.col("tier_fen")).alias("tier_amount_fen"),
            unless_error(pl.col("cap_left_fen") - pl.col("payout_out")).alias("cap_remaining_fen"),
            unless_error(pl.col("rules").fill_null(pl.lit([], dtype=pl.List(pl.String)))).alias("rules"),
            unless_error(pl.col("subjects").fill_null(pl.lit([], dtype=pl.List(pl.String)))).alias("subjects"),
            "error", "accident_id", "accident_day", "filed_day",
        )
        .with_columns(pl.col("rules").list.len().cast(pl.Int64).alias("reasons"))
    )  # fmt: skip
    return Decided(edition, frame, rounds)


def _settled(rounds_out: list[pl.DataFrame], columns: list[str]) -> pl.DataFrame:
    """Each row's ``columns`` as its member's last round left them, in the whole frame's order: the first
    round's columns, with each later round's rows written over theirs by their place (``at``), not the
    rows that settled filtered out of each round and the rest sorted back into place."""
    first = rounds_out[0]
    if len(rounds_out) == 1:
        return first.select(columns)
    out = []
    for name in columns:
        column = first.get_column(name).clone()
        for later in rounds_out[1:]:
            column.scatter(later.get_column("at"), later.get_column(name).cast(column.dtype))
        out.append(column)
    return pl.DataFrame(out)


ACCELERATED = 4
"""Rounds whose guess of what was paid is the issue's arithmetic (the rounds after use their own output)."""


class _Order:
    """Running sums within groups (an accident, a claim id), in filing order, without a window per group.

    The frame is sorted by member, then filing; a group's rows are a member's, interleaved with its
    other groups. The permutation ``order`` puts them in (group, filing) order, where each group is
    one run of rows, so a running sum is one cumulative sum less its value where the run starts;
    ``back`` restores the frame's order. (A window function per group costs ten times as much.)
    """

    def __init__(self, frame: pl.DataFrame, key: str) -> None:
        # each method is one polars query (a Series method is one each): a small table pays per query
        order = pl.arg_sort_by([key, "n"])
        starts = pl.col(key).gather(order).is_first_distinct()
        self.order, self.back, self.starts, self.group = frame.select(
            order.alias("order"), order.arg_sort().alias("back"), starts.alias("starts"), starts.cast(pl.Int64).cum_sum().alias("group")
        ).get_columns()

    def before_sum(self, values: pl.Series) -> pl.Series:
        """The sum of the group's earlier values (0 for its first row)."""
        v = pl.lit(values).gather(pl.lit(self.order)).cast(pl.Int64)
        c = v.cum_sum() - v
        restart = pl.when(pl.lit(self.starts)).then(c).otherwise(None).forward_fill()
        return pl.select((c - restart).gather(pl.lit(self.back))).to_series().alias(values.name)

    def before_extreme(self, values: pl.Series, *, low: bool, none: int, width: int) -> pl.Series:
        """The least (``low``) or greatest of the group's earlier values, ``none`` for its first row.

        Values lie in ``0 .. 2**width``; each group is moved ``2**width`` beyond the ones before it
        (below them for the least), so that one cumulative extreme restarts at every group."""
        v = pl.lit(values).gather(pl.lit(self.order)).cast(pl.Int64)
        shift = pl.lit(self.group) * (1 << width)
        moved = (v - shift) if low else (v + shift)
        running = (moved.cum_min() if low else moved.cum_max()).shift(1)
        back = (running + shift) if low else (running - shift)
        return pl.select(pl.when(pl.lit(self.starts)).then(none).otherwise(back).gather(pl.lit(self.back))).to_series()


_KEPT = ("n", "outcome", "payout_out", "tier_fen", "error", "counted_fen", "accident_fen", "cap_left_fen", "accident_day", "filed_day")
"""What an edition's table is made of (with the claim and assessment rules' columns), once its rounds are done."""


def _longest(flat: Flat, rows: pl.DataFrame, static: pl.DataFrame) -> int:
    """The most claims of one member (the rounds' bound), once for the rows."""
    key = ("longest", id(rows))
    found = flat.cache.get(key)
    if found is None or found[0] is not rows:
        found = flat.cache[key] = (rows, cast(int, static.group_by("m").len().get_column("len").max() or 0))
    return found[1]


def _orders(flat: Flat, rows: pl.DataFrame, static: pl.DataFrame) -> tuple["_Order", "_Sends"]:
    """The running sums' permutations of the whole frame (by accident; the claim ids sent again), once
    for the rows: every edition's frame holds them in the same order."""
    key = ("orders", id(rows))
    found = flat.cache.get(key)
    if found is None or found[0] is not rows:
        found = flat.cache[key] = (rows, _Order(static, "a"), _Sends(static), static.get_column("n").arg_sort())
    return found[1], found[2]


def _in_place(flat: Flat, rows: pl.DataFrame) -> pl.Series:
    """The gather that puts the whole frame's rows (by member, then filing) into place order (:func:`_orders`' fourth)."""
    return cast(pl.Series, flat.cache[("orders", id(rows))][3])


def _claim_rules(frame: pl.LazyFrame, days: pl.DataFrame, edition: Edition, rules: _Compiled) -> pl.LazyFrame:
    """What the articles derive (in the declared order) and the claim rules: ``counted_fen``, ``deny_claim``, ``pend_claim``."""
    for derived in DERIVED:
        frame = frame.with_columns(**vectorised(derived)(days, edition))
    frame = rules.tested(frame, "claim")
    counted = pl.when(pl.col("exclude_claim_rows") | rules.any_of("claim", "exclude")).then(0).otherwise(pl.col("counted_base"))
    return frame.with_columns(
        counted.alias("counted_fen"), rules.any_of("claim", "deny").alias("deny_claim"), rules.any_of("claim", "pend").alias("pend_claim")
    )


_HISTORY_READ = "past_first_filed_day"
"""What of a member's history the derivations and the claim rules may read: the accident's first
filing (art5.4's top-ups filed late). The rest of the history is the assessment's."""


def _claim_columns(days: pl.DataFrame, edition: Edition, rules: _Compiled) -> tuple[list[str], bool]:
    """The columns :func:`_claim_rules` adds, in its order, and whether any of them reads the history
    (:data:`_HISTORY_READ`, or a derived column that reads it). When none does, a round over the whole
    frame takes them from the first guess, which worked them out over the same rows: an edition whose
    top-ups meet the deadline like any filing (2022's) reads no history before the assessment."""
    names, reads = [], {_HISTORY_READ}
    for derived in DERIVED:
        for name, expr in vectorised(derived)(days, edition).items():
            names.append(name)
            if reads & set(expr.meta.root_names()):
                reads.add(name)
    tests = rules.by_type.get("claim", ())
    names += [f"r{i}" for i, _ in tests] + ["counted_fen", "deny_claim", "pend_claim"]
    return names, len(reads) > 1 or any(reads & set(expr.meta.root_names()) for _, expr in tests)


def _first_guess(flat: Flat, rows: pl.DataFrame, static: pl.DataFrame, edition: Edition, rules: _Compiled, orders: tuple) -> pl.DataFrame:
    """A round's output as far as the row and claim rules tell without a history (nothing paid, no
    earlier filing), each claim guessed to enter unless they pend it and deny nothing; the sends
    refused given that guess. What :func:`_guess` reads to make the first round's history.

    Nothing of it reads the tiers or the cap: editions that bind the row and claim rules alike and
    derive alike (a sweep of caps and tiers) share it, worked out once (:func:`_claim_key`)."""
    key = ("first", id(rows), _claim_key(edition, rules))
    found = flat.cache.get(key)
    if found is None or found[0] is not rows:
        lazy = static.lazy().with_columns(pl.lit(0, dtype=pl.Int64).alias("past_first_filed_day"))
        frame = _claim_rules(lazy, static.select("accident_day"), edition, rules).collect(optimizations=flags(static.height))
        deny, pend = pl.col("deny_rows") | pl.col("deny_claim"), pl.col("pend_rows") | pl.col("pend_claim")
        entered = frame.select(deny | ~pend).to_series()
        error = _refused(frame, orders[1], entered, pl.Series([False] * frame.height))
        decided_as = pl.when(deny).then(pl.lit("denied")).when(pend).then(pl.lit("pending")).otherwise(pl.lit("approved"))
        frame = frame.with_columns(error.alias("error"), decided_as.alias("decided_as")).with_columns(
            pl.when(pl.col("error").is_not_null()).then(pl.lit("error")).otherwise(pl.col("decided_as")).alias("outcome"))  # fmt: skip
        found = flat.cache[key] = (rows, frame.drop(static.columns))
    return static.hstack(found[1])


def _claim_key(edition: Edition, rules: _Compiled) -> str:
    """What the claim rules and the derivations read of an edition: the row rules' key, the claim rules'
    bound conditions, and the edition but for its tiers and cap (which only the assessment reads)."""
    claim = [(r.id, p) for r, p in zip(rules.rules, rules.patterns) if r.on == "claim"]
    data = edition.model_dump(mode="json", exclude={"id", "title", "source", "tiers", "cap", "contribution", "references"})
    return json.dumps([_row_key(edition, rules), claim, data], sort_keys=True, default=str)


def _guess(out: pl.DataFrame, columns: list, edition: Edition, orders: Optional[tuple]) -> pl.DataFrame:
    """The next round's history guessed from a round's output ``out``: which claims enter (decided
    and not refused), which are refused, and what each was paid, by the issue's arithmetic
    (:func:`_telescoped`). ``orders``: the permutations of ``out``'s rows when it is the whole frame."""
    by_accident, by_send = orders or (_Order(out, "a"), _Sends(out))
    err = out.select(pl.col("outcome") == "error").to_series()
    decided = out.select(pl.col("decided_as").is_in(["approved", "denied"])).to_series() & ~err
    paid, denied = _telescoped(out, edition, decided, by_accident)
    waits = out.select((pl.col("pend_rows") | pl.col("pend_claim")) & ~(pl.col("deny_rows") | pl.col("deny_claim"))).to_series()
    decided = out.with_columns(denied.alias("denied"), decided.alias("decided")).select(
        pl.when(waits).then(pl.col("denied")).otherwise(pl.col("decided"))).to_series()  # fmt: skip
    for _ in range(2):  # the sends refused, given the sends guessed to enter, and again
        err = _refused(out, by_send, decided & ~err, err).is_not_null()
    return out.select([*columns, (decided & ~err).alias("entered"), err.alias("err")]).with_columns(paid.alias("paid"))


def _telescoped(out: pl.DataFrame, edition: Edition, entered: pl.Series, by_accident: "_Order") -> tuple[pl.Series, pl.Series]:
    """What each claim was paid, by the issue's arithmetic over a round's output: a claim that nothing
    but the tier and the cap can stop (``payable``) is due its tier less the largest tier due before
    it for the accident (the top-ups telescope), and the cap clips the member's dues once. And whether
    the tier or the cap would deny each claim."""
    payable = ~(pl.col("deny_rows") | pl.col("pend_rows") | pl.col("deny_claim") | pl.col("pend_claim") | (pl.col("outcome") == "error"))
    if edition.accumulate_same_accident:  # the accident's totals again, over the claims now guessed to enter
        mine = out.select(pl.when(entered).then(pl.col("counted_fen")).otherwise(0)).to_series()
        accident = out.select(pl.col("counted_fen")).to_series() + by_accident.before_sum(mine)
    else:
        accident = out.get_column("counted_fen")
    size = flags(out.height)  # each chain below one query (a small table pays per query)
    tiers = out.lazy().select(pl.col("m")).with_columns(accident.alias("accident_fen")).with_columns(
        compiled(edition).assessed[0]["tier_fen"].alias("tier_fen")).collect(optimizations=size)  # art5.2's tier of each total  # fmt: skip
    now = tiers.get_column("tier_fen")
    tier = out.with_columns(now.alias("tier_now")).select(pl.when(payable).then(pl.col("tier_now")).otherwise(0)).to_series()
    best = by_accident.before_extreme(tier, low=False, none=0, width=34)
    frame = out.lazy().select("m", "in_scope").with_columns(tier.alias("tier"), best.alias("best"), now.alias("now"))
    frame = frame.with_columns(pl.when(pl.col("tier") > pl.col("best")).then(pl.col("tier") - pl.col("best")).otherwise(0).alias("due"))
    frame = frame.with_columns(pl.when(pl.col("in_scope")).then(pl.col("due")).otherwise(0).alias("scoped"))
    frame = frame.with_columns((pl.lit(edition.cap_fen) - _member_before_sum("scoped")).alias("left"))
    paid = pl.when(pl.col("left") <= 0).then(0).when(pl.col("due") < pl.col("left")).then(pl.col("due")).otherwise(pl.col("left"))
    # a claim the rules pend is denied, and so enters, when art5.2 or art5.3 would deny it: no tier,
    # nothing due beyond what the accident was paid, or nothing left of the cap
    denied = (pl.col("now") == 0) | (pl.col("now") <= pl.col("best")) | (pl.col("left") <= 0)
    got = frame.select(paid.alias("literal"), denied.alias("now")).collect(optimizations=size)
    return got.get_column("literal"), got.get_column("now")


def _before_in_run(name: str, key: str) -> pl.Expr:
    """The sum of the earlier values of the run of equal ``key`` a row is in (rows sorted by ``key``):
    one cumulative sum less its value where the run starts (a window per run costs ten times as much)."""
    c = pl.col(name).cum_sum() - pl.col(name)
    return c - pl.when(pl.col(key).is_first_distinct()).then(c).otherwise(None).forward_fill()


def _parent(parent_keys: pl.Series, child_keys: pl.Series) -> pl.Series:
    """Each child row's place among its parents (a treatment's claim, an item's treatment), by the key
    both hold: the parents' keys are distinct, rising and from 0 (places, row numbers), and each child's
    key is among them. The places are set in an array by key and gathered at the children's keys: a
    scatter and a gather (a tenth of a binary search per child over a million claims, whose three
    million items land in random places of the search's tree), and no join hashing both sides."""
    if child_keys.len() <= SMALL:  # a binary search is one polars call (a small table pays per call)
        return parent_keys.search_sorted(child_keys, side="left").cast(pl.Int64)
    places = pl.repeat(0, cast(int, parent_keys.max()) + 1, dtype=pl.Int64, eager=True)
    return places.scatter(parent_keys, pl.int_range(parent_keys.len(), dtype=pl.Int64, eager=True)).gather(child_keys).alias(parent_keys.name)


def _sums_by_parent(values: pl.Series, parents: pl.Series, count: int) -> pl.Series:
    """The sum of ``values`` over the children of each of ``count`` parents (``parents`` rising: each
    parent's children one run), 0 for a parent without any: differences of one cumulative sum."""
    return _summer(parents, count)(values)


def _summer(parents: pl.Series, count: int) -> Callable[[pl.Series], pl.Series]:
    """:func:`_sums_by_parent` over ``parents`` (places from 0 to ``count`` - 1, rising), its runs' bounds
    found once for several columns of values: the runs' lengths (one pass over the rising places, not a
    binary search a parent) set at their parents' places and summed up."""
    if parents.len() <= SMALL:  # a binary search a parent, one polars call (a small table pays per call)
        bounds = pl.select(pl.lit(parents).search_sorted(pl.int_range(count + 1, dtype=pl.Int64), side="left").cast(pl.Int64)).to_series()
    else:
        runs = parents.rle()
        bounds = pl.repeat(0, count + 1, dtype=pl.Int64, eager=True)
        bounds = bounds.scatter(runs.struct.field("value") + 1, runs.struct.field("len").cast(pl.Int64)).cum_sum()
    ends, starts = bounds.slice(1), bounds.slice(0, count)

    def sums(values: pl.Series) -> pl.Series:  # one query (a small table pays per query)
        total = pl.lit(0, dtype=pl.Int64).append(pl.lit(values).cast(pl.Int64).cum_sum())
        return pl.select(total.gather(pl.lit(ends)) - total.gather(pl.lit(starts))).to_series().alias("")

    return sums


def _blocks(count: int) -> Callable[[pl.Series], pl.Series]:
    """The sum over each of ``count`` parents of values given in blocks of ``count``, one a child (the documents)."""
    def sums(values: pl.Series) -> pl.Series:
        v = pl.lit(values).cast(pl.Int64)
        blocks = [v.slice(k * count, count) for k in range(values.len() // count)] if count else []
        return pl.select(reduce(lambda a, b: a + b, blocks, pl.repeat(0, count, dtype=pl.Int64))).to_series()

    return sums


def _place_in_run(key: str) -> pl.Expr:
    """A row's place in its run of equal ``key`` (rows sorted by ``key``), from 0."""
    place = pl.int_range(pl.len(), dtype=pl.Int64)
    return place - pl.when(pl.col(key).is_first_distinct()).then(place).otherwise(None).forward_fill()


def _member_before_sum(name: str) -> pl.Expr:
    """The sum of the member's earlier values: the rows are sorted by member, so each member is one run."""
    return _before_in_run(name, "m")


_NONE_DAY = (1 << 21) - 1
"""No filing day (above every day number up to 2199-12-31, 802,938)."""


class _Sends:
    """The rows of a frame whose claim id their member sent more than once (``resent``), in their
    order by claim id: only those can be refused as sent again, so only those are read."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.height = frame.height
        self.rows = frame.select(pl.arg_where(pl.col("resent"))).to_series()
        self.sub = frame.select(pl.col("n", "s", "filed_day").gather(self.rows))
        self.order = _Order(self.sub, "s")


def _refused(frame: pl.DataFrame, sends: _Sends, entered: pl.Series, err: pl.Series) -> pl.Series:
    """Each claim's error when its claim id was sent before: ``claim_id`` if an earlier send entered the
    history, ``filed_on`` if the earlier sends were pended with another filing day (it keeps its first
    filing: every earlier send that was not refused has that day, so it is their least); else null."""
    none = pl.repeat(None, sends.height, dtype=pl.String, eager=True)
    if sends.rows.len() == 0:
        return none
    by_send = sends.order
    decided_before = by_send.before_sum(entered.gather(sends.rows))
    ok_filed = sends.sub.select(pl.when(~err.gather(sends.rows)).then(pl.col("filed_day")).otherwise(_NONE_DAY)).to_series()
    first_send = by_send.before_extreme(ok_filed, low=True, none=_NONE_DAY, width=21)
    found = sends.sub.select(
        pl.when(decided_before > 0).then(pl.lit("claim_id"))
        .when((first_send != _NONE_DAY) & (first_send != pl.col("filed_day"))).then(pl.lit("filed_on"))
        .otherwise(pl.lit(None, dtype=pl.String))
    ).to_series()  # fmt: skip
    return none.scatter(sends.rows, found)


def _round(state: pl.DataFrame, edition: Edition, rules: _Compiled, orders: Optional[tuple], claim_stage: Optional[pl.DataFrame] = None) -> pl.DataFrame:
    """Decide every claim of ``state`` against the history its ``entered``, ``paid`` and ``err`` columns make
    (``orders``: the permutations of its rows when it is the whole frame; ``claim_stage``: the columns of
    :func:`_claim_rules` for its rows when they read no history, :func:`_claim_columns`)."""
    by_accident, by_send = orders or (_Order(state, "a"), _Sends(state))
    filed = state.select(pl.when(pl.col("entered")).then(pl.col("filed_day")).otherwise(_NONE_DAY)).to_series()
    first = by_accident.before_extreme(filed, low=True, none=_NONE_DAY, width=21)
    frame = state.with_columns(
        _refused(state, by_send, state.get_column("entered"), state.get_column("err")).alias("error"),
        pl.when(first == _NONE_DAY).then(0).otherwise(first).alias("past_first_filed_day"),
        by_accident.before_sum(state.get_column("paid")).alias("past_paid_for_accident_fen"),
        pl.when(pl.col("in_scope")).then(pl.col("paid")).otherwise(0).alias("paid_scope"),
    ).with_columns(_member_before_sum("paid_scope").alias("past_paid_in_cap_scope_fen"))  # fmt: skip
    if claim_stage is not None:
        frame = frame.hstack(claim_stage)
    else:
        days = state.select("accident_day")  # what the derivations look up once (a few hundred dates)
        frame = _claim_rules(frame.lazy(), days, edition, rules).collect(optimizations=flags(state.height))
    if edition.accumulate_same_accident:
        mine = frame.select(pl.when(pl.col("entered")).then(pl.col("counted_fen")).otherwise(0)).to_series()
        frame = frame.with_columns(by_accident.before_sum(mine).alias("past_counted_fen"))
    else:
        frame = frame.with_columns(pl.lit(0, dtype=pl.Int64).alias("past_counted_fen"))
    lazy = frame.lazy()
    for assessed in rules.assessed:  # the tier before the cap; each field may read the ones before it
        for name, expr in assessed.items():
            lazy = lazy.with_columns(expr.alias(name))
    lazy = rules.tested(lazy, "assessment")
    deny = pl.col("deny_rows") | pl.col("deny_claim") | rules.any_of("assessment", "deny")
    pend = pl.col("pend_rows") | pl.col("pend_claim") | rules.any_of("assessment", "pend")
    decided_as = pl.when(deny).then(pl.lit("denied")).when(pend).then(pl.lit("pending")).otherwise(pl.lit("approved"))
    outcome = pl.when(pl.col("error").is_not_null()).then(pl.lit("error")).otherwise(pl.col("decided_as"))
    return lazy.with_columns(decided_as.alias("decided_as")).with_columns(outcome.alias("outcome")).with_columns(
        pl.when(pl.col("outcome") == "approved").then(pl.col("payout_fen")).otherwise(0).alias("payout_out")
    ).collect(optimizations=flags(state.height))


def edition_of_rows(plan: Optional[Edition]):
    """The edition of each bulk row, as validation resolves it (:func:`mutualaid.validate.parse`): ``plan``
    (the claim's own ``plan`` is then not read), else the registered edition the claim names (the bulk
    checks pass no other name), else the edition whose period holds its accident."""
    def of(c: pl.DataFrame) -> pl.Expr:
        if plan is not None:
            return pl.lit(plan.id)
        days = {d: editions.for_accident(dt.date.fromordinal(d)).id for d in c.get_column("accident_day").drop_nulls().unique().to_list()}
        return pl.coalesce(pl.col("plan"), pl.col("accident_day").replace_strict(days, default=None, return_dtype=pl.String))

    return of


def decide_many(flat: Flat, keep: pl.DataFrame, editions: Sequence[Edition], *, lists: bool = True, pairs: bool = True) -> list[Decided]:
    """The bulk rows decided under each of ``editions`` (the rows of ``keep``; whatif's editions, each over them all)."""
    if keep.height == 0:
        empty = pl.DataFrame(schema={"n": pl.Int64, "claim_id": pl.String, "member_id": pl.String, "outcome": pl.String, "payout_fen": pl.Int64,
                                     "tier_amount_fen": pl.Int64, "error": pl.String, "rules": pl.List(pl.String), "subjects": pl.List(pl.String)})  # fmt: skip
        fired = pl.DataFrame(schema={"n": pl.Int64, "rule": pl.Int64, "subject": pl.String})
        return [Decided(e, empty, 0, fired, {}) for e in editions]
    return [decide_edition(flat, keep, e, lists=lists, pairs=pairs) for e in editions]


def decide(flat: Flat, keep: pl.DataFrame, plan: Optional[Edition]) -> list[Decided]:
    """The bulk rows decided under ``plan``, or each under the edition of its accident (one run per edition)."""
    if keep.height == 0:
        return []
    if plan is not None:
        return [decide_edition(flat, keep, plan)]
    return [decide_edition(flat, keep.filter(pl.col("edition") == eid), cast(Edition, editions.get(eid)))
            for eid in keep.get_column("edition").unique().sort().to_list()]  # fmt: skip
