"""The usual claim read by pydantic-core alone: the models' own schema with the Python checks of its
commonest leaves replaced by core constraints that accept a subset of what those checks accept.

The contract's field types (:mod:`mutualaid.values`) check in Python, each with its own refusal
codes and messages; a claim of the realistic mix makes about 30 such calls. Most of those values
are of one plain spelling, which a core constraint can recognise without Python:

- an id of 1 to 64 printable ASCII characters other than the space (``to_id``'s own fast path);
- a date written ``YYYY-MM-DD`` (ASCII digits), or a ``date`` that is no ``datetime``, from
  1900-01-01 to 2199-12-31;
- a hospital grade that is a plain ``int`` (``to_plain_int``);
- a list that is a list, not null (the ``_null_is_absent`` hooks), its length checked by the core
  rather than by pydantic's Python ``max_length_validator`` that a hook before it brings in;
- an account number of 10 to 30 ASCII digits (``to_account_number``'s whole check);
- an ICD-10 code of at most 32 characters, read by ``to_icd10``'s own cache (``_icd_text``, an
  ``lru_cache`` the core calls directly: no Python frame for a code seen before), and a 身份证
  number by ``to_id_number``'s (``normalize_id_number``) in the same way.

:func:`quick` builds a validator of the same model classes from the models' core schema with those
leaves swapped; the other leaves (amounts, WS 218 codes) keep their Python checks
(an amount's Python check is cheaper than a core ``decimal`` chained to a text pattern, 349 against
605 ns, and than a text pattern followed by a call of ``Decimal``, 486 against 374 ns:
docs/performance.md). A ``str`` or ``int`` subclass
is read by its value on both paths (docs/interpretations.md). Whatever the quick validator accepts, the models' own validator accepts with the
same values, the same fields set and the same instances' classes. What it refuses, the caller
(:func:`mutualaid.validate.parse`) validates again with the models' own validator, which names every
bad field with the codes and messages it always gave: the quick one's errors are never shown.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import Any, Iterator

from pydantic_core import SchemaSerializer, SchemaValidator, core_schema as cs

from .idcard import normalize_id_number
from .values import _ICD_MAX, EARLIEST, ID_MAX, LATEST, _icd_text, to_account_number, to_date, to_icd10, to_id, to_id_number, to_plain_int

_ID = cs.str_schema(strict=True, pattern=rf"^[!-~]{{1,{ID_MAX}}}$")
# An ICD-10 code: to_icd10's own cache (``_icd_text``, an lru_cache called from the core: no
# Python frame when the code was seen before), after the length to_icd10 checks first.
_ICD = cs.no_info_after_validator_function(_icd_text, cs.str_schema(strict=True, max_length=_ICD_MAX))
_ACCOUNT = cs.str_schema(strict=True, pattern=r"^[0-9]{10,30}$")  # to_account_number's shape
_ID_NUMBER = cs.no_info_after_validator_function(normalize_id_number, cs.str_schema(strict=True))  # to_id_number's check, cached
_DAY_TEXT = cs.chain_schema([cs.str_schema(strict=True, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), cs.date_schema(ge=EARLIEST, le=LATEST)])
_DAY = cs.union_schema([_DAY_TEXT, cs.date_schema(strict=True, ge=EARLIEST, le=LATEST)], mode="left_to_right")


def _swap(schema: Any) -> Any:
    """A copy of a core schema (dicts and lists) with each recognised Python check replaced."""
    if isinstance(schema, list):
        return [_swap(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "function-before":
        fn = schema["function"]["function"]
        inner = schema["schema"]
        if fn is to_id:
            return _ID
        if fn is to_date:
            return _DAY
        if fn is to_icd10:
            return _ICD
        if fn is to_account_number:
            return _ACCOUNT
        if fn is to_id_number:
            return _ID_NUMBER
        if fn is to_plain_int:  # a Literal of ints, read strictly: no bool, float or text
            return cs.chain_schema([cs.int_schema(strict=True), _swap(inner)])
        if getattr(fn, "__qualname__", "").startswith("_null_is_absent"):
            return _swap(inner)  # null is refused here, and read as absent by the models' own validator
    if kind == "function-after":
        fn = schema["function"]["function"]
        inner = _swap(schema["schema"])
        if isinstance(fn, partial) and getattr(fn.func, "__name__", "") == "max_length_validator" and inner.get("type") == "tuple":
            return {**inner, "max_length": fn.keywords["max_length"]}  # the list's length checked in the core
    return {k: _swap(v) for k, v in schema.items()}


def _models(schema: Any, found: set) -> set:
    """The model classes a core schema names."""
    if isinstance(schema, list):
        for s in schema:
            _models(s, found)
    elif isinstance(schema, dict):
        if schema.get("type") == "model":
            found.add(schema["cls"])
        for v in schema.values():
            _models(v, found)
    return found


@contextmanager
def _built_from_schema(schema: Any) -> Iterator[None]:
    """While it lasts, pydantic-core builds each model of ``schema`` from the schema given.

    pydantic-core reuses a complete model class's own validator and serializer wherever a schema
    names the class (``__pydantic_complete__`` in its ``__dict__``), which would bring the very
    hooks swapped out back in. Only called when this module is imported, so no other thread
    builds a schema of these models meanwhile.
    """
    classes = [c for c in _models(schema, set()) if c.__dict__.get("__pydantic_complete__")]
    for c in classes:
        type.__setattr__(c, "__pydantic_complete__", False)
    try:
        yield
    finally:
        for c in classes:
            type.__setattr__(c, "__pydantic_complete__", True)


def quick(model_or_schema: Any) -> SchemaValidator:
    """A validator of ``model_or_schema`` (a model class or a core schema) that refuses more and
    checks its usual leaves in pydantic-core alone (see the module's docstring)."""
    schema = _swap(getattr(model_or_schema, "__pydantic_core_schema__", model_or_schema))
    with _built_from_schema(schema):
        return SchemaValidator(schema)


def _unhooked(schema: Any) -> Any:
    """A copy of a core schema without its fields' ``serialization_exclude_if`` hooks."""
    if isinstance(schema, list):
        return [_unhooked(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {k: _unhooked(v) for k, v in schema.items() if k != "serialization_exclude_if"}


def quick_none_dropping(model_or_schema: Any) -> SchemaSerializer:
    """A serializer of ``model_or_schema`` without its ``exclude_if`` hooks, for models whose only
    hook drops a field that is None (``HistoryEntry.filed_on``) and whose other fields are never
    None: with ``exclude_none=True`` it writes the same bytes with no call into Python a model."""
    schema = _unhooked(getattr(model_or_schema, "__pydantic_core_schema__", model_or_schema))
    with _built_from_schema(schema):
        return SchemaSerializer(schema)
