"""Art5.2 and art5.3 own the assessment, and each article the edition's words its messages use
(issue 14, point 1).

The ``assessment`` fact is the sum of the countable fen, which the shared assembly step makes, and
what each :class:`~mutualaid.rule.Assessed` declared in an article's module adds to it: the tier,
what is due and the next tier in rules/art5_2.py, the cap left and the payout in rules/art5_3.py.
The edition's values that only messages say (超过两年, 二级, 公立) come from the article modules'
``message_params``, merged with :attr:`Edition.params` by :func:`mutualaid.rules.params_of`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import mutualaid.rules
from mutualaid import adjudicate, decide, edition as edition_module, editions
from mutualaid.facts import ASSESSED, BASE, SCHEMA, _schema, summary
from mutualaid.rule import Assessed
from mutualaid import rules as rules_module
from mutualaid.rules import art5, art5_2, art5_3, art5_4, art5_5, params_of
from mutualaid.validate import parse

from claimdata import claim_with, hist, item, treatment

E2022 = editions.get("gd-nef-2022")
TIER_FIELDS = {"accident_fen", "tier_fen", "paid_for_accident_fen", "due_fen", "next_tier_more_fen", "next_tier_fen"}
CAP_FIELDS = {"cap_left_fen", "payout_fen"}
SRC = Path(edition_module.__file__).parent

# Every edge written 超过 (exclusive), every edge written 以上 (inclusive), and the 2022 table's mix
# (以上 200, then 超过 500, 2000, 5000, 10000).
ALL_OVER = E2022.replace(id="all-over", tiers=[{"over": "100.00", "pays": "100.00"}, {"over": "1000.00", "pays": "800.00"}])
ALL_AT_LEAST = E2022.replace(id="all-at-least", tiers=[{"at_least": "100.00", "pays": "100.00"}, {"at_least": "1000.00", "pays": "800.00"}])
SMALL_CAP = E2022.replace(id="small-cap", cap={"amount": "700.00"})


def _rule_modules():
    for info in pkgutil.iter_modules(mutualaid.rules.__path__):
        yield importlib.import_module(f"mutualaid.rules.{info.name}")


def test_the_assessment_fields_are_declared_by_art5_2_and_art5_3():
    """The tier's fields are art5.2's, the cap's art5.3's, in that order; the base holds only the sum."""
    assert ASSESSED == (art5_2.ASSESSED, art5_3.ASSESSED), "the tier is assessed before the cap that limits it"
    assert (art5_2.ASSESSED.clause, art5_3.ASSESSED.clause) == ("art5.2", "art5.3")
    assert set(art5_2.ASSESSED.fields) == TIER_FIELDS and set(art5_3.ASSESSED.fields) == CAP_FIELDS
    assert art5_2.ASSESSED.assess.__module__ == "mutualaid.rules.art5_2"
    assert art5_3.ASSESSED.assess.__module__ == "mutualaid.rules.art5_3"
    assert BASE["assessment"] == {"t": str, "counted_fen": int}
    assert SCHEMA["assessment"] == {**BASE["assessment"], **art5_2.ASSESSED.fields, **art5_3.ASSESSED.fields}
    declared = [v for m in _rule_modules() for v in vars(m).values() if isinstance(v, Assessed)]
    assert {id(a) for a in declared} == {id(a) for a in ASSESSED}


def test_the_assembly_step_names_no_article():
    """decide.assemble sums and loops; the tier table and the cap are read only in their articles."""
    source = inspect.getsource(decide.assemble)
    for word in ("tier_fen(", "next_tier", "cap_fen", "due_fen", "paid_for_accident", "paid_in_cap_scope"):
        assert word not in source, word
    edition_source = (SRC / "edition.py").read_text(encoding="utf-8")
    assert "_tier_table" not in edition_source and "def next_tier" not in edition_source


def test_an_assessed_amount_is_an_int_and_declared_once():
    with pytest.raises(ValueError, match="an int"):
        Assessed(clause="art5.2", fields={"tier": str}, assess=lambda f, e, h: {})
    twice = Assessed(clause="art5.3", fields={"tier_fen": int}, assess=lambda f, e, h: {"tier_fen": 0})
    with pytest.raises(ValueError, match="art5.3 declares tier_fen, which the assessment fact already has"):
        _schema(BASE, (art5_2.ASSESSED, twice))


@pytest.mark.parametrize("edition", [E2022, SMALL_CAP, ALL_OVER], ids=lambda e: e.id)
@pytest.mark.parametrize("paid", ["0.00", "200.00", "500.00"])
def test_each_assessment_gives_its_fields_and_the_decision_reads_them(edition, paid):
    """One top-up after a payment: art5.2's amounts from the tier and the history, art5.3's from the
    cap, and the decision's amounts are the fact's."""
    c = claim_with(treatment(items=[item(amount="1800.00")]))
    history = [hist("H-1", "A-0001", "2022-03-01", "400.00", paid)]
    model, entries, _ = parse(c, history, edition)
    past = summary(model, entries, edition)
    fact = {"t": "assessment", "counted_fen": 180000}
    for a in ASSESSED:
        got = a.assess(dict(fact), edition, past)
        assert set(got) == set(a.fields) and all(type(v) is int for v in got.values()), a.clause
        fact.update(got)
    accident = 40000 + 180000
    tier = art5_2.tier_fen(edition, accident)
    due = max(0, tier - past.paid_for_accident_fen)
    cap_left = max(0, edition.cap_fen - past.paid_in_cap_scope_fen)
    assert (fact["accident_fen"], fact["tier_fen"], fact["due_fen"]) == (accident, tier, due)
    assert (fact["cap_left_fen"], fact["payout_fen"]) == (cap_left, min(due, cap_left))
    d = adjudicate(c, history, plan=edition)
    assert d.accident_out_of_pocket * 100 == accident and d.tier_amount * 100 == tier
    assert d.payout * 100 == (fact["payout_fen"] if d.outcome == "approved" else 0)


@pytest.mark.parametrize(
    ("edition", "cases"),
    [
        # 2022: 200 以上 (inclusive); 500, 2000, 5000, 10000 超过 (exclusive).
        (E2022, [(19999, 0), (20000, 20000), (50000, 20000), (50001, 50000), (1000000, 500000), (1000001, 600000)]),
        (ALL_OVER, [(0, 0), (10000, 0), (10001, 10000), (100000, 10000), (100001, 80000)]),
        (ALL_AT_LEAST, [(0, 0), (9999, 0), (10000, 10000), (99999, 10000), (100000, 80000)]),
    ],
    ids=["gd-nef-2022", "all-over", "all-at-least"],
)
def test_the_tier_edges_read_at_least_inclusive_and_over_exclusive(edition, cases):
    for fen, pays in cases:
        assert art5_2.tier_fen(edition, fen) == pays, fen


@pytest.mark.parametrize(
    ("edition", "fen", "expected"),
    [
        (E2022, 19999, (1, 20000)),  # 以上: the edge itself is reached
        (E2022, 20000, (30001, 50000)),  # 超过 500: one fen above it
        (E2022, 1000001, (0, 0)),  # the top tier
        (ALL_OVER, 10000, (1, 10000)),
        (ALL_AT_LEAST, 10000, (90000, 80000)),
    ],
)  # fmt: skip
def test_the_next_tier_is_reached_at_the_edge_or_one_fen_above(edition, fen, expected):
    assert art5_2.next_tier(edition, fen) == expected


def test_the_tier_table_is_read_once_per_edition_and_a_copy_reads_its_own():
    table = art5_2.tier_table(E2022)
    assert art5_2.tier_table(E2022) is table
    assert E2022.memo[art5_2.tier_table.__wrapped__] is table
    assert table[0] == (20000, 20000) and table[1] == (50001, 50000) and table[-1] == (1000001, 600000)
    variant = copy.copy(E2022)
    assert art5_2.tier_fen.__module__ == "mutualaid.rules.art5_2"
    assert art5_2.tier_table.__wrapped__ not in variant.memo, "a copy derives its values again"
    assert art5_2.tier_table(ALL_OVER) == ((10001, 10000), (100001, 80000))
    assert art5_2.tier_table(ALL_AT_LEAST) == ((10000, 10000), (100000, 80000))


MESSAGE_PARAMS = {
    art5_4: {"filing_years", "filing_years_zh", "filing_moves_zh", "filing_moves_en"},
    art5_5: {
        "hospital_min_grade_zh", "hospital_ownership_zh", "hospital_ownership_en",
        "hospital_excluded_kinds_zh", "hospital_excluded_kinds_en",
    },
    art5_2: {"first_tier_edge"},
}  # fmt: skip


@pytest.mark.parametrize(
    "edition",
    [E2022, E2022.replace(id="two-years", filing={"years": 2, "filing_deadline_moves_to_workday": False}, hospital={"min_grade": 3, "excluded_kinds": []})],
    ids=lambda e: e.id,
)
def test_the_message_params_come_from_the_article_modules(edition):
    for module, names in MESSAGE_PARAMS.items():
        own = module.message_params(edition)
        assert set(own) == names, module.__name__
        assert {k: params_of(edition)[k] for k in own} == own, module.__name__
        assert not set(own) & set(edition.params), "the edition's own params know no rule"
    assert not hasattr(art5, "message_params"), "art5 re-exports rules, not a second copy of the params"
    edition_source = (SRC / "edition.py").read_text(encoding="utf-8")
    for name in set().union(*MESSAGE_PARAMS.values()):
        assert f'"{name}"' not in edition_source, f"{name} is an article's, not edition.py's"


def test_a_what_if_edition_s_messages_say_its_own_values():
    two = E2022.replace(id="two-years", filing={"years": 2, "filing_deadline_moves_to_workday": False}, hospital={"min_grade": 3, "excluded_kinds": []})
    p = params_of(two)
    assert (p["filing_years"], p["filing_years_zh"], p["filing_moves_zh"], p["filing_moves_en"]) == (2, "两", "", "")
    assert (p["hospital_min_grade_zh"], p["hospital_excluded_kinds_zh"], p["hospital_excluded_kinds_en"]) == ("三", "无", "none")
    p = params_of(E2022)
    assert (p["filing_years_zh"], p["hospital_min_grade_zh"], p["hospital_ownership_zh"], p["first_tier_edge"]) == ("一", "二", "公立", 20000)
    assert p["filing_moves_zh"] == "（逢节假日已顺延至工作日）"


def test_a_message_param_may_not_shadow_an_edition_value(monkeypatch):
    monkeypatch.setattr(rules_module, "MESSAGE_PARAMS", (*rules_module.MESSAGE_PARAMS, ("tests.clash", lambda e: {"cap_fen": 1})))
    fresh = E2022.replace(id="fresh")
    with pytest.raises(ValueError, match="tests.clash declares message parameters the edition already has: cap_fen"):
        params_of(fresh)


def test_an_edition_is_data_and_needs_no_rule():
    """An edition loads, validates itself and gives its params without the rules (issue 23): the
    rules read the edition, never the other way round."""
    code = (
        "import sys, mutualaid, mutualaid.edition as e\n"
        "ed = e.editions.get('gd-nef-2022')\n"
        "ed.replace(id='x', cap={'amount': '8000.00'})\n"
        "p = ed.params\n"
        "assert p['cap_fen'] == 1000000 and 'filing_years_zh' not in p\n"
        "assert not any(m == 'mutualaid.rules' or m.startswith(('mutualaid.rules.', 'mutualaid.rule')) for m in sys.modules), sorted(sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC.parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
