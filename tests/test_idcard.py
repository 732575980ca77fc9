"""居民身份证号码: the GB 11643 check digit, and nothing more (CONTRACT §7)."""

from __future__ import annotations

import random

import pytest

from mutualaid import InvalidClaim, adjudicate
from mutualaid.idcard import check_digit, normalize_id_number
from mutualaid.model import Member

from claimdata import ID, ID_X, base_claim


def iso7064(first17: str) -> str:
    """ISO 7064 MOD 11-2 written the textbook way, as an independent oracle."""
    s = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    r = (12 - s % 11) % 11
    return "X" if r == 10 else str(r)


@pytest.mark.parametrize(("first17", "check"), [("11010519491231002", "X"), ("44010619900307123", "1")])
def test_known_numbers(first17, check):
    assert check_digit(first17) == check
    assert normalize_id_number(first17 + check) == first17 + check


def test_check_digit_agrees_with_iso7064_and_reaches_all_eleven_characters():
    rng = random.Random(11643)
    seen = set()
    for _ in range(3000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert check_digit(first17) == iso7064(first17), first17
        seen.add(check_digit(first17))
    assert seen == set("0123456789X")


def test_every_wrong_check_character_is_refused():
    first17 = ID[:17]
    for c in "0123456789X":
        if c == ID[17]:
            assert normalize_id_number(first17 + c) == ID
        else:
            with pytest.raises(ValueError, match="check digit"):
                normalize_id_number(first17 + c)


def test_lowercase_x_reads_as_X_and_whitespace_is_stripped():
    assert normalize_id_number(ID_X.lower()) == ID_X
    assert normalize_id_number(f"  {ID}\t") == ID
    assert Member.model_validate(
        {"member_id": "M", "name": "张三", "occupation": "courier", "id_number": ID_X.lower()}
    ).id_number == ID_X


def test_fifteen_digits_are_refused_with_their_own_message():
    with pytest.raises(ValueError, match="15-digit"):
        normalize_id_number("440106900307123")


@pytest.mark.parametrize(
    "value",
    ["", "44010619900307123", "4401061990030712311", "44010619900307123Y", "X40106199003071231",
     "４４０１０６１９９００３０７１２３１", "4401061990-3071231"],
)
def test_malformed_numbers_are_refused(value):
    with pytest.raises(ValueError):
        normalize_id_number(value)


@pytest.mark.parametrize("field", ["member", "payee"])
def test_a_bad_number_is_bad_input_naming_the_field(field):
    claim = base_claim()
    key = "id_number" if field == "member" else "holder_id_number"
    claim[field][key] = ID[:17] + ("2" if ID[17] != "2" else "3")
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(claim)
    assert exc.value.fields == (f"{field}.{key}",)


def test_a_number_given_as_an_integer_is_bad_input():
    claim = base_claim()
    claim["member"]["id_number"] = int(ID)
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(claim)
    assert exc.value.fields == ("member.id_number",)
