"""WS 218-2002 institution codes → hospital kind (CONTRACT §7), and the kind they give art5.5."""

from __future__ import annotations

import pytest

from mutualaid import InvalidClaim, adjudicate
from mutualaid.hospitals import KINDS, kind_of_ws218

from claimdata import claim_with, treatment

ROWS = [
    # A1xx, A3xx → general
    ("A100", "general"), ("A111", "general"), ("A199", "general"), ("A300", "general"), ("A399", "general"),
    # A2xx, A4xx → tcm
    ("A200", "tcm"), ("A210", "tcm"), ("A299", "tcm"), ("A400", "tcm"), ("A499", "tcm"),
    # A5xx → specialty, except A527 → rehabilitation
    ("A500", "specialty"), ("A511", "specialty"), ("A526", "specialty"), ("A528", "specialty"), ("A599", "specialty"),
    ("A527", "rehabilitation"),
    # A6xx → sanatorium; A7xx → nursing
    ("A600", "sanatorium"), ("A699", "sanatorium"), ("A700", "nursing"), ("A710", "nursing"), ("A799", "nursing"),
    # B, C, D → outpatient
    ("B100", "outpatient"), ("B999", "outpatient"), ("C000", "outpatient"), ("C210", "outpatient"),
    ("D000", "outpatient"), ("D100", "outpatient"), ("D999", "outpatient"),
    # H220 → addiction
    ("H220", "addiction"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "kind"), ROWS)
def test_every_mapping_row(code, kind):
    assert kind_of_ws218(code) == kind


def test_codes_are_read_case_and_space_insensitively():
    assert kind_of_ws218("a527") == "rehabilitation"
    assert kind_of_ws218(" H220 ") == "addiction"


def test_every_kind_is_reachable_from_a_code():
    assert {kind for _, kind in ROWS} == set(KINDS)


@pytest.mark.parametrize(
    "code",
    ["A000", "A099", "A800", "A899", "A900", "E100", "F100", "G100", "H100", "H200", "H221", "H229", "J100",
     "Z999", "A52", "A5270", "", "5270", "AA27", "A 27"],
)
def test_other_codes_are_refused(code):
    with pytest.raises(ValueError):
        kind_of_ws218(code)


def _at(**hospital):
    return claim_with(treatment(hospital={"grade": 3, "ownership": "public", **hospital}))


@pytest.mark.parametrize(("code", "kind"), ROWS)
def test_the_code_decides_art5_5(code, kind):
    excluded = kind in ("outpatient", "rehabilitation", "nursing", "sanatorium", "addiction")
    d = adjudicate(_at(ws218=code))
    bit = [r for r in d.reasons if r.rule == "hospital.excluded_kind"]
    if excluded:
        assert [(r.clause, r.effect, r.subject) for r in bit] == [("art5.5", "exclude", "T1")]
        assert d.outcome == "denied"
    else:
        assert bit == [] and d.outcome == "approved"


def test_ws218_wins_over_kind():
    assert adjudicate(_at(kind="general", ws218="A527")).outcome == "denied"
    assert adjudicate(_at(kind="rehabilitation", ws218="A100")).outcome == "approved"
    assert adjudicate(_at(kind="rehabilitation")).outcome == "denied"


@pytest.mark.parametrize("code", ["Z999", "A800", "H221"])
def test_an_unmapped_code_is_bad_input_naming_ws218(code):
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(_at(ws218=code))
    assert exc.value.fields == ("treatments.0.hospital.ws218",)
    assert code in str(exc.value)
