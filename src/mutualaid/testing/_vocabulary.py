"""The words and edges the strategies draw from: what a claims backend may send (CONTRACT §1, §7).

The enum values come from the library's models (so that the strategies follow the contract's
vocabulary as the library spells it). The rest is the generator's own knowledge of where the
interesting inputs are: codes that count and codes that a table-4 group excludes, hospitals of a
kind the 2022 edition counts, tier edges, deadline edges. That knowledge only steers the draws; it
decides nothing. The contract's tables that say what each code *means* (which clause excludes a
diagnosis, which kind a ws218 code is) live beside the project's reference reading in
``tests/spec/tables.py``, so that the reference owns its data.
"""

from __future__ import annotations

import datetime as dt
from typing import get_args

from ..model import Category, Cause, Circumstance, Document, HospitalKind, MedicationUse, Occupation, Ownership, Setting

OCCUPATIONS: tuple[str, ...] = get_args(Occupation)
PLATFORM_OCCUPATIONS = tuple(o for o in OCCUPATIONS if o != "not_platform_worker")
CAUSES: tuple[str, ...] = get_args(Cause)
CIRCUMSTANCES: tuple[str, ...] = get_args(Circumstance)
OWNERSHIPS: tuple[str, ...] = get_args(Ownership)
KINDS: tuple[str, ...] = get_args(HospitalKind)
SETTINGS: tuple[str, ...] = get_args(Setting)
CATEGORIES: tuple[str, ...] = get_args(Category)
MEDICATION_USES: tuple[str, ...] = get_args(MedicationUse)
DOCUMENTS: tuple[str, ...] = get_args(Document)
REQUIRED_DOCUMENTS = ("invoice", "accident_proof", "medical_record")
"""第八条(二): the three a complete claim carries."""

# WS 218-2002 codes of the contract's mapping: first those of a kind art5.5 counts under 2022, then
# those of an excluded kind (codes are read without regard to case: "a100").
GOOD_WS218 = ("A100", "A110", "A300", "A210", "A411", "A511", "A520", "a100")
WS218_CODES = ("A100", "A110", "A300", "A210", "A411", "A511", "A520", "A527", "A610", "A710", "B100", "C110", "D110", "D500", "H220", "a100")  # fmt: skip

# WHO ICD-10 2019 codes (and a few China clinical-edition 2.0 codes, and spellings the contract
# accepts: "S822", "s82.2"). Every code exists (tests/spec/test_strategies.py checks it).
COUNTING_CODES = (
    "S82.2", "S06.0", "S822", "S82.201", "S06.000x001", "s82.2", "S42.0", "S52.5", "S93.4", "T14.0", "S00.0",
    "S61.0", "S27.0", "T79.3", "S02.4", "S03.3", "K09.0", "P00.0", "M53.2", "M54.5", "I10.x00", "T79",
    "T22.2", "T88.7", "T81.4", "N39.1", "U07.0", "J20.0", "G04.9",
)  # fmt: skip
"""Primary diagnoses that no table-4 group excludes: an injury and the like (a burn T22.2; a complication of
care T88.7, T81.4, which as another diagnosis does not lift art6.10's proviso)."""
EXCLUDED_CODES = (
    "O80", "O00.0", "O99.8", "M51.2", "M50.1", "M51", "S13.0", "S23.0", "S33.0", "F32.0", "F10.2", "F99", "F07.2",
    "F43.1", "K02.1", "K00", "K08.9", "S02.5", "S02.500", "S03.2", "A41.9", "A00.0", "B99", "B95.6",
    "G00.9", "G06.0", "J10.1", "J15.9", "J85.1", "L03.1", "L08.9", "M00.0", "M86.1", "N39.0", "U07.1", "U07.2",
)  # fmt: skip
"""Diagnoses of table 4's groups: pregnancy, disc disease, mental disorders, dental, infections."""
ICD10_CODES = COUNTING_CODES + EXCLUDED_CODES

NAMES = ("张三", "李四", "王五", "赵六", "陈小明", "欧阳娜娜")
HOSPITAL_NAMES = ("广州市第一人民医院", "深圳市人民医院", "某县中医院", "某社区卫生服务中心", "某康复医院")
REGIONS = ("440106", "110105", "110101", "440305", "440981", "445281", "310101", "440104")

PERIOD_START, PERIOD_END = dt.date(2022, 1, 1), dt.date(2022, 12, 31)
WINDOW_DAYS = 180
TOP_TIER_FEN = 6000_00
CAP_FEN = 10000_00
EDGES_FEN = (200_00, 500_00, 2000_00, 5000_00, 10000_00)
EDGE_AMOUNTS_FEN = tuple(sorted({e + d for e in EDGES_FEN for d in (-1, 0, 1)}))
"""Each tier edge of the 2022 edition, and one fen either side."""

DEADLINE_EDGES = {
    # accident day → where its filing deadline falls (checked against chinesecalendar by the suite)
    dt.date(2022, 3, 4): "weekend",  # 2023-03-04 is a Saturday → Monday 2023-03-06
    dt.date(2022, 1, 23): "spring_festival",  # 2023-01-23 is in the Spring Festival holiday → 2023-01-28
    dt.date(2022, 1, 21): "spring_festival",  # 2023-01-21, a Saturday inside the holiday → 2023-01-28
    dt.date(2022, 1, 28): "workday_swap",  # 2023-01-28 is a Saturday worked (调休): the deadline stays
    dt.date(2022, 10, 7): "workday_swap",  # 2023-10-07, likewise
    dt.date(2022, 9, 30): "national_day",  # 2023-09-30 → 2023-10-07
    dt.date(2020, 2, 29): "leap_day",  # 2021-02-28 (第二百零二条), a Sunday → 2021-03-01
    dt.date(2024, 2, 29): "leap_day",  # 2025-02-28
}
"""Accident days whose filing deadline falls on a day that moves it, or on 29 February's stand-in."""

EDGE_ACCIDENT_DAYS = (
    PERIOD_START, PERIOD_END, dt.date(2022, 2, 28), dt.date(2022, 12, 30), dt.date(2021, 12, 31), dt.date(2023, 1, 1),
    *DEADLINE_EDGES,
    dt.date(2023, 11, 1),  # day 120 after it is 2024-02-29
    dt.date(2024, 2, 1),  # day 28 after it is 2024-02-29
)  # fmt: skip
