"""Review findings on the compiled pass: an edition id never runs as code; a condition on ``t`` compiles."""

from __future__ import annotations

import pytest
from claimdata import base_claim

from mutualaid import RULES, adjudicate, editions
from mutualaid.compiled import source
from mutualaid.decide import assemble, match
from mutualaid.native import NativeEngine
from mutualaid.rule import Rule
from mutualaid.validate import parse

E2022 = editions.get("gd-nef-2022")


@pytest.mark.parametrize("tail", ["\n", "\r", "\r\n"])
def test_an_edition_id_is_data_not_code(tmp_path, tail):
    marker = tmp_path / "ran"
    evil = E2022.replace(id=f"x{tail}open({str(marker)!r}, 'w').close(){tail}#")
    assert adjudicate({**base_claim(), "plan": None}, [], plan=evil).plan == evil.id
    assert not marker.exists()
    assert len(source(RULES, evil).splitlines()) == len(source(RULES, E2022).splitlines())


def test_an_edition_id_with_a_nul_byte_is_decided():
    odd = E2022.replace(id="x\x00y")
    assert adjudicate({**base_claim(), "plan": None}, [], plan=odd).plan == "x\x00y"


@pytest.mark.parametrize("on, when", [("item", "t == 'item'"), ("treatment", {"t": "treatment"}), ("item", {"$eq": {"category": {"$m": "t"}}})])
def test_a_condition_on_the_fact_type_compiles(on, when):
    rule = Rule(id="x.t", clause=RULES[0].clause, effect="note", scope=on, on=on, when=when, message_zh="{t}", message_en="{t}")
    eng = NativeEngine(tuple(RULES) + (rule,), E2022)
    model, entries, edition = parse(base_claim(), [])
    compiled, generic = eng.match(model, entries), match(model, entries, edition, eng)
    assert compiled.fired == sorted(generic.fired)
    assert assemble("C", edition, compiled, eng) == assemble("C", edition, generic, eng)
