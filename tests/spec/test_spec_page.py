"""docs/spec.md is generated from the suite, and every property says which clause it pins and how."""

from __future__ import annotations

import re

import pytest

import spec_page
from pins import ARTICLE_KEYS, CONTRACT_SECTIONS

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_docs_spec_md_matches_the_suite():
    have = spec_page.PAGE.read_text(encoding="utf-8") if spec_page.PAGE.exists() else ""
    assert have == spec_page.render(), f"docs/spec.md is out of date: run `{spec_page.COMMAND}`"


@pytest.mark.parametrize("prop", spec_page.read_suite(), ids=lambda p: p.name)
def test_each_test_names_its_clauses_and_quotes_them(prop):
    """A property's docstring quotes its clause (in Chinese, for a clause of 附件4) and says in English
    what it pins down; its @clause keys are known ones."""
    assert prop.clauses, f"{prop.module}::{prop.name} has no @clause(...)"
    assert set(prop.clauses) <= {*ARTICLE_KEYS, *CONTRACT_SECTIONS}
    assert len(prop.doc.split()) >= 15, "the docstring says what is pinned down"
    if any(k in ARTICLE_KEYS for k in prop.clauses):
        assert CJK.search(prop.doc), "the docstring quotes the clause in Chinese"
    else:
        assert "CONTRACT" in prop.doc or "contract" in prop.doc or "issue" in prop.doc


def test_every_clause_of_the_plan_is_pinned_by_a_property_of_its_own():
    """Each clause key of 附件4 has at least one property that names it first or among its few keys,
    not only the whole-decision properties that name them all."""
    suite = spec_page.read_suite()
    broad = {p.name for p in suite if len(p.clauses) > 15}
    pinned = {k for p in suite if p.name not in broad and p.kind == "property" for k in p.clauses}
    assert set(ARTICLE_KEYS) - pinned == set()


def test_the_generator_refuses_a_property_without_a_clause(tmp_path):
    (tmp_path / "test_x.py").write_text('from hypothesis import given\n\n@given()\ndef test_y():\n    """doc"""\n', encoding="utf-8")
    suite = spec_page.read_suite(tmp_path)
    assert [(p.name, p.clauses, p.kind) for p in suite] == [("test_y", (), "property")]
    with pytest.raises(ValueError, match="test_y has no @clause"):
        spec_page.render(suite)
