"""Deciding a few fixed claims once, so that the first drawn example does not pay for the library's set-up.

The first ``adjudicate`` in a process compiles the 2022 edition's rules and loads the ICD-10 and
holiday tables; later ones take well under a millisecond. Hypothesis times each example against its
deadline (200 ms by default), and the first example would otherwise carry all of that.
"""

from __future__ import annotations

import time

from ..decide import adjudicate
from ..errors import InvalidClaim

_WARM: list[float] = []


def _claim(**changes) -> dict:
    claim = {
        "claim_id": "WARM-1",
        "filed_on": "2023-01-30",
        "member": {
            "member_id": "M-WARM",
            "name": "张三",
            "id_number": "11010519491231002X",
            "union_member_since": "2021-01-01",
            "real_name_verified_on": "2021-01-01",
            "occupation": "courier",
        },
        "accident": {"accident_id": "A-WARM", "occurred_on": "2022-01-23", "cause": "accident", "circumstances": []},
        "treatments": [
            {
                "treatment_id": "T1",
                "hospital": {"name": "某医院", "grade": 3, "ownership": "public", "kind": "general", "ws218": "A100"},
                "setting": "inpatient",
                "diagnoses": ["S82.201", "A41.9", "M51.2", "F32.0", "K02.1", "O80"],
                "items": [
                    {"on": "2022-01-23", "category": "treatment", "out_of_pocket": "2650.00", "self_funded": "450.00"},
                    {"on": "2022-01-24", "category": "medication", "out_of_pocket": "310.40", "medication_use": "self_medicated"},
                    {"on": "2022-07-30", "category": "dental", "out_of_pocket": "600.00"},
                ],
            },
            {
                "treatment_id": "T2",
                "hospital": {"grade": 2, "ownership": "private", "kind": "rehabilitation"},
                "setting": "outpatient",
                "diagnoses": ["S02.5"],
                "items": [{"on": "2022-02-01", "category": "assistive_device", "out_of_pocket": "80.00"}],
            },
        ],
        "documents": ["invoice", "accident_proof"],
        "payee": {"holder_name": "李四", "holder_id_number": "440106198003071237", "account_number": "6222020200112233445"},
    }
    claim.update(changes)
    return claim


def warm_up() -> float:
    """Decide a few fixed claims (approved, denied, pending, refused); return the seconds it took.

    Called once when :mod:`mutualaid.testing` is imported; calling it again costs well under a
    millisecond a claim. The claims touch what a first decision loads: the 2022 edition's compiled
    rules, the ICD-10 table, the holiday calendar (a deadline moved by the Spring Festival), the
    身份证 check, the hints and the record's hash.
    """
    start = time.perf_counter()
    history = [
        {"claim_id": "H-1", "accident_id": "A-WARM", "accident_occurred_on": "2022-01-23", "counted_out_of_pocket": "300.00", "paid": "200.00"},
        {"claim_id": "H-2", "accident_id": "A-OTHER", "accident_occurred_on": "2022-06-01", "counted_out_of_pocket": "9000.00", "paid": "5000.00"},
    ]
    adjudicate(_claim(), history)
    adjudicate(_claim(claim_id="WARM-2", accident={"accident_id": "A-W2", "occurred_on": "2022-03-04", "cause": "illness", "circumstances": ["drunk_driving"]}, filed_on="2023-03-08"))
    adjudicate(_claim(claim_id="WARM-3", accident={"accident_id": "A-W3", "occurred_on": "2021-06-01", "cause": "accident"}, documents=None))
    try:
        adjudicate(_claim(claim_id=" ", filed_on="2022-02-30"))
    except InvalidClaim:
        pass
    took = time.perf_counter() - start
    _WARM.append(took)
    return took
