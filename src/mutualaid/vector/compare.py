"""``whatif.compare(..., engine="polars")``: the comparison's totals and causes worked out over whole columns.

Each edition decides the same claims (:func:`.run.compare_frames`, part by part with ``parts``: :func:`.run.compare_parts`); the claims that moved against
the baseline, and why, are found by joins rather than claim by claim. :func:`mutualaid.whatif.causes`
is read as it is written, over the reasons' (rule, subject) pairs of the two editions:

- the pairs that bit under one edition only, each with its clause and the edition it bit under;
- when only notes differ, the arithmetic: another tier (``art5.2 tier``), else a cap that limits
  under the baseline (``art5.3 cap``), else the accident's earlier claims paid otherwise
  (``art5.2 top-up``).

The totals are those :class:`mutualaid.whatif.Totals` counts, summed by group. The claims the per-claim
path compared (bad input, and the members it decides) come as :class:`mutualaid.whatif.Compared`
rows, added as ``engine="native"`` adds them. :attr:`PolarsComparison.rows` builds the per-claim rows
only when read (for :meth:`~mutualaid.whatif.Comparison.to_frame` and ``changes``); their causes
are worked out for the claims that moved, which are the only ones any report reads.
"""

from __future__ import annotations

from typing import Any, Optional

import polars as pl

from ..rules import rules_for
from ..whatif.comparison import Comparison
from ..whatif.rows import Compared, Side
from .columns import flags
from .engine import Decided
from .run import compare_parts

_CAUSE = pl.Struct({"clause": pl.String, "rule": pl.String, "under": pl.String})


def _pairs(decided: Decided, ids: pl.Series) -> pl.DataFrame:
    """The (rule, subject) pairs of the reasons of the rows ``ids``: ``n``, ``rule``, ``subject``
    (a bad claim has none: its row is not decided)."""
    assert decided.fired is not None and decided.rule_ids is not None
    refused = decided.frame.filter(pl.col("outcome") == "error").select("n")
    return (
        decided.fired.filter(pl.col("n").is_in(ids.implode()))
        .join(refused, on="n", how="anti")
        .with_columns(pl.col("rule").replace_strict(decided.rule_ids, return_dtype=pl.String) if decided.rule_ids else pl.col("rule").cast(pl.String))
        .unique()
    )


def causes_frame(first: Decided, second: Decided, meaning: dict[str, tuple[str, str]]) -> pl.DataFrame:
    """For each row that moved between ``first`` and ``second`` (same rows, same order): ``n`` and
    ``causes``, a sorted list of (clause, rule, under) structs, as :func:`mutualaid.whatif.causes` gives them;
    ``change_fen``, the payout's change; and ``label``, the causes' clauses as one label (:func:`mutualaid.whatif.why.clause_label`)."""
    base, other = _filled(first.frame), _filled(second.frame)
    columns = ("outcome", "payout_fen", "tier_amount_fen", "error")
    assert base.height == other.height  # the same rows in the same order: side by side, no join
    both = base.select("n", *columns).hstack(other.select(pl.col(columns).name.suffix("_b")))
    moved = both.filter((pl.col("outcome") != pl.col("outcome_b")) | (pl.col("payout_fen") != pl.col("payout_fen_b")))
    ids = moved.get_column("n")
    a, b = _pairs(first, ids), _pairs(second, ids)
    clause = {rule: c for rule, (c, _) in meaning.items()}
    effect = {rule: e for rule, (_, e) in meaning.items()}
    size = flags(base.height)
    # Each step collected: the frames below are read more than once, and a lazy plan would work them out again for each reader.
    only = pl.concat(
        [a.join(b, on=["n", "rule", "subject"], how="anti").with_columns(pl.lit("A").alias("under")),
         b.join(a, on=["n", "rule", "subject"], how="anti").with_columns(pl.lit("B").alias("under"))]
    ).with_columns(
        pl.col("rule").replace_strict(clause, return_dtype=pl.String).alias("clause"),
        (pl.col("rule").replace_strict(effect, return_dtype=pl.String) != "note").alias("moves_money"),
    )  # fmt: skip
    per_row = only.group_by("n").agg(pl.col("moves_money").any().alias("moves_money"), pl.len().alias("only"))
    capped = a.filter(pl.col("rule") == "cap.limits_payout").select("n").unique().with_columns(pl.lit(True).alias("capped"))
    # What each moved row's causes are made of: bad input under one edition only names it (whatif.why.why);
    # else the rules that bit under one edition only, and when those are notes only, the arithmetic.
    row = (
        moved.lazy().join(per_row.lazy(), on="n", how="left").join(capped.lazy(), on="n", how="left")
        .select(
            "n",
            (pl.col("error").is_not_null() & pl.col("error_b").is_null()).alias("input_a"),
            (pl.col("error").is_null() & pl.col("error_b").is_not_null()).alias("input_b"),
            pl.col("moves_money").fill_null(False), pl.col("only").fill_null(0), pl.col("capped").fill_null(False),
            (pl.col("tier_amount_fen") != pl.col("tier_amount_fen_b")).alias("tier_moved"),
            "error", "error_b",
        )
        .with_columns((~pl.col("input_a") & ~pl.col("input_b")).alias("rules"))
        .with_columns((pl.col("rules") & ~pl.col("moves_money")).alias("arithmetic"))
        .collect(optimizations=size)
    )  # fmt: skip

    def cause(where: pl.Expr, clause_: Any, rule: Any, under: str) -> pl.DataFrame:
        return row.filter(where).select("n", pl.lit(clause_).alias("clause"), (pl.lit(rule) if isinstance(rule, str) else rule).alias("rule"), pl.lit(under).alias("under"))

    arithmetic = pl.col("arithmetic") & ~pl.col("tier_moved") & (pl.col("only") == 0)
    every = pl.concat([
        only.join(row.filter(pl.col("rules")).select("n"), on="n", how="semi").select("n", "clause", "rule", "under"),
        cause(pl.col("input_a"), "input", pl.col("error"), "A"),
        cause(pl.col("input_b"), "input", pl.col("error_b"), "B"),
        cause(pl.col("arithmetic") & pl.col("tier_moved"), "art5.2", "tier", ""),
        cause(arithmetic & pl.col("capped"), "art5.3", "cap", ""),
        cause(arithmetic & ~pl.col("capped"), "art5.2", "top-up", ""),
    ])  # fmt: skip
    # Each row's causes a sorted set: the rows sorted and made unique before they are gathered (sorting
    # each row's list of structs costs ten times as much). And its label, its clauses sorted, made
    # unique and joined (whatif.why.clause_label), to total the cost by: a bit a clause, or-ed by row,
    # and each set of bits named once (a few clauses, a few sets; not a text joined a row).
    ordered = every.unique().sort("n", "clause", "rule", "under")
    clauses = sorted(ordered.get_column("clause").unique().to_list())
    bits = {c: 1 << k for k, c in enumerate(clauses)}
    causes = ordered.group_by("n", maintain_order=True).agg(
        pl.struct("clause", "rule", "under").alias("causes"),
        (pl.col("clause").replace_strict(bits, return_dtype=pl.Int64) if bits else pl.lit(0, dtype=pl.Int64)).bitwise_or().alias("clauses"),
    )
    named = {0: "?"} | {
        mask: " + ".join(c for c in clauses if bits[c] & mask) for mask in causes.get_column("clauses").unique().to_list()
    }  # fmt: skip
    out = moved.lazy().join(causes.lazy(), on="n", how="left", maintain_order="left").select(
        "n", pl.col("causes").fill_null(pl.lit([], dtype=pl.List(_CAUSE))), (pl.col("payout_fen_b") - pl.col("payout_fen")).alias("change_fen"),
        pl.col("clauses").fill_null(0).replace_strict(named, return_dtype=pl.String).alias("label"),
    )  # fmt: skip
    return out.collect(optimizations=size)


def _filled(side: pl.DataFrame) -> pl.DataFrame:
    """A bad claim's row pays 0 and has no tier in a comparison's sums (as :class:`mutualaid.whatif.Side` holds it)."""
    return side.with_columns(pl.col("payout_fen").fill_null(0), *([pl.col("tier_amount_fen").fill_null(0)] if "tier_amount_fen" in side.columns else []))


def _meaning(editions: tuple) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for e in editions:
        for r in rules_for(e):
            found[r.id] = (r.clause, r.effect)
    return found


class PolarsComparison(Comparison):
    """A :class:`~mutualaid.whatif.Comparison` whose totals were summed over columns (see the module docstring)."""

    def __init__(self, editions: tuple, sides: list, by_hand: dict, causes: list) -> None:
        self._sides, self._by_hand, self._causes = sides, by_hand, causes
        self._rows: Optional[list] = None
        super().__init__(editions, keep=False)
        self._keep = True

    @property
    def rows(self) -> list:
        """Every claim compared, in order, as :class:`~mutualaid.whatif.Compared` rows (built when read)."""
        if self._rows is None:
            self._rows = self._build_rows()
        return self._rows

    @rows.setter
    def rows(self, value: list) -> None:  # Comparison.__init__ sets it empty; the rows are built when read
        pass

    def _build_rows(self) -> list:
        n_editions = len(self._sides)
        causes = [dict(zip(c.get_column("n").to_list(), c.get_column("causes").to_list())) for c in self._causes]
        columns = [s.select("n", "claim_id", "outcome", "payout_fen", "error") for s in self._sides]
        out: dict[int, Compared] = dict(self._by_hand)
        if columns and columns[0].height:
            ns = columns[0].get_column("n").to_list()
            cids = columns[0].get_column("claim_id").to_list()
            outcomes = [c.get_column("outcome").to_list() for c in columns]
            payouts = [c.get_column("payout_fen").to_list() for c in columns]
            errors = [c.get_column("error").to_list() for c in columns]
            for row, n in enumerate(ns):
                sides = tuple(Side(outcomes[k][row], payouts[k][row], tuple(errors[k][row].split(",")) if errors[k][row] else ())
                              for k in range(n_editions))  # fmt: skip
                why = tuple(tuple((x["clause"], x["rule"], x["under"]) for x in causes[k - 1].get(n, ())) for k in range(1, n_editions))
                out[n] = Compared(n + 1, cids[row], sides, why)
        return [out[n] for n in sorted(out)]


def _add_bulk(comparison: PolarsComparison) -> None:
    """Add the bulk rows to the comparison's totals, group by group (what :meth:`Totals.add` adds a claim at a time)."""
    totals = comparison.totals
    sides = comparison._sides
    if not sides or sides[0].height == 0:
        return
    totals.claims += sides[0].height
    for k, side in enumerate(sides):
        totals.paid[k] += int(side.get_column("payout_fen").sum())
        for outcome, count in side.group_by("outcome").len().iter_rows():
            totals.outcomes[k][outcome] = totals.outcomes[k].get(outcome, 0) + count
        for amount, count in side.filter(pl.col("outcome") != "error").group_by("payout_fen").len().iter_rows():
            totals.payouts[k][amount] = totals.payouts[k].get(amount, 0) + count
    base = sides[0]
    for k in range(1, len(sides)):
        side = sides[k]
        totals.outcome_changes[k - 1] += int((base.get_column("outcome") != side.get_column("outcome")).sum())
        totals.payout_changes[k - 1] += int((base.get_column("payout_fen") != side.get_column("payout_fen")).sum())
        moved = comparison._causes[k - 1]
        by_cause = totals.by_causes[k - 1]
        for cause, count in moved.select(pl.col("causes").explode()).drop_nulls().group_by("causes").len().iter_rows():
            key = (cause["clause"], cause["rule"], cause["under"])
            by_cause[key] = by_cause.get(key, 0) + count
        cost = totals.cost_by_clause[k - 1]
        for label, change in moved.group_by("label").agg(pl.col("change_fen").sum()).iter_rows():
            cost[label] = cost.get(label, 0) + int(change)


def compare(claims: Any, editions: tuple, parts: int = 1) -> PolarsComparison:
    """``whatif.compare(claims, *editions, engine="polars", parts=parts)``: see the module docstring."""
    meaning = _meaning(editions)
    compared = compare_parts(claims, editions, lambda first, other: causes_frame(first, other, meaning), parts)
    sides = [_filled(s) for s in compared.sides]
    causes = compared.against
    comparison = PolarsComparison(editions, sides, compared.by_hand, causes)
    _add_bulk(comparison)
    for n in sorted(compared.by_hand):
        comparison.totals.add(compared.by_hand[n])
    return comparison


def sweep(claims: Any, editions: tuple, parts: int = 1) -> pl.DataFrame:
    """Each edition's totals over the same claims, against the first: one row an edition (``whatif.sweep``).

    Columns: ``edition`` (label), ``paid_fen``, ``change_fen`` (against the first), ``approved``,
    ``claims_changed`` (outcome or payout), ``members_paid`` (paid anything), ``members_affected``
    (paid another total than under the first edition), ``members_paid_more``, ``members_paid_less``.
    """
    compared = compare_parts(claims, editions, parts=parts)
    labels = Comparison(editions).labels
    rows = []
    for k, side in enumerate(compared.sides):
        frame = side.select("n", "member_id", "outcome", pl.col("payout_fen").fill_null(0))
        by_hand = [(n, compared.members.get(n), c.sides[k].outcome, c.sides[k].payout_fen) for n, c in compared.by_hand.items()]
        if by_hand:
            frame = pl.concat([frame, pl.DataFrame(by_hand, schema=frame.schema, orient="row")])
        rows.append(frame.sort("n"))
    base = rows[0]
    base_members = base.drop_nulls("member_id").group_by("member_id").agg(pl.col("payout_fen").sum().alias("base"))
    out = []
    for label, frame in zip(labels, rows):
        members = frame.drop_nulls("member_id").group_by("member_id").agg(pl.col("payout_fen").sum().alias("paid"))
        joined = members.join(base_members, on="member_id", how="full", coalesce=True).fill_null(0)
        moved = (frame.get_column("outcome") != base.get_column("outcome")) | (frame.get_column("payout_fen") != base.get_column("payout_fen"))
        paid = int(frame.get_column("payout_fen").sum())
        out.append({
            "edition": label, "paid_fen": paid, "change_fen": paid - int(base.get_column("payout_fen").sum()),
            "approved": int((frame.get_column("outcome") == "approved").sum()), "claims_changed": int(moved.sum()),
            "members_paid": int((joined.get_column("paid") > 0).sum()),
            "members_affected": int((joined.get_column("paid") != joined.get_column("base")).sum()),
            "members_paid_more": int((joined.get_column("paid") > joined.get_column("base")).sum()),
            "members_paid_less": int((joined.get_column("paid") < joined.get_column("base")).sum()),
        })  # fmt: skip
    return pl.DataFrame(out)
