"""The one exception a caller has to know: the claim breaks the contract and is not decided.

CONTRACT §5: "A claim that breaks this contract is not decided: `adjudicate` raises one
documented exception type whose message names every offending field (pydantic's paths)".
"""

from __future__ import annotations

import datetime as dt
import reprlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errorcodes import CODES, QUOTE_LIMIT, QUOTE_MAX, fill  # noqa: F401 - QUOTE_LIMIT and QUOTE_MAX are this module's API too


def _quoter() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxlevel = 2
    r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdeque = r.maxarray = r.maxdict = 4
    r.maxstring = r.maxlong = r.maxother = QUOTE_LIMIT
    return r


_QUOTER = _quoter()


def quote(value: object) -> str:
    """A short prefix of ``repr(value)``, for a message about a bad value.

    A message echoes what it refuses so that the sender can find it, but a value can be huge: a
    10 MB string, or a YAML alias tree whose full text is exponential in its size. ``reprlib``
    looks at a few elements and a few levels only, so the work and the length stay bounded
    whatever the value is; longer text ends in ``...``.
    """
    try:
        text = _QUOTER.repr(value)
    except Exception:  # an int past Python's digit limit for str(), or a __repr__ that fails
        return f"<a {type(value).__name__}>"
    return _cut(text)


def _cut(text: str) -> str:
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_LIMIT + 5] + "..."


MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""No value at all (a missing field): its :class:`FieldError` carries ``value=None``."""


def shown(value: Any) -> str | None:
    """The offending value as a :class:`FieldError` carries it: :func:`quote` applied, a date as its ISO text,
    a Decimal (a JSON or YAML number read exactly) as its digits; None for :data:`MISSING`."""
    if value is MISSING:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        return _cut(str(value))
    return quote(value)


class BadValue(ValueError):
    """A value a check refuses, with the code of the fault and the details its messages are made of.

    ``str()`` is the English message (:data:`~mutualaid.errorcodes.CODES`' template filled with
    ``params``), so that a caller who catches ``ValueError`` reads what it always read; pydantic
    hands it on in its error's context, where :mod:`mutualaid.validate` finds the code.
    """

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(fill(CODES[code].en, params))

    @property
    def message_zh(self) -> str:
        return fill(CODES[self.code].zh, self.params)

    def __reduce__(self):  # picklable across processes
        return (_bad_value, (self.code, self.params))


def _bad_value(code: str, params: dict) -> BadValue:
    return BadValue(code, **params)



@dataclass(frozen=True)
class FieldError:
    """One offending field: its dotted path (``treatments.0.items.1.out_of_pocket``) and why.

    ``message`` is English; ``message_zh`` says the same in Chinese, so that a backend can show it
    to a claimant as it shows a reason. ``code`` is a stable machine code (``amount.not_exact_in_fen``)
    that a backend can branch on. ``value`` is the offending value, cut short (:func:`quote`), or
    None when there is none (a missing field).
    """

    field: str
    message: str
    code: str = "invalid"
    message_zh: str = ""
    value: str | None = None

    @classmethod
    def of(cls, field: str, code: str, value: Any = MISSING, /, **params: Any) -> "FieldError":
        """The error ``code`` (a key of :data:`~mutualaid.errorcodes.CODES`) for ``field``: both
        messages are its templates filled with ``params``; ``value`` is the offending value."""
        entry = CODES[code]
        return cls(field, fill(entry.en, params), code, fill(entry.zh, params), shown(value))

    @classmethod
    def from_exception(cls, field: str, exc: BaseException, value: Any = MISSING) -> "FieldError":
        """The error a refused value raised: its code and words if it is a :class:`BadValue`,
        else ``field.invalid`` with the exception's text."""
        if isinstance(exc, BadValue):
            return cls(field, str(exc), exc.code, exc.message_zh, shown(value))
        return cls.of(field, "field.invalid", value, detail=str(exc))

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def as_json(self) -> dict:
        """The error as a backend stores or sends it (the service's 422 body, a batch error record)."""
        return {"field": self.field, "code": self.code, "message_en": self.message, "message_zh": self.message_zh or self.message, "value": self.value}


ERRORS_LISTED = 100
"""CONTRACT §5 (revision 3): at most this many offending fields are listed one by one."""
MORE = "..."
"""The ``field`` of the entry that counts the offending fields not listed (code ``errors.more``)."""


def _more(count: int) -> FieldError:
    """The entry that counts the rest: field ``...``, code ``errors.more``, ``value`` the count as digits."""
    return FieldError.of(MORE, "errors.more", count, count=f"{count:,}", limit=ERRORS_LISTED)


class InvalidClaim(ValueError):
    """The claim or its history is bad input (CONTRACT §5); nothing was decided.

    ``errors`` lists the offending fields, in a stable order; ``fields`` their paths. At most the
    first :data:`ERRORS_LISTED` (100) are listed one by one; when there are more, one last entry
    (field ``...``, code ``errors.more``, ``value`` the number as digits) counts the rest, so that
    a small input can never make a huge error. ``total`` is the number of offending fields. The
    message names each listed field, one per line, so that a log line or the CLI's stderr is
    enough to fix the input.
    """

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...], total: int | None = None):
        listed = [e for e in errors if e.code != "errors.more"]
        if total is None:  # errors of an InvalidClaim met again (re-raised, pickled) keep their count
            total = len(listed) + sum(int(e.value or 0) for e in errors if e.code == "errors.more")
        self.total: int = max(total, len(listed))
        if self.total > len(listed) or len(listed) > ERRORS_LISTED:
            listed = [*listed[:ERRORS_LISTED], _more(self.total - min(len(listed), ERRORS_LISTED))]
        self.errors: tuple[FieldError, ...] = tuple(listed)
        super().__init__(self._message())

    @property
    def fields(self) -> tuple[str, ...]:
        """The paths of :attr:`errors`, in order (the last is ``...`` when the list was cut)."""
        return tuple(e.field for e in self.errors)

    def _message(self) -> str:
        n = self.total
        head = f"bad input: {n} offending field{'s' if n != 1 else ''}"
        return "\n".join([head, *(f"  - {e}" for e in self.errors)])

    def as_json(self) -> list[dict]:
        """Every listed offending field as :meth:`FieldError.as_json` gives it, in order (the counting entry last)."""
        return [e.as_json() for e in self.errors]

    def __reduce__(self):  # picklable across processes (batch runs)
        return (type(self), (list(self.errors), self.total))


class DuplicateKeys(InvalidClaim):
    """A JSON object or YAML mapping repeats a key (CONTRACT §7, revision 3): bad input naming each
    repeated key's path (``treatments.0.items.0.out_of_pocket``), code ``key.duplicate``."""


class ClaimConflict(InvalidClaim):
    """A claim id the store has decided already, sent again with other content (issue 22): bad input naming
    ``claim_id``, code ``claim_id.conflict``; the service answers 409. The same claim sent again (the same
    input hash) is no conflict: it gets the stored decision back."""


class UnknownEngine(ValueError):
    """An engine name that mutualaid does not know, or whose extra is not installed."""
