"""Edition strategies: the 2022 edition (or another) with its parameters varied, for what-if properties."""

from __future__ import annotations

import json
from typing import Any, Optional

from hypothesis import strategies as st

from ..edition import Edition, without_stale_references
from ..edition import editions as registry
from ._draw import _choose, _int, _pick, check_bool, check_edition, yuan
from ._vocabulary import DOCUMENTS, EDGES_FEN, TOP_TIER_FEN

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
    [_row("199.99", "199.99", True), _row("500.01", "499.99"), _row("1999.95", "1500.50"), _row("10000.00", "5999.99")],
)  # fmt: skip
"""Whole tier tables an edition may have instead of 2022's: every edge 以上, every edge 超过, a sixth
row, one row, a row from the first fen, odd amounts (edges and pays with fen: 5,999.99 at the top)."""

_EDITIONS: dict[str, Any] = {}


def edition_from_data(data: dict) -> Any:
    """``Edition.model_validate(data)``, one shared object for equal data.

    The library compiles an edition's rules once per edition object; what-if properties that draw
    the same variant again then reuse it instead of compiling it anew.
    """
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
    base = base or registry.get("gd-nef-2022")
    text = _BASE_DATA.get(id(base))
    if text is None or text[0] is not base:
        text = _BASE_DATA[id(base)] = (base, json.dumps(base.model_dump(mode="json", by_alias=True)))
    return json.loads(text[1])


def editions(base: Any = None, *, moves_to_workday: Optional[bool] = None, accumulate_same_accident: Optional[bool] = None) -> st.SearchStrategy[Any]:
    """The 2022 edition (or ``base``, an :class:`~mutualaid.Edition`) with its parameters varied.

    Each draw changes some of: the tier table (another whole table, or edges, amounts and 以上/超过
    drawn afresh; amounts with fen too), the cap's amount (9,999.99 and other odd ones too) and scope, the window's days (179, 180, 181 …), the filing
    limit's years and whether a deadline on a rest day moves, accumulation across claims, the
    documents required, the hospital rule's minimum grade and excluded kinds, which exclusion
    groups apply, and the contribution. The period and the codes inside each exclusion group stay.
    ``moves_to_workday`` and ``accumulate_same_accident`` fix those switches. The id is
    ``gd-nef-2022-what-if``; pass the edition itself as ``adjudicate(..., plan=edition)``, and draw
    histories for it with ``histories(for_claim=claim, edition=edition)``.

    Shrinks towards ``base`` unchanged (but for its id).
    """
    check_edition("base", base)
    check_bool("moves_to_workday", moves_to_workday, optional=True)
    check_bool("accumulate_same_accident", accumulate_same_accident, optional=True)
    return st.composite(lambda draw: _edition(draw, base, moves_to_workday, accumulate_same_accident))()


def _edition(draw, base: Any, moves_to_workday: Optional[bool], accumulate_same_accident: Optional[bool]) -> Any:
    data = _base_data(base)
    data["id"] = EDITION_ID

    def changes() -> bool:  # shrinks to "no change"
        return _int(draw, 0, 2) == 2

    if changes():
        data["tiers"] = _choose(draw, (3, lambda d: _pick(d, TIER_TABLES)), (1, _tiers))
    if changes():
        data["cap"]["amount"] = yuan(_pick(draw, (6000_00, 5000_00, 20000_00, 300_00, 12345_67, 9999_99, 1000_01)))
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
