"""Case files that state only what differs (docs/case-files.md): a base claim per file, each case laid
over it; claim files that carry ``expect:``; folders that hold other YAML beside the cases."""

from __future__ import annotations

import copy
import re
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from mutualaid import adjudicate, read_claim_file
from mutualaid.cases import CaseFileError, load_cases, merge, run
from mutualaid.cli import main

from claimdata import base_claim, hist

ROOT = Path(__file__).resolve().parent.parent


def _write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _check(*paths) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", *map(str, paths)])
    return code, out.getvalue()


# --- merge ---------------------------------------------------------------------------------------------


def test_mappings_merge_key_by_key_and_anything_else_replaces():
    base = {"member": {"member_id": "M-1", "name": "张三"}, "documents": ["invoice", "accident_proof"], "payee": {"holder_name": "张三"}}
    change = {"member": {"name": "李四"}, "documents": ["invoice"], "payee": None}
    assert merge(base, change) == {"member": {"member_id": "M-1", "name": "李四"}, "documents": ["invoice"], "payee": None}


def test_a_mapping_of_indexes_changes_those_elements_of_a_list():
    base = {"treatments": [{"treatment_id": "T1", "diagnoses": ["S82.2"]}, {"treatment_id": "T2", "diagnoses": ["S42.0"]}]}
    merged = merge(base, {"treatments": {1: {"diagnoses": ["M51.2"]}}})
    assert merged["treatments"] == [{"treatment_id": "T1", "diagnoses": ["S82.2"]}, {"treatment_id": "T2", "diagnoses": ["M51.2"]}]
    with pytest.raises(CaseFileError, match=r"claim\.treatments: no element 2"):
        merge(base, {"treatments": {2: {"diagnoses": ["M51.2"]}}})


def test_merging_changes_neither_the_base_nor_the_case():
    base, change = base_claim(), {"accident": {"circumstances": ["fight"]}, "treatments": {0: {"items": {0: {"out_of_pocket": "1.00"}}}}}
    before = copy.deepcopy((base, change))
    merged = merge(base, change)
    merged["member"]["name"] = "changed"
    assert (base, change) == before


# --- a file with a base ------------------------------------------------------------------------------


def test_each_case_lays_its_claim_over_the_base_and_unset_removes_keys(tmp_path):
    claim = base_claim()
    history = [hist("H-1", "A-0001", "2022-03-01", "300.00", "200.00")]
    f = _write(tmp_path, "based.yaml", {
        "base": {"claim": claim, "history": history},
        "cases": [
            {"name": "as the base", "expect": {"outcome": "approved", "payout": "1800.00"}},
            {"name": "a fight", "claim": {"accident": {"circumstances": ["fight"]}}, "expect": {"outcome": "denied", "payout": "0.00", "clauses": ["art6.1"]}},
            {"name": "no history", "history": [], "expect": {"outcome": "approved", "payout": "2000.00"}},
            {"name": "no payee", "unset": ["payee"], "expect": {"outcome": "pending", "payout": "0.00", "clauses": ["art7"]}},
            {"name": "null is a value", "claim": {"claim_id": None}, "expect": {"error": "claim_id"}},
        ],
    })  # fmt: skip
    cases = load_cases(f)
    assert [c["name"] for c in cases] == ["as the base", "a fight", "no history", "no payee", "null is a value"]
    assert cases[0]["claim"] == claim and cases[0]["history"] == history
    assert cases[1]["claim"] == {**claim, "accident": {**claim["accident"], "circumstances": ["fight"]}}
    assert cases[2]["history"] == [] and "payee" not in cases[3]["claim"] and cases[4]["claim"]["claim_id"] is None
    assert all(set(c) <= {"name", "claim", "history", "plan", "expect"} for c in cases)  # the contract's shape
    results = list(run([f]))
    assert [r.passed for r in results] == [True] * 5, [str(r) for r in results if not r.passed]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"base": {"claim": {}}, "cases": [{"name": "x", "unset": ["member.nickname"], "expect": {"outcome": "approved"}}]}, "unset 'member.nickname': the claim has no such key"),
        ({"base": {"claim": {}}, "cases": [{"name": "x", "unset": "payee", "expect": {"outcome": "approved"}}]}, "unset is a list of dotted paths"),
        ({"base": {"claim": {}}, "cases": [{"name": "x", "colour": 1, "expect": {"outcome": "approved"}}]}, "case 'x' has unknown key colour"),
        ({"base": {"claim": {}, "expect": {}}, "cases": []}, "base is {claim, history?, plan?}"),
        ({"base": {"claim": {}}, "cases": [], "extra": 1}, "a case file with a base is"),
        ({"name": "a mapping that is no case file"}, "not a case file"),
        ({"claim": {}, "history": [], "expect": {}, "name": "x"}, "a claim file with expect holds claim, history and expect only"),
        # An expect that checks nothing would pass every decision (the review of issue 16, finding 1).
        ({"base": {"claim": {}}, "cases": [{"name": "typo", "expect": {"outcom": "denied"}}]}, "typo"),
        ({"base": {"claim": {}}, "cases": [{"name": "empty", "expect": {}}]}, "empty"),
        ({"base": {"claim": {}}, "cases": [{"name": "text", "expect": {"outcome": "denied", "clauses": "art6.1"}}]}, "clauses"),
        ({"base": {"claim": {}}, "cases": [{"name": "both", "expect": {"outcome": "approved", "error": "claim_id"}}]}, "both"),
    ],
)
def test_a_malformed_case_file_is_named_with_what_is_wrong(tmp_path, doc, message):
    f = _write(tmp_path, "bad.yaml", doc)
    with pytest.raises(CaseFileError) as exc:
        list(run([f]))
    assert str(f) in str(exc.value) and message in str(exc.value)


def test_the_contracts_list_shape_reads_as_it_always_did(tmp_path):
    cases = [{"name": "ok", "claim": base_claim(), "expect": {"outcome": "approved", "payout": "2000.00"}}]
    f = _write(tmp_path, "list.yaml", cases)
    assert load_cases(f) == cases
    assert _check(f) == (0, "1 passed, 0 failed\n")


def test_art6_exclusions_states_only_what_differs_and_keeps_its_99_cases():
    """The 2,318-line file became a base claim and 99 cases of a few lines each (897 lines); each case
    expands to a whole claim that differs from the base."""
    path = ROOT / "tests" / "cases" / "art6_exclusions.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(raw) == {"base", "cases"}
    cases = load_cases(path)
    assert len(cases) == 99 and len({c["name"] for c in cases}) == 99
    assert all(c["claim"] != raw["base"]["claim"] for c in cases)
    assert len(path.read_text(encoding="utf-8").splitlines()) < 1000
    assert all(r.passed for r in run([path]))


# --- claim files with expect, and folders ------------------------------------------------------------


def test_check_runs_the_example_stories_and_passes_over_the_edition_beside_them():
    code, out = _check(ROOT / "examples")
    assert (code, out) == (0, "7 passed, 0 failed\n")
    code, out = _check(ROOT / "examples" / "courier-fracture.yaml")
    assert (code, out) == (0, "1 passed, 0 failed\n")


def test_a_claim_file_with_expect_is_still_a_claim_file(tmp_path):
    """``mutualaid adjudicate`` and ``read_claim_file`` ignore ``expect``; another key is still bad input."""
    claim, history = read_claim_file(ROOT / "examples" / "courier-fracture.yaml")
    assert adjudicate(claim, history).payout == 2000
    doc = {"claim": base_claim(), "expect": {"outcome": "denied", "payout": "0.00"}}
    f = _write(tmp_path, "story.yaml", doc)
    results = list(run([f]))
    assert [(r.name, r.passed) for r in results] == [("story", False)] and "outcome approved, expected denied" in results[0].detail
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["adjudicate", str(f), "--json"]) == 0
    assert '"outcome":"approved"' in out.getvalue().replace(" ", "")


def test_a_named_file_that_is_no_case_file_is_an_error_but_a_folder_passes_over_it(tmp_path):
    edition = ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml"
    (tmp_path / "edition.yaml").write_text(edition.read_text(encoding="utf-8"), encoding="utf-8")
    _write(tmp_path, "claim-only.yaml", {"claim": base_claim()})
    _write(tmp_path, "cases.yaml", [{"name": "ok", "claim": base_claim(), "expect": {"outcome": "approved", "payout": "2000.00"}}])
    assert _check(tmp_path) == (0, "1 passed, 0 failed\n")
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["check", str(tmp_path / "edition.yaml")])
    assert code == 2 and "not a case file" in err.getvalue()


def test_the_example_of_docs_case_files_md_passes(tmp_path):
    """The base-claim example in docs/case-files.md is a case file whose every case holds."""
    page = (ROOT / "docs" / "case-files.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", page, re.S) if b.startswith("base:"))
    f = tmp_path / "example.yaml"
    f.write_text(block, encoding="utf-8")
    assert _check(f) == (0, f"{block.count('- name:')} passed, 0 failed\n")
