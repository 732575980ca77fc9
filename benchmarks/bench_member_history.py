"""One member's claims through a Ledger: the cost per claim at a short and at a long history (issue 13, finding 8).

    python benchmarks/bench_member_history.py [--short 10] [--long 10000] [--claims 300] [--rounds 5] [--full]

A placeholder member id ("UNKNOWN") can gather thousands of claims in a backend's stream, and
``--jobs`` cannot split one member. Two ledgers are filled, side by side in one process: member
UNKNOWN with ``--short`` decided claims, and with ``--long`` (entered through ``Ledger.add``, each
its own accident, some paid). Then ``--claims`` new claims of the member are decided through each,
alternating in rounds so that both see the same machine, and the CPU time per claim and the ratio
long / short are printed. Each short-history claim is decided through a fresh ledger of exactly
``--short`` entries (the last of them decided untimed, as the long ledger's were); the long one keeps the round's claims (it grows by ``--claims`` a round, from
10,000 to 11,500 by default).

``--full`` adds the same measurement with the full history handed to ``adjudicate`` (a subclass that
overrides ``history``, which the Ledger then uses as is), as before the running sums: its cost grows
with the history.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from mutualaid import HistoryEntry, Ledger  # noqa: E402
from mutualaid.model import build  # noqa: E402

CLAIM = {
    "claim_id": "C-new",
    "filed_on": "2022-04-10",
    "member": {
        "member_id": "UNKNOWN",
        "name": "张三",
        "union_member_since": "2021-08-01",
        "real_name_verified_on": "2021-08-01",
        "occupation": "courier",
    },
    "accident": {"accident_id": "A-new", "occurred_on": "2022-03-01", "cause": "accident", "circumstances": []},
    "treatments": [
        {
            "treatment_id": "T1",
            "hospital": {"name": "广州市第一人民医院", "grade": 3, "ownership": "public", "kind": "general"},
            "setting": "inpatient",
            "diagnoses": ["S82.2"],
            "items": [{"on": "2022-03-01", "category": "treatment", "out_of_pocket": "3200.00"}],
        }
    ],
    "documents": ["invoice", "accident_proof", "medical_record"],
}


class FullHistory(Ledger):
    """The Ledger as it was: every claim decided with the member's whole history."""

    def history(self, member_id):
        return super().history(member_id)


def filled(cls: type, entries: int) -> Ledger:
    """A ledger whose member UNKNOWN has ``entries`` decided claims, each its own accident (through
    ``remember``, as ``decide`` enters them: ``add`` would check each against the history so far)."""
    ledger = cls(record=True, spill_after=None)
    day = dt.date(2022, 3, 1)
    for n in range(entries):
        paid = Decimal("500.00") if n < 10 else Decimal("0.00")  # ten paid accidents (5,000 of the 10,000 cap)
        ledger.remember("UNKNOWN", build(HistoryEntry, claim_id=f"H-{n}", accident_id=f"H-{n}", accident_occurred_on=day,
                                         counted_out_of_pocket=Decimal("600.00"), paid=paid, filed_on=day))  # fmt: skip
    return ledger


def per_claim(ledger: Ledger, claims: list[dict], short: int = 0) -> float:
    """CPU seconds per claim, deciding ``claims`` in order through ``ledger``; with ``short``, each
    claim through a fresh ledger of that many entries instead (made, and warmed by one claim, outside
    the timing)."""
    spent = 0.0
    for c in claims:
        if short:
            ledger = filled(type(ledger), short - 1)
            warm = copy.deepcopy(c)
            warm["claim_id"] = "C-warm"
            ledger.decide(warm)  # the first claim of a ledger also sets up its sums for the edition
        start = time.process_time()
        ledger.decide(c)
        spent += time.process_time() - start
    return spent / len(claims)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short", type=int, default=10)
    ap.add_argument("--long", type=int, default=10_000)
    ap.add_argument("--claims", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--full", action="store_true", help="also the full history, as before the running sums")
    args = ap.parse_args()

    kinds = [("running sums", Ledger)] + ([("full history", FullHistory)] if args.full else [])
    for name, cls in kinds:
        rounds = args.rounds if cls is Ledger else 1
        count = args.claims if cls is Ledger else max(5, args.claims // 30)
        long = filled(cls, args.long)  # grows by ``count`` a round: 10,000 to 11,500 by default
        times: dict[str, list[float]] = {"short": [], "long": []}
        for r in range(rounds):
            claims = []
            for n in range(count):
                c = copy.deepcopy(CLAIM)
                c["claim_id"], c["accident"]["accident_id"] = f"C-{r}-{n}", f"A-{r}-{n % 7}"
                claims.append(c)
            times["short"].append(per_claim(filled(cls, args.short), claims, short=args.short))  # always that long
            times["long"].append(per_claim(long, copy.deepcopy(claims)))
        short, longer = min(times["short"]), min(times["long"])
        print(
            f"{name:>13}: {short * 1e6:8.1f} µs a claim after {args.short:,} claims of history, "
            f"{longer * 1e6:8.1f} µs after {args.long:,} (to {args.long + rounds * count:,}): ratio {longer / short:.2f}"
            f"  (CPU time, best of {rounds} round(s) of {count} claims each, side by side)"
        )


if __name__ == "__main__":
    main()
