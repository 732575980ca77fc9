"""Ids have one spelling (CONTRACT §7 "Ids", revision 2; issue 13 finding 7).

The cap is kept per ``member_id``: five spellings of one member (a trailing space, full-width
letters, a zero-width character…) got five caps. Every id — ``claim_id``, ``member_id``,
``accident_id``, ``treatment_id`` and the history's — is 1 to 64 characters, already NFKC, with
no white space anywhere (revision 3; revision 2 refused it around the id only), no control,
format, surrogate, private-use or unassigned character (Cc, Cf, Cs, Co, Cn, Zl, Zp) and no
default-ignorable code point (revision 3). Anything else is bad input naming the field; nothing
is silently rewritten.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid import InvalidClaim, adjudicate
from mutualaid.values import ID_MAX, to_id

from claimdata import base_claim, hist

ID_FIELDS = ["claim_id", "member.member_id", "accident.accident_id", "treatments.0.treatment_id"]
HISTORY_ID_FIELDS = ["claim_id", "accident_id"]

BAD_IDS = {
    "trailing space": "M-1 ",
    "leading space": " M-1",
    "full-width letter": "Ｍ-1",
    "zero-width space": "M\u200b-1",
    "zero-width joiner": "M-\u200d1",
    "byte-order mark": "\ufeffM-1",
    "tab inside": "M\t1",
    "newline at the end": "M-1\n",
    "line separator": "M-1\u2028",
    "paragraph separator": "M\u20291",
    "no-break space around": "\u00a0M-1",
    "ideographic space around": "M-1\u3000",
    "circled digit (NFKC: 1)": "M-①",
    "ligature (NFKC: fi)": "ﬁle-1",
    "decomposed é (NFKC composes it)": "Me\u0301-1",
    "a lone surrogate": "M-\ud800",
    "empty": "",
    "65 characters": "M" * (ID_MAX + 1),
    # revision 3
    "space inside": "M 1",
    "variation selector": "M-1\ufe0f",
    "Hangul filler": "M-1\u1160",
    "private use": "M-\ue000",
    "unassigned": "M-\u0378",
}
GOOD_IDS = ["M-1", "会员-0001", "Mé-1", "M" * ID_MAX, "m.1_2~3", "Ω-1"]


def _set(doc: dict, path: str, value) -> None:
    *head, last = path.split(".")
    for k in head:
        doc = doc[int(k)] if k.isdigit() else doc[k]
    doc[last] = value


@pytest.mark.parametrize("field", ID_FIELDS)
@pytest.mark.parametrize("value", list(BAD_IDS.values()), ids=list(BAD_IDS))
def test_a_bad_id_is_bad_input_naming_its_field(field, value):
    claim = base_claim()
    _set(claim, field, value)
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(claim)
    assert caught.value.fields == (field,)


@pytest.mark.parametrize("key", HISTORY_ID_FIELDS)
@pytest.mark.parametrize("value", ["H-1 ", "Ｈ-1", "H\u200b-1", "H" * 65], ids=["space", "full-width", "zero-width", "long"])
def test_a_bad_history_id_is_bad_input_naming_it(key, value):
    entry = hist("H-1", "A-0000", "2022-01-15", "800.00", "500.00")
    entry[key] = value
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(base_claim(), [entry])
    assert caught.value.fields == (f"history.0.{key}",)


@pytest.mark.parametrize("field", ID_FIELDS)
@pytest.mark.parametrize("value", GOOD_IDS)
def test_a_good_id_is_kept_as_given(field, value):
    claim = base_claim()
    _set(claim, field, value)
    d = adjudicate(claim)
    assert d.outcome == "approved"
    if field == "claim_id":
        assert d.claim_id == value


def test_the_contract_examples_never_open_a_second_cap():
    """The three spellings of CONTRACT §7 are refused, each naming member.member_id."""
    for spelling in ("M-1 ", "Ｍ-1", "M\u200b-1"):
        claim = base_claim()
        claim["member"]["member_id"] = spelling
        with pytest.raises(InvalidClaim, match="member.member_id"):
            adjudicate(claim)


def test_a_number_is_not_an_id():
    claim = base_claim()
    claim["member"]["member_id"] = 1
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(claim)
    assert caught.value.fields == ("member.member_id",)


def test_the_message_says_what_is_wrong_and_quotes_only_a_prefix():
    messages = {}
    for name in ("trailing space", "full-width letter", "zero-width space", "65 characters"):
        with pytest.raises(ValueError) as caught:
            to_id(BAD_IDS[name])
        messages[name] = str(caught.value)
    assert "white space" in messages["trailing space"]
    assert "NFKC" in messages["full-width letter"] and "'M-1'" in messages["full-width letter"]
    assert "U+200B" in messages["zero-width space"]
    assert "1 to 64 characters" in messages["65 characters"]
    with pytest.raises(ValueError) as caught:
        to_id("\u3000" + "x" * 10_000)
    assert len(str(caught.value)) < 200


_FORBIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn", "Zs"}  # with Zs: revision 3
_IGNORABLE = [(0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
              (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
              (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)]  # fmt: skip


@settings(max_examples=300)
@given(st.text(st.characters(codec=None, exclude_categories=()), min_size=0, max_size=70))
def test_to_id_accepts_exactly_what_the_contract_allows(text):
    """An independent statement of the rule, over any text: accepted iff the contract allows it, and unchanged."""
    allowed = (
        1 <= len(text) <= ID_MAX
        and not any(c.isspace() for c in text)
        and not any(unicodedata.category(c) in _FORBIDDEN for c in text)
        and not any(a <= ord(c) <= b for c in text for a, b in _IGNORABLE)
        and unicodedata.normalize("NFKC", text) == text
    )
    try:
        got = to_id(text)
    except ValueError:
        assert not allowed, text
    else:
        assert allowed and got == text, text
