"""Hypothesis strategies for mutualaid's input, for the plan's property suite and for your own tests.

    import pytest
    from hypothesis import given
    from mutualaid import InvalidClaim, adjudicate
    from mutualaid.testing import bad_claims, claims

    @given(claims())
    def test_my_backend_stores_every_decision(claim):
        store(adjudicate(claim))                     # any valid claim is decided, never refused

    @given(bad_claims())
    def test_my_backend_reports_the_field(bad):
        with pytest.raises(InvalidClaim) as exc:
            adjudicate(bad.claim, bad.history)
        assert bad.field in exc.value.fields         # what your form should highlight

``import mutualaid`` does not import this module (nor Hypothesis); import it in tests.

What the strategies build
-------------------------
Everything is plain JSON-like data, as a claims backend sends it (CONTRACT §1): dicts and lists,
dates as ``"2022-03-01"``, amounts as ``"1200.00"``. Pass it to :func:`mutualaid.adjudicate` as it
is, or dump it to JSON or YAML first.

- :func:`claims` — one valid claim. Keyword arguments narrow it: ``clean`` (an eligible member,
  cause ``accident``, no circumstance), ``complete`` (all three documents, the member's own
  account), ``payable`` (both, and an accident in the 2022 period filed by its anniversary: only
  the tier and the cap can stop it), and fixed ``claim_id``, ``member`` or ``accident``.
- :func:`histories` ``(for_claim=claim)`` — the member's earlier decided claims, consistent with
  ``claim``: claim ids ``H-1``, ``H-2``…, the claim's accident keeps its date, at most the top
  tier paid per accident and the cap per edition. ``edition=`` keeps a what-if edition's limits.
- :func:`claims_with_history` — ``(claim, history)`` pairs.
- :func:`claim_streams` — one member's successive claims (ids ``C-1``, ``C-2``…, in filing order)
  over one to three accidents, with repeat claims (top-ups) for the same accident, also after a
  claim for another accident. Decide them in order, feeding each decision back with
  :func:`history_entry`.
- :func:`editions` — :class:`~mutualaid.Edition` objects: the 2022 edition with its tiers, cap,
  window, filing limit, documents, hospital rule, exclusions and switches varied. Pass one as
  ``adjudicate(claim, history, plan=edition)``; draw histories with ``histories(for_claim=claim,
  edition=edition)`` so that they respect its cap. :func:`edition_from_data` builds one from data and
  shares it between equal draws (the library compiles an edition's rules once per object).
- :func:`bad_claims` — :class:`BadClaim` examples, each breaking exactly one rule of CONTRACT §5
  (or a fine point of §7): ``.field`` is the path ``InvalidClaim.fields`` must name
  (``treatments.0.items.1.out_of_pocket``, ``history.2.paid``), ``.claim`` and ``.history`` the
  input, ``.breaks`` the rule in words.

Valid by construction
---------------------
Nothing the valid strategies build is refused: 身份证 numbers carry a GB 11643 check digit computed
here (not by the library), no item falls after ``filed_on``, ``filed_on`` never falls before the
accident, ``medication_use`` appears on medication items only, amounts are exact in fen, treatment
ids are unique, and a history is consistent with its claim.

What they reach
---------------
Between them the strategies reach every enum value and every circumstance code of the contract,
and these edges (``tests/spec/test_strategies.py`` holds them to it):

- the accident's countable out-of-pocket at each tier edge and one fen either side (199.99, 200.00,
  200.01 … 10000.01): the items of a claim often add up to exactly such a total;
- costs on days 179, 180 and 181 after the accident (and the day before it);
- filing on days 364, 365, 366 and 367 after the accident, and in the days after the anniversary;
- filing deadlines on a weekend, in the Spring Festival holiday, and on a 调休 working day
  (:data:`DEADLINE_EDGES`);
- 29 February, as an accident day (the deadline falls back to 28 February) and as a cost's day;
- a cap remainder smaller than the tier (history has paid nearly 10,000);
- a top-up for an earlier accident (the history holds the claim's accident and a later one).

Examples shrink toward a claim on 2022-01-01 filed the same day, one treatment at a grade-3 public
general hospital, the first value of each list, and small round amounts.

The contract's tables are restated here as plain data (:data:`CIRCUMSTANCE_CLAUSE`,
:data:`ICD10_GROUP`, :data:`WS218_KIND`…), not imported from the library, so that a property can
check the library against the contract rather than against itself.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable, NamedTuple, Optional, Sequence

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised by tests/test_extras.py in a subprocess
    raise ImportError(
        "mutualaid.testing needs Hypothesis, which a production install leaves out: "
        "pip install 'mutualaid[testing]'"
    ) from exc

__all__ = [
    "BadClaim",
    "accident_dates",
    "accidents",
    "amounts_fen",
    "anniversary",
    "bad_claims",
    "claim_streams",
    "claims",
    "claims_with_history",
    "edition_from_data",
    "editions",
    "gb11643_check",
    "histories",
    "history_entry",
    "id_numbers",
    "members",
    "member_sequences",
    "yuan",
]

# --- the contract's vocabulary ----------------------------------------------------------------------

OCCUPATIONS = (
    "truck_driver",
    "ride_hailing_driver",
    "courier",
    "delivery_rider",
    "other_platform_worker",
    "not_platform_worker",
)
PLATFORM_OCCUPATIONS = OCCUPATIONS[:-1]
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

GRADES = (1, 2, 3)
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
    # art6.4 pregnancy (O00–O99)
    "O80": "art6.4", "O00.0": "art6.4", "O99.8": "art6.4",
    # art6.5 disc disease (M50, M51)
    "M51.2": "art6.5", "M50.1": "art6.5", "M51": "art6.5",
    "S13.0": "art6.5", "S23.0": "art6.5", "S33.0": "art6.5",  # traumatic disc ruptures (revision 2)
    # art6.6 mental and behavioural disorders (F00–F99), those that follow an accident included
    "F32.0": "art6.6", "F10.2": "art6.6", "F99": "art6.6", "F07.2": "art6.6", "F43.1": "art6.6",
    # art6.8 dental (K00–K08, S02.5, S03.2)
    "K02.1": "art6.8", "K00": "art6.8", "K08.9": "art6.8", "S02.5": "art6.8", "S02.500": "art6.8", "S03.2": "art6.8",
    # art6.10 infections (A00–B99)
    "A41.9": "art6.10", "A00.0": "art6.10", "B99": "art6.10", "B95.6": "art6.10",
}  # fmt: skip
ICD10_CODES = tuple(ICD10_GROUP)
COUNTING_CODES = tuple(c for c, g in ICD10_GROUP.items() if not g)


def table4_clause(diagnoses: Sequence[str]) -> str:
    """The table-4 clause that excludes a treatment with these diagnoses (primary first), or ``""``.

    CONTRACT §4: by the primary diagnosis (:data:`ICD10_GROUP`), except that an infection
    (art6.10) treated together with an injury of chapter XIX (another diagnosis in S00–T98) is the
    accident's wound infection, which 第六条(10)'s proviso keeps covered.
    """
    clause = ICD10_GROUP[diagnoses[0]]
    if clause == "art6.10" and any("S00" <= d[:3].upper() <= "T98" for d in diagnoses[1:]):
        return ""
    return clause

CATEGORIES = ("treatment", "medication", "dental", "assistive_device")
MEDICATION_USES = ("prescribed", "otc_as_directed", "self_medicated")
DOCUMENTS = ("invoice", "accident_proof", "medical_record", "other")
REQUIRED_DOCUMENTS = ("invoice", "accident_proof", "medical_record")

NAMES = ("张三", "李四", "王五", "赵六", "陈小明", "欧阳娜娜")
HOSPITAL_NAMES = ("广州市第一人民医院", "深圳市人民医院", "某县中医院", "某社区卫生服务中心", "某康复医院")

PERIOD_START, PERIOD_END = dt.date(2022, 1, 1), dt.date(2022, 12, 31)
WINDOW_DAYS = 180
TOP_TIER_FEN = 6000_00
CAP_FEN = 10000_00
EDGES_FEN = (200_00, 500_00, 2000_00, 5000_00, 10000_00)
EDGE_AMOUNTS_FEN = tuple(sorted({e + d for e in EDGES_FEN for d in (-1, 0, 1)}))
TIER_PAYS_FEN = (200_00, 500_00, 2000_00, 5000_00, 6000_00)

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


# --- small helpers ------------------------------------------------------------------------------------


def yuan(fen: int) -> str:
    """Integer fen as a two-decimal string: 120000 → '1200.00'."""
    return f"{fen // 100}.{fen % 100:02d}"


def iso(day: dt.date) -> str:
    return day.isoformat()


def in_period(day: dt.date) -> bool:
    """Inside the 2022 edition's period (art4.1)."""
    return PERIOD_START <= day <= PERIOD_END


def anniversary(day: dt.date, years: int = 1) -> dt.date:
    """The same day ``years`` later; 29 February → 28 February (民法典 第二百零二条)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def gb11643_check(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2), computed from its definition."""
    s = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    r = (12 - s % 11) % 11
    return "X" if r == 10 else str(r)


def history_entry(claim: dict, decision) -> dict:
    """A decided claim as the history entry of a later claim (CONTRACT §1)."""
    return {
        "claim_id": claim["claim_id"],
        "accident_id": claim["accident"]["accident_id"],
        "accident_occurred_on": str(claim["accident"]["occurred_on"]),
        "counted_out_of_pocket": str(decision.counted_out_of_pocket),
        "paid": str(decision.payout),
    }


# Drawing is the cost of a property test, so the strategies below draw integers from strategies
# made once, and build the data in plain Python: a shrunk index 0 is the first, plainest choice.

_INTS: dict[tuple[int, int], st.SearchStrategy] = {}


def _int(draw, lo: int, hi: int) -> int:
    s = _INTS.get((lo, hi))
    if s is None:
        s = _INTS[(lo, hi)] = st.integers(lo, hi)
    return draw(s)


def _pick(draw, seq):
    """One element of ``seq``; shrinks to the first."""
    return seq[_int(draw, 0, len(seq) - 1)]


def _choose(draw, *options):
    """One of ``(weight, value)`` options in proportion to the weights; shrinks to the first.

    A value that is callable is called with ``draw`` (a choice that draws further)."""
    k = _int(draw, 0, sum(w for w, _ in options) - 1)
    for w, v in options:
        if k < w:
            return v(draw) if callable(v) else v
        k -= w
    raise AssertionError("unreachable")


def _day(draw, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=_int(draw, 0, (hi - lo).days))


def _permutation(draw, n: int) -> list[int]:
    """A permutation of range(n) (Fisher–Yates); shrinks to the identity."""
    out = list(range(n))
    for i in range(n - 1):
        j = _int(draw, i, n - 1)
        out[i], out[j] = out[j], out[i]
    return out


# --- amounts --------------------------------------------------------------------------------------------


def _amount_fen(draw) -> int:
    """An amount in fen: a tier edge ±0.01 often, else anything up to 12,000 yuan."""
    return _choose(
        draw,
        (1, lambda d: _pick(d, (0, 1, 99_99, 100_00, 150_00))),
        (3, lambda d: _pick(d, EDGE_AMOUNTS_FEN)),
        (1, lambda d: _int(d, 0, 300_00)),
        (4, lambda d: _int(d, 0, 12000_00)),
    )


def _big_amount_fen(draw) -> int:
    """An amount that moves a stream toward the cap."""
    return _choose(draw, (3, lambda d: _int(d, 1000_00, 12000_00)), (1, lambda d: _pick(d, EDGE_AMOUNTS_FEN)), (1, _amount_fen))


amounts_fen = st.composite(lambda draw: _amount_fen(draw))()
"""An amount in fen (an int): a tier edge ±0.01 often, else anything up to 12,000 yuan."""


# --- members ------------------------------------------------------------------------------------------

REGIONS = ("440106", "110105", "110101", "440305", "440981", "445281", "310101", "440104")
# Before the earliest accident any strategy draws (1990), so that a drawn birth date is never after
# the filing date (CONTRACT §7, revision 2: digits 7–14 are a birth date no later than filed_on).
_BIRTH_FIRST, _BIRTH_LAST = dt.date(1940, 1, 1), dt.date(1989, 12, 31)


def _id_number(draw, lowercase_x: bool = True) -> str:
    region = _pick(draw, REGIONS)
    birth = _day(draw, _BIRTH_FIRST, _BIRTH_LAST).strftime("%Y%m%d")
    seq = _int(draw, 0, 999)
    if _int(draw, 0, 5) == 5:  # make the check character an X
        while gb11643_check(f"{region}{birth}{seq:03d}") != "X":
            seq = (seq + 1) % 1000
    body = f"{region}{birth}{seq:03d}"
    check = gb11643_check(body)
    if check == "X" and lowercase_x and _int(draw, 0, 1):
        check = "x"
    return body + check


@st.composite
def id_numbers(draw, lowercase_x: bool = True) -> str:
    """An 18-character 居民身份证 number whose check digit holds (sometimes X, sometimes written x)."""
    return _id_number(draw, lowercase_x)


def _member(draw, ref: dt.date, eligible: bool) -> dict:
    m: dict = {"member_id": f"M-{_int(draw, 1, 9999):04d}", "name": _pick(draw, NAMES)}
    if _int(draw, 0, 5):
        m["id_number"] = _id_number(draw)
    for key in ("union_member_since", "real_name_verified_on"):
        before = lambda d: iso(ref - dt.timedelta(days=_choose(d, (1, 0), (3, lambda d2: _int(d2, 0, 2000)))))  # noqa: E731
        if eligible:
            m[key] = before(draw)
            continue
        value = _choose(
            draw,
            (24, before),
            (1, None),
            (1, lambda d: iso(ref + dt.timedelta(days=_int(d, 1, 60)))),
        )
        if value is not None or _int(draw, 0, 1):  # None is written as null or left out
            m[key] = value
    if eligible:
        m["occupation"] = _pick(draw, PLATFORM_OCCUPATIONS)
    else:
        m["occupation"] = _choose(draw, (20, lambda d: _pick(d, PLATFORM_OCCUPATIONS)), (1, "not_platform_worker"))
    return m


@st.composite
def members(draw, occurred_on: Optional[dt.date] = None, eligible: bool = False) -> dict:
    """A member. Relative to ``occurred_on`` (2022-01-01 when None), union membership and real-name
    verification sometimes start after the accident or are missing, unless ``eligible``."""
    return _member(draw, occurred_on or PERIOD_START, eligible)


# --- accidents ------------------------------------------------------------------------------------------


def _accident_day(draw) -> dt.date:
    """Mostly in the 2022 edition's period; sometimes at an edge, or years away from it."""
    return _choose(
        draw,
        (1, lambda d: _day(d, PERIOD_START, PERIOD_END)),
        (2, lambda d: _pick(d, EDGE_ACCIDENT_DAYS)),
        (1, lambda d: _day(d, dt.date(2021, 1, 1), dt.date(2023, 12, 31))),
        (1, lambda d: _day(d, dt.date(1990, 1, 1), dt.date(2035, 12, 31))),  # holiday data may not reach the deadline
    )


def _circumstances(draw) -> list:
    """Mostly none; sometimes one to three table-4 codes (a code may repeat)."""
    if _int(draw, 0, 5):
        return []
    return [_pick(draw, CIRCUMSTANCES) for _ in range(_int(draw, 1, 3))]


def _accident(draw, day: Optional[dt.date] = None, accident_id: Optional[str] = None, clean: bool = False, in_period_: bool = False) -> dict:
    if day is None:
        if in_period_:
            day = _choose(draw, (6, lambda d: _day(d, PERIOD_START, PERIOD_END)), (1, lambda d: _pick(d, [x for x in EDGE_ACCIDENT_DAYS if in_period(x)])))
        else:
            day = _choose(draw, (8, lambda d: _day(d, PERIOD_START, PERIOD_END)), (3, _accident_day))
    a = {
        "accident_id": accident_id or f"A-{_int(draw, 1, 9999):04d}",
        "occurred_on": iso(day),
        "cause": "accident" if clean else _choose(draw, (15, "accident"), (1, "illness")),
    }
    circ = [] if clean else _circumstances(draw)
    if circ or _int(draw, 0, 1):
        a["circumstances"] = circ
    return a


@st.composite
def accidents(draw, occurred_on: Optional[dt.date] = None, accident_id: Optional[str] = None, clean: bool = False) -> dict:
    """An accident: mostly in 2022, cause ``accident``, no circumstance; ``clean`` makes the last two sure."""
    return _accident(draw, occurred_on, accident_id, clean)


accident_dates = st.composite(lambda draw: _accident_day(draw))()
"""Accident days: mostly in the 2022 edition's period, sometimes at an edge or outside it."""


# --- treatments ----------------------------------------------------------------------------------------


def _hospital(draw) -> dict:
    """Usually a hospital art5.5 counts (grade 2 or 3, public, not an excluded kind), else anything."""
    h: dict = {}
    if _int(draw, 0, 1):
        h["name"] = _pick(draw, HOSPITAL_NAMES)
    if _int(draw, 0, 9) < 7:  # one that counts, written in any of the ways the contract allows
        h["grade"] = _pick(draw, (3, 2))
        h["ownership"] = "public"
        kind = _choose(draw, (4, "general"), (2, lambda d: _pick(d, ("tcm", "specialty"))), (1, "absent"), (1, None))
        if kind != "absent":
            h["kind"] = kind
        if _int(draw, 0, 4) == 4:
            h["ws218"] = _pick(draw, GOOD_WS218)
        return h
    grade = _choose(draw, (5, 3), (2, 2), (1, 1), (1, None), (1, "absent"))
    if grade != "absent":
        h["grade"] = grade
    ownership = _choose(draw, (6, "public"), (2, "private"), (1, None), (1, "absent"))
    if ownership != "absent":
        h["ownership"] = ownership
    kind = _choose(draw, (3, "general"), (4, lambda d: _pick(d, KINDS)), (1, None), (1, "absent"))
    if kind != "absent":
        h["kind"] = kind
    if _int(draw, 0, 2) == 2:
        h["ws218"] = _pick(draw, tuple(WS218_KIND))
    return h


def _leap_day_offset(occurred: dt.date, window: int) -> Optional[int]:
    """Days from ``occurred`` to a 29 February inside the window, if there is one."""
    for year in (occurred.year, occurred.year + 1):
        try:
            leap = dt.date(year, 2, 29)
        except ValueError:
            continue
        if 0 <= (leap - occurred).days <= window + 1:
            return (leap - occurred).days
    return None


def _item_day(draw, occurred: dt.date, filed: dt.date, window: int = WINDOW_DAYS) -> dt.date:
    """A cost's day: around the window's edges often, inside it mostly, never after filed_on."""
    most = (filed - occurred).days
    earliest = max(-20, (dt.date(1900, 1, 1) - occurred).days)
    edges = [d for d in (-1, 0, 1, window - 1, window, window + 1) if d <= most]
    leap = _leap_day_offset(occurred, window)
    offset = _choose(
        draw,
        (10, lambda d: _int(d, 0, min(most, window))),
        (4, lambda d: _pick(d, edges)),
        (2, lambda d: _int(d, earliest, most)),
        (2 if leap is not None and leap <= most else 0, leap),
    )
    return occurred + dt.timedelta(days=offset)


def _item(draw, occurred: dt.date, filed: dt.date, window: int) -> dict:
    """One cost, with a placeholder amount (``claims`` fills ``out_of_pocket``)."""
    category = _choose(draw, (10, "treatment"), (4, "medication"), (1, "dental"), (1, "assistive_device"))
    it: dict = {"on": iso(_item_day(draw, occurred, filed, window)), "category": category, "out_of_pocket": "0.00"}
    sf = _choose(draw, (3, "absent"), (1, None), (2, _amount_fen))
    if sf != "absent":
        it["self_funded"] = None if sf is None else yuan(sf)
    if category == "medication":
        use = _choose(draw, (2, "absent"), (4, lambda d: _pick(d, MEDICATION_USES)), (1, None))
        if use != "absent":
            it["medication_use"] = use
    return it


def _treatments(draw, occurred: dt.date, filed: dt.date, max_treatments: int = 3, max_items: int = 4, window: int = WINDOW_DAYS) -> list:
    """One to three treatments with unique ids (numbered out of input order), each with 0–4 items."""
    n = _int(draw, 1, max_treatments)
    out = []
    for k in _permutation(draw, n):
        diagnoses = [_choose(draw, (4, lambda d: _pick(d, COUNTING_CODES)), (1, lambda d: _pick(d, ICD10_CODES)))]
        diagnoses += [_pick(draw, ICD10_CODES) for _ in range(_choose(draw, (3, 0), (1, 1), (1, 2)))]
        out.append(
            {
                "treatment_id": f"T{k + 1}",
                "hospital": _hospital(draw),
                "setting": _pick(draw, SETTINGS),
                "diagnoses": diagnoses,
                "items": [_item(draw, occurred, filed, window) for _ in range(_choose(draw, (1, 0), (3, 1), (3, lambda d: _int(d, 2, max_items))))],
            }
        )
    return out


def _fill_amounts(draw, treatments_: list, amount: Callable = _amount_fen) -> None:
    """Set every item's out_of_pocket; half the time the items add up to a tier edge ±0.01."""
    all_items = [it for t in treatments_ for it in t["items"]]
    if not all_items:
        return
    if _int(draw, 0, 1):
        total = _pick(draw, EDGE_AMOUNTS_FEN)
        cuts = sorted(_int(draw, 0, total) for _ in range(len(all_items) - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
    else:
        parts = [amount(draw) for _ in all_items]
    for it, fen in zip(all_items, parts):
        it["out_of_pocket"] = yuan(fen)


# --- documents and payee ------------------------------------------------------------------------------


def _documents(draw, complete: bool = False) -> list:
    full = lambda d: [REQUIRED_DOCUMENTS[i] for i in _permutation(d, 3)]  # noqa: E731
    with_other = lambda d: [DOCUMENTS[i] for i in _permutation(d, 4)]  # noqa: E731
    if complete:
        return _choose(draw, (4, full), (1, with_other))
    some = lambda d: [doc for doc in DOCUMENTS if _int(d, 0, 1)]  # noqa: E731
    return _choose(draw, (12, full), (2, with_other), (1, some))


def _account_number(draw) -> str:
    """10 to 30 digits; mostly a 19-digit bank card number."""
    n = _choose(draw, (3, 19), (1, lambda d: _int(d, 10, 30)))
    return "6222" + f"{_int(draw, 0, 999999):06d}" + "0" * (n - 10)


def _payee(draw, member: dict, matching: bool = False) -> Optional[dict]:
    """Usually the member's own account; sometimes someone else's, incomplete, or none."""
    name = member["name"]
    own_id = member.get("id_number")
    kind = "match" if matching else _choose(
        draw, (16, "match"), (1, "none"), (1, "other_name"), (1, "other_id"), (1, "incomplete")
    )
    if kind == "none":
        return None
    p: dict = {}
    if kind == "other_name":
        p["holder_name"] = _pick(draw, [n for n in NAMES if n != name])
    else:
        p["holder_name"] = _pick(draw, (name, name, f" {name}", f"{name}\t", f"\u3000{name} "))
    if kind == "other_id":
        other = _id_number(draw)
        if own_id is not None and other.upper() == own_id.upper():
            other = "440106198003071237" if own_id.upper() != "440106198003071237" else "11010519491231002X"
        p["holder_id_number"] = other
    elif own_id is None:
        if _int(draw, 0, 1):
            p["holder_id_number"] = _id_number(draw)
    else:
        hid = _choose(draw, (4, own_id), (1, own_id.swapcase()), (1, "absent"))
        if hid != "absent":
            p["holder_id_number"] = hid
    p["account_number"] = _account_number(draw)
    if kind == "incomplete":
        missing = _pick(draw, ("holder_name", "account_number", "both"))
        for key in ("holder_name", "account_number") if missing == "both" else (missing,):
            if _int(draw, 0, 1):
                del p[key]
            else:
                p[key] = None if key == "account_number" else _pick(draw, (None, "", "  "))
    return p


# --- claims ---------------------------------------------------------------------------------------------


def _filing_day(draw, occurred: dt.date, on_time: bool = False) -> dt.date:
    """filed_on: on or after the accident, often in the days after the anniversary, where a deadline
    that falls on a rest day or holiday is moved (Spring Festival can move it by a week)."""
    if on_time:
        last = (anniversary(occurred) - occurred).days
        k = _choose(draw, (6, lambda d: _int(d, 0, 200)), (1, lambda d: _pick(d, (0, 1, 180, 181, last - 1, last))), (1, lambda d: _int(d, 0, last)))
        return occurred + dt.timedelta(days=k)
    return _choose(
        draw,
        (9, lambda d: occurred + dt.timedelta(days=_int(d, 0, 200))),
        (2, lambda d: occurred + dt.timedelta(days=_int(d, 181, 300))),
        (3, lambda d: anniversary(occurred) + dt.timedelta(days=_int(d, -2, 9))),
        (1, lambda d: occurred + dt.timedelta(days=_pick(d, (0, 1, 180, 181, 355, 364, 365, 366, 367, 368, 375)))),
        (1, lambda d: occurred + dt.timedelta(days=_int(d, 0, 800))),
    )


def _claim(
    draw,
    *,
    claim_id: Optional[str] = None,
    member: Optional[dict] = None,
    accident: Optional[dict] = None,
    clean: bool = False,
    complete: bool = False,
    payable: bool = False,
    max_treatments: int = 3,
    max_items: int = 4,
    amounts: str = "any",
    window: int = WINDOW_DAYS,
) -> dict:
    """A valid claim as plain data (CONTRACT §1).

    ``clean``: an eligible member, cause ``accident``, no circumstances (claim-level denials then
    come only from the period, the filing deadline, the tier and the cap). ``complete``: all three
    documents and the member's own account (nothing pends). ``payable``: clean and complete, an
    accident in the 2022 period, filed by its anniversary: only the tier and the cap can stop it.
    ``claim_id``, ``member`` and ``accident`` fix those parts. ``amounts``: ``"any"`` (tier edges
    ±0.01 often, anything up to 12,000) or ``"large"`` (1,000 to 12,000 mostly, to reach the cap).
    ``window``: the days after the accident around which costs cluster (an edition's window).
    """
    clean = clean or payable
    complete = complete or payable
    acc = accident or _accident(draw, clean=clean, in_period_=payable)
    occurred = dt.date.fromisoformat(acc["occurred_on"])
    filed = _filing_day(draw, occurred, on_time=payable)
    mem = member or _member(draw, occurred, eligible=clean)
    ts = _treatments(draw, occurred, filed, max_treatments=max_treatments, max_items=max_items, window=window)
    _fill_amounts(draw, ts, _big_amount_fen if amounts == "large" else _amount_fen)
    c: dict = {"claim_id": claim_id or f"C-{_int(draw, 1, 9999):04d}"}
    if _int(draw, 0, 4) == 4:
        c["plan"] = "gd-nef-2022"
    c["filed_on"] = iso(filed)
    c["member"] = mem
    c["accident"] = acc
    c["treatments"] = ts
    docs = _documents(draw, complete=complete)
    if docs:
        c["documents"] = docs
    else:  # none at all: an empty list, null or no key
        none = _pick(draw, ("empty", "null", "absent"))
        if none != "absent":
            c["documents"] = [] if none == "empty" else None
    payee = _payee(draw, mem, matching=complete)
    if payee is not None or _int(draw, 0, 1):
        c["payee"] = payee
    return c


claims = st.composite(_claim)


# --- histories ------------------------------------------------------------------------------------------

PAID_FEN_CHOICES = (0, 200_00, 300_00, 500_00, 1500_00, 1800_00, 2000_00, 3000_00, 4500_00, 5000_00, 5500_00, 6000_00)
CAP_REMAINDERS_FEN = (0, 1, 100_00, 199_99, 200_00, 450_00, 1000_00, 1999_99)
"""What a history may leave of the cap: less than the tier a claim reaches, often."""


class _Limits(NamedTuple):
    start: dt.date
    end: dt.date
    top_fen: int
    cap_fen: int


_LIMITS_2022 = _Limits(PERIOD_START, PERIOD_END, TOP_TIER_FEN, CAP_FEN)


def _limits(edition) -> _Limits:
    if edition is None:
        return _LIMITS_2022
    return _Limits(edition.period.start, edition.period.end, edition.top_tier_fen, edition.cap_fen)


def _history(draw, claim: Optional[dict], max_size: int = 5, edition=None) -> list:
    lim = _limits(edition)
    pool = []
    if claim is not None:
        acc = claim["accident"]
        own = (acc["accident_id"], dt.date.fromisoformat(str(acc["occurred_on"])))
        pool.append(own)
        later = own[1] + dt.timedelta(days=_int(draw, 1, 120))
        others = [_choose(draw, (3, _accident_day), (1, later)) for _ in range(_int(draw, 0, 3))]
    else:
        own = None
        others = [_accident_day(draw) for _ in range(_int(draw, 1, 3))]
    pool += [(f"A-H{k + 1}", day) for k, day in enumerate(others)]
    n = _int(draw, 0, max_size)
    paid_acc: dict[str, int] = {}
    paid_ed = 0
    out = []
    for k in range(n):
        aid, day = _pick(draw, pool)
        counts = lim.start <= day <= lim.end
        limit = lim.top_fen - paid_acc.get(aid, 0)
        if counts:
            limit = min(limit, lim.cap_fen - paid_ed)
        paid = _choose(
            draw,
            (4 if own is not None and aid == own[0] else 0, lambda d: _pick(d, [p for p in (0, 200_00, 500_00) if p <= limit])),
            (2, lambda d: _pick(d, [p for p in PAID_FEN_CHOICES if p <= limit])),
            (2, lambda d: _int(d, 0, limit)),
            (1, limit),
            (1 if counts else 0, lambda d: max(0, min(limit, lim.cap_fen - paid_ed - _pick(d, CAP_REMAINDERS_FEN)))),
        )
        paid_acc[aid] = paid_acc.get(aid, 0) + paid
        if counts:
            paid_ed += paid
        counted = _choose(draw, (2, _amount_fen), (1, lambda d: _pick(d, EDGE_AMOUNTS_FEN)), (1, 0))
        out.append(
            {
                "claim_id": f"H-{k + 1}",
                "accident_id": aid,
                "accident_occurred_on": iso(day),
                "counted_out_of_pocket": yuan(counted),
                "paid": yuan(paid),
            }
        )
    return out


@st.composite
def histories(draw, for_claim: Optional[dict] = None, *, max_size: int = 5, edition=None) -> list:
    """Earlier decided claims of one member, consistent with the contract and with ``for_claim``.

    Claim ids H-1, H-2… (never a claim's id from :func:`claims`); the claim's own accident keeps the
    claim's date, and other accidents (sometimes later than the claim's) have one date each; per
    accident at most the top tier is paid, per edition at most the cap (of ``edition`` when given,
    else the 2022 edition's 6,000 and 10,000), as running totals, so every prefix is valid too.
    Without ``for_claim`` the history is valid with any claim whose id does not start with ``H-``
    and whose accident id does not start with ``A-H`` (as no claim from :func:`claims` does).
    """
    return _history(draw, for_claim, max_size, edition)


@st.composite
def claims_with_history(draw, clean: bool = False, complete: bool = False, payable: bool = False, max_history: int = 5) -> tuple[dict, list]:
    """A ``(claim, history)`` pair: :func:`claims` and :func:`histories` for it."""
    c = _claim(draw, clean=clean, complete=complete, payable=payable)
    return c, _history(draw, c, max_history)


# --- streams --------------------------------------------------------------------------------------------


@st.composite
def claim_streams(draw, min_size: int = 1, max_size: int = 7, *, payable: bool = False) -> list[dict]:
    """One member's claims in filing order: ids C-1, C-2…, over one to three accidents.

    The same accident keeps its id and date, so repeat claims for it are top-ups, and a claim may
    come back to an earlier accident after claims for another. Claims are mostly clean and complete
    and their amounts large, so that the cap is often reached. ``payable``: every claim is (see
    :func:`claims`), so that only the tier and the cap decide what the stream pays.
    """
    eligible = payable or _int(draw, 0, 3) > 0
    member = _member(draw, dt.date(2021, 12, 31), eligible=eligible)
    if payable:
        days = [_day(draw, PERIOD_START, PERIOD_END) for _ in range(_int(draw, 1, 3))]
    else:
        days = [_choose(draw, (6, lambda d: _day(d, PERIOD_START, PERIOD_END)), (1, _accident_day)) for _ in range(_int(draw, 1, 3))]
    pool = [(f"A-{k + 1}", day) for k, day in enumerate(days)]
    out = []
    for k in range(_int(draw, min_size, max_size)):
        aid, day = _pick(draw, pool)
        clean = payable or _int(draw, 0, 4) > 0
        acc = _accident(draw, day, aid, clean=clean)
        out.append(
            _claim(
                draw,
                claim_id=f"C-{k + 1}",
                member=member,
                accident=acc,
                clean=clean,
                complete=payable or _int(draw, 0, 4) > 0,
                payable=payable,
                max_treatments=2,
                max_items=3,
                amounts="large",
            )
        )
    return out


member_sequences = claim_streams
"""The name :func:`claim_streams` had in the project's tests."""


# --- editions -------------------------------------------------------------------------------------------

EDITION_ID = "gd-nef-2022-what-if"


def _tiers(draw) -> list[dict]:
    """One to six rows with rising edges, each 以上 (at_least) or 超过 (over), paying up to its edge."""
    n = _choose(draw, (3, 5), (1, lambda d: _int(d, 1, 6)))
    edges = sorted({_choose(draw, (2, lambda d: _pick(d, EDGES_FEN)), (1, lambda d: _int(d, 1_00, 15000_00))) for _ in range(n)})
    rows: list[dict] = []
    for edge in edges:
        pays = _choose(draw, (2, min(edge, TOP_TIER_FEN)), (1, lambda d: _int(d, 1, edge)))
        inclusive = _choose(draw, (1, not rows), (1, lambda d: bool(_int(d, 0, 1))))
        rows.append({"at_least" if inclusive else "over": yuan(edge), "pays": yuan(pays)})
    return rows


def _row(edge: str, pays: str, inclusive: bool = False) -> dict:
    return {"at_least" if inclusive else "over": edge, "pays": pays}


TIER_TABLES = (
    [_row("200.00", "200.00", True), _row("500.00", "500.00", True), _row("2000.00", "2000.00", True), _row("5000.00", "5000.00", True), _row("10000.00", "6000.00", True)],
    [_row("200.00", "200.00"), _row("500.00", "500.00"), _row("2000.00", "2000.00"), _row("5000.00", "5000.00"), _row("10000.00", "6000.00")],
    [_row("200.00", "200.00", True), _row("500.00", "500.00"), _row("2000.00", "2000.00"), _row("5000.00", "5000.00"), _row("10000.00", "6000.00"), _row("20000.00", "8000.00")],
    [_row("100.00", "100.00", True)],
    [_row("0.01", "50.00", True), _row("1000.00", "1000.00")],
)  # fmt: skip
"""Whole tier tables an edition may have instead of 2022's: every edge 以上, every edge 超过, a sixth
row, one row, a row from the first fen."""

_EDITIONS: dict[str, Any] = {}


def edition_from_data(data: dict) -> Any:
    """``Edition.model_validate(data)``, one shared object for equal data.

    The library compiles an edition's rules once per edition object; what-if properties that draw
    the same variant again then reuse it instead of compiling it anew.
    """
    import json

    from .edition import Edition, without_stale_references

    data = without_stale_references(data)  # a variant that left an exclusion out drops its citation
    key = json.dumps(data, sort_keys=True, default=str)
    found = _EDITIONS.get(key)
    if found is None:
        if len(_EDITIONS) >= 256:
            _EDITIONS.clear()
        found = _EDITIONS[key] = Edition.model_validate(data)
    return found


_BASE_DATA: dict[int, Any] = {}


def _base_data(base) -> dict:
    import json

    from .edition import editions as registry

    base = base or registry.get("gd-nef-2022")
    text = _BASE_DATA.get(id(base))
    if text is None or text[0] is not base:
        text = _BASE_DATA[id(base)] = (base, json.dumps(base.model_dump(mode="json", by_alias=True)))
    return json.loads(text[1])


@st.composite
def editions(draw, base: Any = None, *, moves_to_workday: Optional[bool] = None, accumulate_same_accident: Optional[bool] = None) -> Any:
    """The 2022 edition (or ``base``, an :class:`~mutualaid.Edition`) with its parameters varied.

    Each draw changes some of: the tier table (another whole table, or edges, amounts and 以上/超过
    drawn afresh), the cap's amount and scope, the window's days (179, 180, 181 …), the filing
    limit's years and whether a deadline on a rest day moves, accumulation across claims, the
    documents required, the hospital rule's minimum grade and excluded kinds, which exclusion
    groups apply, and the contribution. The period and the codes inside each exclusion group stay.
    ``moves_to_workday`` and ``accumulate_same_accident`` fix those switches. The id is
    ``gd-nef-2022-what-if``; pass the edition itself as ``adjudicate(..., plan=edition)``, and draw
    histories for it with ``histories(for_claim=claim, edition=edition)``.
    """
    data = _base_data(base)
    data["id"] = EDITION_ID

    def changes() -> bool:  # shrinks to "no change"
        return _int(draw, 0, 2) == 2

    if changes():
        data["tiers"] = _choose(draw, (3, lambda d: _pick(d, TIER_TABLES)), (1, _tiers))
    if changes():
        data["cap"]["amount"] = yuan(_pick(draw, (6000_00, 5000_00, 20000_00, 300_00, 12345_67)))
    if changes():
        data["cap"]["scope"] = "member"
    if changes():
        data["window"]["days"] = _pick(draw, (179, 181, 90, 365, 30))
    if changes():
        data["filing"]["years"] = _pick(draw, (2, 3))
    if moves_to_workday is not None:
        data["filing"]["filing_deadline_moves_to_workday"] = moves_to_workday
    elif changes():
        data["filing"]["filing_deadline_moves_to_workday"] = False
    if changes():
        data["filing"]["top_ups_meet_deadline"] = False
    if accumulate_same_accident is not None:
        data["accumulate_same_accident"] = accumulate_same_accident
    elif changes():
        data["accumulate_same_accident"] = False
    if changes():
        data["documents"]["required"] = _pick(draw, ([], ["invoice"], ["medical_record", "accident_proof"], list(DOCUMENTS)))
    if changes():
        data["hospital"]["min_grade"] = _pick(draw, (1, 3))
    if changes():
        data["hospital"]["excluded_kinds"] = _pick(draw, ([], ["outpatient"], ["rehabilitation", "nursing", "sanatorium"]))
    for group in ("circumstances", "diagnoses"):
        if changes():
            del data["exclusions"][group][_pick(draw, sorted(data["exclusions"][group]))]
    if changes():
        data["contribution"] = _pick(draw, (None, "0.00", "99.99"))
    return edition_from_data(data)


# --- bad claims -----------------------------------------------------------------------------------------


class BadClaim(NamedTuple):
    """A claim and history that break exactly one rule of CONTRACT §5 (or a fine point of §7)."""

    field: str
    """The path ``InvalidClaim.fields`` names: ``treatments.0.items.1.out_of_pocket``, ``history.2.paid``."""
    claim: dict
    history: list
    breaks: str
    """The rule it breaks, in the contract's words."""


_BREAKERS: list[tuple[str, Callable]] = []


def _breaker(breaks: str):
    def register(fn):
        _BREAKERS.append((breaks, fn))
        return fn

    return register


def _some_treatment(draw, c: dict) -> int:
    return _int(draw, 0, len(c["treatments"]) - 1)


def _some_item(draw, c: dict) -> tuple[int, int]:
    """(treatment index, item index) of an item, adding one dated on the accident day if there is none."""
    with_items = [i for i, t in enumerate(c["treatments"]) if t["items"]]
    if not with_items:
        c["treatments"][0]["items"].append({"on": c["accident"]["occurred_on"], "category": "treatment", "out_of_pocket": "100.00"})
        return 0, 0
    i = _pick(draw, with_items)
    return i, _int(draw, 0, len(c["treatments"][i]["items"]) - 1)


def _at(c: dict, path: str):
    obj = c
    for k in path.split("."):
        obj = obj[int(k)] if k.isdigit() else obj[k]
    return obj


def _put(c: dict, path: str, value) -> None:
    *head, last = path.split(".")
    obj = _at(c, ".".join(head)) if head else c
    obj[int(last) if last.isdigit() else last] = value


BAD_WORDS = ("pilot", "Courier", "", " courier", "未知", 3)
"""Values no enum of the contract holds (a misspelling, a wrong case, a number)."""


@_breaker("CONTRACT §5: an unknown enum value")
def _bad_enum(draw, c, h):
    path = _pick(draw, ("member.occupation", "accident.cause", "treatments.{t}.setting", "treatments.{t}.hospital.ownership", "treatments.{t}.hospital.kind", "treatments.{t}.hospital.grade"))
    path = path.format(t=_some_treatment(draw, c))
    bad = _pick(draw, (0, 4, "3", "three")) if path.endswith("grade") else _pick(draw, BAD_WORDS)
    _put(c, path, bad)
    return path, c, h


@_breaker("CONTRACT §5: an unknown item category or medication_use")
def _bad_item_enum(draw, c, h):
    i, j = _some_item(draw, c)
    it = c["treatments"][i]["items"][j]
    if _int(draw, 0, 1):
        it["category"] = _pick(draw, ("massage", "Dental", "medicine"))
        it.pop("medication_use", None)  # else the unknown category would also carry a stray medication_use
        return f"treatments.{i}.items.{j}.category", c, h
    it["category"], it["medication_use"] = "medication", _pick(draw, ("guessed", "Prescribed", "otc"))
    return f"treatments.{i}.items.{j}.medication_use", c, h


@_breaker("CONTRACT §5: an unknown circumstance code")
def _bad_circumstance(draw, c, h):
    codes = list(c["accident"].get("circumstances") or [])
    k = _int(draw, 0, len(codes))
    codes.insert(k, _pick(draw, ("bungee", "Fight", "drunk driving", "war ")))
    c["accident"]["circumstances"] = codes
    return f"accident.circumstances.{k}", c, h


@_breaker("CONTRACT §7: documents is a set over invoice, accident_proof, medical_record and other")
def _bad_document(draw, c, h):
    docs = list(c.get("documents") or [])
    k = _int(draw, 0, len(docs))
    docs.insert(k, _pick(draw, ("photo", "Invoice", "receipt")))
    c["documents"] = docs
    return f"documents.{k}", c, h


@_breaker("CONTRACT §7: a ws218 code outside the mapping")
def _bad_ws218(draw, c, h):
    i = _some_treatment(draw, c)
    c["treatments"][i]["hospital"]["ws218"] = _pick(draw, ("Z999", "E100", "A800", "H221", "A10", "A1000"))
    return f"treatments.{i}.hospital.ws218", c, h


@_breaker("CONTRACT §5: a negative amount, or more than two decimals; §7: below 10,000,000")
def _bad_amount(draw, c, h):
    bad = _pick(draw, ("-0.01", "-1200.00", -5, "10.005", 10.005, "0.001", "10000000.00", 10_000_000, "1e3", True, "abc", float("nan"), "Infinity", "１２"))
    if h and _int(draw, 0, 2) == 0:
        n = _int(draw, 0, len(h) - 1)
        key = _pick(draw, ("paid", "counted_out_of_pocket"))
        h[n][key] = bad
        return f"history.{n}.{key}", c, h
    i, j = _some_item(draw, c)
    key = _pick(draw, ("out_of_pocket", "self_funded"))
    c["treatments"][i]["items"][j][key] = bad
    return f"treatments.{i}.items.{j}.{key}", c, h


@_breaker("CONTRACT §5: filed_on before occurred_on")
def _filed_before(draw, c, h):
    occurred = dt.date.fromisoformat(c["accident"]["occurred_on"])
    filed = occurred - dt.timedelta(days=_choose(draw, (3, 1), (1, lambda d: _int(d, 1, 400))))
    c["filed_on"] = iso(filed)
    for t in c["treatments"]:
        for it in t["items"]:
            if dt.date.fromisoformat(it["on"]) > filed:
                it["on"] = iso(filed)  # a cost before the accident is excluded (art5.1), not bad input
    return "filed_on", c, h


@_breaker("CONTRACT §5: an item before 1900")
def _before_1900(draw, c, h):
    day = _pick(draw, ("1899-12-31", "1800-01-01", "0001-01-01"))
    if _int(draw, 0, 2) == 0:
        key = _pick(draw, ("union_member_since", "real_name_verified_on"))
        c["member"][key] = day
        return f"member.{key}", c, h
    i, j = _some_item(draw, c)
    c["treatments"][i]["items"][j]["on"] = day
    return f"treatments.{i}.items.{j}.on", c, h


@_breaker("CONTRACT §5: a date that does not exist")
def _no_such_date(draw, c, h):
    bad = _pick(draw, ("2022-02-29", "2022-02-30", "2022-04-31", "2022-13-01", "2021-02-29", "2022-00-10"))
    where = _choose(draw, (1, "filed_on"), (1, "accident.occurred_on"), (1, "item"), (1, "member"), (1 if h else 0, "history"))
    if where == "item":
        i, j = _some_item(draw, c)
        where = f"treatments.{i}.items.{j}.on"
    elif where == "member":
        where = f"member.{_pick(draw, ('union_member_since', 'real_name_verified_on'))}"
    elif where == "history":
        n = _int(draw, 0, len(h) - 1)
        h[n]["accident_occurred_on"] = bad
        return f"history.{n}.accident_occurred_on", c, h
    _put(c, where, bad)
    return where, c, h


@_breaker("CONTRACT §7: a date is YYYY-MM-DD (no other ISO form, no date-time, no number)")
def _not_a_date(draw, c, h):
    bad = _pick(draw, ("20220301", "2022/03/01", "2022-03-01T00:00:00", 20220301, "01.03.2022", ""))
    path = _pick(draw, ("filed_on", "accident.occurred_on"))
    _put(c, path, bad)
    return path, c, h


@_breaker("CONTRACT §7: an item dated after filed_on")
def _item_after_filing(draw, c, h):
    i, j = _some_item(draw, c)
    filed = dt.date.fromisoformat(c["filed_on"])
    c["treatments"][i]["items"][j]["on"] = iso(filed + dt.timedelta(days=_choose(draw, (3, 1), (1, lambda d: _int(d, 1, 400)))))
    return f"treatments.{i}.items.{j}.on", c, h


@_breaker("CONTRACT §7: medication_use on an item that is not medication")
def _stray_medication_use(draw, c, h):
    i, j = _some_item(draw, c)
    it = c["treatments"][i]["items"][j]
    it["category"] = _pick(draw, ("treatment", "dental", "assistive_device"))
    it["medication_use"] = _pick(draw, MEDICATION_USES)
    return f"treatments.{i}.items.{j}.medication_use", c, h


@_breaker("CONTRACT §5: an ICD-10 code that does not exist")
def _bad_icd10(draw, c, h):
    i = _some_treatment(draw, c)
    codes = c["treatments"][i]["diagnoses"]
    k = _int(draw, 0, len(codes) - 1)
    codes[k] = _pick(draw, ("M52", "S82.22", "U99", "S99.99", "XYZ", "", "S82.2†", "Z99.99"))
    return f"treatments.{i}.diagnoses.{k}", c, h


def _wrong_check(number: str) -> str:
    right = gb11643_check(number[:17])
    return number[:17] + next(ch for ch in "0123456789X" if ch != right)


@_breaker("CONTRACT §5: a failing 身份证 check digit; §7: a 15-digit number")
def _bad_id_number(draw, c, h):
    fifteen = _int(draw, 0, 3) == 0
    if _int(draw, 0, 1) and isinstance(c.get("payee"), dict):
        own = c["payee"].get("holder_id_number") or _id_number(draw)
        c["payee"]["holder_id_number"] = own[:6] + own[8:17] if fifteen else _wrong_check(own)
        return "payee.holder_id_number", c, h
    own = c["member"].get("id_number") or _id_number(draw)
    c["member"]["id_number"] = own[:6] + own[8:17] if fifteen else _wrong_check(own)
    return "member.id_number", c, h


@_breaker("CONTRACT §7: digits 7–14 of a 身份证 number are a real birth date no later than filed_on")
def _bad_birth_date(draw, c, h):
    filed = dt.date.fromisoformat(c["filed_on"])
    after = filed + dt.timedelta(days=_int(draw, 1, 400))
    birth = _pick(draw, ("19901301", "19900230", "19900000", "20010229", after.strftime("%Y%m%d")))
    body = f"{_pick(draw, ('440106', '110105', '310101'))}{birth}{_int(draw, 0, 999):03d}"
    number = body + gb11643_check(body)  # the check digit holds: only the birth date is wrong
    if _int(draw, 0, 1) and isinstance(c.get("payee"), dict):
        c["payee"]["holder_id_number"] = number
        return "payee.holder_id_number", c, h
    c["member"]["id_number"] = number
    return "member.id_number", c, h


def _misspelt(draw, good: str) -> str:
    """``good`` spelt so that it is no longer the one spelling of itself (CONTRACT §7, "Ids")."""
    how = _pick(draw, ("trailing space", "leading space", "full-width", "zero-width", "tab", "line separator", "too long"))
    if how == "trailing space":
        return good + " "
    if how == "leading space":
        return " " + good
    if how == "full-width":  # NFKC folds it back: not already in NFKC form
        first = next(i for i, ch in enumerate(good) if "!" <= ch <= "~")
        return good[:first] + chr(ord(good[first]) + 0xFEE0) + good[first + 1 :]
    if how == "zero-width":
        return good[:1] + "\u200b" + good[1:]
    if how == "tab":
        return good + "\t"
    if how == "line separator":
        return good[:1] + "\u2028" + good[1:]
    return (good * 65)[:65]


@_breaker("CONTRACT §7: ids are 1 to 64 characters in NFKC form, no surrounding white space, no control or format characters")
def _misspelt_id(draw, c, h):
    paths = ["claim_id", "member.member_id", "accident.accident_id", "treatments.{t}.treatment_id"]
    if h:
        paths += ["history.{n}.claim_id", "history.{n}.accident_id"]
    path = _pick(draw, paths).format(t=_some_treatment(draw, c), n=_int(draw, 0, max(0, len(h) - 1)))
    root = {"history": h} if path.startswith("history.") else c
    _put(root, path, _misspelt(draw, _at(root, path)))
    return path, c, h


@_breaker("CONTRACT §7: a date after 2199-12-31 is bad input")
def _date_after_2199(draw, c, h):
    bad = _pick(draw, ("2200-01-01", "2999-12-31", "9999-12-31"))
    path = _pick(draw, ("member.union_member_since", "member.real_name_verified_on", "accident.occurred_on", "filed_on"))
    _put(c, path, bad)
    return path, c, h


@_breaker("CONTRACT §7: account_number is 10 to 30 digits")
def _bad_account(draw, c, h):
    if not isinstance(c.get("payee"), dict):
        c["payee"] = {"holder_name": c["member"]["name"]}
    c["payee"]["account_number"] = _pick(draw, ("123456789", "1" * 31, "6222 0202 0011 2233", "62220202001122334X", 6222020200112233445, ""))
    return "payee.account_number", c, h


@_breaker("CONTRACT §5: a claim_id that also stands in history")
def _claim_in_history(draw, c, h):
    n = _int(draw, 0, len(h))
    h.insert(n, {"claim_id": c["claim_id"], "accident_id": "A-EARLIER", "accident_occurred_on": "2021-06-01", "counted_out_of_pocket": "300.00", "paid": "0.00"})
    return "claim_id", c, h


@_breaker("CONTRACT §7: two history entries with the same claim_id")
def _history_id_twice(draw, c, h):
    if not h:
        h.append({"claim_id": "H-1", "accident_id": "A-EARLIER", "accident_occurred_on": "2021-06-01", "counted_out_of_pocket": "300.00", "paid": "0.00"})
    first = _int(draw, 0, len(h) - 1)
    h.append({**h[first], "counted_out_of_pocket": "0.00", "paid": "0.00"})
    return f"history.{len(h) - 1}.claim_id", c, h


def _fresh_entries(h: list, entries: list) -> int:
    """Append entries with fresh claim ids; return the index of the first."""
    start = len(h)
    for k, e in enumerate(entries):
        h.append({"claim_id": f"H-X{k + 1}", **e})
    return start


@_breaker("CONTRACT §5: a history whose payments for one edition exceed the cap")
def _over_the_cap(draw, c, h):
    paid_ed = sum(int(Decimal(e["paid"]) * 100) for e in h if in_period(dt.date.fromisoformat(e["accident_occurred_on"])))
    left = CAP_FEN - paid_ed
    pays = []  # fresh accidents of 2022, none paid above the top tier: first exactly up to the cap…
    while left > 0:
        pays.append(min(left, TOP_TIER_FEN))
        left -= pays[-1]
    pays.append(_choose(draw, (3, 1), (1, lambda d: _int(d, 1, 1000_00))))  # …then over it
    entries = [
        {"accident_id": f"A-X{k + 1}", "accident_occurred_on": iso(PERIOD_START + dt.timedelta(days=k)), "counted_out_of_pocket": "20000.00", "paid": yuan(pay)}
        for k, pay in enumerate(pays)
    ]
    start = _fresh_entries(h, entries)
    return f"history.{start + len(entries) - 1}.paid", c, h


@_breaker("CONTRACT §7: payments for one accident above the top tier")
def _over_the_top_tier(draw, c, h):
    h.clear()  # a history of its own, so that the cap cannot bite first
    first = _int(draw, 0, TOP_TIER_FEN)
    second = TOP_TIER_FEN - first + _choose(draw, (3, 1), (1, lambda d: _int(d, 1, CAP_FEN - TOP_TIER_FEN)))
    day = iso(_day(draw, PERIOD_START, PERIOD_END))
    start = _fresh_entries(h, [
        {"accident_id": "A-X1", "accident_occurred_on": day, "counted_out_of_pocket": "20000.00", "paid": yuan(first)},
        {"accident_id": "A-X1", "accident_occurred_on": day, "counted_out_of_pocket": "0.00", "paid": yuan(second)},
    ])  # fmt: skip
    return f"history.{start + 1}.paid", c, h


@_breaker("CONTRACT §5: history entries of one accident_id with two different dates (or one differing from the claim's)")
def _two_dates(draw, c, h):
    occurred = dt.date.fromisoformat(c["accident"]["occurred_on"])
    other = occurred + dt.timedelta(days=_pick(draw, (1, -1, 365, -30)))
    if _int(draw, 0, 1):
        start = _fresh_entries(h, [{"accident_id": c["accident"]["accident_id"], "accident_occurred_on": iso(other), "counted_out_of_pocket": "0.00", "paid": "0.00"}])
        return f"history.{start}.accident_occurred_on", c, h
    start = _fresh_entries(h, [
        {"accident_id": "A-X1", "accident_occurred_on": iso(occurred), "counted_out_of_pocket": "0.00", "paid": "0.00"},
        {"accident_id": "A-X1", "accident_occurred_on": iso(other), "counted_out_of_pocket": "0.00", "paid": "0.00"},
    ])  # fmt: skip
    return f"history.{start + 1}.accident_occurred_on", c, h


@_breaker("CONTRACT §5: a plan that names no known edition")
def _unknown_plan(draw, c, h):
    c["plan"] = _pick(draw, ("gd-nef-2099", "gd-nef-2021", "GD-NEF-2022", "", 2022))
    return "plan", c, h


@_breaker("CONTRACT §7: unknown keys are bad input")
def _unknown_key(draw, c, h):
    where = _choose(draw, (1, ""), (1, "member"), (1, "accident"), (1, "hospital"), (1, "item"), (1 if h else 0, "history"))
    key = _pick(draw, ("colour", "out_of_pockets", "Claim_id", "备注"))
    if where == "history":
        n = _int(draw, 0, len(h) - 1)
        h[n][key] = "x"
        return f"history.{n}.{key}", c, h
    if where == "hospital":
        where = f"treatments.{_some_treatment(draw, c)}.hospital"
    elif where == "item":
        i, j = _some_item(draw, c)
        where = f"treatments.{i}.items.{j}"
    (_at(c, where) if where else c)[key] = "x"
    return f"{where}.{key}" if where else key, c, h


REQUIRED_KEYS = (
    "claim_id", "filed_on", "member", "accident", "treatments",
    "member.member_id", "member.name", "member.occupation",
    "accident.accident_id", "accident.occurred_on", "accident.cause",
    "treatments.{t}.treatment_id", "treatments.{t}.hospital", "treatments.{t}.setting", "treatments.{t}.diagnoses",
    "treatments.{t}.items", "{item}.on", "{item}.category", "{item}.out_of_pocket",
)  # fmt: skip
"""CONTRACT §7 "Keys": the keys a claim must have."""


@_breaker("CONTRACT §7: a required key is missing")
def _missing_key(draw, c, h):
    path = _pick(draw, REQUIRED_KEYS)
    if "{item}" in path:
        i, j = _some_item(draw, c)
        path = path.format(item=f"treatments.{i}.items.{j}")
    else:
        path = path.format(t=_some_treatment(draw, c))
    *head, last = path.split(".")
    del (_at(c, ".".join(head)) if head else c)[last]
    return path, c, h


@_breaker("CONTRACT §7: at least one treatment, each with at least one diagnosis")
def _empty_list(draw, c, h):
    if _int(draw, 0, 1):
        c["treatments"] = []
        return "treatments", c, h
    i = _some_treatment(draw, c)
    c["treatments"][i]["diagnoses"] = []
    return f"treatments.{i}.diagnoses", c, h


@_breaker("CONTRACT §1: ids and names are text")
def _bad_text(draw, c, h):
    path = _pick(draw, ("claim_id", "member.member_id", "member.name", "accident.accident_id", "treatments.{t}.treatment_id"))
    path = path.format(t=_some_treatment(draw, c))
    _put(c, path, _pick(draw, (" ", "", 42, None, ["C-1"])))
    return path, c, h


@_breaker("interpretations: a treatment id is unique in its claim and holds no '/'")
def _bad_treatment_id(draw, c, h):
    if _int(draw, 0, 1):
        i = _some_treatment(draw, c)
        c["treatments"][i]["treatment_id"] = f"{c['treatments'][i]['treatment_id']}/{_int(draw, 1, 3)}"
        return f"treatments.{i}.treatment_id", c, h
    first = _some_treatment(draw, c)
    twin = {**c["treatments"][first], "items": []}
    c["treatments"].append(twin)
    return f"treatments.{len(c['treatments']) - 1}.treatment_id", c, h


@st.composite
def bad_claims(draw) -> BadClaim:
    """A claim and history that break exactly one rule of CONTRACT §5 (or a fine point of §7).

    Built from a valid :func:`claims_with_history` pair by one change, which the result names:
    ``adjudicate(bad.claim, bad.history)`` must raise :class:`~mutualaid.InvalidClaim` whose
    ``fields`` are exactly ``(bad.field,)``. The kinds of fault: unknown enum values, circumstance
    codes, documents and ws218 codes; negative, inexact, huge or non-numeric amounts; filed_on before
    the accident, dates before 1900, dates that do not exist or are not ``YYYY-MM-DD``, costs after
    filed_on; ICD-10 codes that do not exist; failing 身份证 check digits and 15-digit numbers; bad
    account numbers; a claim already in history, a claim id twice in history, payments over the
    cap or over the top tier, an accident with two dates; an unknown plan; unknown and missing
    keys; empty lists; blank or non-text ids; duplicate treatment ids.
    """
    breaks, breaker = _pick(draw, _BREAKERS)
    claim = _claim(draw)
    history = _history(draw, claim, 3)
    field, claim, history = breaker(draw, claim, history)
    return BadClaim(field, claim, history, breaks)
