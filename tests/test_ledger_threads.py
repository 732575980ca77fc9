"""A Ledger shared by threads (issue 13, finding 6).

The docs recommend splitting members across threads, so a shared Ledger is supported: the move
of the history to SQLite happens once, under the ledger's lock, and two threads deciding the same
member are serialised, so a claim is never paid twice and a member never passes the cap. Each race
runs many times, bounded in time (every thread is joined with a timeout).
"""

from __future__ import annotations

import copy
import threading
from decimal import Decimal

import pytest

from mutualaid import InvalidClaim, Ledger

from claimdata import base_claim, claim_with, item, treatment

JOIN = 60  # seconds: a thread that does not end by then fails the test instead of hanging it


def _run_threads(work, count: int) -> list:
    failures: list = []
    barrier = threading.Barrier(count)

    def body(k: int) -> None:
        try:
            barrier.wait(timeout=JOIN)
            work(k)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=body, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
        assert not t.is_alive(), "a thread did not end"
    return failures


def _claim(member: str, n: int, amount: str) -> dict:
    c = claim_with(treatment(items=[item(on="2022-03-02", amount=amount)]), claim_id=f"C-{n}")
    c["member"]["member_id"] = member
    c["member"].pop("id_number")  # many member ids, no one 身份证 number shared between them
    c["payee"].pop("holder_id_number")
    c["accident"]["accident_id"] = f"A-{n % 3}"
    return c


@pytest.mark.parametrize("trial", range(3))
def test_threads_that_spill_the_history_lose_nothing(trial):
    """8 threads, 40 members each (their own), 600 claims, the history moving to disk after 50:
    every entry is kept, and each member's history is the one a single thread builds."""
    members = [f"M-{k}-{m}" for k in range(8) for m in range(5)]
    claims = {k: [_claim(f"M-{k}-{n % 5}", n, "6000.00") for n in range(75)] for k in range(8)}
    shared, alone = Ledger(spill_after=50, record=False), Ledger(spill_after=None, record=False)
    for k in range(8):
        for c in claims[k]:
            alone.decide(copy.deepcopy(c))

    failures = _run_threads(lambda k: [shared.decide(c) for c in claims[k]], 8)
    assert failures == []
    assert shared.spilled and len(shared) == len(alone) == 600
    for m in members:
        assert shared.history(m) == alone.history(m)
        assert sum(e.paid for e in shared.history(m)) <= 10000


def test_two_threads_deciding_one_member_never_both_pay():
    """50 trials: four threads file the same claim at once (one is paid, three are refused as decided
    already), and four threads file four claims near the cap (the member gets at most the cap)."""
    for trial in range(50):
        ledger = Ledger(record=False, spill_after=0 if trial % 2 else None)
        same = base_claim()
        results: list = []

        def file_same(k: int) -> None:
            try:
                results.append(ledger.decide(copy.deepcopy(same)).payout)
            except InvalidClaim as exc:
                results.append(exc.fields)

        assert _run_threads(file_same, 4) == []
        assert sorted(map(str, results)) == ["('claim_id',)"] * 3 + ["2000.00"]

        near_cap = [_claim("M-CAP", n, "12000.00") for n in range(4)]  # each would be paid 6000: the cap is 10000
        assert _run_threads(lambda k: ledger.decide(near_cap[k]), 4) == []
        paid = [e.paid for e in ledger.history("M-CAP")]
        assert len(paid) == 4 and sum(paid) == Decimal("10000.00")


def test_two_member_ids_racing_for_one_id_number_bind_it_once():
    for trial in range(30):
        ledger = Ledger(record=False, spill_after=0 if trial % 2 else None)
        claims = []
        for k in range(4):
            c = base_claim()
            c["member"]["member_id"] = f"M-{k}"
            claims.append(c)
        outcomes: list = []

        def work(k: int) -> None:
            try:
                outcomes.append(ledger.decide(claims[k]).outcome)
            except InvalidClaim as exc:
                outcomes.append(exc.fields)

        assert _run_threads(work, 4) == []
        assert sorted(map(str, outcomes)) == ["('member.id_number',)"] * 3 + ["approved"]
        assert len(ledger) == 1
