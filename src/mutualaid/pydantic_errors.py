"""pydantic's validation errors as the library's :class:`~mutualaid.errors.FieldError` objects.

For every model the library validates: a claim and its history (:mod:`mutualaid.validate`) and an
edition's data (:mod:`mutualaid.edition`), so that both name a bad field alike, with its code
(:mod:`mutualaid.errorcodes`) and messages in both languages.
"""

from __future__ import annotations

import re

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .errorcodes import PYDANTIC_TYPES
from .errors import MISSING, BadValue, FieldError


def _path(loc: tuple, prefix: str = "") -> str:
    parts = [prefix] if prefix else []
    parts += [str(p) for p in loc]
    return ".".join(parts) or "claim"


def pydantic_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """pydantic's errors as :class:`FieldError` objects, each with its code (:mod:`mutualaid.errorcodes`).

    A check of the library's own raised a :class:`~mutualaid.errors.BadValue`, which pydantic hands
    on in the error's context with its code and both messages; pydantic's own checks are coded by
    their type. The English message is what it has always been.
    """
    return pydantic_errors_up_to(exc, prefix)[0]


def pydantic_errors_up_to(exc: ValidationError, prefix: str = "", limit: int | None = None) -> tuple[list[FieldError], int]:
    """The first ``limit`` of pydantic's errors as :class:`FieldError` objects (all without a
    limit), and how many more there are: counted, never built (building one costs some 20 µs)."""
    out: list[FieldError] = []
    more = 0
    errs = exc.errors(include_url=False)
    deeper = {e["loc"][:k] for e in errs for k in range(len(e["loc"]))}
    for e in errs:
        if e["type"] == "too_short" and e["loc"] in deeper:
            continue  # "at least 1 item after validation": only because an item inside was bad
        if limit is not None and len(out) >= limit:
            more += 1
        else:
            out.append(_field_error(_path(e["loc"], prefix), e))
    return out, more


def _field_error(field: str, e: ErrorDetails) -> FieldError:
    kind, ctx = e["type"], e.get("ctx") or {}
    value = MISSING if kind == "missing" else e.get("input", MISSING)
    error = ctx.get("error")
    if isinstance(error, BadValue):
        return FieldError.from_exception(field, error, value)
    msg = e["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    code = PYDANTIC_TYPES.get(kind, "field.invalid")
    params = {k: v for k, v in ctx.items() if k != "error"}
    if kind == "literal_error":
        params["expected"] = _ALTERNATIVES.sub("、", str(params.get("expected", "")))
    params["detail"] = ctx.get("error", msg) if kind == "json_invalid" else msg
    coded = FieldError.of(field, code, value, **params)
    if kind == "string_unicode":  # pydantic's words would not say what is wrong
        return coded
    return FieldError(field, msg, code, coded.message_zh, coded.value)


_ALTERNATIVES = re.compile(r",\s|\sor\s")
