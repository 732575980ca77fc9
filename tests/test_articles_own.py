"""An article module owns its article (issue 14, point 1): art5.4's text, derived values, rules,
messages and hint are one file, and the facts hold only what the articles declare.

The fact schema is the base fields (made from the input for every article) plus each
:class:`~mutualaid.rule.Derived` an article declares; a rule may name nothing else, in its condition,
its messages or its hint.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import inspect
import pkgutil
import re
import string

import pytest

import mutualaid.rules
from mutualaid import adjudicate, editions
from mutualaid.facts import BASE, DERIVED, NO_HISTORY, SCHEMA, _schema, derive, summary
from mutualaid.rule import Derived
from mutualaid.rules import art5, art5_1, art5_4, params_of, rules_for
from mutualaid.validate import parse

from claimdata import base_claim, hist

E2022 = editions.get("gd-nef-2022")
FILING_FIELDS = {"filing_deadline_day", "filing_anniversary_day", "filing_calendar_gap", "days_late", "filing_checked"}


def _rule_modules():
    for info in pkgutil.iter_modules(mutualaid.rules.__path__):
        yield importlib.import_module(f"mutualaid.rules.{info.name}")


def _names_in_condition(when) -> set[str]:
    if not isinstance(when, str):
        return set()
    return {n.id for n in ast.walk(ast.parse(when, mode="eval")) if isinstance(n, ast.Name)}


def _names_in_template(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _editions():
    return [E2022, E2022.replace(id="exempt-top-ups", filing={"top_ups_meet_deadline": False})]


@pytest.mark.parametrize("edition", _editions(), ids=lambda e: e.id)
def test_every_field_a_rule_names_is_declared(edition):
    """Each name in a rule's condition, messages and hint is a field of its facts (base or a
    declared derived field), a field of the claim's fact (messages may name the claim's values),
    or one of the edition's parameters. A message naming an undeclared field would only fail when
    its rule fires; this finds it for every rule at once."""
    params = params_of(edition)
    for rule in rules_for(edition):
        own, claim = SCHEMA[rule.on], SCHEMA["claim"]
        for name in _names_in_condition(rule.when):
            assert name in own or name in params, f"{rule.id}: its condition names {name!r}, which nothing declares"
        templates = [rule.message_zh, rule.message_en]
        if rule.hint is not None:
            templates += [rule.hint.message_zh, rule.hint.message_en, *("{" + s + "}" for s in rule.hint.data.values())]
        for template in templates:
            for name in _names_in_template(template):
                name = name.split("!")[0]
                plain = name[:-3] if name.endswith(("_zh", "_en")) else None
                assert name in own or name in claim or name in params or plain in own, (
                    f"{rule.id}: its message or hint names {name!r}, which nothing declares"
                )


def test_art5_4_declares_its_derived_fields_and_facts_only_loops_over_them():
    assert art5_4.DERIVED.clause == "art5.4"
    assert set(art5_4.DERIVED.fields) == FILING_FIELDS
    assert not FILING_FIELDS & set(BASE["claim"]), "the filing fields are art5.4's, not the base's"
    assert FILING_FIELDS <= set(SCHEMA["claim"])
    assert art5_1.DERIVED.fields == {"window_last_day": int}
    assert set(SCHEMA["claim"]) == set(BASE["claim"]).union(*(d.fields for d in DERIVED))


def test_the_whole_of_art5_4_is_its_module():
    """Clause text, derivation, rules, messages and hint: each defined in rules/art5_4.py."""
    assert art5.FILING is art5_4.FILING and art5.FILED_LATE is art5_4.FILED_LATE
    assert art5_4.DERIVED.derive.__module__ == "mutualaid.rules.art5_4"
    assert {r.clause for r in art5_4.FILING} == {"art5.4"}
    for rule in art5_4.FILING:
        assert rule.text == art5_4.FILING_TEXT == "自意外伤害发生日起,超过一年未提出申报的,视作自动放弃。"
    source = inspect.getsource(art5_4)
    for part in ("FILING_TEXT =", "def filing_days", "DERIVED = Derived(", 'id="filing.late"', 'id="filing.calendar_gap"', 'kind="filing_deadline"'):
        assert part in source


def test_every_declared_derivation_is_derived():
    """A Derived declared in any rules module, and only those, is in facts.DERIVED."""
    declared = [v for m in _rule_modules() for v in vars(m).values() if isinstance(v, Derived)]
    assert {id(d) for d in declared} == {id(d) for d in DERIVED}
    assert len(DERIVED) == len({id(d) for d in DERIVED})


@pytest.mark.parametrize("edition", _editions(), ids=lambda e: e.id)
@pytest.mark.parametrize("top_up", [False, True])
@pytest.mark.parametrize("earlier_filed_on", [None, "2022-03-10", "2023-03-02"], ids=["no-filed_on", "filed-on-time", "filed-late"])
def test_each_derivation_gives_exactly_its_declared_fields(edition, top_up, earlier_filed_on):
    """An exempted top-up (revision 3) needs an on-time filing of its accident in the history: the
    deadline of an accident on 2022-03-01 is 2023-03-01, and an entry without filed_on shows none."""
    claim = base_claim()
    history = [hist("H-1", "A-0001" if top_up else "A-0999", "2022-03-01", "100.00", "0.00", earlier_filed_on)]
    model, entries, _ = parse(claim, history, edition)
    past = summary(model, entries, edition)
    assert past.top_up is top_up
    on_time_before = top_up and earlier_filed_on == "2022-03-10"
    assert (past.first_filed_day > 0) is (top_up and earlier_filed_on is not None)
    fact = derive(model, entries, edition).facts[0]
    for d in DERIVED:
        got = d.derive(model, edition, past)
        assert set(got) == set(d.fields), d.clause
        assert all(type(got[k]) is d.fields[k] for k in got), d.clause
        assert all(fact[k] == v for k, v in got.items()), d.clause
    assert set(fact) == set(SCHEMA["claim"])
    exempt = on_time_before and not edition.filing.top_ups_meet_deadline
    assert fact["filing_checked"] == (0 if exempt else 1)


def test_art5_4_derives_the_deadline_the_days_late_and_the_window_its_last_day():
    """An accident on 2022-03-01: the anniversary 2023-03-01 is a Wednesday, so it is the deadline;
    filed 2023-03-06, five days late. The window's last day is 180 days after the accident."""
    claim = {**base_claim(), "filed_on": "2023-03-06"}
    model, entries, edition = parse(claim, [], E2022)
    got = art5_4.filing_days(model, edition, NO_HISTORY)
    day = dt.date.toordinal
    assert got == {
        "filing_deadline_day": day(dt.date(2023, 3, 1)),
        "filing_anniversary_day": day(dt.date(2023, 3, 1)),
        "filing_calendar_gap": 0,
        "days_late": 5,
        "filing_checked": 1,
    }
    assert art5_1.window_end(model, edition, NO_HISTORY) == {"window_last_day": day(dt.date(2022, 8, 28))}
    assert [r.rule for r in adjudicate(claim).reasons] == ["filing.late"]


def test_a_derived_field_may_not_shadow_another_field():
    clause = art5_4.DERIVED.clause
    twice = Derived(clause=clause, fields={"filed_day": int}, derive=lambda c, e, h: {"filed_day": 0})
    with pytest.raises(ValueError, match=re.escape(f"{clause} declares filed_day, which the claim fact already has")):
        _schema(BASE, (twice,))
    with pytest.raises(ValueError, match="int or a str"):
        Derived(clause=clause, fields={"when": dt.date}, derive=lambda c, e, h: {})
    with pytest.raises(ValueError, match="join the claim fact"):
        Derived(clause=clause, fields={"x": int}, derive=lambda c, e, h: {}, on="item")  # type: ignore[arg-type]
