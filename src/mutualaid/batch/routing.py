"""Routing members to processes: which ``--jobs`` process decides a line, read as the one door reads it."""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Optional

from ..door import keys_of, member_key, number_key
from ..values import read_json


def part_of(member_id: str, parts: int) -> int:
    """Which of ``parts`` processes owns a member: stable across runs and machines.

    A lone surrogate (a ``\\ud800`` escape in the JSON) has no UTF-8; ``surrogatepass`` still
    gives it stable bytes, and its claim is bad input wherever it is decided.
    """
    return zlib.crc32(member_id.encode("utf-8", "surrogatepass")) % parts


_MEMBER_ID = re.compile(rb'"member_id"\s*:\s*"([^"\\]*)"')
_ID_NUMBER = re.compile(rb'"id_number"\s*:\s*"([^"\\]*)"')


def part_of_line(raw: bytes, parts: int) -> int:
    """Which process decides a line: the part of its claim's ``member.member_id`` (see :func:`route`)."""
    return route(raw, parts)[0]


def route(raw: bytes, parts: int) -> tuple[int, Optional[str], Optional[str]]:
    """(the part, the member id, the 身份证 number) of a line, each key as validation keeps it; None where it is not valid.

    One door (issue 20): the keys are those the deciding process reads from the validated claim
    (:func:`mutualaid.door.keys_of`), so a line goes to the process that holds its member's history,
    whatever the spelling. A line whose member id is not valid is bad input whatever history it is
    given, so any process may decide it: process 0 does.

    The fast path reads the two fields' JSON strings from the bytes with regular expressions and
    hands them to the fields' own types (:func:`mutualaid.door.member_key`,
    :func:`~mutualaid.door.number_key`). That is exact when the line names ``"member_id"`` once
    and ``"id_number"`` at most once, has no ``\\u`` escape (a key spelt with escapes would be
    missed), and each named field's value is a JSON string without any escape (then its bytes are
    the string): for a claim that validates, each key name stands once, inside ``member``. Any
    other line is parsed, and its keys read from the data as the deciding process reads them.
    """
    if raw.count(b'"member_id"') == 1 and b"\\u" not in raw:
        m = _MEMBER_ID.search(raw)
        if m:
            number = None
            named = raw.count(b'"id_number"')
            if named == 1:
                n = _ID_NUMBER.search(raw)
                if n is None:  # a value with an escape (or not a string): read as the process reads it
                    return _route_parsed(raw, parts)
                number = _number_bytes(n.group(1))
            elif named:
                return _route_parsed(raw, parts)
            member_bytes = m.group(1)
            member, as_given = _member_bytes(member_bytes)
            if member is None:
                return 0, None, number
            # An id is refused, never rewritten: its UTF-8 is then these bytes, and part_of(member) their CRC.
            return (zlib.crc32(member_bytes) % parts if as_given else part_of(member, parts)), member, number
    return _route_parsed(raw, parts)


@lru_cache(maxsize=1 << 16)
def _member_bytes(value: bytes) -> tuple[Optional[str], bool]:
    """A member id read from its JSON string's bytes (no escapes in them), as :func:`~mutualaid.door.member_key`
    keeps it (None where it is not valid, or the bytes are not UTF-8: the line is not JSON), and whether it is the text as given."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None, False
    key = member_key(text)
    return key, key == text


_SHAPED_NUMBER = re.compile(rb"[0-9]{17}[0-9Xx]\Z")


def _number_bytes(value: bytes) -> Optional[str]:
    """A 身份证 number read from its JSON string's bytes, as :func:`~mutualaid.door.number_key` keeps it.

    A number already in its one spelling (17 ASCII digits and a digit, X or x) is upper-cased
    without being checked: if it is valid, that is what validation keeps (a lowercase x read as X;
    anything else is refused, never rewritten, CONTRACT §7; ``tests/test_one_door.py`` holds
    ``number_key`` to it), and if it is not, its line is bad input wherever it goes, and the key
    only makes the main process note the number (see :func:`pipeline`). Checking it here would
    cost the main process a check digit and a birth date per member. Any other spelling is read by
    ``number_key`` itself, or None.
    """
    if _SHAPED_NUMBER.match(value):
        return value.decode("ascii").upper()
    return _number_text(value)


@lru_cache(maxsize=1 << 12)
def _number_text(value: bytes) -> Optional[str]:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return number_key(text)


def _route_parsed(raw: bytes, parts: int) -> tuple[int, Optional[str], Optional[str]]:
    try:
        claim = read_json(raw)  # as the deciding process reads a line it cannot validate in one pass
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading
        return 0, None, None
    member_id, number = keys_of(claim)
    if member_id is None:
        return 0, None, number
    return part_of(member_id, parts), member_id, number


