"""The canonical input written by msgspec (issue 23, :mod:`mutualaid.canonical`): pydantic-core's
bytes for every claim, and pydantic-core itself for whatever msgspec could write otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from pydantic_core import PydanticSerializationError, SchemaSerializer, core_schema as cs

from mutualaid import Claim, testing as T
from mutualaid.canonical import _encode, _pydantic_history, claim_json, history_json
from mutualaid.model import HistoryEntry, Hospital, Item, Member
from mutualaid.validate import parse

from claimdata import base_claim


class _Text(str):
    pass


def _pydantic(claim: Claim) -> bytes:
    """The claim's bytes as the record always wrote them."""
    return claim.__pydantic_serializer__.to_json(claim)


@settings(max_examples=60, deadline=None)
@given(T.claims_with_history())
def test_a_validated_claim_is_written_with_pydantic_cores_bytes(pair):
    model, entries, _ = parse(*pair)
    assert claim_json(model) == _pydantic(model)
    assert history_json(entries) == _pydantic_history(entries, exclude_none=True)


class _Entry(HistoryEntry):
    note: str = "a field more"


def _entry(claim_id: str, filed_on=None) -> HistoryEntry:
    return HistoryEntry(claim_id=claim_id, accident_id="A-1", accident_occurred_on="2022-03-01", counted_out_of_pocket="10.00", paid="5.00", filed_on=filed_on)


HISTORIES = [
    (_entry("H-1"), _entry("H-2", "2022-03-05"), _entry("H-3")),  # filed_on left out where absent, kept where given
    (_entry("H-1", "2022-03-05"),),
    (_entry('H-1,"filed_on":null}'), _entry("H:null")),  # the cut's text inside a string stays (it is escaped there)
    (HistoryEntry.model_construct(claim_id="H-1", accident_id="A-1", accident_occurred_on=dt.date(2022, 3, 1), counted_out_of_pocket=None, paid=Decimal("1.00")),),
    (_entry("H-1"), _Entry(claim_id="H-2", accident_id="A-1", accident_occurred_on="2022-03-01", counted_out_of_pocket="1.00", paid="1.00")),
    (_entry("H-1"), HistoryEntry.model_construct(claim_id=_Text("H-2"), accident_id="A-1", accident_occurred_on=dt.date(2022, 3, 1), counted_out_of_pocket=Decimal("1.00"), paid=Decimal("1.00"))),
]


@pytest.mark.parametrize("history", HISTORIES)
def test_a_history_is_written_with_pydantic_cores_bytes(history):
    assert history_json(history) == _pydantic_history(history, exclude_none=True)


# Every text field a claim may hold free text in, filled with any text (no lone surrogate: that is no text).
TEXT = st.text(max_size=60)


@settings(max_examples=20, deadline=None)
@given(name=TEXT.filter(str.strip), hospital=TEXT, holder=TEXT.filter(bool), plan=TEXT)
def test_free_text_is_escaped_as_pydantic_core_escapes_it(name, hospital, holder, plan):
    c = base_claim()
    c["member"]["name"] = name
    c["treatments"][0]["hospital"]["name"] = hospital
    c["payee"]["holder_name"] = holder
    model = Claim.model_validate(c).model_copy(update={"plan": plan})  # plan names an edition; its text is any text
    assert claim_json(model) == _pydantic(model)


def test_every_code_point_is_written_as_pydantic_core_writes_it():
    text = SchemaSerializer(cs.str_schema())
    every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))  # no lone surrogate: no text
    assert _encode(every) == text.to_json(every)
    controls = every[:0x20] + '"\\\x7f\u2028\u2029\ufeff'
    assert _encode(controls) == text.to_json(controls)  # each escape, where a mismatch would be easy to read


class _Amount(Decimal):
    pass


class _Day(dt.date):
    pass


class _Member(Member):
    nickname: str = "阿四"


def _holding(where: str, value) -> Claim:
    """The usual claim validated with ``value`` in one place (a model instance is kept as given)."""
    c = base_claim()
    if where == "member":
        c["member"] = value
    elif where == "hospital":
        c["treatments"][0]["hospital"] = value
    else:
        c["treatments"][0]["items"][0] = value
    return Claim.model_validate(c)


ODD = [
    ("member", _Member(member_id="M-1", name="李四", occupation="courier")),  # a model's subclass, with a field more
    ("member", Member.model_construct(member_id="M-1", name=_Text("李四"), occupation="courier")),
    ("item", Item.model_construct(on=dt.date(2022, 3, 1), category="treatment", out_of_pocket=_Amount("1.00"))),
    ("item", Item.model_construct(on=_Day(2022, 3, 1), category="treatment", out_of_pocket=Decimal("1.00"))),
]


@pytest.mark.parametrize("where,value", ODD)
def test_what_msgspec_would_write_otherwise_is_written_by_pydantic_core(where, value):
    model = _holding(where, value)
    assert claim_json(model) == _pydantic(model)
    with pytest.raises((TypeError, AttributeError)):
        _encode(model)  # msgspec alone is never asked to write it


def test_a_string_that_is_no_text_fails_as_it_always_did():
    model = _holding("hospital", Hospital.model_construct(name="\ud800"))
    with pytest.raises(PydanticSerializationError):
        _pydantic(model)
    with pytest.raises(PydanticSerializationError):
        claim_json(model)
