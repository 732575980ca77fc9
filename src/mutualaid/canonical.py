"""The validated claim and history as the record hashes them, written by msgspec: pydantic-core's bytes, for less.

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

Whatever else a claim holds is written by pydantic-core as before: msgspec's hook gives it the
fields of the input models of exactly their classes only (``__canonical__``, below), and fails on
any other object msgspec cannot write itself (a subclass of ``str``, ``int``, ``Decimal`` or
``date``, a subclass of a model); a string that is no text (a lone surrogate) fails in msgspec and
then in pydantic-core, as it always did. Validation puts only those plain types in a claim. A model built without validation
(``model_construct``) could hold a ``float`` or ``bytes`` that msgspec writes its own way (``1e16``
against pydantic-core's ``1e+16``; base64): such a model is outside the contract, which is about
the models validation makes (``docs/interpretations.md``), as is an input model held where the
contract has a value or another model (only ``model_construct`` puts one there), which msgspec
writes with all its fields.

The history is written the same way (:func:`history_json`), its entries' ``filed_on`` left out
where it is None, as pydantic-core's ``exclude_none`` leaves it out.
"""

from __future__ import annotations

import operator

import msgspec
from pydantic import BaseModel, TypeAdapter

from .model import Accident, Claim, HistoryEntry, Hospital, Item, Member, Payee, Treatment
from .quick_schema import quick_none_dropping

# Each input model's fields, for msgspec with no call into Python: ``model.__canonical__`` is the
# models' own ``__dict__`` descriptor (C code), set on these classes alone. A subclass of one has
# its own ``__canonical__``, which raises (mutualaid.model._Input), and any other object has none.
_FIELDS = vars(BaseModel)["__dict__"]
for _model in (Claim, Member, Accident, Treatment, Hospital, Item, Payee, HistoryEntry):
    type.__setattr__(_model, "__canonical__", _FIELDS)

_encode = msgspec.json.Encoder(enc_hook=operator.attrgetter("__canonical__")).encode
_pydantic_history = quick_none_dropping(TypeAdapter(tuple[HistoryEntry, ...]).core_schema).to_json
"""The history as the record always wrote it, with ``exclude_none=True``: the bytes of
``TypeAdapter(tuple[HistoryEntry, ...]).dump_json``, since an entry's only None field,
``filed_on``, is the one its ``exclude_if`` hook drops (tests/test_replay.py pins them)."""
_NO_FILING = b',"filed_on":null}'
_ODD = (TypeError, AttributeError, UnicodeEncodeError)
"""What msgspec raises where a claim or history holds something it would write otherwise."""


def claim_json(claim: Claim) -> bytes:
    """``claim.__pydantic_serializer__.to_json(claim)``'s bytes (see the module's docstring)."""
    try:
        return _encode(claim)
    except _ODD:
        return claim.__pydantic_serializer__.to_json(claim)


def history_json(history: tuple[HistoryEntry, ...]) -> bytes:
    """``_pydantic_history(history, exclude_none=True)``'s bytes.

    msgspec writes each entry's fields, ``filed_on`` last (the fields' order); where it is None,
    ``,"filed_on":null}`` is cut to ``}``. That text is the end of an entry and nothing else: a
    ``"`` inside a JSON string is always escaped, so ``,"`` never stands inside one. Any other
    ``:null`` left (a None in another field, which validation never leaves) sends the history to
    pydantic-core, as does an entry of a subclass and any value msgspec could write otherwise (see
    the module's docstring).
    """
    try:
        written = _encode(history).replace(_NO_FILING, b"}")
    except _ODD:
        return _pydantic_history(history, exclude_none=True)
    return written if b":null" not in written else _pydantic_history(history, exclude_none=True)
