"""Rule conditions in durable_rules' JSON: the linter keeps them in the safe subset, and they compile to what they declare.

Every condition reaches the engines in this JSON, whether it was written as an expression (tests/test_expressions.py)
or, for a user's own rule, as JSON with ``$param``/``$one_of`` placeholders.
"""

from __future__ import annotations

import itertools
import random

import pytest

import mutualaid
from mutualaid import Rule, editions
from mutualaid.conditions import ConditionError, bind, compile_condition, expression, lint
from mutualaid.engine import NativeEngine, bound_patterns
from mutualaid.facts import SCHEMA

ITEM = SCHEMA["item"]


@pytest.mark.parametrize(
    ("name", "cond"),
    [
        ("$in", {"$in": {"category": ["dental", "medication"]}}),
        ("$not", {"$not": {"category": "dental"}}),
        ("$le typo", {"$le": {"day": 3}}),
        ("$ge typo", {"$ge": {"day": 3}}),
        ("$div", {"$gt": {"day": {"$div": {"$l": {"$m": "out_of_pocket_fen"}, "$r": 2}}}}),
        ("$mt", {"$mt": {"category": "dent.*"}}),
        ("$imt", {"$imt": {"category": "DENT.*"}}),
        ("$iall", {"$iall": {"category": 1}}),
        ("$iany", {"$iany": {"category": 1}}),
        ("multi-key object", {"category": "dental", "day": 3}),
        ("multi-key comparison", {"$gt": {"day": 1, "out_of_pocket_fen": 2}}),
        ("multi-key $and", {"$and": [{"category": "dental"}], "$or": [{"day": 1}]}),
        ("empty object", {}),
        ("unknown field", {"catgory": "dental"}),
        ("unknown field in comparison", {"$lt": {"dya": 3}}),
        ("int field vs string", {"day": "3"}),
        ("int field vs string, $eq", {"$eq": {"day": "3"}}),
        ("string field vs int", {"$neq": {"category": 1}}),
        ("ordering strings", {"$lt": {"category": "z"}}),
        ("$m to an unknown field", {"$gt": {"day": {"$m": "out_of_pocket"}}}),
        ("$m across types", {"$gt": {"day": {"$m": "category"}}}),
        ("empty $or", {"$or": []}),
        ("empty $and", {"$and": []}),
        ("$or of an object", {"$or": {"category": "dental"}}),
        ("dotted field", {"item.category": "dental"}),
        ("dotted field in comparison", {"$gt": {"item.day": 1}}),
        ("dotted $m", {"$gt": {"day": {"$m": "item.day"}}}),
        ("float", {"$gt": {"day": 1.5}}),
        ("boolean", {"day": True}),
        ("null", {"category": None}),
        ("cross-fact reference", {"$gt": {"day": {"claim": "accident_day"}}}),
        ("$add of a string", {"$gt": {"day": {"$add": {"$l": "1", "$r": 1}}}}),
        ("$add without $r", {"$gt": {"day": {"$add": {"$l": 1}}}}),
        ("$nex not written with 1", {"$nex": {"category": 2}}),
        ("$ex of an unknown field", {"$ex": {"colour": 1}}),
        ("unbound $param", {"$gt": {"day": {"$param": "window_days"}}}),
        ("not an object", [{"category": "dental"}]),
        ("a bare string", "category"),
    ],
)
def test_the_linter_refuses(name, cond):
    with pytest.raises(ConditionError):
        lint(cond, ITEM)


@pytest.mark.parametrize(
    "cond",
    [
        {"category": "dental"},
        {"$eq": {"category": "dental"}},
        {"$neq": {"category": {"$m": "medication_use"}}},
        {"$lte": {"day": 180}},
        {"$gte": {"out_of_pocket_fen": {"$add": {"$l": {"$m": "day"}, "$r": {"$mul": {"$l": 2, "$r": 3}}}}}},
        {"$lt": {"day": {"$sub": {"$l": 0, "$r": 1}}}},
        {"$ex": {"category": 1}},
        {"$nex": {"medication_use": 1}},
        {"$and": [{"category": "dental"}, {"$or": [{"day": 1}, {"$gt": {"day": 5}}]}]},
    ],
)
def test_the_linter_accepts_the_safe_subset(cond):
    lint(cond, ITEM)


def test_every_shipped_rule_binds_and_lints_under_2022():
    edition = editions.get("gd-nef-2022")
    patterns = bound_patterns(mutualaid.RULES, edition)
    assert len(patterns) == len(mutualaid.RULES)
    for rule, pattern in zip(mutualaid.RULES, patterns):
        assert pattern["$and"][0] == {"t": rule.on}, rule.id  # every pattern starts with its type test
        assert "$param" not in repr(pattern) and "$one_of" not in repr(pattern), rule.id
        lint(pattern, SCHEMA[rule.on], where=rule.id)
    NativeEngine(mutualaid.RULES, edition)  # compiles


def test_rule_ids_are_unique_and_stable_looking():
    ids = [r.id for r in mutualaid.RULES]
    assert len(ids) == len(set(ids))
    assert all(r.effect in ("deny", "exclude", "pend", "note") for r in mutualaid.RULES)


def test_a_rule_with_a_typo_is_refused_when_the_engine_is_built():
    typo = Rule(
        id="test.typo", clause="art6.8", effect="exclude", scope="item",
        when={"$le": {"day": 3}}, message_zh="x", message_en="x",
    )  # fmt: skip
    with pytest.raises(ConditionError, match="test.typo"):
        NativeEngine((typo,), editions.get("gd-nef-2022"))
    wrong_type = Rule(
        id="test.unknown_fact", clause="art6.8", effect="exclude", scope="item", on="bill",
        when={"day": 3}, message_zh="x", message_en="x",
    )  # fmt: skip
    with pytest.raises(ConditionError, match="test.unknown_fact"):
        bound_patterns((wrong_type,), editions.get("gd-nef-2022"))


def test_a_bad_clause_key_fails_at_declaration():
    with pytest.raises(ValueError):
        Rule(id="x", clause="article6", effect="deny", scope="claim", when={"cause": "x"}, message_zh="", message_en="")


def test_bind_replaces_params_and_one_of():
    params = {"n": 180, "kinds": ("outpatient", "nursing"), "none": ()}
    assert bind({"$gt": {"day": {"$param": "n"}}}, params) == {"$gt": {"day": 180}}
    assert bind({"$one_of": {"kind": {"$param": "kinds"}}}, params) == {
        "$or": [{"kind": "outpatient"}, {"kind": "nursing"}]
    }
    never = bind({"$one_of": {"kind": {"$param": "none"}}}, params)
    lint(never, SCHEMA["treatment"])
    assert compile_condition(never)({"kind": "outpatient"}) is False
    with pytest.raises(ConditionError):
        bind({"$param": "missing"}, params)
    with pytest.raises(ConditionError):
        bind({"$gt": {"day": {"$param": "kinds"}}}, params)  # a list where a scalar belongs
    with pytest.raises(ConditionError):
        bind({"$one_of": {"kind": {"$param": "n"}}}, params)  # a scalar where a list belongs


# --- compiled conditions evaluate as declared -------------------------------------------------


def reference(cond, f) -> bool:
    """The declared semantics, interpreted directly (independent of the compiler)."""
    (key, body), = cond.items()
    if key == "$and":
        return all(reference(c, f) for c in body)
    if key == "$or":
        return any(reference(c, f) for c in body)
    if key == "$ex":
        return next(iter(body)) in f
    if key == "$nex":
        return next(iter(body)) not in f
    ops = {
        "$eq": lambda a, b: a == b, "$neq": lambda a, b: a != b, "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b, "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b,
    }  # fmt: skip
    if key in ops:
        (field, rhs), = body.items()
        return ops[key](f[field], value(rhs, f))
    return f[key] == value(body, f)


def value(rhs, f):
    if not isinstance(rhs, dict):
        return rhs
    (op, arg), = rhs.items()
    if op == "$m":
        return f[arg]
    left, right = value(arg["$l"], f), value(arg["$r"], f)
    return {"$add": left + right, "$sub": left - right, "$mul": left * right}[op]


def literals(cond, out) -> dict:
    """Field → the literals the condition compares it with (and their neighbours, for integers)."""
    (key, body), = cond.items()
    if key in ("$and", "$or"):
        for c in body:
            literals(c, out)
    elif key.startswith("$"):
        (field, rhs), = body.items()
        if not isinstance(rhs, dict):
            out.setdefault(field, set()).update([rhs - 1, rhs, rhs + 1] if isinstance(rhs, int) else [rhs])
    else:
        out.setdefault(key, set()).update([body - 1, body, body + 1] if isinstance(body, int) else [body])
    return out


def sample_facts(kind: str, pools: dict, rng: random.Random, n: int):
    for _ in range(n):
        fact = {}
        for field, t in SCHEMA[kind].items():
            pool = sorted(pools.get(field, set()) | ({-1, 0, 1, 730000} if t is int else {"", "x", "张三"}), key=repr)
            fact[field] = rng.choice(pool)
        yield fact


def test_every_shipped_condition_compiles_to_its_declared_semantics():
    edition = editions.get("gd-nef-2022")
    rng = random.Random(2022)
    for rule, pattern in zip(mutualaid.RULES, bound_patterns(mutualaid.RULES, edition)):
        cond = pattern["$and"][1]
        fn = compile_condition(cond)
        outcomes = set()
        for fact in sample_facts(rule.on, literals(cond, {}), rng, 400):
            expected = reference(cond, fact)
            assert fn(fact) == expected, (rule.id, fact)
            outcomes.add(expected)
        assert outcomes == {True, False}, f"{rule.id}: the samples did not exercise both outcomes"


def test_hand_written_conditions_compile_to_their_semantics():
    conds = [
        {"$and": [{"category": "dental"}, {"$gte": {"day": {"$sub": {"$l": {"$m": "out_of_pocket_fen"}, "$r": 1}}}}]},
        {"$or": [{"$lt": {"day": 0}}, {"$gt": {"day": 180}}]},
        {"$neq": {"category": {"$m": "medication_use"}}},
        {"$lte": {"out_of_pocket_fen": {"$mul": {"$l": {"$m": "day"}, "$r": 100}}}},
        {"$ex": {"category": 1}},
        {"$nex": {"category": 1}},
    ]
    facts = [
        {"t": "item", "day": d, "category": c, "medication_use": m, "out_of_pocket_fen": f}
        for d, c, m, f in itertools.product([-1, 0, 180, 181], ["dental", "medication"], ["", "dental"], [0, 181, 18100])
    ]
    for cond in conds:
        lint(cond, ITEM)
        fn = compile_condition(cond)
        outcomes = {fn(f) for f in facts}
        for f in facts:
            assert fn(f) == reference(cond, f), (cond, f)
        if cond.get("$ex") is None and cond.get("$nex") is None:
            assert outcomes == {True, False}, cond
    assert compile_condition({"$nex": {"category": 1}})({"t": "item"}) is True


def test_expression_is_plain_python_over_the_fact():
    assert expression({"$gt": {"day": 180}}) == "(f['day'] > 180)"
