"""Rule conditions written as expressions (issue 14, point 2): the whitelist, how names resolve,
and that what they compile to means what the text says on both engines.

The oracle for "what the text says" is Python itself: a whitelisted expression is a Python
expression, so evaluating its text with the fact's fields and the edition's parameters as names
gives its meaning. The compiled JSON subset (what durable_rules runs) and the native Python
generated from it must agree with that on every fact.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid
from mutualaid import Rule, editions
from mutualaid.conditions import ConditionError, compile_condition, lint, parse, python_source, to_subset
from mutualaid.engine import NativeEngine, bound_patterns
from mutualaid.facts import SCHEMA
from mutualaid.rulebook import markdown, rule_table
from mutualaid.rules import params_of, rules_for
from mutualaid.testing import editions as drawn_editions

from test_conditions import reference

ITEM, TREATMENT = SCHEMA["item"], SCHEMA["treatment"]
PARAMS = {"window_days": 180, "min_grade": 2, "owner": "public", "kinds": ("outpatient", "nursing"), "none": ()}


def meaning(text: str, fact: dict, params: dict) -> bool:
    """What the expression says, read by Python itself (the oracle; only for whitelisted text)."""
    return eval(text, {"__builtins__": {}}, {**params, **fact})  # noqa: S307


# --- the whitelist ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("__import__('os').system('true') == 0", "a call"),
        ("len(category) > 0", "a call"),
        ("f.day > 0", "an attribute"),
        ("day.real > 0", "an attribute"),
        ("category.__class__ == 'x'", "an attribute"),
        ("f['day'] > 0", "a subscript"),
        ("(lambda: 1)() == 1", "a call"),
        ("(lambda: day) == 1", "a lambda"),
        ("not day < 0", "`not`"),
        ("0 < day < 5", "chained"),
        ("day is 0", "`is`"),
        ("day is not 0", "`is not`"),
        ("kind not in kinds", "`not in`"),
        ("filing_calendar_gap", "not a condition"),
        ("1", "not a condition"),
        ("day > 1.5", "integers and strings"),
        ("day == True", "integers and strings"),
        ("category == None", "integers and strings"),
        ("category == b'x'", "integers and strings"),
        ("day > -window_days", "`-` goes only before an integer"),
        ("day > +1", "not allowed"),
        ("day > window_days / 2", "the only arithmetic"),
        ("day > window_days // 2", "the only arithmetic"),
        ("day > 2 ** 3", "the only arithmetic"),
        ("day > 7 % 2", "the only arithmetic"),
        ("category == f'{day}'", "an f-string"),
        ("kind in ['outpatient']", "`in` is written"),
        ("kind in ('outpatient', 'nursing')", "`in` is written"),
        ("day == (1, 2)", "a tuple"),
        ("day > (x := 3)", "`:=`"),
        ("day == (1 if day else 2)", "`… if … else …`"),
        ("day in [d for d in kinds]", "`in` is written"),
        ("__builtins__ == 1", "leading underscore"),
        ("_private == 1", "leading underscore"),
        ("day >", "not an expression"),
        ("day = 1", "not an expression"),
        ("day > 1; import os", "not an expression"),
        ("day & 1 == 1", "the only arithmetic"),
        ("day == 1 if day else 2", "`… if … else …`"),
        ("day > " + " + ".join(["1"] * 40), "nested more than 32 deep"),
        (" or ".join(["(day == 1"] * 40) + ")" * 40, "nested more than 32 deep"),
        ("day > " + "+".join(["1"] * 100_000), "cannot be read"),
        ("day == 1\x00", "null bytes"),
    ],
)
def test_parse_refuses_anything_off_the_whitelist(text, why):
    with pytest.raises(ConditionError) as exc:
        parse(text)
    assert why in str(exc.value)


@pytest.mark.parametrize(
    ("text", "schema", "why"),
    [
        ("grdae < window_days", TREATMENT, "'grdae' is neither a field of"),
        ("day > windowdays", ITEM, "'windowdays' is neither"),
        ("day > __import__", ITEM, "leading underscore"),
        ("day == 'x'", ITEM, "compares 'day' (int) with 'x' (str)"),
        ("category == 3", ITEM, "compares 'category' (str) with 3 (int)"),
        ("category < 'z'", ITEM, "orders only integers"),
        ("grade < owner", TREATMENT, "compares 'grade' (int)"),
        ("kind in min_grade", TREATMENT, "`in` takes an edition list parameter"),
        ("kind in owner", TREATMENT, "`in` takes an edition list parameter"),
        ("kind in grade", TREATMENT, "`in` takes an edition list parameter"),
        ("owner in kinds", TREATMENT, "`in` tests a field"),
        ("grade in kinds", TREATMENT, "compares 'grade' (int) with 'outpatient' (str)"),
        ("kind == kinds", TREATMENT, "'kinds' is a list"),
        ("window_days > 3", ITEM, "names none"),
        ("1 < 2", ITEM, "names none"),
        ("day > category + 1", ITEM, "integers only"),
        ("'a' + 'b' == category", ITEM, "integers only"),
        ("day > out_of_pocket_fen + category", ITEM, "integers only"),
        ("day > 0 or category == 1", ITEM, "compares 'category' (str) with 1 (int)"),
    ],
)
def test_binding_refuses_names_and_types_that_do_not_fit(text, schema, why):
    with pytest.raises(ConditionError) as exc:
        to_subset(text, schema, PARAMS, on="x")
    assert why in str(exc.value)


def test_a_name_that_is_both_a_field_and_a_parameter_is_refused():
    with pytest.raises(ConditionError, match="'day' is both a field of item facts and an edition parameter"):
        to_subset("day > 0", ITEM, {"day": 3}, on="item")


def test_an_off_whitelist_rule_fails_when_declared_and_names_the_rule():
    with pytest.raises(ConditionError, match=r"^test\.call: `open\('x'\)`: a call"):
        Rule(id="test.call", clause="art6.8", effect="exclude", scope="item", when="open('x') == 1", message_zh="x", message_en="x")
    with pytest.raises(ConditionError, match=r"^test\.number: when is an expression"):
        Rule(id="test.number", clause="art6.8", effect="exclude", scope="item", when=3, message_zh="x", message_en="x")  # type: ignore[arg-type]


def test_an_unknown_name_fails_when_the_edition_is_loaded_and_names_the_rule():
    typo = Rule(id="test.typo", clause="art5.1", effect="exclude", scope="item", when="day > window_dyas", message_zh="x", message_en="x")
    edition = editions.get("gd-nef-2022")
    with pytest.raises(ConditionError, match=r"^test\.typo: `window_dyas`: 'window_dyas' is neither a field of item facts"):
        NativeEngine((typo,), edition)
    wrong_type = Rule(id="test.type", clause="art5.5", effect="exclude", scope="treatment", when="grade < hospital_ownership", message_zh="x", message_en="x")
    with pytest.raises(ConditionError, match=r"^test\.type: `grade < hospital_ownership`\.\$lt: compares 'grade' \(int\) with 'public' \(str\)"):
        bound_patterns((wrong_type,), edition)
    no_facts = Rule(id="test.facts", clause="art5.5", effect="exclude", scope="item", on="bill", when="day > 0", message_zh="x", message_en="x")
    with pytest.raises(ConditionError, match=r"^test\.facts: no fact type 'bill'"):
        bound_patterns((no_facts,), edition)


# --- what an expression compiles to --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "schema", "subset"),
    [
        ("day < 0 or day > window_days", ITEM, {"$or": [{"$lt": {"day": 0}}, {"$gt": {"day": 180}}]}),
        ("window_days < day", ITEM, {"$gt": {"day": 180}}),
        ("0 >= day", ITEM, {"$lte": {"day": 0}}),
        ("'dental' == category", ITEM, {"category": "dental"}),
        ("category != medication_use", ITEM, {"$neq": {"category": {"$m": "medication_use"}}}),
        ("day > window_days + 1", ITEM, {"$gt": {"day": 181}}),
        ("day >= -1", ITEM, {"$gte": {"day": -1}}),
        ("day <= 2 * 3 - 1", ITEM, {"$lte": {"day": 5}}),
        ("out_of_pocket_fen < day * 100", ITEM, {"$lt": {"out_of_pocket_fen": {"$mul": {"$l": {"$m": "day"}, "$r": 100}}}}),
        ("kind in kinds", TREATMENT, {"$or": [{"kind": "outpatient"}, {"kind": "nursing"}]}),
        ("kind in none", TREATMENT, {"$neq": {"kind": {"$m": "kind"}}}),
        ("grade < min_grade and ownership != owner", TREATMENT, {"$and": [{"$lt": {"grade": 2}}, {"$neq": {"ownership": "public"}}]}),
        ("(day < 0 or day > 3) and category == 'dental'", ITEM,
         {"$and": [{"$or": [{"$lt": {"day": 0}}, {"$gt": {"day": 3}}]}, {"category": "dental"}]}),
    ],
)  # fmt: skip
def test_an_expression_compiles_to_the_json_subset(text, schema, subset):
    got = to_subset(text, schema, PARAMS)
    assert got == subset
    lint(got, schema)


def test_python_source_is_plain_python_over_the_fact():
    assert python_source("day < 0 or day > window_days", ITEM, PARAMS) == "((f['day'] < 0) or (f['day'] > 180))"


# --- round trip: text -> JSON subset -> Python, against the text's own meaning -------------------

INT_FIELDS, STR_FIELDS = ("day", "out_of_pocket_fen"), ("category", "medication_use")
PROPERTY_PARAMS = {"window_days": 180, "limit": -3, "owner": "public", "kinds": ("dental", "medication"), "none": ()}
STRINGS = ("dental", "medication", "public", "", "张三")


def int_terms(params: dict, leaves: int):
    ints = [k for k, v in params.items() if type(v) is int]
    leaf = st.sampled_from(INT_FIELDS) | st.integers(-3, 200).map(str) | st.sampled_from(ints)
    return st.recursive(
        leaf,
        lambda inner: st.tuples(inner, st.sampled_from("+-*"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        max_leaves=leaves,
    )


@st.composite
def comparisons(draw, params: dict, leaves: int) -> str:
    kind = draw(st.sampled_from(("int", "str", "in")))
    lists = [k for k, v in params.items() if isinstance(v, tuple)]
    if kind == "in":
        return f"{draw(st.sampled_from(STR_FIELDS))} in {draw(st.sampled_from(lists))}"
    if kind == "int":
        field, op, other = draw(st.sampled_from(INT_FIELDS)), draw(st.sampled_from(("==", "!=", "<", "<=", ">", ">="))), draw(int_terms(params, leaves))
    else:
        strs = [k for k, v in params.items() if isinstance(v, str)]
        field, op = draw(st.sampled_from(STR_FIELDS)), draw(st.sampled_from(("==", "!=")))
        other = draw(st.sampled_from(STR_FIELDS) | st.sampled_from(STRINGS).map(repr) | st.sampled_from(strs))
    return f"{field} {op} {other}" if draw(st.booleans()) else f"{other} {op} {field}"


def conditions(params: dict, leaves: int = 4):
    """Well-typed whitelisted expressions over item facts; ``leaves`` bounds each arithmetic term."""
    return st.recursive(
        comparisons(params, leaves),
        lambda inner: st.tuples(inner, st.sampled_from(("and", "or")), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        max_leaves=5,
    )


def items():
    return st.fixed_dictionaries(
        {
            "t": st.just("item"),
            "day": st.sampled_from((-4, -3, -1, 0, 1, 179, 180, 181, 183)) | st.integers(-400, 400),
            "out_of_pocket_fen": st.sampled_from((0, 1, 180, 181, 540)) | st.integers(-1000, 100_000),
            "category": st.sampled_from(STRINGS),
            "medication_use": st.sampled_from(STRINGS),
        }
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])  # 200 conditions, each over up to 20 facts: the suite's time (not a plan property)
@given(conditions(PROPERTY_PARAMS), st.lists(items(), min_size=1, max_size=20))
def test_an_expression_means_the_same_as_text_as_json_and_as_python(text, facts):
    subset = to_subset(text, ITEM, PROPERTY_PARAMS, on="item")
    lint(subset, ITEM)
    native = compile_condition(subset)
    for fact in facts:
        said = meaning(text, fact, PROPERTY_PARAMS)
        assert reference(subset, fact) == said, (text, subset, fact)
        assert native(fact) == said, (text, subset, fact)


# --- the shipped rules ---------------------------------------------------------------------------


def test_every_shipped_rule_is_an_expression_and_says_what_it_compiles_to():
    """Each shipped condition, compiled under 2022, agrees with its own text on facts near its thresholds."""
    edition = editions.get("gd-nef-2022")
    params = params_of(edition)
    for rule, pattern in zip(mutualaid.RULES, bound_patterns(mutualaid.RULES, edition)):
        assert isinstance(rule.when, str), rule.id
        cond = pattern["$and"][1]
        native = compile_condition(cond)
        outcomes = set()
        for fact in _facts_near(rule.on, cond, params):
            said = meaning(rule.when, fact, params)
            assert native(fact) == said == reference(cond, fact), (rule.id, fact)
            outcomes.add(said)
        assert outcomes == {True, False}, rule.id


def _facts_near(kind: str, cond: dict, params: dict):
    """Facts built from the literals the bound condition compares with, and their neighbours."""
    import random

    from test_conditions import literals, sample_facts

    yield from sample_facts(kind, literals(cond, {}), random.Random(14), 600)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])  # 150 editions, each compiling every rule twice: the suite's time (not a plan property)
@given(drawn_editions())
def test_every_shipped_rule_compiles_for_any_edition(edition):
    rules = rules_for(edition)
    patterns = bound_patterns(rules, edition)
    assert len(patterns) == len(rules)
    for rule, pattern in zip(rules, patterns):
        assert pattern == {"$and": [{"t": rule.on}, to_subset(rule.when, SCHEMA[rule.on], params_of(edition))]}
    kind = next(p for r, p in zip(rules, patterns) if r.id == "hospital.excluded_kind")["$and"][1]
    kinds = params_of(edition)["hospital_excluded_kinds"]
    assert kind == ({"$or": [{"kind": k} for k in kinds]} if kinds else {"$neq": {"kind": {"$m": "kind"}}})
    window = next(p for r, p in zip(rules, patterns) if r.id == "window.outside")["$and"][1]
    assert window == {"$or": [{"$lt": {"day": 0}}, {"$gt": {"day": edition.window.days}}]}
    NativeEngine(rules, edition)


def test_the_rules_page_and_table_print_each_condition():
    page, table = markdown(mutualaid.RULES), rule_table(mutualaid.RULES)
    for rule in mutualaid.RULES:
        assert f"`{rule.id}` — {rule.effect}, on each {rule.on} fact where `{rule.when}`:" in page
        assert rule.when in table
    assert "`hospital.excluded_kind` — exclude, on each treatment fact where `kind in hospital_excluded_kinds`" in page


def test_a_condition_written_as_json_is_still_accepted_and_shown_as_json():
    rule = Rule(id="own.dental", clause="art6.8", effect="exclude", scope="item", when={"category": "dental"}, message_zh="x", message_en="x")
    assert rule.condition == '{"category": "dental"}'
    edition = editions.get("gd-nef-2022")
    assert bound_patterns((rule,), edition) == [{"$and": [{"t": "item"}, {"category": "dental"}]}]


# --- the durable engine, fed the same declarations ------------------------------------------------

EDITION = editions.get("gd-nef-2022")
SMALL = {k: params_of(EDITION)[k] for k in ("window_days", "hospital_min_grade", "hospital_ownership", "hospital_excluded_kinds")}
"""Parameters whose products stay far inside durable_rules' 64-bit integers."""


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions(SMALL, leaves=2), min_size=1, max_size=6), st.lists(items(), min_size=1, max_size=12))
def test_durable_rules_and_the_native_engine_fire_alike_on_drawn_expressions(texts, facts):
    pytest.importorskip("durable.engine")
    from mutualaid.durable_engine import DurableEngine

    rules = tuple(
        Rule(id=f"drawn.{i}", clause="art5.1", effect="note", scope="item", when=text, message_zh="x", message_en="x")
        for i, text in enumerate(texts)
    )
    params = params_of(EDITION)
    expected = sorted((i, j) for i, text in enumerate(texts) for j, fact in enumerate(facts) if meaning(text, fact, params))
    assert NativeEngine(rules, EDITION).fire(facts) == expected
    assert DurableEngine(rules, EDITION).fire(facts) == expected
