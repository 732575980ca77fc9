"""What-if across editions: decide the same claims under two or more editions and report what moves.

:func:`compare` (``compare(claims, "gd-nef-2022", "what-if.yaml")``) feeds every claim to one
:class:`~mutualaid.Ledger` per edition (``adjudicate(..., plan=E)``, so a claim's own ``plan`` is
overridden). Each ledger carries its own history: when an edition pays an earlier claim more, its
cap and top-ups feel it in the member's later claims, as they would in a year run under it. It
returns a :class:`Comparison`, data rather than text: per-claim changes with their causing clauses,
totals, the payout distribution, ``.to_frame()`` and ``.plot()``. The first edition is the baseline
every other one is compared with.

``mutualaid diff --edition A --edition B IN`` (:func:`diff`) is a comparison of two editions over a
JSON-lines stream, printed: each change as it is found, then the totals.

A claim *changes* when its outcome or its payout differs. The clause that caused the change is read
off the two decisions:

- the rules that bit under one edition and not the other (compared by rule and subject, as
  ``mutualaid replay`` compares them), each with its clause and the edition it bit under;
- when the same rules bit, the amount moved for a reason of arithmetic: another tier amount
  (art5.2 ``tier``), a cap that limits differently (art5.3 ``cap``), or the accident's earlier
  claims paid differently (art5.2 ``top-up``).

Totals: the change in the total paid, how many claims changed outcome and payout, the outcomes and
the payout distribution (claims per payout amount) under each edition.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Optional

from .batch import CHUNK, ERROR, Progress, claim_id_of, pipeline, read_chunks
from .facts import fen
from .values import read_json

if TYPE_CHECKING:  # pragma: no cover
    from .edition import Edition


__all__ = ["compare", "sweep", "Comparison", "Change", "diff", "causes", "Totals"]


class Side(NamedTuple):
    """One edition's answer for a claim: its outcome (or ``error``), payout in fen, and the bad fields."""

    outcome: str
    payout_fen: int
    error_fields: tuple = ()


class Compared(NamedTuple):
    """One claim decided under every edition (small, to cross between processes)."""

    line: int
    claim_id: Optional[str]
    sides: tuple
    """One :class:`Side` per edition, in the order the editions were given."""
    causes: tuple
    """For each edition after the first: ((clause, rule, under), …), why its outcome or payout moved
    from the first edition's; ``under`` is ``A`` (the first edition), ``B`` (this one) or ``""``."""

    @property
    def a(self) -> Side:
        return self.sides[0]

    @property
    def b(self) -> Side:
        return self.sides[1]

    def moved(self, k: int) -> bool:
        """Whether edition ``k`` decided this claim otherwise than the first edition (outcome or payout)."""
        base, side = self.sides[0], self.sides[k]
        return base.outcome != side.outcome or base.payout_fen != side.payout_fen

    @property
    def changed(self) -> bool:
        return any(self.moved(k) for k in range(1, len(self.sides)))


def causes(a, b) -> tuple:
    """Why two decisions of one claim differ: the rules that bit under one edition only, else the arithmetic."""
    ka = {(r.rule, r.subject): r.clause for r in a.reasons}
    kb = {(r.rule, r.subject): r.clause for r in b.reasons}
    only = {(clause, rule, "A") for (rule, subject), clause in ka.items() if (rule, subject) not in kb}
    only |= {(clause, rule, "B") for (rule, subject), clause in kb.items() if (rule, subject) not in ka}
    if a.outcome == b.outcome and a.payout == b.payout:
        return tuple(sorted(only))
    effects = {(r.rule, r.subject): r.effect for r in (*a.reasons, *b.reasons)}
    if any(effects[key] != "note" for key in ka.keys() ^ kb.keys()):
        return tuple(sorted(only))
    # Only notes differ (such as cap.limits_payout biting under one edition): a note moves no money by
    # itself, so the arithmetic that did is named beside it (a higher tier that the cap then limits).
    if a.tier_amount != b.tier_amount:
        return tuple(sorted(only | {("art5.2", "tier", "")}))
    if only:
        return tuple(sorted(only))
    if a.tier_amount != b.tier_amount:
        return (("art5.2", "tier", ""),)
    if any(r.rule == "cap.limits_payout" for r in a.reasons):  # the cap binds under both editions
        return (("art5.3", "cap", ""),)
    return (("art5.2", "top-up", ""),)


@dataclass(frozen=True)
class CompareSpec:
    """How to build the comparing worker of one process (picklable): one ledger per edition."""

    editions: tuple
    """Edition ids, files or :class:`~mutualaid.Edition` objects."""
    engine: str = "native"

    def worker(self, part: int, parts: int):
        from .ledger import Ledger
        from .plan import resolve

        return _Comparer([Ledger(plan=resolve(e), engine=self.engine, record=False) for e in self.editions])


def _side(ledger, claim: Any):
    from .errors import InvalidClaim

    try:
        d = ledger.decide(claim)
    except InvalidClaim as exc:
        return None, Side("error", 0, exc.fields)
    except Exception:  # noqa: BLE001 - one line never stops a what-if run (issue 13, finding 2), as in batch
        return None, Side("error", 0, ("claim",))
    return d, Side(d.outcome, fen(d.payout))


def _why(da, db, sa: Side, sb: Side) -> tuple:
    if da is not None and db is not None:
        return causes(da, db)
    if (da is None) != (db is None):  # bad input under one edition only
        return (("input", ",".join((sa if da is None else sb).error_fields), "A" if da is None else "B"),)
    return ()


class _Comparer:
    def __init__(self, ledgers: list) -> None:
        self.ledgers = ledgers

    def __call__(self, items: list) -> list:
        out = []
        n = len(self.ledgers)
        for line, raw in items:
            if isinstance(raw, (bytes, str)):
                try:
                    claim = read_json(raw)  # amounts judged by their exact text (issue 13)
                except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading (as batch)
                    bad = Side(ERROR[0], 0, ("claim",))
                    out.append(Compared(line, None, (bad,) * n, ((),) * (n - 1)))
                    continue
            else:
                claim = raw  # a claim given as data (compare's iterables and DataFrames)
            decided = [_side(ledger, claim) for ledger in self.ledgers]
            (d0, s0), rest = decided[0], decided[1:]
            why = tuple(_why(d0, d, s0, s) for d, s in rest)
            cid = claim_id_of(claim)
            out.append(Compared(line, cid if isinstance(cid, str) else None, tuple(s for _, s in decided), why))
        return out


# --- the totals ---------------------------------------------------------------------------------------


def _yuan(amount_fen: int) -> str:
    return str(Decimal(amount_fen).scaleb(-2))


def _money(amount_fen: int) -> Decimal:
    return Decimal(amount_fen).scaleb(-2)


def clause_label(why: tuple) -> str:
    """The clauses of a change's causes as one label (``art5.3``, ``art5.2 + art6.8``), to total a cost by."""
    return " + ".join(sorted({clause for clause, _, _ in why})) or "?"


class Totals:
    """What the whole stream moved, counted as claims arrive: paid, outcomes and payouts under each edition.

    Amounts are integer fen. The counts of changes are against the first edition: index ``k - 1``
    holds edition ``k``'s. ``to_json`` and ``text`` are ``mutualaid diff``'s report of two editions.
    """

    def __init__(self, editions: int = 2) -> None:
        self.editions = editions
        self.claims = 0
        self.paid = [0] * editions
        self.outcomes: list[dict[str, int]] = [{} for _ in range(editions)]
        self.payouts: list[dict[int, int]] = [{} for _ in range(editions)]
        self.outcome_changes = [0] * (editions - 1)
        self.payout_changes = [0] * (editions - 1)
        self.by_causes: list[dict[tuple, int]] = [{} for _ in range(editions - 1)]
        self.cost_by_clause: list[dict[str, int]] = [{} for _ in range(editions - 1)]
        """Per edition after the first: clause label → the change in fen paid by the claims it moved."""

    @property
    def outcome_changed(self) -> int:
        return self.outcome_changes[0]

    @property
    def payout_changed(self) -> int:
        return self.payout_changes[0]

    @property
    def by_cause(self) -> dict[tuple, int]:
        return self.by_causes[0]

    def add(self, c: Compared) -> None:
        self.claims += 1
        for k, side in enumerate(c.sides):
            self.paid[k] += side.payout_fen
            self.outcomes[k][side.outcome] = self.outcomes[k].get(side.outcome, 0) + 1
            if side.outcome != "error":
                self.payouts[k][side.payout_fen] = self.payouts[k].get(side.payout_fen, 0) + 1
        base = c.sides[0]
        for k in range(1, len(c.sides)):
            side, why = c.sides[k], c.causes[k - 1]
            self.outcome_changes[k - 1] += base.outcome != side.outcome
            self.payout_changes[k - 1] += base.payout_fen != side.payout_fen
            if c.moved(k):
                for cause in why:
                    self.by_causes[k - 1][cause] = self.by_causes[k - 1].get(cause, 0) + 1
                label = clause_label(why)
                cost = self.cost_by_clause[k - 1]
                cost[label] = cost.get(label, 0) + side.payout_fen - base.payout_fen

    def to_json(self) -> dict:
        amounts = sorted(set(self.payouts[0]) | set(self.payouts[1]))
        names = ("approved", "denied", "pending", "error")
        return {
            "claims": self.claims,
            "paid": {"A": _yuan(self.paid[0]), "B": _yuan(self.paid[1]), "change": _yuan(self.paid[1] - self.paid[0])},
            "outcome_changed": self.outcome_changed,
            "payout_changed": self.payout_changed,
            "outcomes": {n: {"A": self.outcomes[0].get(n, 0), "B": self.outcomes[1].get(n, 0)} for n in names},
            "payout_distribution": [
                {"payout": _yuan(f), "A": self.payouts[0].get(f, 0), "B": self.payouts[1].get(f, 0)} for f in amounts
            ],
            "changes_by_cause": [
                {"clause": cl, "rule": rule, "under": under, "claims": n}
                for (cl, rule, under), n in sorted(self.by_cause.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        }

    def text(self) -> str:
        t = self.to_json()
        out = [
            f"claims: {self.claims:,}; outcome changed: {self.outcome_changed:,}; payout changed: {self.payout_changed:,}",
            f"total paid: A {Decimal(t['paid']['A']):,.2f}  B {Decimal(t['paid']['B']):,.2f}  change {Decimal(t['paid']['change']):+,.2f}",
            "outcomes:            A            B",
        ]
        out += [f"  {n:<10} {v['A']:>12,} {v['B']:>12,}" for n, v in t["outcomes"].items()]
        out.append("payout distribution (claims):")
        out.append(f"  {'payout':>12} {'A':>12} {'B':>12}")
        out += [f"  {Decimal(r['payout']):>12,.2f} {r['A']:>12,} {r['B']:>12,}" for r in t["payout_distribution"]]
        if t["changes_by_cause"]:
            out.append("changes by cause (claims):")
            out += [f"  {c['claims']:>10,}  {_cause_text((c['clause'], c['rule'], c['under']))}" for c in t["changes_by_cause"]]
        return "\n".join(out)


def _cause_text(cause: tuple, names: tuple = ("A", "B")) -> str:
    clause, rule, under = cause
    if under:
        under = names[0] if under == "A" else names[1]
    return f"{clause} {rule}" + (f" (under {under} only)" if under else "")


# --- the comparison: compare() ---------------------------------------------------------------------


class Change(NamedTuple):
    """One claim that an edition decided otherwise than the first (baseline) edition."""

    line: int
    """Its place in the claims given, from 1 (a JSON-lines file's line number)."""
    claim_id: Optional[str]
    edition: str
    """The label of the edition that moved it (its id; see :attr:`Comparison.labels`)."""
    before: tuple[str, Decimal]
    """(outcome, payout) under the baseline; outcome ``error`` for bad input."""
    after: tuple[str, Decimal]
    """(outcome, payout) under ``edition``."""
    payout_change: Decimal
    causes: tuple
    """((clause, rule, under), …): the rules that bit under one edition only (``under`` names it by
    label), or the arithmetic that moved the amount (``under`` empty): ``art5.2 tier``,
    ``art5.3 cap``, ``art5.2 top-up``; ``input`` when the claim is bad input under one edition only."""


class Comparison:
    """The same claims decided under several editions: what moved, by how much, and why.

    Money is ``Decimal`` (yuan) or integer fen, never float. The first edition is the baseline:
    changes and costs are each other edition's against it.

    - :attr:`labels`: each edition's label, its id (``#2``… appended when two share an id);
    - :attr:`paid`, :attr:`outcomes`, :attr:`distribution`: totals under each edition, by label;
    - :attr:`changes`: one :class:`Change` per (claim, edition) that moved, with its causing clauses;
    - :attr:`cost_by_clause`: per edition, the change in the total paid, by the clauses that caused it;
      a label sums exactly to that edition's total change;
    - :meth:`to_frame` and :meth:`plot`.
    """

    def __init__(self, editions: tuple, *, keep: bool = True) -> None:
        self.editions: tuple["Edition", ...] = editions
        ids = [e.id for e in editions]
        self.labels: tuple[str, ...] = tuple(i if ids.count(i) == 1 else f"{i}#{k + 1}" for k, i in enumerate(ids))
        self.totals = Totals(len(editions))
        self.rows: list[Compared] = []
        """Every claim compared, in order (kept only when ``keep``)."""
        self._keep = keep

    def add(self, c: Compared) -> None:
        self.totals.add(c)
        if self._keep:
            self.rows.append(c)

    @property
    def claims(self) -> int:
        return self.totals.claims

    @property
    def paid(self) -> dict[str, Decimal]:
        """The total paid under each edition, in yuan."""
        return {label: _money(f) for label, f in zip(self.labels, self.totals.paid)}

    @property
    def paid_change(self) -> dict[str, Decimal]:
        """Each edition's total paid less the baseline's."""
        base = self.totals.paid[0]
        return {label: _money(f - base) for label, f in zip(self.labels, self.totals.paid)}

    @property
    def outcomes(self) -> dict[str, dict[str, int]]:
        """Claims per outcome (``approved``, ``denied``, ``pending``, ``error``) under each edition."""
        names = ("approved", "denied", "pending", "error")
        return {label: {n: o.get(n, 0) for n in names} for label, o in zip(self.labels, self.totals.outcomes)}

    @property
    def distribution(self) -> dict[str, dict[Decimal, int]]:
        """Claims per payout amount (bad input left out), under each edition, amounts ascending."""
        return {label: {_money(f): n for f, n in sorted(p.items())} for label, p in zip(self.labels, self.totals.payouts)}

    @property
    def cost_by_clause(self) -> dict[str, dict[str, Decimal]]:
        """For each edition after the first: clause label → the change in yuan paid by the claims it moved."""
        return {
            label: {k: _money(v) for k, v in sorted(cost.items(), key=lambda kv: (kv[1], kv[0]))}
            for label, cost in zip(self.labels[1:], self.totals.cost_by_clause)
        }

    @property
    def changes(self) -> list[Change]:
        """Each (claim, edition) that moved from the baseline, in claim order, then edition order."""
        out = []
        for c in self.rows:
            base = c.sides[0]
            for k in range(1, len(c.sides)):
                if c.moved(k):
                    side = c.sides[k]
                    names = (self.labels[0], self.labels[k])
                    why = tuple((cl, rule, names[0] if u == "A" else names[1] if u == "B" else "") for cl, rule, u in c.causes[k - 1])
                    out.append(Change(c.line, c.claim_id, self.labels[k], (base.outcome, _money(base.payout_fen)),
                                      (side.outcome, _money(side.payout_fen)), _money(side.payout_fen - base.payout_fen), why))  # fmt: skip
        return out

    def __repr__(self) -> str:
        return f"<Comparison of {self.claims:,} claims under {', '.join(self.labels)}>"

    def __str__(self) -> str:
        width = max(len(x) for x in self.labels)
        lines = [f"{self.claims:,} claims; baseline {self.labels[0]}"]
        for k, label in enumerate(self.labels):
            moved = "" if k == 0 else f"  {self.totals.payout_changes[k - 1]:,} payouts and {self.totals.outcome_changes[k - 1]:,} outcomes changed"
            lines.append(f"  {label:<{width}}  paid {self.paid[label]:>16,.2f}  change {self.paid_change[label]:>+15,.2f}{moved}")
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per (claim, edition), long form, as a pandas DataFrame (needs ``mutualaid[frame]``).

        Columns: ``line``, ``claim_id``, ``edition`` (label), ``outcome``, ``payout_fen`` and
        ``payout`` (yuan, decimal128), ``payout_change_fen`` and ``payout_change`` (against the
        baseline), ``changed`` (outcome or payout moved), ``causes`` (``clause rule``, ``; ``-joined,
        ``(under X only)`` for a rule that bit under one edition only) and ``error`` (bad fields).
        """
        from .frame import FEN, TEXT, YUAN, pa, pd

        cols: dict[str, list] = {n: [] for n in ("line", "claim_id", "edition", "outcome", "payout_fen", "change_fen", "changed", "causes", "error")}
        for c in self.rows:
            base = c.sides[0]
            for k, side in enumerate(c.sides):
                moved = k > 0 and c.moved(k)
                names = (self.labels[0], self.labels[k])
                for name, value in (("line", c.line), ("claim_id", c.claim_id), ("edition", self.labels[k]), ("outcome", side.outcome),
                                    ("payout_fen", side.payout_fen), ("change_fen", side.payout_fen - base.payout_fen), ("changed", moved),
                                    ("causes", "; ".join(_cause_text(x, names) for x in c.causes[k - 1]) if moved else ""),
                                    ("error", ",".join(side.error_fields) or None)):  # fmt: skip
                    cols[name].append(value)
        return pd.DataFrame(
            {
                "line": pd.Series(cols["line"], dtype=FEN),
                "claim_id": pd.Series(cols["claim_id"], dtype=TEXT),
                "edition": pd.Series(cols["edition"], dtype=TEXT),
                "outcome": pd.Series(cols["outcome"], dtype=TEXT),
                "payout_fen": pd.Series(cols["payout_fen"], dtype=FEN),
                "payout": pd.Series([_money(f) for f in cols["payout_fen"]], dtype=YUAN),
                "payout_change_fen": pd.Series(cols["change_fen"], dtype=FEN),
                "payout_change": pd.Series([_money(f) for f in cols["change_fen"]], dtype=YUAN),
                "changed": pd.Series(cols["changed"], dtype=pd.ArrowDtype(pa.bool_())),
                "causes": pd.Series(cols["causes"], dtype=TEXT),
                "error": pd.Series(cols["error"], dtype=TEXT),
            }
        )

    def plot(self, axes: Any = None, *, share: float = 0.01) -> Any:
        """Two panels with matplotlib: the payout distribution under each edition, and the cost change by clause.

        Left: paid claims per payout amount, one bar per edition side by side. Amounts that hold less
        than ``share`` of the paid claims under every edition are drawn together as "other"
        (top-ups and cap remainders spread over many amounts). Right: for each edition after the
        first, the change in the total paid against the baseline, by the clauses that caused it,
        named as a reader cites them (``Art. 5(3)``; bad input as "bad input"). A Chinese edition id
        is drawn in an installed CJK font (:mod:`mutualaid.plotting`), or as ``U+XXXX`` without one.
        Axes are in yuan with thousands separators; amounts become float only for drawing.

        ``axes``: two matplotlib Axes to draw on; by default a new figure (``pyplot``, so a notebook
        shows it). Returns the Figure. Needs matplotlib: ``pip install 'mutualaid[notebook]'``.
        """
        try:
            from matplotlib.ticker import FuncFormatter
        except ImportError as exc:
            raise ImportError("Comparison.plot needs matplotlib: pip install 'mutualaid[notebook]'") from exc
        from .plotting import style

        with style():  # a font with Chinese for the editions' labels, when one is installed
            return self._plot(axes, share, FuncFormatter)

    def _plot(self, axes: Any, share: float, FuncFormatter: Any) -> Any:  # noqa: N803 - the class, imported by plot()
        from .plotting import clause_text, shown

        if axes is None:
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
        left, right = axes
        fig = left.figure
        n = len(self.labels)
        width = 0.8 / n
        colours = [f"C{k}" for k in range(n)]

        # the payout distribution: paid claims only (a zero payout is a denial or a pending claim)
        paid = [{f: c for f, c in p.items() if f > 0} for p in self.totals.payouts]
        sums = [sum(p.values()) or 1 for p in paid]
        amounts = sorted({f for p, s in zip(paid, sums) for f, c in p.items() if c >= share * s})
        other = [sum(c for f, c in p.items() if f not in amounts) for p in paid]
        names = [_yuan_label(f) for f in amounts] + (["other"] if any(other) else [])
        for k, label in enumerate(self.labels):
            heights = [paid[k].get(f, 0) for f in amounts] + ([other[k]] if any(other) else [])
            left.bar([i + (k - (n - 1) / 2) * width for i in range(len(names))], heights, width, color=colours[k], label=shown(label))
        left.set_xticks(range(len(names)), names, rotation=60, fontsize=8)
        left.set(title="Paid claims by payout", xlabel="payout (yuan)", ylabel="claims")
        left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))

        # the cost change by clause, against the baseline
        clauses = sorted({c for cost in self.totals.cost_by_clause for c in cost})
        m = max(n - 1, 1)
        h = 0.8 / m
        for k in range(1, n):
            cost = self.totals.cost_by_clause[k - 1]
            ys = [i + (k - 1 - (m - 1) / 2) * h for i in range(len(clauses))]
            bars = right.barh(ys, [float(_money(cost.get(c, 0))) for c in clauses], h, color=colours[k])  # float only to draw
            right.bar_label(bars, [f"{_money(cost[c]):+,.0f}" if c in cost else "" for c in clauses], fontsize=7, padding=2)
        right.set_yticks(range(len(clauses)), [clause_text(c) for c in clauses], fontsize=8)
        right.axvline(0, color="black", linewidth=0.8)
        right.margins(x=0.2)  # room for the labels at the bars' ends
        right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}" if v else "0"))
        right.tick_params(axis="x", rotation=30)
        right.set(title=shown(f"Change in total paid against {self.labels[0]}, by clause"), xlabel="yuan")
        # One legend for both panels, outside them: a legend inside covered a bar (issue 16).
        fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=n, fontsize=8)
        return fig


def _yuan_label(amount_fen: int) -> str:
    money = _money(amount_fen)
    return f"{money:,.0f}" if amount_fen % 100 == 0 else f"{money:,.2f}"


def _resolved(specs: tuple) -> tuple:
    from .plan import resolve

    found = []
    for k, spec in enumerate(specs):
        edition = resolve(spec)
        if edition is None:
            raise ValueError(f"compare: edition {k + 1} is missing (None)")
        found.append(edition)
    return tuple(found)


def _items(claims: Any) -> Iterator[tuple[Any, list]]:
    """The claims as batch-like chunks ((last line, offset), [(line, claim or raw line)…])."""
    if isinstance(claims, (str, os.PathLike)):
        with open(claims, "rb") as fp:
            yield from read_chunks(fp)
        return
    if hasattr(claims, "read"):  # a binary stream of JSON lines
        yield from read_chunks(claims)
        return
    if type(claims).__module__.split(".")[0] == "pandas":  # without importing pandas for other input
        from .frame import claims_of

        claims = claims_of(claims)
    items: list = []
    line = 0
    for line, claim in enumerate(claims, 1):
        items.append((line, claim))
        if len(items) == CHUNK:
            yield (line, 0), items
            items = []
    if items:
        yield (line, 0), items


def _encoded(chunks: Iterable[tuple[Any, list]]) -> Iterator[tuple[Any, list]]:
    """Claims given as data, as JSON lines: the processes of ``jobs`` route lines by their bytes."""
    for meta, items in chunks:
        yield meta, [(line, raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else _dumps(raw))
                     for line, raw in items]  # fmt: skip - the routing reads bytes


def _dumps(claim: Any) -> bytes:
    if hasattr(claim, "model_dump_json"):
        return claim.model_dump_json().encode("utf-8")
    return json.dumps(claim, ensure_ascii=False, default=str).encode("utf-8")  # Decimal and date as their text


def _run(comparison: Comparison, chunks: Iterable, engine: str, jobs: int, each: Optional[Callable[[Compared], None]] = None,
         chunk_done: Optional[Callable[[Any], None]] = None) -> Comparison:  # fmt: skip
    spec = CompareSpec(comparison.editions, engine)
    if jobs > 1:
        chunks = _encoded(chunks)
    for meta, results in pipeline(chunks, spec, jobs):
        for c in results:
            comparison.add(c)
            if each is not None:
                each(c)
        if chunk_done is not None:
            chunk_done(meta)
    return comparison


def compare(claims: Any, *editions: Any, engine: str = "native", jobs: int = 1, parts: int = 1) -> Comparison:
    """Decide the same claims under two or more editions; what moved, by how much, and why.

    ``claims``: an iterable of claim dicts (or :class:`~mutualaid.Claim` models), a pandas DataFrame
    (as :func:`mutualaid.frame.decide` takes it), a JSON-lines file's path, or a binary stream of
    JSON lines; in each member's filing order (as ``mutualaid batch`` takes it). ``editions``:
    :class:`~mutualaid.Edition` objects, edition ids or edition files (YAML or JSON), at least two;
    the first is the baseline. Each edition decides through its own :class:`~mutualaid.Ledger`, so
    history follows the edition. ``jobs``: processes, each deciding its share of the members.

    ``engine="polars"`` (``pip install 'mutualaid[polars]'``) decides every edition over whole
    columns (:mod:`mutualaid.vector`) and gives the same comparison; ``claims`` may then also be a
    polars frame or a Parquet file (``.parquet``) in :data:`mutualaid.vector.CLAIM_SCHEMA`, which is
    read lazily. Its causes are worked out for the claims that moved. ``parts``: a Parquet file (or a
    polars frame) is decided in that many parts by member, one after another, so that memory holds one
    part's claims at a time (ten million claims: docs/performance.md); the comparison is the same.

    Bad input is never raised: it is outcome ``error`` under the editions that refuse it, as in
    ``mutualaid batch``. An unknown edition raises ``UnknownEdition``; a broken file ``InvalidEdition``.
    """
    if len(editions) < 2:
        raise ValueError(f"compare needs two or more editions, the first the baseline; {len(editions)} given")
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    if engine == "polars":
        if jobs != 1:
            raise ValueError("compare: engine='polars' spreads its own work over the cores; jobs is the per-claim engines'")
        if type(parts) is not int or parts < 1:
            raise ValueError(f"compare: parts is a number of parts (1 or more), not {parts!r}")
        try:
            from .vector.compare import compare as compare_polars
        except ImportError as exc:
            raise ImportError("engine='polars' needs polars: pip install 'mutualaid[polars]'") from exc
        return compare_polars(claims, _resolved(editions), parts)
    if parts != 1:
        raise ValueError("compare: parts= is for engine='polars'; the per-claim engines read their claims as a stream")
    return _run(Comparison(_resolved(editions)), _items(claims), engine, jobs)


def sweep(claims: Any, *editions: Any, parts: int = 1) -> Any:
    """Many candidate editions over the same claims, one row an edition: what each would pay, and whom it moves.

    The polars engine decides every edition (``pip install 'mutualaid[polars]'``): a million claims
    under twenty editions in about two minutes of one core (docs/performance.md), where the native
    engine would take hours. ``claims`` as for
    :func:`compare` with ``engine="polars"`` (a Parquet file is read lazily); the first edition is the
    baseline; ``parts`` as for :func:`compare`. Returns a pandas DataFrame: ``edition`` (label), ``paid_fen`` and ``paid`` (yuan),
    ``change_fen`` and ``change`` (against the baseline), ``approved`` (claims), ``claims_changed``
    (outcome or payout), ``members_paid``, ``members_affected`` (paid another total than under the
    baseline), ``members_paid_more`` and ``members_paid_less``.
    """
    if len(editions) < 2:
        raise ValueError(f"sweep needs two or more editions, the first the baseline; {len(editions)} given")
    try:
        from .vector.compare import sweep as sweep_polars
    except ImportError as exc:
        raise ImportError("whatif.sweep needs polars: pip install 'mutualaid[polars]'") from exc
    from .frame import FEN, TEXT, YUAN, pd, yuan_array

    table = sweep_polars(claims, _resolved(editions), parts).to_arrow()
    data = {"edition": pd.Series(table.column("edition").to_pylist(), dtype=TEXT)}
    for name in ("paid", "change"):
        fen_column = table.column(f"{name}_fen").combine_chunks()
        data[f"{name}_fen"] = pd.Series(fen_column.to_pylist(), dtype=FEN)
        data[name] = pd.Series(pd.arrays.ArrowExtensionArray(yuan_array(fen_column)))
    for name in ("approved", "claims_changed", "members_paid", "members_affected", "members_paid_more", "members_paid_less"):
        data[name] = pd.Series(table.column(name).to_pylist(), dtype=FEN)
    return pd.DataFrame(data)


# --- mutualaid diff: a comparison of two editions over a stream, printed --------------------------


def change_text(c: Compared) -> str:
    def side(s: Side) -> str:
        return "bad input" if s.outcome == "error" else f"{s.outcome} {_yuan(s.payout_fen)}"

    why = "; ".join(_cause_text(x) for x in c.causes[0])
    return f"line {c.line} {c.claim_id or '?'}: {side(c.a)} → {side(c.b)}  [{why}]"


def change_json(c: Compared) -> dict:
    def side(s: Side) -> dict:
        if s.outcome == "error":
            return {"outcome": "error", "fields": list(s.error_fields)}
        return {"outcome": s.outcome, "payout": _yuan(s.payout_fen)}

    return {
        "line": c.line,
        "claim_id": c.claim_id,
        "A": side(c.a),
        "B": side(c.b),
        "payout_change": _yuan(c.b.payout_fen - c.a.payout_fen),
        "causes": [{"clause": cl, "rule": rule, "under": under} for cl, rule, under in c.causes[0]],
    }


def diff(
    source: IO[bytes],
    a: str,
    b: str,
    out: IO[str],
    *,
    as_json: bool = False,
    engine: str = "native",
    jobs: int = 1,
    total_bytes: Optional[int] = None,
    progress: Optional[bool] = None,
    stderr: Optional[IO[str]] = None,
) -> Totals:
    """``mutualaid diff``: :func:`compare` ``source`` (JSON lines) under ``a`` and ``b``; write each change as found, then the totals.

    Changes are written as they are found and not kept, so memory does not grow with the stream.
    """
    import sys

    editions = _resolved((a, b))
    heads = {name: {"given": spec, "id": e.id, "edition_hash": e.content_hash} for name, spec, e in zip("AB", (a, b), editions)}
    if as_json:
        out.write(json.dumps({"editions": heads}, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.writelines(f"{name}: {h['given']} (edition {h['id']}, {h['edition_hash'][:19]}…)\n" for name, h in heads.items())
    bar = Progress(stderr or sys.stderr, total_bytes, progress)
    comparison = Comparison(editions, keep=False)
    offset = [0]  # an empty IN has no chunk

    def each(c: Compared) -> None:
        if c.changed:
            text = json.dumps({"change": change_json(c)}, ensure_ascii=False, separators=(",", ":")) if as_json else change_text(c)
            out.write(text + "\n")

    def chunk_done(meta) -> None:
        offset[0] = meta[1]
        bar.update(comparison.claims, offset[0])

    _run(comparison, read_chunks(source), engine, jobs, each, chunk_done)
    bar.update(comparison.claims, offset[0], force=True)
    bar.close()
    totals = comparison.totals
    if as_json:
        out.write(json.dumps({"totals": totals.to_json()}, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.write(totals.text() + "\n")
    return totals
