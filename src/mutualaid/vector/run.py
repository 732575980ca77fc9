"""The polars engine's two doors: a table of decisions (``frame.decide``) and a comparison (``whatif.compare``).

Each reads the claims once (:func:`.columns.read_claims`, :func:`.engine.flatten`), routes the rows
(:func:`.engine.routed`), decides the bulk rows edition by edition, and decides the rows set aside
by the per-claim path in their order, through one :class:`~mutualaid.Ledger` (or, for a comparison,
one per edition, as ``engine="native"`` does). The two parts are put back in the claims' order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import polars as pl

from ..decide import _yuan, adjudicate
from ..door import read
from ..edition import Edition
from ..errors import InvalidClaim
from ..ledger import Ledger, member_of
from ..model import Decision, HistoryEntry, build
from ..whatif.comparer import CompareSpec
from ..whatif.rows import Compared as WhatIfRow
from ..whatif.why import why
from .columns import Source, read_claims, read_parts
from .engine import Decided, decide, decide_many, edition_of_rows, flatten, routed

FEN_COLUMNS = ("payout_fen", "counted_out_of_pocket_fen", "accident_out_of_pocket_fen", "tier_amount_fen", "cap_remaining_fen")
_TABLE: dict[str, Any] = {"n": pl.Int64, "claim_id": pl.String, "member_id": pl.String, "outcome": pl.String, "edition": pl.String,
          **dict.fromkeys(FEN_COLUMNS, pl.Int64), "reasons": pl.Int64, "rules": pl.List(pl.String), "subjects": pl.List(pl.String),
          "error": pl.String}  # fmt: skip


@dataclass
class Table:
    """Every claim decided, one row a claim in the claims' order (``frame``, columns :data:`_TABLE`), with
    the per-claim path's decisions by place (``decisions``) and what a deferred decision is built from."""

    frame: pl.DataFrame
    decisions: dict
    source: Source
    bulk: pl.DataFrame
    """The bulk rows' history columns: ``n``, ``member_id``, ``claim_id``, ``outcome``, amounts, ``accident_id``, ``accident_day``, ``filed_day``, ``edition``."""
    editions: dict = field(default_factory=dict)
    """The editions that decided the bulk rows, by id."""

    def decision(self, n: int) -> Decision:
        """The decision of the bulk row ``n``, built by the per-claim path with the history the table gives it."""
        row = self.bulk.filter(pl.col("n") == n).row(0, named=True)
        earlier = self.bulk.filter(
            (pl.col("member_id") == row["member_id"]) & (pl.col("n") < n) & pl.col("outcome").is_in(["approved", "denied"])
        ).sort("n")
        history = tuple(
            build(HistoryEntry, claim_id=e["claim_id"], accident_id=e["accident_id"], accident_occurred_on=dt.date.fromordinal(e["accident_day"]),
                  counted_out_of_pocket=_yuan(e["counted_out_of_pocket_fen"]), paid=_yuan(e["payout_fen"]), filed_on=dt.date.fromordinal(e["filed_day"]))
            for e in earlier.iter_rows(named=True)
        )  # fmt: skip
        claim = self.source.raw([n])[n]
        return adjudicate(claim, history, plan=self.editions[row["edition"]], record=False)


def _read(claims: Any, plan: Optional[Edition]):
    source = read_claims(claims)
    flat = flatten(source)
    keep, aside = routed(flat, source, edition_of_rows(plan))
    return source, flat, keep, aside


def decide_table(claims: Any, plan: Optional[Edition], errors: str) -> Table:
    """``frame.decide(claims, plan=plan, engine="polars", errors=errors)``'s rows, as polars."""
    from ..frame import AMOUNTS, decided_row  # the frame extra (pandas, pyarrow): frame.decide is what calls this

    source, flat, keep, aside = _read(claims, plan)
    parts = decide(flat, keep, plan)
    raw = source.raw(aside)
    ledger = _ledger(plan)
    rows: dict[str, list] = {name: [] for name in _TABLE}
    decisions: dict[int, Decision] = {}
    for n in sorted(raw):
        row = decided_row(ledger, raw[n], errors)
        d = row["decision"]
        values = {**row, "n": n}
        if d is not None:
            decisions[n] = d
            values["subjects"] = [r.subject for r in d.reasons]
            values.update({f"{name}_fen": _fen(row[name]) for name in AMOUNTS})
        for name in _TABLE:
            rows[name].append(values.get(name))
    by_hand = pl.DataFrame(rows, schema=_TABLE)
    empty = pl.DataFrame(schema={**_TABLE, "accident_id": pl.String, "accident_day": pl.Int64, "filed_day": pl.Int64})
    bulk = pl.concat([p.frame for p in parts], how="vertical_relaxed") if parts else empty
    frame = pl.concat([bulk.select(list(_TABLE)), by_hand], how="vertical_relaxed").sort("n")
    if errors == "raise" and (frame.get_column("outcome") == "error").any():
        first = frame.filter(pl.col("outcome") == "error").row(0, named=True)["n"]
        if first not in raw:  # a claim id sent again, found in bulk: the per-claim path words the error
            _replay_to(first, frame, source, plan)
    table = Table(frame, decisions, source, bulk)
    table.editions = {p.edition.id: p.edition for p in parts}
    return table


def _replay_to(first: int, frame: pl.DataFrame, source: Source, plan: Optional[Edition]) -> None:
    """Raise the error of the bad claim at place ``first``, as ``errors="raise"`` does: its member's claims
    before it are decided again through a Ledger, which then refuses it with its words."""
    member = frame.filter(pl.col("n") == first).get_column("member_id").item()
    places = frame.filter((pl.col("member_id") == member) & (pl.col("n") <= first)).get_column("n").to_list()
    raw = source.raw(places)
    ledger = _ledger(plan)
    for n in places:
        try:
            ledger.decide(raw[n])
        except InvalidClaim:
            if n == first:
                raise
    raise AssertionError(f"claim {first + 1} was found bad in bulk and not by the per-claim path")  # pragma: no cover


def _fen(amount) -> int:
    return int(amount.scaleb(2))


def _ledger(plan: Optional[Edition]):
    return Ledger(plan=plan, engine="native", record=False)


# --- whatif.compare ---------------------------------------------------------------------------------


@dataclass
class Compared:
    """Every claim under each edition, as polars: ``sides`` (one frame an edition, the columns of a
    :class:`Table` frame) in the claims' order, and the per-claim path's ``Compared`` rows by place."""

    sides: list
    by_hand: dict
    total: int
    members: dict = None  # type: ignore[assignment]
    """The member id of each claim the per-claim path compared, by place (None: no valid member id)."""
    against: list = None  # type: ignore[assignment]
    """What ``compare_frames``' ``against`` found for each edition after the first."""


SLIM = ("n", "claim_id", "member_id", "outcome", "payout_fen", "error")
"""What a comparison keeps of each edition's table once its causes are found (a sweep holds twenty):
the outcome as an enum, and the places and ids the first edition's (the same rows, in the same order)."""
OUTCOMES = pl.Enum(["approved", "denied", "pending", "error"])
"""A decision's outcome (``model.Outcome``), or ``error`` for bad input."""


def _slim(frame: pl.DataFrame, first: Optional[pl.DataFrame]) -> pl.DataFrame:
    """What a comparison keeps of an edition's table (:data:`SLIM`), sharing the first edition's places and ids."""
    slim = frame.select(SLIM).with_columns(pl.col("outcome").cast(OUTCOMES))
    if first is None:
        return slim
    assert slim.get_column("n").equals(first.get_column("n"))  # every edition decides the same rows, in place order
    return slim.with_columns(first.get_column("n"), first.get_column("claim_id"), first.get_column("member_id"))


def _validated(claim: Any) -> Any:
    """A claim for the per-claim comparer: validated once (:func:`mutualaid.door.read`), so that each
    edition's ledger takes the model as it is, as a ledger hands its own validated model to
    ``adjudicate``; a claim that is bad input is handed over as it came, to be refused with its words."""
    try:
        model, _ = read(claim)
    except Exception:  # noqa: BLE001 - whatever the reading raises, the ledger raises it again and words it
        return claim
    return claim if model is None else model


def _alone(places: set, raw: dict, editions_: tuple) -> dict:
    """The comparer's rows of the bad rows that went to the per-claim path without their member
    (:attr:`.engine.Flat.alone`): bad input whatever the history, so worded alike under every edition;
    refused once, by the first edition's ledger, and that side given to each."""
    if not places:
        return {}
    out = {}
    for c in CompareSpec((editions_[0],), "native").worker(0, 1)([(n + 1, raw[n]) for n in sorted(places)]):
        side = c.sides[0]
        assert side.outcome == "error"  # routed sends alone only what validation refuses by itself
        out[c.line - 1] = WhatIfRow(c.line, c.claim_id, (side,) * len(editions_), tuple(why(None, None, side, side) for _ in editions_[1:]))
    return out


def compare_parts(claims: Any, editions_: tuple, against: Optional[Callable[[Decided, Decided], Any]] = None, parts: int = 1) -> Compared:
    """:func:`compare_frames` over the claims in ``parts`` parts by member (:func:`.columns.read_parts`),
    decided one after another, put together in the claims' order: what ``parts=1`` gives, in the memory
    of a part (and what the comparison keeps of every claim: :data:`SLIM` columns an edition)."""
    if parts == 1:
        return compare_frames(claims, editions_, against)
    done = [compare_frames(source, editions_, against) for source in read_parts(claims, parts)]
    sides = [pl.concat([d.sides[k] for d in done], how="vertical_relaxed").sort("n") for k in range(len(editions_))]
    found = [pl.concat([d.against[k] for d in done], how="vertical_relaxed").sort("n") for k in range(len(editions_) - 1)] if against else []
    by_hand = {n: c for d in done for n, c in d.by_hand.items()}
    members = {n: m for d in done for n, m in d.members.items()}
    return Compared(sides, by_hand, sum(d.total for d in done), members, found)


def compare_frames(claims: Any, editions_: tuple, against: Optional[Callable[[Decided, Decided], Any]] = None) -> Compared:
    """Each edition's decisions of the same claims: the bulk rows by the polars engine, the rest by the
    per-claim comparer (``engine="native"``), which words bad input and its causes as ever.

    Editions are decided one at a time, without the reasons' lists, and each table is kept only in its
    :data:`SLIM` columns; ``against(first, other)``, when given, reads each other edition's
    :class:`~.engine.Decided` (its table and the rules that bit) beside the first's (the causes of a
    comparison), and what it returns is kept in ``Compared.against``.
    """
    source, flat, keep, aside = _read(claims, editions_[0])
    raw = source.raw(aside)
    source.release()  # the claims as read are no longer needed: the editions' rounds take their memory
    parts: list[Decided] = []
    found = []
    first: Optional[Decided] = None
    for k, edition in enumerate(editions_):
        part = decide_many(flat, keep, (edition,), lists=False, pairs=against is not None)[0]
        if k == 0:
            first = part
        elif against is not None and first is not None:
            found.append(against(first, part))
        parts.append(Decided(part.edition, _slim(part.frame, parts[0].frame if parts else None), part.rounds))
    del first
    worker = CompareSpec(tuple(editions_), "native").worker(0, 1)
    by_hand = {c.line - 1: c for c in worker([(n + 1, _validated(raw[n])) for n in sorted(raw) if n not in flat.alone])}
    by_hand.update(_alone(flat.alone & set(raw), raw, editions_))
    return Compared([p.frame for p in parts], by_hand, source.total, {n: member_of(claim) for n, claim in raw.items()}, found)


__all__ = ["Table", "Compared", "decide_table", "compare_frames", "compare_parts", "FEN_COLUMNS"]
