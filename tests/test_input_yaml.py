"""YAML alias trees refused, and bad values quoted short (issue 13, finding 9).

A 1.4 KB tree of aliases used as a claim's ``plan`` took 21 s and 2.2 GB, one level more ran out
of memory: PyYAML shares aliased nodes, but the message refusing the plan quoted it in full. Now
the loader refuses a document whose aliases would add more than ``ALIAS_ALLOWANCE`` nodes (or
that contains itself), and every message quotes at most a short prefix of a bad value.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from decimal import Decimal

import pytest
import yaml

from mutualaid import InvalidClaim, adjudicate, yamlio
from mutualaid.errors import QUOTE_LIMIT, quote

from claimdata import base_claim


def alias_tree(levels: int, fan: int = 9) -> str:
    """An alias tree written inline: level k is a list of ``fan`` copies of level k-1 (``fan**levels`` leaves)."""
    node = "&a0 [" + ", ".join(["lol"] * fan) + "]"
    for k in range(1, levels + 1):
        node = f"&a{k} [{node}, " + ", ".join([f"*a{k - 1}"] * (fan - 1)) + "]"
    return node


def claim_yaml(plan: str, as_case: bool = False) -> str:
    """The base claim as a YAML claim file (or case file), its ``plan`` written as the given YAML text."""
    claim = {**base_claim(), "plan": "@PLAN@"}
    doc = [{"name": "bomb", "claim": claim, "expect": {"error": "plan"}}] if as_case else {"claim": claim}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).replace("'@PLAN@'", plan)


BOMB = claim_yaml(alias_tree(9))  # 9**10, some 3.5e9 leaves


def _peak_bytes(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_alias_tree_as_a_plan_is_refused_with_a_clear_error_in_bounded_memory():
    assert len(alias_tree(9)) < 1500

    def load():
        with pytest.raises(yamlio.YAMLError, match="aliases"):
            yamlio.load(BOMB)

    assert _peak_bytes(load) < 2_000_000


def test_aliases_that_add_little_are_accepted():
    """yaml.safe_dump writes an alias for each object a document uses twice: such files still read."""
    shared = base_claim()
    text = yaml.safe_dump([{"name": "a", "claim": shared}, {"name": "b", "claim": shared}], allow_unicode=True)
    assert "*id001" in text
    cases = yamlio.load(text)
    assert cases[0]["claim"] == cases[1]["claim"] == shared
    assert yamlio.load(claim_yaml(alias_tree(2)))["claim"]["plan"][1][1] == ["lol"] * 9


@pytest.mark.parametrize("text", ["a: &x [1, *x]", "a: &x {k: *x}", "&x [[*x]]"])
def test_a_value_that_contains_itself_is_refused(text):
    with pytest.raises(yamlio.YAMLError, match="contains it"):
        yamlio.load(text)


def test_the_cli_refuses_the_alias_tree_without_a_traceback(tmp_path):
    claim_file = tmp_path / "bomb.yaml"
    claim_file.write_text(BOMB, encoding="utf-8")
    cases_file = tmp_path / "cases.yaml"
    cases_file.write_text(claim_yaml(alias_tree(9), as_case=True), encoding="utf-8")
    for args in (["adjudicate", str(claim_file)], ["check", str(cases_file)]):
        r = subprocess.run([sys.executable, "-m", "mutualaid.cli", *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "aliases" in r.stderr and "Traceback" not in r.stderr


def test_a_huge_value_is_quoted_short_wherever_a_message_echoes_it():
    """The same tree built in Python (a million leaves, shared), and strings of a million characters,
    in each field whose message quotes the value: the message stays short, the memory small."""
    tree: object = ["lol"] * 10
    for _ in range(5):
        tree = [tree] * 10
    big = "9" * 1_000_000
    adjudicate(base_claim())  # imports and caches filled before memory is measured
    item = "treatments.0.items.0"
    faults = {
        "plan": tree,
        f"{item}.out_of_pocket": big + ".001",
        f"{item}.self_funded": "x" + big,
        "treatments.0.hospital.ws218": "A" + big,
        "treatments.0.diagnoses.0": "S" + big,
    }
    for field, value in faults.items():
        claim = base_claim()
        *head, last = field.split(".")
        node = claim
        for k in head:
            node = node[int(k)] if k.isdigit() else node[k]
        node[int(last) if last.isdigit() else last] = value
        caught = []

        def decide():
            with pytest.raises(InvalidClaim) as exc:
                adjudicate(claim)
            caught.append(exc.value)

        assert _peak_bytes(decide) < 8_000_000, field
        assert set(caught[0].fields) == {field}
        assert len(str(caught[0])) < 400, (field, str(caught[0])[:500])


def test_quote_is_a_short_prefix_of_the_repr():
    assert quote("M-1 ") == "'M-1 '"
    assert quote(Decimal("10.005")) == "Decimal('10.005')"
    long = quote("x" * 10_000)
    assert long.startswith("'xxx") and "..." in long and len(long) <= QUOTE_LIMIT + 8
    assert len(quote(10**5000)) < 60  # beyond the digits str() converts: no ValueError
    assert len(quote({"k": [[1] * 99] * 99})) < 60
