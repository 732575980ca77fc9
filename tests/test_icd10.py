"""ICD-10 codes: which are accepted, which WHO code judges them, and table 4's groups (CONTRACT §4, §7)."""

from __future__ import annotations

import pytest

from mutualaid import editions
from mutualaid.icd10 import CodeGroups, category, who_code


@pytest.mark.parametrize(
    ("code", "who"),
    [
        ("S82", "S82"),
        ("S82.2", "S82.2"),
        ("S822", "S82.2"),
        ("s82.2", "S82.2"),
        (" S82.2 ", "S82.2"),
        ("S82.201", "S82.2"),  # China clinical edition 2.0
        ("S06.000x001", "S06.0"),
        ("S06.000X001", "S06.0"),
        ("I10.x00", "I10"),  # clinical code of a category without WHO subcategories
        ("I10.X00", "I10"),
        ("K08.1", "K08.1"),
        ("K081", "K08.1"),
        ("T79.3", "T79.3"),
        ("F00", "F00"),
        ("B99", "B99"),
        ("O99.8", "O99.8"),
        ("M50.1", "M50.1"),
    ],
)
def test_accepted_codes_and_their_who_parent(code, who):
    assert who_code(code) == who


@pytest.mark.parametrize(
    "code",
    [
        "",
        "S8",
        "S82.",
        "S82.22",  # neither WHO nor clinical edition
        "S82.2.1",
        "82.2",
        "S82-2",
        "S82.2x",
        "SS82",
        "M52",  # no such category
        "M52.1",
        "M52.101",  # clinical code whose WHO parent does not exist
        "S82.9X",
        "S06.000x01",
        "S06.000y001",
    ],
)
def test_refused_codes(code):
    with pytest.raises(ValueError):
        who_code(code)


def test_category():
    assert category("S82.2") == "S82"
    assert category("K08") == "K08"


@pytest.fixture(scope="module")
def groups():
    return editions.get("gd-nef-2022").diagnosis_groups


@pytest.mark.parametrize(
    ("code", "clause"),
    [
        # art6.4 O00–O99: both ends and inside
        ("O00", "art6.4"), ("O00.0", "art6.4"), ("O26.8", "art6.4"), ("O99", "art6.4"), ("O99.8", "art6.4"),
        ("N99", ""), ("P00", ""),
        # art6.5 M50, M51 and the traumatic disc ruptures (revision 2)
        ("M50", "art6.5"), ("M50.1", "art6.5"), ("M51", "art6.5"), ("M51.2", "art6.5"),
        ("S13.0", "art6.5"), ("S23.0", "art6.5"), ("S33.0", "art6.5"),
        ("M48.0", ""), ("M53.0", ""), ("S13.1", ""), ("S23.1", ""), ("S33.1", ""), ("S13", ""),
        # art6.6 F00–F99
        ("F00", "art6.6"), ("F00.0", "art6.6"), ("F32.0", "art6.6"), ("F99", "art6.6"),
        ("F07.2", "art6.6"), ("F43.1", "art6.6"),  # disorders that follow an accident, too
        ("E00", ""), ("G03", ""), ("G04", ""),
        # art6.8 K00–K08, S02.5, S03.2
        ("K00", "art6.8"), ("K00.0", "art6.8"), ("K08", "art6.8"), ("K08.1", "art6.8"), ("K08.9", "art6.8"),
        ("K09", ""), ("K09.0", ""), ("J99", ""),
        ("S02.5", "art6.8"), ("S02", ""), ("S02.4", ""), ("S02.6", ""),
        ("S03.2", "art6.8"), ("S03", ""), ("S03.1", ""), ("S03.3", ""),
        # art6.10 A00–B99 (alone: the proviso needs another diagnosis, see below)
        ("A00", "art6.10"), ("A00.0", "art6.10"), ("A09", "art6.10"), ("B99", "art6.10"), ("B95.6", "art6.10"),
        ("C00", ""), ("T79.3", ""),
        # art6.10 infections filed outside chapter I (revision 3)
        ("G00", "art6.10"), ("G00.9", "art6.10"), ("G02.1", "art6.10"), ("G06.0", "art6.10"),
        ("J09", "art6.10"), ("J15.9", "art6.10"), ("J18.9", "art6.10"), ("J85.1", "art6.10"), ("J86.9", "art6.10"),
        ("L00", "art6.10"), ("L03.1", "art6.10"), ("L08.9", "art6.10"), ("M00.0", "art6.10"), ("M01.1", "art6.10"),
        ("M86", "art6.10"), ("M86.1", "art6.10"), ("N39.0", "art6.10"), ("U07.1", "art6.10"), ("U07.2", "art6.10"),
        ("J20.0", ""), ("J84.1", ""), ("L10.0", ""), ("M02.1", ""), ("M85.0", ""), ("M87.0", ""),
        ("N39", ""), ("N39.1", ""), ("N30.0", ""), ("U07", ""), ("U07.0", ""), ("U08.9", ""), ("G05.1", ""), ("G07", ""),
        # plain injuries
        ("S82.2", ""), ("S06.0", ""), ("I10", ""),
    ],
)
def test_table_4_groups_of_the_2022_edition(groups, code, clause):
    assert groups.group_of(who_code(code)) == clause


@pytest.mark.parametrize(
    ("code", "clause"),
    [("K08.101", "art6.8"), ("S02.500", "art6.8"), ("M51.202", "art6.5"), ("B99.x00", "art6.10"),
     ("S82.201", ""), ("S06.000x001", ""), ("I10.x00", "")],
)
def test_clinical_codes_are_grouped_by_their_who_parent(groups, code, clause):
    assert groups.group_of(who_code(code)) == clause


@pytest.mark.parametrize(
    ("diagnoses", "clause"),
    [
        (("A41.9", "S81.0"), ""),  # sepsis with an open leg wound: the wound's infection
        (("A35", "S81.0"), ""),  # tetanus after a leg wound
        (("B95.6", "T79.3"), ""),  # a post-traumatic wound infection
        (("A46", "T22.2"), ""),  # erysipelas of a burn (T20–T35)
        (("L03.0", "S61.0"), ""),  # cellulitis of a finger beside its open wound
        (("J15.9", "S27.0"), ""),  # pneumonia with a traumatic pneumothorax
        (("U07.1", "T14.0"), ""),
        (("A41.9", "S61.0"), ""),
        # revision 3: a complication of care, a poisoning or another effect of an external cause is no wound
        (("A41.9", "T88.7"), "art6.10"),
        (("A41.9", "T81.4"), "art6.10"),  # infection following a procedure
        (("A41.9", "T80.2"), "art6.10"),
        (("A41.9", "T36.0"), "art6.10"),
        (("A41.9", "T66"), "art6.10"),
        (("A41.9", "T78.4"), "art6.10"),
        (("A41.9", "T15.0"), "art6.10"),  # a foreign body (T15–T19) is not S00–T14
        (("A41.9", "T98.3"), "art6.10"),  # sequelae (T90–T98) are not the accident's wound
        (("L03.1", "T88.7"), "art6.10"),
        (("A41.9", "R50.9"), "art6.10"),  # a symptom is no injury
        (("A41.9", "I10"), "art6.10"),
        (("A41.9",), "art6.10"),
        (("S81.0", "A41.9"), ""),  # an injury as primary is no infection at all
        (("F43.1", "S06.0"), "art6.6"),  # the proviso is art6.10's alone
        (("M51.2", "S33.0"), "art6.5"),
    ],
)
def test_art6_10_proviso_reads_the_other_diagnoses(groups, diagnoses, clause):
    """第六条(10) "但因意外伤害所致的伤口发生感染者不在此限" (CONTRACT §4, revision 2)."""
    primary, *others = (who_code(d) for d in diagnoses)
    assert groups.group_of(primary, tuple(others)) == clause


def test_a_proviso_falls_through_to_the_next_group():
    g = CodeGroups({"first": (("A00-B99",), (), ("S00-T98",)), "second": (("A41",), (), ())})
    assert g.group_of("A41.9") == "first"
    assert g.group_of("A41.9", ("S81.0",)) == "second"
    assert g.group_of("A00", ("S81.0",)) == ""
    assert g.has_proviso() and not CodeGroups({"only": (("A00",), (), ())}).has_proviso()


def test_code_groups_ranges_ancestors_exceptions_and_order():
    g = CodeGroups(
        {
            "first": (("A00-A09", "S02.5"), ("A01",), ()),
            "second": (("A00-B99",), (), ()),
            "third": (("S02",), (), ()),
        }
    )
    assert g.group_of("A00.1") == "first"
    assert g.group_of("A09") == "first"
    assert g.group_of("A01.0") == "second"  # excepted from the first group by its ancestor A01
    assert g.group_of("A10") == "second"
    assert g.group_of("B99") == "second"
    assert g.group_of("S02.5") == "first"  # listed subcategory
    assert g.group_of("S02.4") == "third"  # ancestor S02 listed
    assert g.group_of("S02") == "third"
    assert g.group_of("C00") == ""
