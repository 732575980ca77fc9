"""``mutualaid.values.FEN`` (issue 23): each amount's fen read from a dict once seen, as ``scaleb`` gives it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given, settings, strategies as st

from mutualaid.facts import _fen
from mutualaid.values import FEN


@settings(max_examples=30)
@given(st.lists(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**8, max_value=10**8), min_size=1, max_size=4))
def test_an_amounts_fen_is_what_scaleb_gives_first_and_again(amounts):
    for a in amounts + amounts:  # each seen twice: worked out, then read
        assert FEN[a] == int(a.scaleb(2)) == _fen(a)
        assert FEN[a.normalize()] == int(a.scaleb(2))  # 1.00 and 1: one value, one key


def test_what_is_no_decimal_is_read_as_scaleb_always_read_it():
    FEN[Decimal("1.00")]  # seen: an int, a bool or a float equal to it would find it in the dict
    for odd in (1, True, 1.0):
        with pytest.raises(AttributeError):
            _fen(odd)
    with pytest.raises(InvalidOperation):
        _fen(Decimal("sNaN"))  # no key: scaleb's own error
