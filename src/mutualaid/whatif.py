"""What-if across editions: decide the same stream of claims under two editions and report what moves.

``mutualaid diff --edition A --edition B IN`` feeds every claim of IN to two ledgers, one deciding
under A and one under B (``adjudicate(..., plan=A)``, so a claim's own ``plan`` is overridden). Each
ledger carries its own history: when B pays an earlier claim more, B's cap and top-ups feel it in
the member's later claims, as they would in a year run under B.

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
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, NamedTuple, Optional

from .values import read_json
from .batch import ERROR, Progress, claim_id_of, pipeline, read_chunks
from .facts import fen


class Side(NamedTuple):
    """One edition's answer for a claim: its outcome (or ``error``), payout in fen, and reasons."""

    outcome: str
    payout_fen: int
    error_fields: tuple = ()


class Compared(NamedTuple):
    """One line of IN decided under both editions (small, to cross between processes)."""

    line: int
    claim_id: Optional[str]
    a: Side
    b: Side
    causes: tuple
    """((clause, rule, under), …): why the outcome or payout moved; ``under`` is ``A``, ``B`` or ``""``."""

    @property
    def changed(self) -> bool:
        return self.a.outcome != self.b.outcome or self.a.payout_fen != self.b.payout_fen


def causes(a, b) -> tuple:
    """Why two decisions of one claim differ: the rules that bit under one edition only, else the arithmetic."""
    ka = {(r.rule, r.subject): r.clause for r in a.reasons}
    kb = {(r.rule, r.subject): r.clause for r in b.reasons}
    only = {(clause, rule, "A") for (rule, subject), clause in ka.items() if (rule, subject) not in kb}
    only |= {(clause, rule, "B") for (rule, subject), clause in kb.items() if (rule, subject) not in ka}
    if only:
        return tuple(sorted(only))
    if a.outcome == b.outcome and a.payout == b.payout:
        return ()
    if a.tier_amount != b.tier_amount:
        return (("art5.2", "tier", ""),)
    if any(r.rule == "cap.limits_payout" for r in a.reasons):  # the cap binds under both editions
        return (("art5.3", "cap", ""),)
    return (("art5.2", "top-up", ""),)


@dataclass(frozen=True)
class DiffSpec:
    """How to build the comparing worker of one process (picklable)."""

    a: str
    b: str
    engine: str = "native"

    def worker(self, part: int, parts: int):
        from .ledger import Ledger
        from .plan import resolve

        return _Comparer(
            Ledger(plan=resolve(self.a), engine=self.engine, record=False),
            Ledger(plan=resolve(self.b), engine=self.engine, record=False),
        )


def _side(ledger, claim: Any):
    from .errors import InvalidClaim

    try:
        d = ledger.decide(claim)
    except InvalidClaim as exc:
        return None, Side("error", 0, exc.fields)
    except Exception:  # noqa: BLE001 - one line never stops a what-if run (issue 13, finding 2), as in batch
        return None, Side("error", 0, ("claim",))
    return d, Side(d.outcome, fen(d.payout))


class _Comparer:
    def __init__(self, a, b) -> None:
        self.a, self.b = a, b

    def __call__(self, items: list) -> list:
        out = []
        for line, raw in items:
            try:
                claim = read_json(raw)  # amounts judged by their exact text (issue 13)
            except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading (as batch)
                bad = Side(ERROR[0], 0, ("claim",))
                out.append(Compared(line, None, bad, bad, ()))
                continue
            da, sa = _side(self.a, claim)
            db, sb = _side(self.b, claim)
            if da is not None and db is not None:
                why = causes(da, db)
            elif (da is None) != (db is None):  # bad input under one edition only
                why = (("input", ",".join((sa if da is None else sb).error_fields), "A" if da is None else "B"),)
            else:
                why = ()
            cid = claim_id_of(claim)
            out.append(Compared(line, cid if isinstance(cid, str) else None, sa, sb, why))
        return out


# --- the report --------------------------------------------------------------------------------------


def _yuan(amount_fen: int) -> str:
    return str(Decimal(amount_fen).scaleb(-2))


class Totals:
    """What the whole stream moved: paid, outcomes and payout distribution under each edition."""

    def __init__(self) -> None:
        self.claims = 0
        self.paid = [0, 0]
        self.outcomes: list[dict[str, int]] = [{}, {}]
        self.payouts: list[dict[int, int]] = [{}, {}]
        self.outcome_changed = 0
        self.payout_changed = 0
        self.by_cause: dict[tuple, int] = {}

    def add(self, c: Compared) -> None:
        self.claims += 1
        for k, side in enumerate((c.a, c.b)):
            self.paid[k] += side.payout_fen
            self.outcomes[k][side.outcome] = self.outcomes[k].get(side.outcome, 0) + 1
            if side.outcome != "error":
                self.payouts[k][side.payout_fen] = self.payouts[k].get(side.payout_fen, 0) + 1
        self.outcome_changed += c.a.outcome != c.b.outcome
        self.payout_changed += c.a.payout_fen != c.b.payout_fen
        if c.changed:
            for cause in c.causes:
                self.by_cause[cause] = self.by_cause.get(cause, 0) + 1

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


def _cause_text(cause: tuple) -> str:
    clause, rule, under = cause
    return f"{clause} {rule}" + (f" (under {under} only)" if under else "")


def change_text(c: Compared) -> str:
    def side(s: Side) -> str:
        return "bad input" if s.outcome == "error" else f"{s.outcome} {_yuan(s.payout_fen)}"

    why = "; ".join(_cause_text(x) for x in c.causes)
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
        "causes": [{"clause": cl, "rule": rule, "under": under} for cl, rule, under in c.causes],
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
    """Decide every claim of ``source`` (JSON lines) under editions ``a`` and ``b``; write each change, then the totals."""
    import sys

    from .plan import resolve

    totals = Totals()
    heads = {}  # what each edition argument names: as given, its id and the hash of its data
    for name, spec in (("A", a), ("B", b)):
        edition = resolve(spec)
        if edition is None:
            raise ValueError(f"diff compares two editions: edition {name} is missing")
        heads[name] = {"given": spec, "id": edition.id, "edition_hash": edition.content_hash}
    if as_json:
        out.write(json.dumps({"editions": heads}, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.writelines(f"{name}: {h['given']} (edition {h['id']}, {h['edition_hash'][:19]}…)\n" for name, h in heads.items())
    bar = Progress(stderr or sys.stderr, total_bytes, progress)
    offset = 0  # an empty IN has no chunk
    for (_, offset), results in pipeline(read_chunks(source), DiffSpec(a, b, engine), jobs):
        for c in results:
            totals.add(c)
            if c.changed:
                if as_json:
                    out.write(json.dumps({"change": change_json(c)}, ensure_ascii=False, separators=(",", ":")) + "\n")
                else:
                    out.write(change_text(c) + "\n")
        bar.update(totals.claims, offset)
    bar.update(totals.claims, offset, force=True)
    bar.close()
    if as_json:
        out.write(json.dumps({"totals": totals.to_json()}, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.write(totals.text() + "\n")
    return totals
