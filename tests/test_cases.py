"""The project's case files (tests/cases) and the public contract cases, run as `mutualaid check` runs them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mutualaid
from mutualaid import cases as case_runner
from mutualaid import yamlio
from mutualaid.errors import InvalidClaim

from claimdata import base_claim, decided_cases, project_cases

CASES = Path(__file__).resolve().parent / "cases"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "cases"
CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "spec" / "CONTRACT.md"

EXPECTED_FILES = {
    "art1.yaml",
    "contract_rev2.yaml",
    "art4.yaml",
    "art5_window.yaml",
    "art5_tiers.yaml",
    "art5_cap.yaml",
    "art5_filing.yaml",
    "art5_hospital.yaml",
    "art6_exclusions.yaml",
    "art7.yaml",
    "art8.yaml",
    "art9.yaml",
    "bad_input.yaml",
    "history.yaml",
}

# Every clause key of CONTRACT §3 (table 3) and §4 (table 4).
CONTRACT_CLAUSES = {
    "art1", "art4.1", "art9.1", "art5.4",
    "art6.1", "art6.2", "art6.3", "art6.4", "art6.6", "art6.10", "art6.11", "art6.12", "art6.13",
    "art5.1", "art5.5", "art6.5", "art6.8", "art6.7", "art6.9",
    "art5.2", "art5.3", "art8.2", "art7",
}  # fmt: skip


ALL = project_cases()
DECIDED = [(f, c) for f, c in ALL if "error" not in c["expect"]]


@pytest.fixture(scope="module")
def results():
    return {(Path(r.file).name, r.name): r for r in case_runner.run([CASES])}


@pytest.fixture(scope="module")
def decisions():
    return decided_cases()


@pytest.mark.parametrize(("file", "case"), ALL, ids=[c["name"] for _, c in ALL])
def test_case(results, file, case):
    result = results[(file.name, str(case["name"]))]
    assert result.passed, result.detail


def test_every_case_file_is_there_and_run(results):
    found = {f.name for f in case_runner.case_files([CASES])}
    assert EXPECTED_FILES <= found
    per_file = {name: 0 for name in found}
    for f, _ in ALL:
        per_file[f.name] += 1
    assert all(n >= 3 for n in per_file.values()), per_file
    assert len(results) == len(ALL)


def test_case_names_are_unique():
    names = [c["name"] for _, c in ALL]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_cases_use_only_the_contract_shape():
    for f, case in ALL:
        assert set(case) <= {"name", "claim", "history", "expect"}, (f.name, case["name"])
        expect = case["expect"]
        if "error" in expect:
            assert set(expect) == {"error"}, case["name"]
        else:
            assert {"outcome", "payout"} <= set(expect) <= {"outcome", "payout", "clauses"}, case["name"]
            if expect["outcome"] != "approved" or expect.get("clauses"):
                # a rule bit: the case names its clause
                assert expect.get("clauses"), f"{case['name']}: a {expect['outcome']} case names its clauses"


def test_bad_input_cases_really_are_refused():
    """A bad-input case passes only when the claim is refused naming the field: check it here directly."""
    for f, case in ALL:
        if "error" not in case["expect"]:
            continue
        with pytest.raises(InvalidClaim) as exc:
            yamlio.refuse_repeated_keys(case)  # a case that repeats a key is refused so (revision 3), as run_case does
            mutualaid.adjudicate(case["claim"], case.get("history") or ())
        assert case["expect"]["error"] in str(exc.value), case["name"]
        assert any(case["expect"]["error"] in field for field in exc.value.fields), (case["name"], exc.value.fields)


def test_a_wrong_expectation_fails():
    """The runner the cases rely on does report a case that does not hold."""
    case = next(c for _, c in DECIDED if c["expect"]["outcome"] == "approved")
    wrong = dict(case, expect={"outcome": "denied", "payout": "1.00", "clauses": ["art6.13"]})
    result = case_runner.run_case(wrong)
    assert not result.passed
    assert "outcome" in result.detail and "payout" in result.detail and "art6.13" in result.detail
    bad = dict(case, expect={"error": "claim_id"})
    assert not case_runner.run_case(bad).passed


def test_shared_contract_cases():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not there (the repo runs without the shared folder)")
    results = list(case_runner.run([SHARED]))
    failed = [str(r) for r in results if not r.passed]
    assert (len(results) - len(failed), len(failed)) == (65, 0), failed


def test_expected_clauses_are_exactly_those_that_bite(decisions):
    """`clauses` lists every clause whose deny, pend or exclude reason the decision gives, and no other."""
    for case, d in decisions:
        bit = {r.clause for r in d.reasons if r.effect != "note"}
        assert set(case["expect"].get("clauses") or ()) == bit, case["name"]


def test_every_rule_bites_in_some_case(decisions):
    bitten = {r.rule for _, d in decisions for r in d.reasons}
    missing = [rule.id for rule in mutualaid.RULES if rule.id not in bitten]
    assert not missing, f"rules that no case under tests/cases makes bite: {missing}"


def test_every_contract_clause_appears(decisions):
    in_reasons = {r.clause for _, d in decisions for r in d.reasons}
    in_expectations = {c for _, case in DECIDED for c in case["expect"].get("clauses") or ()}
    assert CONTRACT_CLAUSES - in_reasons == set()
    assert CONTRACT_CLAUSES - in_expectations == set()


def test_every_rule_clause_is_a_contract_clause():
    assert {rule.clause for rule in mutualaid.RULES} == CONTRACT_CLAUSES


def test_clause_list_matches_the_contract_text():
    """When the contract is at hand, tables 3 and 4 name exactly the clauses listed above."""
    if not CONTRACT.is_file():
        pytest.skip("the shared contract is not there")
    text = CONTRACT.read_text(encoding="utf-8")
    tables = text.split("## 3.")[1].split("## 5.")[0]
    keys = set()
    for line in tables.splitlines():
        if not line.startswith("| art"):
            continue
        cell = line.split("|")[1]
        art = re.match(r"\s*art(\d+)", cell).group(1)
        for part in cell.strip()[3:].split(","):
            part = part.strip()
            if "–" in part:  # art6.1–6.4: a range of items
                lo, hi = (p.split(".")[-1] for p in part.split("–"))
                keys |= {f"art{art}.{n}" for n in range(int(lo), int(hi) + 1)}
            elif "." in part:
                keys.add(f"art{art}.{part.split('.')[-1]}")
            else:
                keys.add(f"art{part}")
    assert keys == CONTRACT_CLAUSES


def test_a_case_file_with_an_unquoted_nonexistent_date(tmp_path):
    import yaml

    case = {"name": "no such date", "claim": base_claim(), "expect": {"error": "occurred_on"}}
    text = yaml.safe_dump([case], allow_unicode=True)
    assert "occurred_on: '2022-" in text
    f = tmp_path / "cases.yaml"
    f.write_text(text.replace("occurred_on: '2022-03-01'", "occurred_on: 2022-02-30"), encoding="utf-8")
    try:
        results = list(case_runner.run([f]))
    except case_runner.CaseFileError as exc:  # refusing the file, naming it, is acceptable
        assert str(f) in str(exc)
        return
    assert [r.passed for r in results] == [True]  # or reading the claim and refusing it as bad input
