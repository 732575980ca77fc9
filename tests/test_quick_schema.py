"""The quick validators (issue 23, :mod:`mutualaid.quick_schema`): what they accept, the models' own
validators accept with the same models; what they refuse still reaches those, whose errors are listed.
"""

from __future__ import annotations

import datetime as dt
import enum

import pytest
from pydantic import ValidationError

from mutualaid import Claim, HistoryEntry, InvalidClaim
from mutualaid.canonical import _pydantic_history, history_json
from mutualaid.validate import _history_adapter, _quick_claim, _quick_history, parse

from claimdata import ID, ID_X, base_claim, hist


def _same(quick, own) -> None:
    assert quick == own and type(quick) is type(own)
    assert quick.__pydantic_fields_set__ == own.__pydantic_fields_set__


def test_the_usual_claim_and_history_are_read_as_the_models_read_them():
    claim = base_claim()
    claim["treatments"][0]["hospital"]["grade"] = 2
    _same(_quick_claim.validate_python(claim), Claim.model_validate(claim))
    history = (hist("H-1", "A-0001", "2022-03-01", "100.00", "50.00"), hist("H-2", "A-0001", "2022-03-01", "10.00", "5.00", filed_on="2022-03-09"))
    for q, own in zip(_quick_history.validate_python(history), _history_adapter.validate_python(history)):
        _same(q, own)


# Each is a good value that the models' own checks accept and the quick ones leave to them.
LEFT_TO_THE_MODELS = [
    ("member", "member_id", "会员-1"),  # an id beyond printable ASCII
    ("accident", "occurred_on", dt.date(2022, 3, 1)),  # a date given as a date is read by the core; text first
    (None, "documents", None),  # null: read as absent
]


@pytest.mark.parametrize("where,key,value", LEFT_TO_THE_MODELS)
def test_what_the_quick_reader_refuses_is_read_by_the_models(where, key, value):
    claim = base_claim()
    (claim[where] if where else claim)[key] = value
    model, _, _ = parse(claim)
    _same(model, Claim.model_validate(claim))


# Amounts, ICD-10 codes and account numbers: the quick reader takes the usual spelling in the core
# and leaves the others to the models' checks (an amount's other spellings, a code's case and space).
OTHER_SPELLINGS = [
    (("treatments", 0, "items", 0, "out_of_pocket"), 3200),
    (("treatments", 0, "items", 0, "out_of_pocket"), "3200"),
    (("treatments", 0, "items", 0, "out_of_pocket"), "03200.00"),
    (("treatments", 0, "diagnoses", 0), " s82.2 "),
    (("member", "id_number"), ID_X[:-1] + "x"),  # a lowercase x read as X
]


@pytest.mark.parametrize("path,value", OTHER_SPELLINGS)
def test_amounts_and_codes_read_as_the_models_read_them(path, value):
    claim = base_claim()
    where = claim
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    model, _, _ = parse(claim)
    own = Claim.model_validate(claim)
    _same(model, own)
    assert Claim.__pydantic_serializer__.to_json(model) == Claim.__pydantic_serializer__.to_json(own)


def test_the_quick_reader_is_built_from_its_own_schema():
    """pydantic-core reuses a model's own validator where a schema names the model; the quick one must not."""
    claim = base_claim()
    claim["member"]["member_id"] = "会员-1"
    with pytest.raises(ValidationError):
        _quick_claim.validate_python(claim)
    for bad in (True, 3.0, "3"):
        claim = base_claim()
        claim["treatments"][0]["hospital"]["grade"] = bad
        with pytest.raises(ValidationError):
            _quick_claim.validate_python(claim)
        with pytest.raises(InvalidClaim) as caught:
            parse(claim)
        assert [e.code for e in caught.value.errors] == ["number.not_an_integer"]


def test_the_record_writes_the_history_as_its_adapter_does():
    history = _history_adapter.validate_python((hist("H-1", "A-1", "2022-03-01", "1.00", "1.00"), hist("H-2", "A-1", "2022-03-01", "1.00", "1.00", filed_on="2022-03-05")))
    assert all(type(h) is HistoryEntry for h in history)
    written = _pydantic_history(history, exclude_none=True)
    assert written == _history_adapter.dump_json(history) and written.count(b'"filed_on"') == 1
    assert history_json(history) == written


class _Text(str):
    pass


class _Id(str, enum.Enum):
    A = "A-0001"


class _Grade(enum.IntEnum):
    THREE = 3


@pytest.mark.parametrize(
    "path,value",
    [
        (("filed_on",), _Text("2022-04-10")), (("accident", "accident_id"), _Id.A), (("accident", "accident_id"), _Text("A-0001")),
        (("treatments", 0, "hospital", "grade"), _Grade.THREE), (("treatments", 0, "items", 0, "out_of_pocket"), _Text("3200.00")),
        (("treatments", 0, "diagnoses", 0), _Text("S82.2")), (("payee", "account_number"), _Text("6222020200112233445")),
        (("member", "id_number"), _Text(ID)),
    ],
)
def test_a_subclass_of_str_or_int_is_read_by_its_value_on_both_paths(path, value):
    """pydantic-core reads a str or int subclass by its value; so do the models' own checks, so a
    claim reads the same whether or not another field sends it down their path."""
    claim = base_claim()
    where = claim
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = value
    _same(_quick_claim.validate_python(claim), Claim.model_validate(claim))
