"""Amounts given as numbers are judged by their exact decimal text (CONTRACT §7, issue 13 finding 1).

A JSON or YAML number such as ``2000.009999999999999999`` read through a float becomes 2000.01 and
is paid; as a string the same text is refused ("not exact in fen"). Every reader of claims keeps
the exact text: ``json.loads(..., parse_float=Decimal)``, the YAML loader, and pydantic's own JSON
reader, which refuses a number with a fraction (it only sees the float) so that the batch reads the
line again as plain data. A Python float given to ``adjudicate`` keeps its rule: its shortest repr.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mutualaid import Claim, HistoryEntry, InvalidClaim, adjudicate, yamlio
from mutualaid.values import read_json

from claimdata import base_claim, hist

LONG = ["2000.009999999999999999", "2000.000000000000000000000000000001", "3200.0000000000000000001", "0.0049999999999999999"]
FIELD = "treatments.0.items.0.out_of_pocket"


def _line(amount_text: str, quoted: bool) -> bytes:
    """The base claim as one JSON line, its out_of_pocket written as ``amount_text`` (a number or a string)."""
    claim = base_claim()
    claim["treatments"][0]["items"][0]["out_of_pocket"] = "@AMOUNT@"
    return json.dumps(claim, ensure_ascii=False).replace('"@AMOUNT@"', json.dumps(amount_text) if quoted else amount_text).encode()


def _plain(raw: bytes):
    """The documented plain-data path: exact JSON reading, then the model."""
    return Claim.model_validate(read_json(raw))


def _fast(raw: bytes):
    return Claim.__pydantic_validator__.validate_json(raw)


@pytest.mark.parametrize("text", LONG)
def test_a_long_json_number_is_bad_input_like_the_same_text_as_a_string(text):
    for quoted in (True, False):
        with pytest.raises(InvalidClaim) as caught:
            adjudicate(read_json(_line(text, quoted)))
        assert caught.value.fields == (FIELD,), quoted
        assert "not exact in fen" in str(caught.value)


@pytest.mark.parametrize("text", LONG)
def test_pydantics_json_reader_never_accepts_a_number_it_would_round(text):
    """The batch's fast path: it refuses, and the batch reads the line again as plain data."""
    with pytest.raises(ValueError, match="read_json"):
        _fast(_line(text, quoted=False))
    with pytest.raises(ValueError, match="paid"):
        HistoryEntry.__pydantic_validator__.validate_json(
            json.dumps(hist("H-1", "A-1", "2022-01-01", "800.00", "@")).replace('"@"', "500.0000000000000000001")
        )


def test_pydantics_json_reader_reads_integers_and_strings_as_plain_data_does():
    for text, quoted in (("3200", False), ("3200.00", True), ("10.500", True), ("1" + "0" * 40, False)):
        raw = _line(text, quoted)
        try:
            plain = _plain(raw)
        except ValueError:
            with pytest.raises(ValueError):
                _fast(raw)
            continue
        assert _fast(raw) == plain


@pytest.mark.parametrize("text", LONG)
def test_a_long_yaml_number_is_bad_input(text):
    claim, history = yamlio.split_claim_document(
        yamlio.load(_line(text, quoted=False).decode())  # JSON is YAML
    )
    assert claim["treatments"][0]["items"][0]["out_of_pocket"] == Decimal(text)
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(claim, history)
    assert caught.value.fields == (FIELD,)


def test_a_long_number_in_history_is_bad_input_naming_it():
    doc = yamlio.load(
        "claim: {}\nhistory:\n- {claim_id: H-1, accident_id: A-1, accident_occurred_on: '2022-01-15',\n"
        "   counted_out_of_pocket: 800.00, paid: 500.0000000000000000001}\n"
    )
    _, history = yamlio.split_claim_document(doc)
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(base_claim(), history)
    assert caught.value.fields == ("history.0.paid",)


def test_a_python_float_keeps_its_shortest_repr_rule():
    """Given directly, a float is read as its shortest repr: 2000.01 is 2000.01, 0.1 + 0.2 is refused."""
    for amount, counted in ((2000.01, "2000.01"), (10.5, "10.50"), (float("2000.009999999999999999"), "2000.01")):
        claim = base_claim()
        claim["treatments"][0]["items"][0]["out_of_pocket"] = amount
        assert str(adjudicate(claim).counted_out_of_pocket) == counted
    claim["treatments"][0]["items"][0]["out_of_pocket"] = 0.1 + 0.2
    with pytest.raises(InvalidClaim):
        adjudicate(claim)


# --- the property: a number reads as its text reads -------------------------------------------------

# JSON numbers in plain notation: an optional minus, an integer part without leading zeros, an
# optional fraction of up to 40 digits, often near a fen edge (…99999, …00001).
_INTEGER = st.one_of(st.just("0"), st.from_regex(r"\A[1-9][0-9]{0,8}\Z"), st.sampled_from(["200", "500", "2000", "9999999", "10000000"]))
_FRACTION = st.one_of(
    st.just(""),
    st.from_regex(r"\A\.[0-9]{1,40}\Z"),
    st.builds(lambda fen, zeros, tail: f".{fen}{'0' * zeros}{tail}", st.from_regex(r"\A[0-9]{2}\Z"), st.integers(0, 30), st.sampled_from(["", "0", "1", "9"])),
    st.builds(lambda n: "." + "9" * n, st.integers(1, 30)),
)
NUMBER_TEXTS = st.builds(lambda sign, whole, frac: sign + whole + frac, st.sampled_from(["", "", "-"]), _INTEGER, _FRACTION)


def _outcome(read):
    try:
        return ("accepted", read().treatments[0].items[0].out_of_pocket)
    except (InvalidClaim, ValueError) as exc:
        return ("refused", FIELD in str(exc))


@settings(max_examples=300)
@given(NUMBER_TEXTS)
@example("2000.009999999999999999")
@example("2000.000000000000000000000000000001")
@example("-0.000")
@example("9999999.9900000000000000000000")
def test_a_json_or_yaml_number_is_read_as_the_same_text_as_a_string(text):
    """Any amount the JSON-number path accepts, the string path accepts, with the same value; and
    both refuse alike. The YAML number path agrees too, and pydantic's JSON reader, when it
    accepts at all, reads the same value (it may refuse: the batch then reads the plain path)."""
    as_string = _outcome(lambda: _plain(_line(text, quoted=True)))
    as_number = _outcome(lambda: _plain(_line(text, quoted=False)))
    in_yaml = _outcome(lambda: Claim.model_validate(yamlio.load(_line(text, quoted=False).decode())))
    assert as_number == as_string == in_yaml
    try:
        fast = _fast(_line(text, quoted=False))
    except ValueError:
        return
    assert as_string == ("accepted", fast.treatments[0].items[0].out_of_pocket)


@settings(max_examples=100)
@given(st.from_regex(r"\A[1-9][0-9]{0,6}(\.[0-9]{1,4})?\Z"), st.sampled_from(["e", "E", "e+", "e-", "E-"]), st.integers(0, 12))
def test_a_number_with_an_exponent_is_judged_by_its_exact_value(digits, e, power):
    """A number in exponent form (``1e3``) is judged by its text, as the same text in a string is:
    an amount is a plain decimal, so both are refused alike, naming the field. So whatever the
    number path accepts, the string path accepts too (issue 13, finding 1)."""
    text = f"{digits}{e}{power}"
    number, string = _line(text, quoted=False), _line(text, quoted=True)
    assert _outcome(lambda: _plain(number)) == _outcome(lambda: _plain(string))
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(read_json(number))
    assert caught.value.fields == (FIELD,)


# --- YAML numbers: YAML 1.1's choice of what is a number, read exactly -----------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0200", 200),  # YAML 1.1: octal 128
        ("-0_200", "-0_200"),  # revision 3: an integer is plain digits; 1_0 stays text (bad input)
        ("0x1F", "0x1F"),  # likewise (it was 31)
        ("10.500", Decimal("10.500")),
        ("2000.009999999999999999", Decimal("2000.009999999999999999")),
        ("1.5e+3", "1.5e+3"),  # exponent form: judged as its text, as a JSON number is
        ("1:30", "1:30"),  # YAML 1.1: sexagesimal 90
        ("1:30.5", "1:30.5"),
        ("09", "09"),  # text in YAML 1.1 too: yaml.safe_dump writes it unquoted
        ("1e3", "1e3"),  # likewise
        ("2022-03-01", "2022-03-01"),
        ("on", "on"),
        ("true", True),
        ("1" + "0" * 5000, Decimal("1E+5000")),  # beyond what int() reads from text
    ],
)
def test_yaml_numbers_are_read_exactly_and_as_decimals(text, value):
    got = yamlio.load(f"v: {text}")["v"]
    assert got == value and type(got) is type(value)


@settings(max_examples=300)
@given(st.text(st.sampled_from("0123456789._-+eEbxo:inaf"), min_size=1, max_size=8))
def test_text_that_yaml_safe_dump_writes_reads_back_as_that_text(text):
    """Which plain scalars are numbers is YAML 1.1's choice, less ``1:30``: a file PyYAML wrote reads as written."""
    assert yamlio.load(yaml.safe_dump({"v": text}))["v"] == text


def test_infinity_and_nan_stay_floats_and_are_refused_as_amounts():
    for text in (".inf", "-.inf", ".nan"):
        assert isinstance(yamlio.load(f"v: {text}")["v"], float)
        claim = yamlio.load(json.dumps(base_claim(), ensure_ascii=False).replace('"3200.00"', text))
        with pytest.raises(InvalidClaim, match="finite"):
            adjudicate(claim)


def test_an_amount_written_0200_is_two_hundred():
    claim = yamlio.load(json.dumps(base_claim(), ensure_ascii=False).replace('"3200.00"', "0200"))
    assert str(adjudicate(claim).counted_out_of_pocket) == "200.00"


def test_the_shipped_edition_reads_as_pyyaml_reads_it():
    """The edition file goes through this loader too: it gives the edition PyYAML's own reading gives."""
    from pathlib import Path

    import mutualaid
    from mutualaid.edition import Edition, load_edition

    path = Path(mutualaid.__file__).parent / "editions" / "gd-nef-2022.yaml"
    assert load_edition(path) == Edition.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
