"""``mutualaid.testing`` as a test author meets it: its package, its arguments, what it shrinks
towards, ``st.from_type`` and ``st.builds`` with the models, and its own docstring example run as a
new user's test file would run it, with Hypothesis's default settings."""

from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import mutualaid
import mutualaid.testing as T
from mutualaid import Claim, HistoryEntry, adjudicate
from mutualaid.model import Accident, Hospital, Item, Member, Payee, Treatment

STRATEGY_FUNCTIONS = ("accidents", "bad_claims", "claim_streams", "claims", "claims_with_history", "editions", "histories", "id_numbers", "members")
STRATEGY_OBJECTS = ("accident_dates", "amounts_fen")


def test_everything_public_is_re_exported_and_the_dead_names_are_gone():
    assert set(T.__all__) == {*STRATEGY_FUNCTIONS, *STRATEGY_OBJECTS, "BadClaim", "DEADLINE_EDGES", "PROFILE", "anniversary", "edition_from_data", "gb11643_check", "history_entry", "warm_up", "yuan"}
    for name in T.__all__:
        assert getattr(T, name) is not None, name
    assert {*STRATEGY_FUNCTIONS, *STRATEGY_OBJECTS} <= set(T.__all__)
    for dead in ("GRADES", "TIER_PAYS_FEN", "member_sequences", "CIRCUMSTANCE_CLAUSE", "ICD10_GROUP", "WS218_KIND", "table4_clause"):
        assert not hasattr(T, dead), dead
    assert Path(T.__file__).name == "__init__.py"  # a package, as hypothesis.extra's modules are


BAD_ARGUMENTS = [
    ("claims", {"amounts": "huge"}),
    ("claims", {"amounts": None}),
    ("claims", {"clean": "yes"}),
    ("claims", {"complete": 1}),
    ("claims", {"payable": None}),
    ("claims", {"max_treatments": 0}),
    ("claims", {"max_treatments": 2.5}),
    ("claims", {"max_items": -1}),
    ("claims", {"max_items": True}),
    ("claims", {"window": -3}),
    ("claims", {"claim_id": ""}),
    ("claims", {"claim_id": " C-1"}),
    ("claims", {"claim_id": 7}),
    ("claims", {"member": "M-1"}),
    ("claims", {"member": {"member_id": "M-1"}}),
    ("claims", {"accident": {"accident_id": "A-1", "cause": "accident"}}),
    ("claims", {"accident": {"accident_id": "A-1", "occurred_on": "2022/03/01", "cause": "accident"}}),
    ("histories", {"for_claim": []}),
    ("histories", {"for_claim": {"claim_id": "C-1", "accident": {"accident_id": "A-1"}}}),
    ("histories", {"max_size": -1}),
    ("histories", {"max_size": 101}),
    ("histories", {"edition": "gd-nef-2022"}),
    ("claims_with_history", {"clean": "no"}),
    ("claims_with_history", {"complete": 0}),
    ("claims_with_history", {"payable": "true"}),
    ("claims_with_history", {"max_history": -2}),
    ("claim_streams", {"min_size": -1}),
    ("claim_streams", {"min_size": 5, "max_size": 4}),
    ("claim_streams", {"max_size": 1000}),
    ("claim_streams", {"payable": 1}),
    ("editions", {"base": {"id": "x"}}),
    ("editions", {"moves_to_workday": "no"}),
    ("editions", {"accumulate_same_accident": 0}),
    ("members", {"occurred_on": "2022-03-01"}),
    ("members", {"occurred_on": dt.datetime(2022, 3, 1)}),
    ("members", {"eligible": None}),
    ("accidents", {"occurred_on": 20220301}),
    ("accidents", {"accident_id": ""}),
    ("accidents", {"clean": "yes"}),
    ("id_numbers", {"lowercase_x": "x"}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD_ARGUMENTS, ids=[f"{n}-{'-'.join(k)}-{list(k.values())[0]!r}" for n, k in BAD_ARGUMENTS])
def test_a_bad_argument_raises_invalid_argument_naming_it(name, kwargs):
    """Hypothesis's convention: a strategy refuses an argument it cannot honour (``claims(amounts="huge")``
    used to draw ``"any"`` silently), naming the argument, when the strategy is built."""
    with pytest.raises(InvalidArgument) as exc:
        getattr(T, name)(**kwargs)
    assert any(key in str(exc.value) for key in kwargs), str(exc.value)


def test_every_argument_of_every_strategy_is_checked():
    """Each keyword of each public strategy appears among the bad arguments above."""
    covered = {(n, k) for n, kw in BAD_ARGUMENTS for k in kw}
    for name in STRATEGY_FUNCTIONS:
        for param in inspect.signature(getattr(T, name)).parameters:
            assert (name, param) in covered, (name, param)


def test_good_arguments_still_draw():
    day = dt.date(2022, 5, 1)
    accident = {"accident_id": "A-1", "occurred_on": "2022-05-01", "cause": "accident"}
    strategies = [
        T.claims(amounts="large", max_items=0, max_treatments=1, window=0, claim_id="C-1", accident=accident),
        T.claims(max_items=1),
        T.histories(max_size=0),
        T.claim_streams(min_size=0, max_size=0),
        T.members(occurred_on=day, eligible=True),
        T.accidents(occurred_on=day, accident_id="A-9", clean=True),
        T.id_numbers(lowercase_x=False),
        T.editions(moves_to_workday=True, accumulate_same_accident=False),
    ]

    @settings(max_examples=20, deadline=None, database=None)
    @given(st.tuples(*strategies))
    def draws(values):
        claim, one_item_each, history, stream, member, acc, number, edition = values
        assert all(len(t["items"]) <= 1 for t in one_item_each["treatments"])
        assert claim["claim_id"] == "C-1" and claim["accident"] == accident
        assert all(t["items"] == [] for t in claim["treatments"]) and len(claim["treatments"]) == 1
        assert history == [] and stream == []
        assert member["union_member_since"] <= "2022-05-01" and acc["occurred_on"] == "2022-05-01"
        assert not number.endswith("x")
        assert edition.filing.filing_deadline_moves_to_workday is True and edition.accumulate_same_accident is False
        adjudicate(claim)

    draws()


# --- what each strategy shrinks towards, as its docstring says ---------------------------------------------


def _minimal(strategy):
    """The simplest example: every choice at its simplest, which is where shrinking ends when every
    example fails (Hypothesis tries it first, so one example without the shrink phase finds it)."""
    return find(strategy, lambda _: True, settings=settings(database=None, max_examples=1, phases=[Phase.generate]))


def test_each_strategy_says_what_it_shrinks_towards():
    for name in (*STRATEGY_FUNCTIONS, *STRATEGY_OBJECTS):
        doc = getattr(T, name).__doc__ if name in STRATEGY_FUNCTIONS else None
        if name in STRATEGY_OBJECTS:
            source = inspect.getsource(sys.modules["mutualaid.testing._claims"])
            doc = source.split(f"{name} = ", 1)[1].split('"""', 2)[1]
        assert "Shrinks towards" in doc, name


def test_the_strategies_shrink_where_their_docstrings_say():
    claim = _minimal(T.claims())
    assert (claim["claim_id"], claim["filed_on"], claim["accident"]["occurred_on"]) == ("C-0001", "2022-01-01", "2022-01-01")
    (t,) = claim["treatments"]
    assert t["treatment_id"] == "T1" and t["diagnoses"] == ["S82.2"] and t["items"] == []
    assert t["hospital"] == {"grade": 3, "ownership": "public", "kind": "general"}
    assert claim["documents"] == ["invoice", "accident_proof", "medical_record"]
    assert claim["payee"]["holder_name"] == claim["member"]["name"] == "张三"
    assert claim["member"]["member_id"] == "M-0001" and "id_number" not in claim["member"]
    assert claim["member"]["occupation"] == "truck_driver"
    assert _minimal(T.histories()) == []
    assert _minimal(T.claims_with_history())[1] == []
    stream = _minimal(T.claim_streams(min_size=2))
    assert len(stream) == 2 and {c["accident"]["accident_id"] for c in stream} == {"A-1"}
    assert {c["accident"]["occurred_on"] for c in stream} == {"2022-01-01"}
    base = mutualaid.editions.get("gd-nef-2022")
    edition = _minimal(T.editions())
    assert {**edition.model_dump(mode="json"), "id": base.id} == base.model_dump(mode="json")
    bad = _minimal(T.bad_claims())
    assert (bad.field, bad.claim["member"]["occupation"], bad.history) == ("member.occupation", "pilot", [])
    assert _minimal(T.amounts_fen) == 0
    assert _minimal(T.accident_dates) == dt.date(2022, 1, 1)
    assert _minimal(T.accidents()) == {"accident_id": "A-0001", "occurred_on": "2022-01-01", "cause": "accident", "circumstances": ["fight"]}
    assert _minimal(T.accidents(clean=True)) == {"accident_id": "A-0001", "occurred_on": "2022-01-01", "cause": "accident"}
    assert claim["accident"]["circumstances"] == ["fight"] and "circumstances" not in _minimal(T.claims(clean=True))["accident"]
    shrunk = find(T.accidents(), lambda _: True, settings=settings(database=None))  # with the shrink phase
    assert shrunk == {"accident_id": "A-0001", "occurred_on": "2022-01-01", "cause": "accident"}
    assert "circumstances" not in find(T.claims(), lambda _: True, settings=settings(database=None))["accident"]
    assert _minimal(T.id_numbers()) == "440106194001010000"[:17] + T.gb11643_check("44010619400101000")
    member = _minimal(T.members(occurred_on=dt.date(2022, 6, 1)))
    assert member["union_member_since"] == member["real_name_verified_on"] == "2022-06-01"


# --- st.from_type and st.builds ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_type(Claim), st.from_type(HistoryEntry))
def test_from_type_claims_and_history_entries_are_decided(claim, entry):
    """Importing ``mutualaid.testing`` registers its strategies for the models: a drawn Claim and a
    drawn HistoryEntry (ids ``H-…``, accidents ``A-H…``, never a claim's) are decided together."""
    assert isinstance(claim, Claim) and isinstance(entry, HistoryEntry)
    decision = adjudicate(claim, [entry])
    assert decision.claim_id == claim.claim_id


@settings(max_examples=60, deadline=None)
@given(st.from_type(Member), st.from_type(Accident), st.from_type(Hospital), st.from_type(Treatment), st.from_type(Item), st.from_type(Payee))
def test_from_type_draws_every_part_as_a_model(member, accident, hospital, treatment, item, payee):
    for value, model in ((member, Member), (accident, Accident), (hospital, Hospital), (treatment, Treatment), (item, Item), (payee, Payee)):
        assert type(value) is model
    assert T.PROFILE == "mutualaid"
    assert dt.date(2022, 1, 1) <= accident.occurred_on <= T._types.PARTS_FILED_BY
    assert item.on <= T._types.PARTS_FILED_BY and all(it.on <= T._types.PARTS_FILED_BY for it in treatment.items)


BUILT_CLAIMS = st.builds(
    Claim,
    claim_id=st.just("C-1"),
    filed_on=st.just(T._types.PARTS_FILED_BY),
    treatments=st.lists(st.from_type(Treatment), min_size=1, max_size=3, unique_by=lambda t: t.treatment_id).map(tuple),
)


@settings(max_examples=80, deadline=None)
@given(BUILT_CLAIMS)
def test_builds_a_claim_from_drawn_parts_as_docs_testing_md_says(claim):
    """``st.builds(Claim, ...)`` with what a part cannot know (an id, a filing date on or after every
    part's dates, treatments with distinct ids): the member, accident, documents and payee come from
    ``from_type``, and the claim is decided, never refused."""
    adjudicate(claim)


def test_builds_without_those_arguments_cannot_build_a_claim():
    """What docs/testing.md says builds needs: without an id it draws arbitrary text for it, which
    the model refuses (pydantic's ValidationError, not a claim)."""
    from pydantic import ValidationError

    @settings(database=None, max_examples=5, phases=[Phase.generate])
    @given(st.builds(Claim))
    def built(claim):
        pass

    with pytest.raises(ValidationError):
        built()


# --- the docstring's example, as a new user runs it ------------------------------------------------------


def _first_decision():
    """benchmarks/first_decision.py, which runs the example ten times on a loaded machine; here once."""
    spec = importlib.util.spec_from_file_location("first_decision", Path(__file__).resolve().parent.parent / "benchmarks" / "first_decision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docstring_example_passes_for_a_new_user_with_default_settings(tmp_path):
    """The example at the top of ``mutualaid.testing``'s docstring, written as a new user's test file
    and run by pytest in its own rootdir with an empty ini file: the project's conftest and its
    Hypothesis profiles do not apply, so Hypothesis's defaults (a 200 ms deadline) do."""
    bench = _first_decision()
    example = bench.docstring_example()
    assert "@given(claims())" in example and "@given(bad_claims())" in example
    ok, _, out = bench.run_example(tmp_path)
    assert ok, out
    assert re.search(r"\b2 passed\b", out), out
    assert not (tmp_path / "conftest.py").exists()


def test_the_examples_of_docs_testing_md_run(tmp_path):
    """Every Python block of docs/testing.md runs as written: the conftest block as conftest.py, the
    others as test files of a new user's folder (outside the project's conftest). The page's first
    block is the docstring's example, character for character; the test above runs it, under
    Hypothesis's defaults (a deadline this folder's conftest lifts), so it is not run twice."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 6
    assert blocks[0] == _first_decision().docstring_example()
    tests = 0
    for n, block in enumerate(blocks[1:], start=1):
        if block.startswith("# conftest.py"):
            (tmp_path / "conftest.py").write_text(block, encoding="utf-8")
        else:
            (tmp_path / f"test_block_{n}.py").write_text(block, encoding="utf-8")
            tests += len(re.findall(r"^def test_", block, re.M))
    assert (tmp_path / "conftest.py").exists()
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), "-q", str(tmp_path)],
        cwd=tmp_path, env=_first_decision()._env(), capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(rf"\b{tests} passed\b", r.stdout), r.stdout
