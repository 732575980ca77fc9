"""Hypothesis strategies for claims and histories, as plain JSON-like dicts (CONTRACT §1).

Everything these strategies build is valid input by construction: 身份证 numbers carry a GB 11643
check digit computed here (not by the library), items never fall after ``filed_on``, ``filed_on``
never falls before the accident, ``medication_use`` only appears on medication items, amounts are
exact in fen, and a history is consistent with its claim (unique claim ids other than the claim's,
one date per accident id, at most 6,000 paid per accident and 10,000 per edition).

Dates and amounts are written as strings (``"2022-03-01"``, ``"1200.00"``), the way a backend
sends them. Amounts hit the tier edges (200, 500, 2000, 5000, 10000) and one fen either side often,
and the items of a claim often add up to exactly such an edge.

The contract's tables are restated here as plain data (``ICD10_GROUP``, ``WS218_KIND``,
``CIRCUMSTANCE_CLAUSE``…) so that the properties can check the library against them rather than
against the library's own tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from hypothesis import strategies as st

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

CIRCUMSTANCE_CLAUSE = {  # CONTRACT table 4, claim-level: each denies
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

KINDS = ("general", "tcm", "specialty", "outpatient", "rehabilitation", "nursing", "sanatorium", "addiction")
EXCLUDED_KINDS = frozenset({"outpatient", "rehabilitation", "nursing", "sanatorium", "addiction"})

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

# WHO ICD-10 2019 codes (and a few China clinical-edition 2.0 codes) with the table-4 clause their
# primary diagnosis falls under ("" when none). Every code exists; the test module checks that the
# library accepts each one.
ICD10_GROUP = {
    # injuries and others that count
    "S82.2": "", "S06.0": "", "S822": "", "S82.201": "", "S06.000x001": "", "s82.2": "",
    "S42.0": "", "S52.5": "", "S93.4": "", "T14.0": "", "S00.0": "", "S61.0": "", "S27.0": "",
    "T79.3": "",  # post-traumatic wound infection: not art6.10
    "S13.0": "", "S23.0": "", "S33.0": "",  # traumatic disc ruptures: not art6.5
    "S02.4": "", "S03.3": "", "K09.0": "", "P00.0": "", "M53.2": "", "M54.5": "", "I10.x00": "", "T79": "",
    # art6.4 pregnancy (O00–O99)
    "O80": "art6.4", "O00.0": "art6.4", "O99.8": "art6.4",
    # art6.5 disc disease (M50, M51)
    "M51.2": "art6.5", "M50.1": "art6.5", "M51": "art6.5",
    # art6.6 mental and behavioural disorders (F00–F99)
    "F32.0": "art6.6", "F10.2": "art6.6", "F99": "art6.6",
    # art6.8 dental (K00–K08, S02.5, S03.2)
    "K02.1": "art6.8", "K00": "art6.8", "K08.9": "art6.8", "S02.5": "art6.8", "S02.500": "art6.8", "S03.2": "art6.8",
    # art6.10 infections (A00–B99)
    "A41.9": "art6.10", "A00.0": "art6.10", "B99": "art6.10", "B95.6": "art6.10",
}  # fmt: skip
ICD10_CODES = tuple(ICD10_GROUP)
COUNTING_CODES = tuple(c for c, g in ICD10_GROUP.items() if not g)

CATEGORIES = ("treatment", "medication", "dental", "assistive_device")
MEDICATION_USES = ("prescribed", "otc_as_directed", "self_medicated")
DOCUMENTS = ("invoice", "accident_proof", "medical_record", "other")
REQUIRED_DOCUMENTS = ("invoice", "accident_proof", "medical_record")

NAMES = ("张三", "李四", "王五", "赵六", "陈小明", "欧阳娜娜")
HOSPITAL_NAMES = ("广州市第一人民医院", "深圳市人民医院", "某县中医院", "某社区卫生服务中心", "某康复医院")

PERIOD_START, PERIOD_END = dt.date(2022, 1, 1), dt.date(2022, 12, 31)
TOP_TIER_FEN = 6000_00
CAP_FEN = 10000_00
EDGES_FEN = (200_00, 500_00, 2000_00, 5000_00, 10000_00)
EDGE_AMOUNTS_FEN = tuple(sorted({e + d for e in EDGES_FEN for d in (-1, 0, 1)}))
TIER_PAYS_FEN = (200_00, 500_00, 2000_00, 5000_00, 6000_00)


# --- small helpers ------------------------------------------------------------------------------------


def yuan(fen: int) -> str:
    """Integer fen as a two-decimal string: 120000 → '1200.00'."""
    return f"{fen // 100}.{fen % 100:02d}"


def iso(day: dt.date) -> str:
    return day.isoformat()


def in_period(day: dt.date) -> bool:
    return PERIOD_START <= day <= PERIOD_END


def _weighted(draw, *choices):
    """Draw from one of ``(weight, strategy)`` choices; the first shrinks best."""
    k = draw(st.integers(0, sum(w for w, _ in choices) - 1))
    for w, s in choices:
        if k < w:
            return draw(s)
        k -= w
    raise AssertionError("unreachable")


@st.composite
def weighted(draw, *choices):
    """A strategy drawing from one of ``(weight, strategy)`` choices in proportion to the weights
    (``st.one_of`` does not promise proportions)."""
    return _weighted(draw, *choices)


def gb11643_check(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2), computed from its definition."""
    s = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    r = (12 - s % 11) % 11
    return "X" if r == 10 else str(r)


# --- amounts --------------------------------------------------------------------------------------------

amounts_fen = weighted(
    (3, st.sampled_from(EDGE_AMOUNTS_FEN)),
    (1, st.integers(0, 300_00)),
    (4, st.integers(0, 12000_00)),
    (1, st.sampled_from((0, 1, 99_99, 100_00, 150_00))),
)
"""An amount in fen: a tier edge ±0.01 often, else anything up to 12,000 yuan."""


# --- members ------------------------------------------------------------------------------------------

REGIONS = ("110105", "110101", "440106", "440305", "440981", "445281", "310101", "440104")


@st.composite
def id_numbers(draw, lowercase_x: bool = True) -> str:
    """An 18-character 居民身份证 number whose check digit holds (sometimes X, sometimes written x)."""
    region = draw(st.sampled_from(REGIONS))
    birth = draw(st.dates(dt.date(1955, 1, 1), dt.date(2004, 12, 31))).strftime("%Y%m%d")
    seq = draw(st.integers(0, 999))
    if draw(st.integers(0, 5)) == 0:  # make the check character an X
        while gb11643_check(f"{region}{birth}{seq:03d}") != "X":
            seq = (seq + 1) % 1000
    body = f"{region}{birth}{seq:03d}"
    check = gb11643_check(body)
    if check == "X" and lowercase_x and draw(st.booleans()):
        check = "x"
    return body + check


def _optional_date_key(draw, d: dict, key: str, value: Optional[str]) -> None:
    """Put ``value`` under ``key``; None is written as null or left out."""
    if value is not None or draw(st.booleans()):
        d[key] = value


@st.composite
def members(draw, occurred_on: Optional[dt.date] = None, eligible: bool = False) -> dict:
    """A member. Relative to ``occurred_on`` (or to 2022-01-01 when None), union membership and
    real-name verification sometimes start after the accident or are missing, unless ``eligible``."""
    ref = occurred_on or PERIOD_START
    m: dict = {
        "member_id": f"M-{draw(st.integers(1, 9999)):04d}",
        "name": draw(st.sampled_from(NAMES)),
    }
    if draw(st.integers(0, 5)):
        m["id_number"] = draw(id_numbers())
    for key in ("union_member_since", "real_name_verified_on"):
        before = st.builds(lambda k: iso(ref - dt.timedelta(days=k)), st.one_of(st.just(0), st.integers(0, 2000)))
        if eligible:
            m[key] = draw(before)
        else:
            value = _weighted(
                draw,
                (24, before),
                (1, st.none()),
                (1, st.builds(lambda k: iso(ref + dt.timedelta(days=k)), st.integers(1, 60))),
            )
            _optional_date_key(draw, m, key, value)
    m["occupation"] = (
        draw(st.sampled_from(PLATFORM_OCCUPATIONS))
        if eligible
        else _weighted(draw, (20, st.sampled_from(PLATFORM_OCCUPATIONS)), (1, st.just("not_platform_worker")))
    )
    return m


# --- accidents ------------------------------------------------------------------------------------------

accident_dates = weighted(
    (1, st.dates(PERIOD_START, PERIOD_END)),
    (1, st.sampled_from((PERIOD_START, PERIOD_END, dt.date(2022, 2, 28), dt.date(2022, 12, 30), dt.date(2021, 12, 31), dt.date(2023, 1, 1)))),
    (1, st.dates(dt.date(2021, 1, 1), dt.date(2023, 12, 31))),
    (1, st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31))),  # holiday data may not reach the deadline
)
"""Accident days: mostly in the 2022 edition's period, sometimes outside it."""


@st.composite
def circumstance_lists(draw, allow: bool = True) -> list:
    """Mostly no circumstance; sometimes one to three table-4 codes (a code may repeat)."""
    if not allow or draw(st.integers(0, 7)):
        return []
    return draw(st.lists(st.sampled_from(CIRCUMSTANCES), min_size=1, max_size=3))


@st.composite
def accidents(draw, occurred_on: Optional[dt.date] = None, accident_id: Optional[str] = None, clean: bool = False) -> dict:
    day = occurred_on or _weighted(draw, (9, st.dates(PERIOD_START, PERIOD_END)), (2, accident_dates))
    a = {
        "accident_id": accident_id or f"A-{draw(st.integers(1, 9999)):04d}",
        "occurred_on": iso(day),
        "cause": "accident" if clean else _weighted(draw, (15, st.just("accident")), (1, st.just("illness"))),
    }
    circ = draw(circumstance_lists(allow=not clean))
    if circ or draw(st.booleans()):
        a["circumstances"] = circ
    return a


# --- treatments ----------------------------------------------------------------------------------------


GOOD_WS218 = tuple(c for c, k in WS218_KIND.items() if k not in EXCLUDED_KINDS)


@st.composite
def hospitals(draw) -> dict:
    """A hospital: usually one art5.5 counts (grade 2 or 3, public, not an excluded kind), else anything."""
    h: dict = {}
    if draw(st.booleans()):
        h["name"] = draw(st.sampled_from(HOSPITAL_NAMES))
    if draw(st.integers(0, 9)) < 7:  # a hospital that counts, written in any of the ways the contract allows
        h["grade"] = draw(st.sampled_from((3, 2)))
        h["ownership"] = "public"
        kind = _weighted(draw, (4, st.just("general")), (2, st.sampled_from(("tcm", "specialty"))), (1, st.just("absent")), (1, st.none()))
        if kind != "absent":
            h["kind"] = kind
        if draw(st.integers(0, 4)) == 0:
            h["ws218"] = draw(st.sampled_from(GOOD_WS218))
        return h
    grade = _weighted(draw, (5, st.just(3)), (2, st.just(2)), (1, st.just(1)), (1, st.just(None)), (1, st.just("absent")))
    if grade != "absent":
        h["grade"] = grade
    ownership = _weighted(draw, (6, st.just("public")), (2, st.just("private")), (1, st.just(None)), (1, st.just("absent")))
    if ownership != "absent":
        h["ownership"] = ownership
    kind = _weighted(draw, (3, st.just("general")), (4, st.sampled_from(KINDS)), (1, st.just(None)), (1, st.just("absent")))
    if kind != "absent":
        h["kind"] = kind
    if draw(st.integers(0, 2)) == 0:
        h["ws218"] = draw(st.sampled_from(tuple(WS218_KIND)))
    return h


def _item_day(draw, occurred: dt.date, filed: dt.date) -> dt.date:
    """A cost's day: around the 180-day window's edges often, inside it mostly, never after filed_on."""
    most = (filed - occurred).days
    earliest = max(-20, (dt.date(1900, 1, 1) - occurred).days)
    edges = [d for d in (-1, 0, 1, 179, 180, 181) if d <= most]
    offset = _weighted(
        draw,
        (10, st.integers(0, min(most, 180))),
        (4, st.sampled_from(edges)),
        (2, st.integers(earliest, most)),
    )
    return occurred + dt.timedelta(days=offset)


@st.composite
def items(draw, occurred: dt.date, filed: dt.date) -> dict:
    """One cost, with a placeholder amount (``claims`` fills ``out_of_pocket``)."""
    category = _weighted(
        draw,
        (10, st.just("treatment")),
        (4, st.just("medication")),
        (1, st.just("dental")),
        (1, st.just("assistive_device")),
    )
    it: dict = {"on": iso(_item_day(draw, occurred, filed)), "category": category, "out_of_pocket": "0.00"}
    sf = _weighted(draw, (3, st.just("absent")), (1, st.none()), (2, amounts_fen))
    if sf != "absent":
        it["self_funded"] = None if sf is None else yuan(sf)
    if category == "medication":
        use = _weighted(draw, (2, st.just("absent")), (4, st.sampled_from(MEDICATION_USES)), (1, st.none()))
        if use != "absent":
            it["medication_use"] = use
    return it


@st.composite
def treatments(draw, occurred: dt.date, filed: dt.date, max_treatments: int = 3, max_items: int = 4) -> list:
    """One to three treatments with unique ids (numbered out of input order), each with 0–4 items."""
    n = draw(st.integers(1, max_treatments))
    numbers = draw(st.permutations(range(1, n + 1)))
    out = []
    for k in numbers:
        diagnoses = [_weighted(draw, (4, st.sampled_from(COUNTING_CODES)), (1, st.sampled_from(ICD10_CODES)))]
        diagnoses += draw(st.lists(st.sampled_from(ICD10_CODES), max_size=2))
        out.append(
            {
                "treatment_id": f"T{k}",
                "hospital": draw(hospitals()),
                "setting": draw(st.sampled_from(("outpatient", "emergency", "inpatient"))),
                "diagnoses": diagnoses,
                "items": draw(st.lists(items(occurred, filed), min_size=draw(st.sampled_from((0, 1, 1, 1))), max_size=max_items)),
            }
        )
    return out


def _fill_amounts(draw, treatments_: list, amounts=None) -> None:
    """Set every item's out_of_pocket; half the time the items add up to a tier edge ±0.01."""
    all_items = [it for t in treatments_ for it in t["items"]]
    if not all_items:
        return
    if draw(st.booleans()):
        total = draw(st.sampled_from(EDGE_AMOUNTS_FEN))
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=len(all_items) - 1, max_size=len(all_items) - 1)))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
    else:
        parts = [draw(amounts if amounts is not None else amounts_fen) for _ in all_items]
    for it, fen in zip(all_items, parts):
        it["out_of_pocket"] = yuan(fen)


# --- documents and payee ------------------------------------------------------------------------------


def documents(complete: bool = False):
    full = st.permutations(REQUIRED_DOCUMENTS).map(list)
    with_other = st.permutations(DOCUMENTS).map(list)
    if complete:
        return weighted((4, full), (1, with_other))
    return weighted((12, full), (2, with_other), (1, st.lists(st.sampled_from(DOCUMENTS), unique=True, max_size=4)))


account_numbers = st.text(alphabet="0123456789", min_size=10, max_size=30)


@st.composite
def payees(draw, member: dict, matching: bool = False) -> Optional[dict]:
    """A payee: usually the member's own account, sometimes someone else's, incomplete or absent."""
    name = member["name"]
    own_id = member.get("id_number")

    def same_id():
        if own_id is None:
            return draw(st.one_of(st.just("absent"), id_numbers()))
        return _weighted(draw, (4, st.just(own_id)), (1, st.just(own_id.swapcase())), (1, st.just("absent")))

    kind = "match" if matching else _weighted(
        draw,
        (16, st.just("match")),
        (1, st.just("none")),
        (1, st.just("other_name")),
        (1, st.just("other_id")),
        (1, st.just("incomplete")),
    )
    if kind == "none":
        return None
    p: dict = {}
    if kind == "other_name":
        p["holder_name"] = draw(st.sampled_from([n for n in NAMES if n != name]))
    else:
        p["holder_name"] = draw(st.sampled_from((name, name, f" {name}", f"{name}\t", f"\u3000{name} ")))
    if kind == "other_id":
        other = draw(id_numbers())
        if own_id is not None and other.upper() == own_id.upper():
            other = "440106199003071231" if own_id.upper() != "440106199003071231" else "11010519491231002X"
        p["holder_id_number"] = other
    else:
        hid = same_id()
        if hid != "absent":
            p["holder_id_number"] = hid
    p["account_number"] = draw(account_numbers)
    if kind == "incomplete":
        missing = draw(st.sampled_from(("holder_name", "account_number", "both")))
        for key in ("holder_name", "account_number") if missing == "both" else (missing,):
            if draw(st.booleans()):
                del p[key]
            else:
                p[key] = None if key == "account_number" else draw(st.sampled_from((None, "", "  ")))
    return p


# --- claims ---------------------------------------------------------------------------------------------


def anniversary(day: dt.date) -> dt.date:
    """The same day a year later; 29 February → 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@st.composite
def filing_days(draw, occurred: dt.date) -> dt.date:
    """filed_on: on or after the accident, often in the days after the anniversary, where a deadline
    that falls on a rest day or holiday is moved (Spring Festival can move it by a week)."""
    return _weighted(
        draw,
        (9, st.integers(0, 200).map(lambda k: occurred + dt.timedelta(days=k))),
        (2, st.integers(181, 300).map(lambda k: occurred + dt.timedelta(days=k))),
        (3, st.integers(-2, 9).map(lambda k: anniversary(occurred) + dt.timedelta(days=k))),
        (1, st.sampled_from((0, 1, 180, 181, 355, 364, 365, 366, 367, 368, 375)).map(lambda k: occurred + dt.timedelta(days=k))),
        (1, st.integers(0, 800).map(lambda k: occurred + dt.timedelta(days=k))),
    )


@st.composite
def claims(
    draw,
    *,
    claim_id: Optional[str] = None,
    member: Optional[dict] = None,
    accident: Optional[dict] = None,
    clean: bool = False,
    complete: bool = False,
    max_treatments: int = 3,
    max_items: int = 4,
    amounts=None,
) -> dict:
    """A valid claim as plain data.

    ``clean``: an eligible member, cause ``accident``, no circumstances (claim-level denials then
    come only from the period, the filing deadline, the tier and the cap). ``complete``: all three
    documents and the member's own account (nothing pends).
    """
    acc = accident or draw(accidents(clean=clean))
    occurred = dt.date.fromisoformat(acc["occurred_on"])
    filed = draw(filing_days(occurred))
    mem = member or draw(members(occurred, eligible=clean))
    ts = draw(treatments(occurred, filed, max_treatments=max_treatments, max_items=max_items))
    _fill_amounts(draw, ts, amounts)
    c: dict = {"claim_id": claim_id or f"C-{draw(st.integers(1, 9999)):04d}"}
    if draw(st.integers(0, 4)) == 0:
        c["plan"] = "gd-nef-2022"
    c["filed_on"] = iso(filed)
    c["member"] = mem
    c["accident"] = acc
    c["treatments"] = ts
    docs = draw(documents(complete=complete))
    if docs:
        c["documents"] = docs
    else:  # none at all: an empty list, null or no key
        none = draw(st.sampled_from(("empty", "null", "absent")))
        if none != "absent":
            c["documents"] = [] if none == "empty" else None
    payee = draw(payees(mem, matching=complete))
    if payee is not None or draw(st.booleans()):
        c["payee"] = payee
    return c


# --- histories ------------------------------------------------------------------------------------------

paid_fen_choices = (0, 200_00, 300_00, 500_00, 1500_00, 1800_00, 2000_00, 3000_00, 4500_00, 5000_00, 5500_00, 6000_00)


@st.composite
def histories(draw, claim: dict, max_size: int = 5) -> list:
    """Earlier decided claims of the claim's member, consistent with the contract.

    Claim ids H-1, H-2… (never the claim's); the claim's own accident keeps the claim's date;
    other accidents have one date each; per accident at most 6,000 is paid, per edition at most
    10,000 (running totals, so every prefix is consistent too).
    """
    acc = claim["accident"]
    pool = [(acc["accident_id"], dt.date.fromisoformat(acc["occurred_on"]))]
    others = draw(st.lists(accident_dates, max_size=3))
    pool += [(f"A-H{k + 1}", day) for k, day in enumerate(others)]
    n = draw(st.integers(0, max_size))
    paid_acc: dict[str, int] = {}
    paid_ed = 0
    out = []
    for k in range(n):
        aid, day = draw(st.sampled_from(pool))
        limit = TOP_TIER_FEN - paid_acc.get(aid, 0)
        if in_period(day):
            limit = min(limit, CAP_FEN - paid_ed)
        paid = _weighted(
            draw,
            (4 if aid == acc["accident_id"] else 0, st.sampled_from([p for p in (0, 200_00, 500_00) if p <= limit])),
            (2, st.sampled_from([p for p in paid_fen_choices if p <= limit])),
            (2, st.integers(0, limit)),
            (1, st.just(limit)),
        )
        paid_acc[aid] = paid_acc.get(aid, 0) + paid
        if in_period(day):
            paid_ed += paid
        counted = _weighted(draw, (2, amounts_fen), (1, st.sampled_from(EDGE_AMOUNTS_FEN)), (1, st.just(0)))
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
def claims_with_history(draw, clean: bool = False, complete: bool = False, max_history: int = 5) -> tuple[dict, list]:
    c = draw(claims(clean=clean, complete=complete))
    return c, draw(histories(c, max_size=max_history))


@st.composite
def member_sequences(draw, min_size: int = 1, max_size: int = 7) -> list[dict]:
    """Claims by one member, in filing order: claim ids C-1, C-2…, over one to three accidents
    (the same accident keeps its id and date); mostly clean and complete so the cap is reached."""
    member = draw(members(occurred_on=dt.date(2021, 12, 31), eligible=draw(st.integers(0, 3)) > 0))
    days = draw(
        st.lists(
            weighted((6, st.dates(PERIOD_START, PERIOD_END)), (1, accident_dates)),
            min_size=1,
            max_size=3,
        )
    )
    pool = [(f"A-{k + 1}", day) for k, day in enumerate(days)]
    big = weighted((3, st.integers(1000_00, 12000_00)), (1, st.sampled_from(EDGE_AMOUNTS_FEN)), (1, amounts_fen))
    n = draw(st.integers(min_size, max_size))
    out = []
    for k in range(n):
        aid, day = draw(st.sampled_from(pool))
        clean = draw(st.integers(0, 4)) > 0
        acc = draw(accidents(occurred_on=day, accident_id=aid, clean=clean))
        out.append(
            draw(
                claims(
                    claim_id=f"C-{k + 1}",
                    member=member,
                    accident=acc,
                    clean=clean,
                    complete=draw(st.integers(0, 4)) > 0,
                    max_treatments=2,
                    max_items=3,
                    amounts=big,
                )
            )
        )
    return out


def history_entry(claim: dict, decision) -> dict:
    """A decided claim as the history entry of a later claim (CONTRACT §1)."""
    return {
        "claim_id": claim["claim_id"],
        "accident_id": claim["accident"]["accident_id"],
        "accident_occurred_on": claim["accident"]["occurred_on"],
        "counted_out_of_pocket": str(decision.counted_out_of_pocket),
        "paid": str(decision.payout),
    }
