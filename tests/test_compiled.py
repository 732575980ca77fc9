"""The compiled pass (issue 14, point 3): one generated function per edition does what the generic
pass does (derive every fact, fire the rules, count, assess), building a fact only where a rule bites.

The differential property between the engines (tests/test_engines_agree.py) already holds the
native engine's compiled pass to durable_rules' Rete network over the generic facts; these tests
hold the compiled pass to the generic one directly, fact by fact, on the shipped edition and on
generated editions, and check that what runs can be read.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from claimdata import base_claim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualaid import RULES, adjudicate, editions
from mutualaid.compiled import compile_pass, source
from mutualaid.decide import assemble, match
from mutualaid.engine import engine_for
from mutualaid.native import NativeEngine
from mutualaid.rule import Rule
from mutualaid.facts import derive
from mutualaid.rules import rules_for
from mutualaid.testing import claims_with_history
from mutualaid.testing import editions as edition_strategy
from mutualaid.validate import parse

E2022 = editions.get("gd-nef-2022")


def _same_pass(claim, history, edition=None) -> None:
    model, entries, edition = parse(claim, history, edition)
    eng = engine_for("native", rules_for(edition), edition)
    generic = match(model, entries, edition, eng)
    compiled = eng.match(model, entries)

    assert compiled.fired == sorted(generic.fired)
    assert compiled.assessment == generic.assessment
    assert compiled.facts.subjects == generic.facts.subjects
    assert compiled.facts.items == generic.facts.items
    assert compiled.facts.history == generic.facts.history
    every = derive(model, entries, edition).facts
    assert len(compiled.facts.facts) == len(every)
    bitten = {j for _, j in compiled.fired if j < len(every)} | {0}  # the claim's fact is always built
    for j, fact in enumerate(compiled.facts.facts):
        if j in bitten:
            assert fact == every[j], j
        else:
            assert fact is None, (j, every[j])
    assert assemble(model.claim_id, edition, compiled, eng) == assemble(model.claim_id, edition, generic, eng)


@settings(max_examples=max(300, settings.default.max_examples // 2))
@given(claims_with_history())
def test_the_compiled_pass_matches_the_generic_one(example):
    _same_pass(*example)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(edition_strategy(), st.data())
def test_the_compiled_pass_matches_under_any_edition(edition, data):
    claim, history = data.draw(claims_with_history())
    claim = {**claim, "plan": None}
    try:
        parse(claim, history, edition)
    except Exception:  # a history that breaks this edition's cap is bad input, not a pass to compare
        return
    _same_pass(claim, history, edition)


def test_the_native_engine_decides_through_its_compiled_pass():
    eng = engine_for("native", RULES, E2022)
    assert eng.match.__code__.co_filename == "<mutualaid compiled pass: gd-nef-2022>"


def test_the_source_names_every_rule_and_is_what_runs():
    text = source(RULES, E2022)
    for i, rule in enumerate(RULES):
        assert f"fired.append(({i}, " in text and f"# {rule.id} ({rule.clause})" in text, rule.id
    compile(text, "<check>", "exec")
    fn = compile_pass(RULES, E2022)
    assert fn.__code__.co_filename.endswith("gd-nef-2022>")


def test_an_edition_s_numbers_are_in_its_source():
    what_if = E2022.replace(window={"days": 365})
    assert "(item_day > 180)" in source(RULES, E2022)
    assert "(item_day > 365)" in source(RULES, what_if)


def test_a_fact_that_no_rule_bites_is_not_built():
    model, entries, edition = parse(base_claim(), [])
    m = engine_for("native", RULES, edition).match(model, entries)
    assert m.facts.facts[0]["t"] == "claim"
    unbitten = [f for j, f in enumerate(m.facts.facts) if j not in {j for _, j in m.fired}][1:]
    assert unbitten and all(f is None for f in unbitten)


def test_rules_compiled_prints_the_pass(tmp_path):
    out = subprocess.run([sys.executable, "-m", "mutualaid", "rules", "--compiled"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == source(RULES, E2022)
    what_if = subprocess.run(
        [sys.executable, "-m", "mutualaid", "rules", "--compiled", "--plan", "examples/editions/what-if-cap8000-filing2y.yaml"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert what_if.returncode == 0 and "what-if-cap8000-filing2y" in what_if.stdout.splitlines()[0]
    bad = subprocess.run([sys.executable, "-m", "mutualaid", "rules", "--plan", "gd-nef-2022"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--compiled" in bad.stderr and "Traceback" not in bad.stderr


def test_a_message_naming_nothing_fails_when_the_engine_is_built():
    from dataclasses import replace

    broken = [replace(RULES[0], message_en="{no_such_field}")] + list(RULES[1:])
    with pytest.raises(KeyError, match="no_such_field"):
        engine_for("native", tuple(broken), E2022)


@settings(max_examples=max(200, settings.default.max_examples // 2))
@given(claims_with_history())
def test_a_decision_s_json_is_pydantic_s(example):
    """Decision.model_dump(mode="json") is written from the fields directly; it is pydantic's, key for key."""
    from pydantic import BaseModel

    for decision in (adjudicate(*example), adjudicate(*example, record=False)):
        ours = decision.model_dump(mode="json")
        theirs = BaseModel.model_dump(decision, mode="json")
        assert json.dumps(ours, ensure_ascii=False) == json.dumps(theirs, ensure_ascii=False)
        assert decision.model_dump_json() == json.dumps(theirs, ensure_ascii=False, separators=(",", ":"))
        ours["reasons"] and ours["reasons"][0].update(rule="changed")  # a caller's copy: the decision keeps its own
        assert BaseModel.model_dump(decision, mode="json") == theirs


def test_a_decision_read_back_dumps_as_pydantic_does():
    from pydantic import BaseModel

    from mutualaid.model import Decision

    d = Decision.model_validate({**adjudicate(*_example()).model_dump(mode="json"), "payout": 1200})
    assert d.model_dump(mode="json") == BaseModel.model_dump(d, mode="json")
    assert d.model_dump(mode="json", exclude={"engine"}) == BaseModel.model_dump(d, mode="json", exclude={"engine"})


def _example():
    return base_claim(), []


# An edition is data a user writes: its id never runs as code, and an odd one is still decided.


@pytest.mark.parametrize("quote", ["'", '"', "'" * 3, '"' * 3, "\\"])
def test_an_edition_id_is_data_not_code(quote):
    """Revision 3 holds an edition id to the id rules (no white space or control character), so
    the ids with line breaks this test once used are refused (below); quotes and backslashes remain."""
    evil = E2022.replace(id=f"x{quote});__import__('os').environ.setdefault('MA_EVIL','1');#")
    assert adjudicate({**base_claim(), "plan": None}, [], plan=evil).plan == evil.id
    assert "MA_EVIL" not in __import__("os").environ
    assert len(source(RULES, evil).splitlines()) == len(source(RULES, E2022).splitlines())


@pytest.mark.parametrize("odd", ["x\ny", "x\ry", "x\r\ny", "x\x00y"], ids=["LF", "CR", "CRLF", "NUL"])
def test_an_edition_id_with_a_line_break_or_a_nul_byte_is_refused(odd):
    """Revision 3: an edition id follows the rules of a claim's ids (such an id was decided before)."""
    from mutualaid.edition import InvalidEdition

    with pytest.raises(InvalidEdition) as caught:
        E2022.replace(id=odd)
    assert caught.value.fields == ("id",)


@pytest.mark.parametrize("on, when", [("item", "t == 'item'"), ("treatment", {"t": "treatment"}), ("item", {"$eq": {"category": {"$m": "t"}}})])
def test_a_condition_on_the_fact_type_compiles(on, when):
    rule = Rule(id="x.t", clause=RULES[0].clause, effect="note", scope=on, on=on, when=when, message_zh="{t}", message_en="{t}")
    eng = NativeEngine(tuple(RULES) + (rule,), E2022)
    model, entries, edition = parse(base_claim(), [])
    compiled, generic = eng.match(model, entries), match(model, entries, edition, eng)
    assert compiled.fired == sorted(generic.fired)
    assert assemble("C", edition, compiled, eng) == assemble("C", edition, generic, eng)
