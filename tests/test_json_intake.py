"""The batch reads a line with pydantic's JSON validator, and falls back to ``json.loads`` (issue 5).

The shortcut is only sound if it never accepts a line differently from the plain-data path that
``adjudicate`` documents: whenever ``Claim.model_validate_json(line)`` succeeds, validating
``json.loads(line, parse_float=Decimal)`` must give the very same model, with the same canonical
JSON (the record's input hash). When the shortcut fails, the batch reads the line again as plain
data, so failures need not agree; they only cost time. The plain path reads numbers as their
exact text (issue 13): pydantic's reader, which sees a number with a fraction only as a float,
refuses it as an amount and leaves it to the plain path.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mutualaid.decide import canonical_input
from mutualaid.model import Claim
from mutualaid.testing import bad_claims, claims
from mutualaid.values import read_json

# JSON values that sit on the edges of the field types: numbers for strings, floats for ints, …
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["1200", "1200.5", "1200.00", " 12.00 ", "2022-02-30", "2022-01-01T00:00:00", "s82.2", "1e3", "٣"]),
)


def _plain(line: bytes):
    try:
        return Claim.model_validate(read_json(line))
    except (ValidationError, ValueError):
        return None


def _agrees(line: bytes) -> None:
    try:
        fast = Claim.__pydantic_validator__.validate_json(line)
    except ValueError:
        return  # the batch reads the line again as plain data
    plain = _plain(line)
    assert plain is not None, line
    assert fast == plain
    assert fast.model_fields_set == plain.model_fields_set
    assert canonical_input(fast, ()) == canonical_input(plain, ())


def _line(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(claims())
def test_a_valid_claim_reads_the_same_from_json(claim):
    _agrees(_line(claim))


@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(bad_claims())
def test_a_bad_claim_is_never_accepted_by_the_json_reader_alone(bad):
    _agrees(_line(bad.claim))


@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(claims(), st.data())
def test_an_odd_value_anywhere_reads_the_same_or_falls_back(claim, data):
    """Replace one leaf of a valid claim by an odd JSON value: both readers agree, or the fast one fails."""
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))
        else:
            paths.append(path)

    walk(claim, ())
    path = data.draw(st.sampled_from(paths))
    node = claim
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = data.draw(ODD_VALUES)
    _agrees(_line(claim))


def test_json_only_spellings_fall_back():
    """A lone surrogate is valid for json.loads but not for pydantic's reader: the batch falls back."""
    line = b'{"claim_id": "\\ud800"}'
    try:
        Claim.__pydantic_validator__.validate_json(line)
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("pydantic accepted a lone surrogate")
    assert json.loads(line)["claim_id"] == "\ud800"


# --- whole lines, as the batch sees them: the same bytes out as the plain-data path ------------------

from mutualaid import InvalidClaim, Ledger  # noqa: E402
from mutualaid.batch import ERROR, _Decider, claim_id_of, error_record, not_json_record, stat_of  # noqa: E402

from claimdata import base_claim  # noqa: E402


def _plain_decider(items: list) -> list:
    """What the batch did before it read lines with pydantic: ``json.loads`` (numbers read exactly), then ``Ledger.decide``."""
    ledger, out = Ledger(), []
    for line, raw in items:
        try:
            claim = read_json(raw)
        except InvalidClaim as exc:  # a repeated key (revision 3)
            out.append((error_record(line, None, str(exc), exc.errors), b"", ERROR))
            continue
        except (ValueError, RecursionError) as exc:
            out.append((not_json_record(line, raw, exc), b"", ERROR))
            continue
        try:
            d = ledger.decide(claim)
        except InvalidClaim as exc:
            out.append((error_record(line, claim_id_of(claim), str(exc), exc.errors), b"", ERROR))
            continue
        out.append((d.__pydantic_serializer__.to_json(d) + b"\n", b"", stat_of(d)))
    return out


def _body(**changes) -> str:
    return json.dumps({**base_claim(), **changes}, ensure_ascii=False)[1:-1]  # the members, no braces


LINES = [
    "{" + _body() + "}",
    "{" + _body() + ', "claim_id": "C-dup"}',  # a repeated key: bad input naming it (revision 3; the last one counted)
    "{" + _body() + ', "claim_id" :"C-dup"}',  # the same, white space before the colon
    "{" + _body(member={**base_claim()["member"], "name": "张:三"}) + "}",  # a colon in a string: read again, accepted
    '{"claim_id": "C-first", ' + _body()[len('"claim_id": "C-0001", '):] + "}",
    "\ufeff{" + _body() + "}",  # a byte-order mark
    "{" + _body(claim_id="C-\\u0041") + "}",  # an escape in a value
    "{" + _body().replace('"claim_id"', '"claim\\u005fid"', 1) + "}",  # an escape in a key
    "{" + _body(claim_id="C-\ud83d\ude00") + "}",  # a character outside the BMP
    '{"claim_id": "\\ud800"}',  # a lone surrogate, escaped
    "{" + _body(claim_id="C-\t1") + "}",  # a raw tab inside a string
    "{" + _body() + "} trailing",
    "[1, 2]",
    "null",
    "12",
    "[" * 5000 + "]" * 5000,  # nested beyond what json.loads reads
    "{" + _body(filed_on="2022-02-01") + "}",  # valid field by field, refused across fields
    "{" + _body(plan="gd-nef-2099") + "}",
    "{" + _body().replace('"3200.00"', "3200") + "}",
    "{" + _body().replace('"3200.00"', "NaN") + "}",
    "{" + _body().replace('"3200.00"', "1e400") + "}",
    "{" + _body().replace('"3200.00"', "3" + "0" * 40) + "}",
    "{" + _body().replace('"3200.00"', "2000.009999999999999999") + "}",  # not exact in fen (issue 13)
    "{" + _body().replace('"3200.00"', "2000.000000000000000000000000000001") + "}",
    "{" + _body().replace('"3200.00"', "3200.50") + "}",  # exact: the plain path accepts it
    "{" + _body().replace('"grade": 3', '"grade": 3.0') + "}",
    "{" + _body().replace('"grade": 3', '"grade": true') + "}",
]


@pytest.mark.parametrize("text", LINES, ids=range(len(LINES)))
def test_a_line_gives_the_same_bytes_as_the_plain_data_path(text):
    raw = text.encode("utf-8", "surrogatepass") + b"\n"
    items = [(1, raw), (2, ("{" + _body(claim_id="C-next") + "}\n").encode())]
    assert _Decider(Ledger(), journal=False)(items) == _plain_decider(items)


# --- hard to break: any line, an answer that is JSON, in every process --------------------------------


from mutualaid.batch import part_of_line  # noqa: E402
from mutualaid.testing import claims_with_history  # noqa: E402

from claimdata import set_odd_leaves  # noqa: E402

@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(st.data())
def test_any_line_gets_one_answer_that_is_json_and_a_process(data):
    """A line with odd values anywhere, escaped or not, cut short or with a byte changed: the batch
    answers it with one JSON line (a decision or an error record) and routes it to a process."""
    claim, _ = data.draw(claims_with_history())
    set_odd_leaves(data, claim, (0, 2))
    raw = json.dumps(claim, ensure_ascii=data.draw(st.booleans())).encode("utf-8", "surrogatepass")
    damage = data.draw(st.sampled_from(["none", "cut", "byte"]))
    if damage == "cut":
        raw = raw[: data.draw(st.integers(1, len(raw)))]
    elif damage == "byte":
        at = data.draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([data.draw(st.integers(0, 255))]) + raw[at + 1 :]
    raw = raw.replace(b"\n", b" ") + b"\n"
    (out, _, stat), = _Decider(Ledger(), journal=False)([(1, raw)])
    answer = json.loads(out)
    assert ("outcome" in answer) != ("error" in answer)
    assert stat[0] == answer.get("outcome", "error")
    assert part_of_line(raw, 3) in (0, 1, 2)
