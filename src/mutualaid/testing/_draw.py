"""Small helpers of every strategy: drawing integers cheaply, plain-data conversions, argument checks.

Drawing is the cost of a property test, so the strategies draw integers from strategies made once,
and build the data in plain Python: a shrunk index 0 is the first, plainest choice. That is why
every strategy shrinks towards the first option of each choice it makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ..edition import Edition
from ._vocabulary import PERIOD_END, PERIOD_START


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


# --- argument checks -------------------------------------------------------------------------------
# Hypothesis's own strategies refuse a bad argument with InvalidArgument, naming it, rather than
# drawing something the caller did not ask for. These do the same, when the strategy is built.


def check_bool(name: str, value: Any, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be {'None, ' if optional else ''}True or False")


def check_int(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidArgument(f"{name}={value!r} must be an integer from {lo} to {hi}")


def check_choice(name: str, value: Any, choices: tuple) -> None:
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgument(f"{name}={value!r} must be one of {', '.join(map(repr, choices))}")


def check_text(name: str, value: Any) -> None:
    """None, or an id the contract accepts as it is: 1 to 64 characters, no surrounding white space."""
    if value is None:
        return
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or value != value.strip():
        raise InvalidArgument(f"{name}={value!r} must be None or an id: 1 to 64 characters without surrounding white space")


def check_day(name: str, value: Any) -> None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        raise InvalidArgument(f"{name}={value!r} must be None or a datetime.date")


def check_part(name: str, value: Any, keys: tuple[str, ...]) -> None:
    """None, or a mapping with at least ``keys`` (the part of a claim that the strategy keeps fixed)."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{name}={value!r} must be None or a mapping (plain data, as CONTRACT §1 shapes it)")
    missing = [k for k in keys if k not in value]
    if missing:
        raise InvalidArgument(f"{name} lacks {', '.join(missing)}: it needs {', '.join(keys)}")


def check_edition(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, Edition):
        raise InvalidArgument(f"{name}={value!r} must be None or a mutualaid.Edition (load one with mutualaid.load_edition)")
