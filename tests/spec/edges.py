"""Hand-built inputs at the plan's edges, for ``@example`` beside the generated ones.

Each is a fresh dict built on ``claimdata.base_claim()`` (accident 2022-03-01, one inpatient
treatment at a grade-3 public general hospital, all documents, the member's own account).
"""

from __future__ import annotations

from claimdata import base_claim, hist


def tier_5000_claim() -> dict:
    """5000.01 out of pocket, the least amount of the 5000 tier."""
    c = base_claim()
    c["treatments"][0]["items"] = [{"on": "2022-03-01", "category": "treatment", "out_of_pocket": "5000.01"}]
    return c


def window_edges_claim() -> dict:
    """Four 100.00 costs on days −1, 0, 180 and 181 after the accident: the middle two count."""
    c = tier_5000_claim()
    c["filed_on"] = "2022-09-10"
    c["treatments"][0]["items"] = [
        {"on": "2022-02-28", "category": "treatment", "out_of_pocket": "100.00"},  # day −1
        {"on": "2022-03-01", "category": "treatment", "out_of_pocket": "100.00"},  # day 0
        {"on": "2022-08-28", "category": "treatment", "out_of_pocket": "100.00"},  # day 180
        {"on": "2022-08-29", "category": "treatment", "out_of_pocket": "100.00"},  # day 181
    ]
    return c


TOP_UP = [hist("H-1", "A-0001", "2022-03-01", "600.00", "500.00")]
"""The same accident was counted 600.00 and paid 500.00 before: a top-up."""

CAP_3500_LEFT = [hist("H-1", "A-9", "2022-01-05", "20000.00", "6000.00"), hist("H-2", "A-8", "2022-02-05", "800.00", "500.00")]
"""Two other 2022 accidents paid 6500.00: 3500.00 of the cap is left, less than the 5000 tier."""

CAP_SPENT = [hist("H-1", "A-9", "2022-01-05", "20000.00", "6000.00"), hist("H-2", "A-8", "2022-02-05", "8000.00", "4000.00")]
"""Two other 2022 accidents paid the whole 10,000."""

TOP_TIER_PAID = [hist("H-1", "A-0001", "2022-03-01", "9000.00", "6000.00")]
"""The same accident was already paid the top tier."""
