"""One door (issue 20): how every entry point reads a claim, and every key it derives from one.

A claim reaches the library by many doors: ``adjudicate``, ``Ledger.decide``, ``mutualaid batch``
(any ``--jobs``, either of its readers), :mod:`mutualaid.distributed`, :mod:`mutualaid.frame`,
:func:`mutualaid.whatif.compare`, ``mutualaid check`` and the service. Each of them decides a claim
with the keys it derives from it: the member whose history and cap it reads, the 身份证 number
bound to that member (one person, one cap), and, for ``--jobs`` and Dask, the process or partition
that holds that member's history. If one door read a key from the raw text and another from the
validated claim, ``"440106199003071231 "`` and ``"440106199003071231"`` could be two people behind
one door and one behind another, and one person could be paid two caps.

So every key is read here, and only as validation keeps it:

- :func:`read` validates a claim once (:class:`~mutualaid.model.Claim`, whose field types are the
  contract's) and gives the model, or None where the claim is bad input, with its :class:`Keys`.
- :class:`Keys` of a validated claim are its ``member.member_id`` and ``member.id_number`` as the
  model holds them. Of a claim that is bad input, each key is the field read by the model's own
  field type (:func:`member_key`, :func:`number_key`), or None where that field is bad too: so a
  claim refused for a bad amount is still refused with its member's history (a claim_id decided
  already is named), and the same way at every door.
- :func:`member_key` and :func:`number_key` are those field types alone, for a key read from a raw
  line (``mutualaid batch`` routes lines in its main process without parsing them, see
  :func:`mutualaid.batch.route`): the value handed to them is the field's exact JSON string, so
  the key is the one validation keeps, never a spelling of it.

A key is never normalised beyond what validation does: an id with white space, a full-width form
or a zero-width character is bad input (CONTRACT §7, "Ids"), never another spelling of a member.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, NamedTuple, Optional

from pydantic import TypeAdapter, ValidationError

from .model import ITEMS_MAX, Claim
from .validate import _oversized as too_long
from .values import Id, IdNumber

__all__ = ["Keys", "read", "keys_of", "id_key", "member_key", "number_key"]

_MEMBER_ID: TypeAdapter[str] = TypeAdapter(Id)  # Member.member_id's type
_ID_NUMBER: TypeAdapter[str] = TypeAdapter(IdNumber)  # Member.id_number's type


class Keys(NamedTuple):
    """The keys derived from a claim, as validation keeps them; None where a key cannot be read."""

    member_id: Optional[str]
    """The member whose history, cap and claim ids the claim is decided with."""
    id_number: Optional[str]
    """The member's 身份证 number as compared (a lowercase x read as X), or None when absent or bad."""


NO_KEYS = Keys(None, None)


def _key_reader(adapter: TypeAdapter[str], what: str) -> Callable[[Any], Optional[str]]:
    """A key as the field's own type keeps it, or None where it is absent or not valid.

    A str is read through a cache: a member's claims repeat the same key, and ``batch`` routes
    every line by it.
    """

    @lru_cache(maxsize=1 << 16)
    def text(value: str) -> Optional[str]:
        return anything(value)

    def anything(value: Any) -> Optional[str]:
        try:
            return adapter.validate_python(value)
        except (ValidationError, ValueError, TypeError):
            return None

    def key(value: Any) -> Optional[str]:
        if type(value) is str:
            return text(value)
        return None if value is None else anything(value)

    key.__doc__ = what
    return key


id_key = _key_reader(_MEMBER_ID, "An id (``member.member_id``, ``claim_id``…) as the model holds it, or None where it is not a valid id.")
member_key = id_key
"""``member.member_id`` as the model holds it, or None where it is not a valid id."""
number_key = _key_reader(_ID_NUMBER, "A ``member.id_number`` as the model holds it (a lowercase x read as X), or None where it is absent or bad.")


def keys_of(claim: Any) -> Keys:
    """The keys of a claim: a validated :class:`~mutualaid.model.Claim`'s fields, or plain data's read field by field."""
    if isinstance(claim, Claim):
        return Keys(claim.member.member_id, claim.member.id_number)
    data = claim.get("member") if isinstance(claim, dict) else None
    if not isinstance(data, dict):
        return NO_KEYS
    return Keys(member_key(data.get("member_id")), number_key(data.get("id_number")))


def read(claim: Any) -> tuple[Optional[Claim], Keys]:
    """The claim validated (None where it is bad input) and its keys: the one reading of every door.

    A :class:`~mutualaid.model.Claim` is taken as it is. Plain data is validated as the claim
    alone; what spans the claim and its history (a claim_id decided already, the cap) is
    ``adjudicate``'s, which is handed the model and so does not validate it again. A claim that
    is bad input is handed to ``adjudicate`` as it came, which names every offending field.
    """
    if isinstance(claim, Claim):
        return claim, keys_of(claim)
    if type(claim) is dict and _oversized(claim):  # adjudicate refuses it by its lengths, before reading the rest
        return None, keys_of(claim)
    try:
        model = Claim.model_validate(claim)
    except (ValidationError, ValueError, TypeError):
        return None, keys_of(claim)
    return model, keys_of(model)


def _oversized(claim: dict) -> bool:
    """Whether a list of the claim is longer than CONTRACT §7 allows, or it holds more items than
    one treatment may: pydantic validates every element of a list before its length, so such a
    claim is left to ``adjudicate``, which refuses it by its lengths, or validates it in parts."""
    errors, items = too_long(claim, ())
    return bool(errors) or items > ITEMS_MAX
