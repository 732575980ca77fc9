"""The validated claim as the record hashes it, written by msgspec: pydantic-core's bytes, for less.

The record's ``input_hash`` is the sha256 of :func:`mutualaid.decide.canonical_input`, whose claim
part has always been pydantic-core's ``to_json`` of the validated :class:`~mutualaid.model.Claim`.
That serializer walks each of a claim's models (about 13 in the realistic mix) and each field
through its schema: 15 to 25 µs a claim, most of the record's cost (issue 23). msgspec's JSON
encoder writes the same text from the models' ``__dict__``, in the same order, about 35% cheaper
(``docs/performance.md``), because for what a validated claim holds the two write the same bytes:

- each model is its ``__dict__``, whose keys are its fields in declaration order (pydantic's
  serializer writes that dict in its order too); a tuple is a JSON array, None is ``null``;
- a ``Decimal`` is its ``str`` as a JSON string (``"1200.00"``), a ``date`` its ``YYYY-MM-DD``;
- a string is escaped alike: ``"``, ``\\``, ``\\b \\f \\n \\r \\t`` and the other controls as
  ``\\u00xx``, everything else, non-ASCII included, as its UTF-8 (every code point is checked in
  ``tests/test_canonical.py``).

Whatever else a claim holds is written by pydantic-core as before: :func:`_fields` gives msgspec
the fields of the input models of exactly their classes only, and refuses any other object msgspec
cannot write itself (a subclass of ``str``, ``int``, ``Decimal`` or ``date``, a subclass of a
model); a string that is no text (a lone surrogate) fails in msgspec and then in pydantic-core, as
it always did. Validation puts only those plain types in a claim. A model built without validation
(``model_construct``) could hold a ``float`` or ``bytes`` that msgspec writes its own way (``1e16``
against pydantic-core's ``1e+16``; base64): such a model is outside the contract, which is about
the models validation makes (``docs/interpretations.md``).
"""

from __future__ import annotations

import msgspec

from .model import Accident, Claim, Hospital, Item, Member, Payee, Treatment

_INPUT_MODELS = frozenset((Claim, Member, Accident, Treatment, Hospital, Item, Payee))


class _NotPlain(TypeError):
    """A value of a claim that msgspec could write otherwise than pydantic-core."""


def _fields(value: object) -> dict:
    """msgspec's hook for what it cannot write itself: an input model's fields, or a refusal."""
    if type(value) in _INPUT_MODELS:
        return value.__dict__
    raise _NotPlain(type(value).__name__)


_encode = msgspec.json.Encoder(enc_hook=_fields).encode


def claim_json(claim: Claim) -> bytes:
    """``claim.__pydantic_serializer__.to_json(claim)``'s bytes (see the module's docstring)."""
    try:
        return _encode(claim)
    except (TypeError, UnicodeEncodeError):
        return claim.__pydantic_serializer__.to_json(claim)
