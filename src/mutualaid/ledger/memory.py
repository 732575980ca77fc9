"""The memory store: each member's entries as compact strings, the 身份证 bindings and the first filings of pended claims."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, Optional

from ..spill import BLOCK


_DAYS: dict[int, dt.date] = {}


def _day(ordinal: int) -> dt.date:
    d = _DAYS.get(ordinal)
    if d is None:
        d = dt.date.fromordinal(ordinal)
        if len(_DAYS) < 65536:
            _DAYS[ordinal] = d
    return d


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- the storage in memory ------------------------------------------------------------------------


class MemoryRows:
    """member_id → its entries string, in memory; a long history is kept in blocks of :data:`BLOCK` characters.

    The entries are JSON arrays joined by commas: ``["C-1","A-1",738215,320000,200000,738300]``
    (claim id, accident id, the accident day as ``date.toordinal()``, counted and paid in fen, the
    day the claim was first filed, 0 where the entry has none). Also the bindings of 身份证 numbers
    to member ids, and the first filing day of each claim pended. :class:`~mutualaid.spill.DiskRows`
    answers the same questions from SQLite.
    """

    def __init__(self) -> None:
        self._rows: dict[str, Any] = {}  # str, or a list of block strings past BLOCK
        self._holders: dict[str, str] = {}
        self._pended: dict[tuple[str, str], int] = {}

    def get(self, member_id: str, default: Optional[str] = None) -> Optional[str]:
        rows = self._rows.get(member_id)
        if rows is None:
            return default
        return rows if type(rows) is str else ",".join(rows)

    def append(self, member_id: str, row: str) -> int:
        """Add one entry; about how many characters the member's entries now take (blocks before the last as full)."""
        rows = self._rows.get(member_id)
        if rows is None:
            self._rows[member_id] = row
            return len(row)
        if type(rows) is str:
            if len(rows) < BLOCK:
                rows = self._rows[member_id] = rows + "," + row
                return len(rows)
            self._rows[member_id] = [rows, row]
            return BLOCK + len(row)
        if len(rows[-1]) < BLOCK:
            rows[-1] = rows[-1] + "," + row
        else:
            rows.append(row)
        return (len(rows) - 1) * BLOCK + len(rows[-1])

    def blocks(self) -> Iterator[tuple[str, list[str]]]:
        for member_id, rows in self._rows.items():
            yield member_id, [rows] if type(rows) is str else list(rows)

    def holder(self, id_number: str) -> Optional[str]:
        return self._holders.get(id_number)

    def bind(self, id_number: str, member_id: str) -> None:
        self._holders[id_number] = member_id

    def holders(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._holders.items()))

    def pended(self, member_id: str, claim_id: str) -> Optional[int]:
        return self._pended.get((member_id, claim_id))

    def pend(self, member_id: str, claim_id: str, day: int) -> None:
        self._pended[(member_id, claim_id)] = day

    def unpend(self, member_id: str, claim_id: str) -> None:
        self._pended.pop((member_id, claim_id), None)

    def pendings(self) -> Iterator[tuple[str, str, int]]:
        return iter([(m, c, d) for (m, c), d in self._pended.items()])

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


