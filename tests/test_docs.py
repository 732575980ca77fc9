"""Docs kept true by tests (issue 6): the generated rules page, the clause list, and what a person sees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mutualaid import adjudicate
from mutualaid.clauses import PLAN
from mutualaid.cli import main
from mutualaid.render import decision_text
from mutualaid.rulebook import markdown
from mutualaid.rules import RULES

from claimdata import claim_with

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "spec" / "CONTRACT.md"
CONTRACT_KEYS = {"art1", "art4.1", "art5.1", "art5.2", "art5.3", "art5.4", "art5.5", "art7", "art8.2", "art9.1", "art9.2",
                 *(f"art6.{n}" for n in range(1, 14))}  # fmt: skip


def test_docs_rules_md_is_generated_from_the_registry():
    want = markdown(RULES, ROOT / "tests")
    have = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert have == want, "docs/rules.md is out of date: run `mutualaid rules --markdown --tests tests > docs/rules.md`"


def test_every_clause_key_of_the_contract_has_a_section():
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert CONTRACT_KEYS <= {c.key for c in PLAN}
    for key in CONTRACT_KEYS:
        assert f"\n## {key}\n" in page


@pytest.mark.skipif(not CONTRACT.exists(), reason="needs ../shared/spec/CONTRACT.md (not in a user's clone)")
def test_the_contract_cites_no_clause_the_plan_list_lacks():
    cited = set(re.findall(r"\bart\d+(?:\.\d+)?\b", CONTRACT.read_text(encoding="utf-8")))
    assert cited <= {c.key for c in PLAN}


def test_every_rule_cites_a_clause_of_the_plan_and_quotes_its_text():
    keys = {c.key for c in PLAN}
    assert all(r.clause in keys and r.text for r in RULES)
    assert all(c.text or any(r.clause == c.key for r in RULES) for c in PLAN)
    assert all(c.carried_by for c in PLAN if not any(r.clause == c.key for r in RULES))


def test_an_unknown_clause_is_refused_by_the_generator():
    from mutualaid.rule import Rule

    stray = Rule(id="x.y", clause="art10.1", effect="note", scope="claim", when={"cause": "accident"}, message_zh="x", message_en="x")
    with pytest.raises(ValueError, match="art10.1"):
        markdown((*RULES, stray))


def test_rules_command_lists_every_rule(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert all(r.id in out for r in RULES)


def test_rules_tests_without_markdown_is_refused_not_ignored(capsys):
    assert main(["rules", "--tests", "tests"]) == 2
    err = capsys.readouterr().err
    assert "--markdown" in err and "Traceback" not in err


def test_schema_carries_its_version(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["schema_version"] == "1"


def test_terminal_text_shows_reasons_with_hints_and_colour_only_when_asked():
    d = adjudicate(claim_with(documents=["invoice"], filed_on="2023-03-06"))
    plain, coloured = decision_text(d), decision_text(d, colour=True)
    assert "\033[" not in plain and "\033[" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain
    for h in d.hints:
        assert h.message_en in plain
    assert "art5.4" in plain and "→" in plain


def test_piped_cli_output_has_no_colour(tmp_path, capsys, monkeypatch):
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"claim": claim_with(documents=["invoice"])}), encoding="utf-8")
    assert main(["adjudicate", str(f)]) == 0
    out = capsys.readouterr().out
    assert "\033[" not in out and "pending" in out


def test_html_shows_each_hint_under_its_reason():
    d = adjudicate(claim_with(documents=["invoice"]))
    html = d._repr_html_()
    for h in d.hints:
        assert h.message_en.replace("'", "&#x27;") in html


def test_api_md_covers_every_public_name():
    import mutualaid

    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [name for name in mutualaid.__all__ if name != "__version__" and f"`{name}" not in page]
    assert missing == []


def test_cli_md_covers_every_command_and_option():
    import argparse

    from mutualaid.cli import parser

    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        assert f"\n## mutualaid {name}\n" in page, name
        section = page.split(f"\n## mutualaid {name}\n", 1)[1].split("\n## ", 1)[0]
        for action in p._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in section, (name, option)


def test_docs_link_to_pages_that_exist():
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), (page.name, target)
