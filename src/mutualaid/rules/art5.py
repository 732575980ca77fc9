"""第五条 保障待遇 (art5): the window, the tiers, the cap, the filing limit and the hospital.

Each paragraph is a module of its own, which holds its clause text, the values it derives, its rules,
their messages and hints, so that a reviewer reads one paragraph in one file:

- （一） the window: :mod:`.art5_1`;
- （二） the tiers: :mod:`.art5_2` (the tier, what is due and the next tier it assesses, and the
  history check against the top tier);
- （三） the cap: :mod:`.art5_3` (the cap left and the payout it assesses, and the history check
  against the cap);
- （四） the filing limit: :mod:`.art5_4`;
- （五） the hospital: :mod:`.art5_5`.

This module gathers them under the article's name, as :mod:`mutualaid.rules` and
:mod:`mutualaid.validate` read them (``art5.FILING``, ``art5.history_above_cap``).
"""

from .art5_1 import OUTSIDE_WINDOW, WINDOW_TEXT
from .art5_2 import BELOW_FIRST_TIER, TIER, TIER_ALREADY_PAID, TIER_TEXT, assess_tier, history_above_top_tier, next_tier, tier_fen
from .art5_3 import CAP, CAP_EXHAUSTED, CAP_LIMITS_PAYOUT, CAP_TEXT, assess_cap, history_above_cap
from .art5_4 import CALENDAR_GAP, FILED_LATE, FILING, FILING_TEXT
from .art5_5 import HOSPITAL, HOSPITAL_GRADE, HOSPITAL_KIND, HOSPITAL_OWNERSHIP, HOSPITAL_TEXT, QUALIFYING_HOSPITAL

__all__ = [
    "BELOW_FIRST_TIER", "CALENDAR_GAP", "CAP", "CAP_EXHAUSTED", "CAP_LIMITS_PAYOUT", "CAP_TEXT", "FILED_LATE",
    "FILING", "FILING_TEXT", "HOSPITAL", "HOSPITAL_GRADE", "HOSPITAL_KIND", "HOSPITAL_OWNERSHIP", "HOSPITAL_TEXT",
    "OUTSIDE_WINDOW", "QUALIFYING_HOSPITAL", "TIER", "TIER_ALREADY_PAID", "TIER_TEXT", "WINDOW_TEXT",
    "assess_cap", "assess_tier", "history_above_cap", "history_above_top_tier", "next_tier", "tier_fen",
]  # fmt: skip
