"""居民身份证号码: the GB 11643 check digit and a birth date that exists, no later than filed_on (CONTRACT §7)."""

from __future__ import annotations

import random

import pytest

from mutualaid import InvalidClaim, adjudicate
from mutualaid.idcard import check_digit, normalize_id_number
from mutualaid.model import Claim, Member

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


def test_lowercase_x_reads_as_X():
    """Revision 3: white space around a number is no longer stripped (see test_input_text.py)."""
    assert normalize_id_number(ID_X.lower()) == ID_X
    for spaced in (f"  {ID}\t", f"{ID} ", f"{ID[:6]} {ID[6:]}"):
        with pytest.raises(ValueError, match="white space"):
            normalize_id_number(spaced)
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


# --- the birth date in digits 7-14 (CONTRACT §7, revision 2) -------------------------------------------


def _number(region: str, birth: str, seq: str = "123") -> str:
    """A number whose check digit holds, with this region code and birth date text (YYYYMMDD)."""
    first17 = region + birth + seq
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    "birth",
    ["19901307", "19900230", "19900229", "19900431", "19900000", "19900100", "00000101", "19901232"],
    ids=["month 13", "30 February", "29 February, common year", "31 April", "month 0", "day 0", "year 0", "day 32"],
)
def test_a_birth_date_that_does_not_exist_is_refused_though_the_check_digit_holds(birth):
    with pytest.raises(ValueError, match="birth date"):
        normalize_id_number(_number("440106", birth))


def test_the_contract_cases_numbers_are_refused():
    """The two public cases: month 13 and 30 February, each with a check digit that holds."""
    for number in ("440106199013071235", "440106199002301234"):
        assert check_digit(number[:17]) == number[17]
        with pytest.raises(ValueError, match="birth date"):
            normalize_id_number(number)


@pytest.mark.parametrize("birth", ["20000229", "19000101", "18991231", "21991231"])
def test_any_real_birth_date_is_accepted(birth):
    assert normalize_id_number(_number("440106", birth)) == _number("440106", birth)


@pytest.mark.parametrize(
    ("region", "birth"),
    [("000000", "19900307"), ("999999", "19900307"), ("440102", "20200307"), ("440307", "19900307")],
    ids=["zeros", "nines", "retired in 2005", "created after 1990"],
)
def test_the_region_code_is_not_checked(region, birth):
    """Codes change over the years (CONTRACT §7): stdnum.cn.ric.validate would refuse these, we do not."""
    from stdnum.cn import ric

    number = _number(region, birth)
    assert normalize_id_number(number) == number
    assert not ric.is_valid(number)  # the reason only get_birth_date of stdnum is used


def test_stdnum_agrees_with_the_check_digit_and_the_birth_date():
    """python-stdnum, an independent implementation, as an oracle over many numbers."""
    import datetime as dt

    from stdnum.cn import ric

    rng = random.Random(20261201)
    for _ in range(2000):
        first17 = "440106" + f"{rng.randint(1890, 2210):04d}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}" + f"{rng.randint(0, 999):03d}"
        number = first17 + ric.calc_check_digit(first17 + "0")
        assert check_digit(first17) == number[17]
        try:
            born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            born = None
        try:
            normalize_id_number(number)
        except ValueError:
            assert born is None, number
        else:
            assert born is not None and ric.get_birth_date(number) == born, number


def _with_birth(field: str, birth: str, filed: str = "2022-04-10") -> dict:
    claim = base_claim()
    claim["filed_on"] = filed
    number = _number("440106", birth)
    claim["member"]["id_number"] = claim["payee"]["holder_id_number"] = ID  # born 1990
    if field == "member":
        claim["member"]["id_number"] = number
    else:
        claim["payee"]["holder_id_number"] = number
    return claim


FIELDS = {"member": "member.id_number", "payee": "payee.holder_id_number"}


@pytest.mark.parametrize("field", FIELDS)
def test_a_birth_date_after_filed_on_is_bad_input_naming_the_field(field):
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(_with_birth(field, "20220411"))
    assert caught.value.fields == (FIELDS[field],)
    assert "after the filing date 2022-04-10" in str(caught.value)


@pytest.mark.parametrize("field", FIELDS)
def test_a_birth_on_the_filing_day_is_accepted(field):
    d = adjudicate(_with_birth(field, "20220410"))
    assert d.outcome in ("approved", "pending")  # the payee's number may then differ from the member's (art7)


@pytest.mark.parametrize("field", FIELDS)
def test_the_check_is_made_on_models_and_on_raw_data_alike(field):
    """The three ways validate reads a claim: a Claim model (its quick path), plain data, and plain
    data whose other fields are bad (the cross-field check reads the raw value)."""
    claim = _with_birth(field, "20301231")
    model = Claim.model_validate(claim)
    with pytest.raises(InvalidClaim) as from_model:
        adjudicate(model)
    with pytest.raises(InvalidClaim) as from_data:
        adjudicate(claim)
    claim["member"]["occupation"] = "pilot"
    with pytest.raises(InvalidClaim) as from_bad_data:
        adjudicate(claim)
    assert from_model.value.fields == from_data.value.fields == (FIELDS[field],)
    assert set(from_bad_data.value.fields) == {FIELDS[field], "member.occupation"}


def test_the_wall_clock_plays_no_part():
    """A birth date decades from now is fine when the claim is filed later still (decided, not refused)."""
    claim = _with_birth("member", "21500101", filed="2160-01-01")
    claim["payee"]["holder_id_number"] = claim["member"]["id_number"]
    claim["accident"]["occurred_on"] = claim["treatments"][0]["items"][0]["on"] = "2159-12-01"
    d = adjudicate(claim)
    assert d.outcome == "denied" and [r.clause for r in d.reasons if r.effect == "deny"] == ["art4.1"]
