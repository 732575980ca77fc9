"""The contract's tables, restated as plain data for the reference reading (``reference.py``).

CONTRACT §1 (the vocabulary), §3 and §4 (which clause each circumstance and diagnosis falls under),
§7 (ws218 → kind). They are the reference's own: neither the library's tables nor the strategies'
(``mutualaid.testing``), so that a property checks the library against the contract and
``test_strategies.py`` checks that the strategies reach every value the contract names.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

OCCUPATIONS = (
    "truck_driver",
    "ride_hailing_driver",
    "courier",
    "delivery_rider",
    "other_platform_worker",
    "not_platform_worker",
)
CAUSES = ("accident", "illness")

CIRCUMSTANCE_CLAUSE = {  # CONTRACT table 4, claim level: each denies
    **dict.fromkeys(["fight", "intoxication", "self_harm", "suicide", "intentional_crime", "resisting_arrest"], "art6.1"),
    "drug_use": "art6.2",
    **dict.fromkeys(["drunk_driving", "unlicensed_driving", "unregistered_vehicle"], "art6.3"),
    "pregnancy": "art6.4",
    **dict.fromkeys(["medical_accident", "drug_allergy", "mental_disorder"], "art6.6"),
    "infection": "art6.10",
    **dict.fromkeys(
        [
            "diving", "skydiving", "rock_climbing", "gliding", "expedition", "wrestling_match",
            "martial_arts_match", "stunt", "horse_racing", "motor_racing",
        ],
        "art6.11",
    ),  # fmt: skip
    **dict.fromkeys(["war", "military_conflict", "riot", "armed_rebellion"], "art6.12"),
    **dict.fromkeys(["nuclear_explosion", "nuclear_radiation", "nuclear_contamination"], "art6.13"),
}
CIRCUMSTANCES = tuple(CIRCUMSTANCE_CLAUSE)

OWNERSHIPS = ("public", "private")
KINDS = ("general", "tcm", "specialty", "outpatient", "rehabilitation", "nursing", "sanatorium", "addiction")
EXCLUDED_KINDS = frozenset({"outpatient", "rehabilitation", "nursing", "sanatorium", "addiction"})
SETTINGS = ("outpatient", "emergency", "inpatient")

WS218_KIND = {  # CONTRACT §7 "ws218 → kind", one or more codes per row of the mapping
    "A100": "general", "A110": "general", "A300": "general",
    "A210": "tcm", "A411": "tcm",
    "A511": "specialty", "A520": "specialty", "A527": "rehabilitation",
    "A610": "sanatorium",
    "A710": "nursing",
    "B100": "outpatient", "C110": "outpatient", "D110": "outpatient", "D500": "outpatient",
    "H220": "addiction",
    "a100": "general",  # codes are read without regard to case
}  # fmt: skip
GOOD_WS218 = tuple(c for c, k in WS218_KIND.items() if k not in EXCLUDED_KINDS)

# WHO ICD-10 2019 codes (and a few China clinical-edition 2.0 codes) with the table-4 clause their
# primary diagnosis falls under ("" when none). Every code exists (the suite checks it).
ICD10_GROUP = {
    # injuries and others that count
    "S82.2": "", "S06.0": "", "S822": "", "S82.201": "", "S06.000x001": "", "s82.2": "",
    "S42.0": "", "S52.5": "", "S93.4": "", "T14.0": "", "S00.0": "", "S61.0": "", "S27.0": "",
    "T79.3": "",  # post-traumatic wound infection: chapter XIX, not A00–B99
    "S02.4": "", "S03.3": "", "K09.0": "", "P00.0": "", "M53.2": "", "M54.5": "", "I10.x00": "", "T79": "",
    "T22.2": "",  # a burn: a wound the accident made (revision 3)
    "T88.7": "", "T81.4": "",  # complications of care: no table-4 group, and no wound either (revision 3)
    # art6.4 pregnancy (O00–O99)
    "O80": "art6.4", "O00.0": "art6.4", "O99.8": "art6.4",
    # art6.5 disc disease (M50, M51)
    "M51.2": "art6.5", "M50.1": "art6.5", "M51": "art6.5",
    "S13.0": "art6.5", "S23.0": "art6.5", "S33.0": "art6.5",  # traumatic disc ruptures (revision 2)
    # art6.6 mental and behavioural disorders (F00–F99), those that follow an accident included
    "F32.0": "art6.6", "F10.2": "art6.6", "F99": "art6.6", "F07.2": "art6.6", "F43.1": "art6.6",
    # art6.8 dental (K00–K08, S02.5, S03.2)
    "K02.1": "art6.8", "K00": "art6.8", "K08.9": "art6.8", "S02.5": "art6.8", "S02.500": "art6.8", "S03.2": "art6.8",
    # art6.10 infections (A00–B99), and those filed in other chapters (revision 3)
    "A41.9": "art6.10", "A00.0": "art6.10", "B99": "art6.10", "B95.6": "art6.10",
    "G00.9": "art6.10", "G06.0": "art6.10", "J10.1": "art6.10", "J15.9": "art6.10", "J85.1": "art6.10",
    "L03.1": "art6.10", "L08.9": "art6.10", "M00.0": "art6.10", "M86.1": "art6.10", "N39.0": "art6.10",
    "U07.1": "art6.10", "U07.2": "art6.10",
    "N39.1": "", "U07.0": "", "J20.0": "", "G04.9": "",
}  # fmt: skip
ICD10_CODES = tuple(ICD10_GROUP)
COUNTING_CODES = tuple(c for c, g in ICD10_GROUP.items() if not g)


def table4_clause(diagnoses: Sequence[str]) -> str:
    """The table-4 clause that excludes a treatment with these diagnoses (primary first), or ``""``.

    CONTRACT §4: by the primary diagnosis (:data:`ICD10_GROUP`), except that an infection
    (art6.10) treated together with a wound the accident made (another diagnosis in S00–T14, T20–T35,
    or T79.3; revision 3) is the accident's wound infection, which 第六条(10)'s proviso keeps covered.
    A complication of care (T80–T88) is no wound.
    """
    clause = ICD10_GROUP[diagnoses[0]]
    if clause == "art6.10" and any(_wound(d) for d in diagnoses[1:]):
        return ""
    return clause


def _wound(code: str) -> bool:
    cat = code[:3].upper()
    return "S00" <= cat <= "T14" or "T20" <= cat <= "T35" or code.upper().replace(".", "")[:4] == "T793"

CATEGORIES = ("treatment", "medication", "dental", "assistive_device")
MEDICATION_USES = ("prescribed", "otc_as_directed", "self_medicated")
DOCUMENTS = ("invoice", "accident_proof", "medical_record", "other")
REQUIRED_DOCUMENTS = ("invoice", "accident_proof", "medical_record")

PERIOD_START, PERIOD_END = dt.date(2022, 1, 1), dt.date(2022, 12, 31)
WINDOW_DAYS = 180
EDGES_FEN = (200_00, 500_00, 2000_00, 5000_00, 10000_00)
EDGE_AMOUNTS_FEN = tuple(sorted({e + d for e in EDGES_FEN for d in (-1, 0, 1)}))
"""Each tier edge of the 2022 table (CONTRACT §3, art5.2), and one fen either side."""


def in_period(day: dt.date) -> bool:
    """Inside the 2022 edition's period (art4.1)."""
    return PERIOD_START <= day <= PERIOD_END


def anniversary(day: dt.date, years: int = 1) -> dt.date:
    """The same day ``years`` later; 29 February → 28 February (民法典 第二百零二条)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
