"""Contract revision 2 and editions that cannot mislead (issue 12).

- Reasons within a row of CONTRACT §3's table go subject by subject (CONTRACT §7, "Reason order").
- Every number and word a message or hint states of the plan's parameters is the edition's own.
- No documented way of building an edition skips validation; a broken one is refused, field by field.
- An edition's exclusion keys make its rules; a key that names no exclusion is refused.
- ``filing.top_ups_meet_deadline`` is the art5.4 reading for top-ups, as an edition parameter.
- The shipped what-if edition file decides the example stories with its own numbers.
"""

from __future__ import annotations

import re
import string
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid.testing as T
from mutualaid import Edition, InvalidClaim, adjudicate, editions, load_edition, read_claim_file
from mutualaid.cli import main
from mutualaid.edition import InvalidEdition
from mutualaid.exclusions import BY_CLAUSE
from mutualaid.rules.art6 import circumstance_rule, diagnosis_rule
from mutualaid.rule import chinese_number
from mutualaid.rules import RULES, rules_for
from mutualaid.vocabulary import NAMES

ROOT = Path(__file__).resolve().parent.parent
WHAT_IF = ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml"
E2022 = editions.get("gd-nef-2022")


def _base_claim() -> dict:
    return {
        "claim_id": "C-1",
        "filed_on": "2022-04-10",
        "member": {"member_id": "M-1", "name": "张三", "union_member_since": "2021-08-01", "real_name_verified_on": "2021-08-01", "occupation": "courier"},
        "accident": {"accident_id": "A-1", "occurred_on": "2022-03-01", "cause": "accident"},
        "treatments": [_treatment("T1", grade=3, ownership="public")],
        "documents": ["invoice", "accident_proof", "medical_record"],
        "payee": {"holder_name": "张三", "account_number": "6222020200112233445"},
    }


def _treatment(tid: str, *, grade=3, ownership="public", kind="general", diagnoses=("S82.2",), amount="3200.00", on="2022-03-01") -> dict:
    return {
        "treatment_id": tid,
        "hospital": {"name": "某医院", "grade": grade, "ownership": ownership, "kind": kind},
        "setting": "inpatient",
        "diagnoses": list(diagnoses),
        "items": [{"on": on, "category": "treatment", "out_of_pocket": amount}],
    }


# --- reason order ------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["native", "durable"])
def test_reasons_within_a_row_go_subject_by_subject(engine):
    """CONTRACT §7: "every reason of T1 before any of T2, and for one subject the clauses in the row's order"."""
    if engine == "durable":
        pytest.importorskip("durable")
    c = _base_claim()
    c["treatments"] = [_treatment("T1", grade=1, ownership="private"), _treatment("T2", grade=1, ownership="private", on="2022-03-02")]
    d = adjudicate(c, engine=engine)
    art5_5 = [(r.rule, r.subject) for r in d.reasons if r.clause == "art5.5"]
    assert art5_5 == [
        ("hospital.grade_below_minimum", "T1"),
        ("hospital.not_public", "T1"),
        ("hospital.grade_below_minimum", "T2"),
        ("hospital.not_public", "T2"),
    ]
    # and the rows keep the table's order: art5.5 before art5.2's tier
    clauses = [r.clause for r in d.reasons]
    assert clauses.index("art5.2") > max(i for i, x in enumerate(clauses) if x == "art5.5")


def test_rows_of_items_keep_the_tables_clause_rows():
    """art6.7, art6.8 and art6.9 are three rows of the table: all art6.7 reasons come before any art6.8 one."""
    c = _base_claim()
    c["treatments"][0]["items"] = [
        {"on": "2022-03-01", "category": "dental", "out_of_pocket": "10.00"},
        {"on": "2022-03-01", "category": "medication", "medication_use": "self_medicated", "out_of_pocket": "10.00"},
        {"on": "2022-03-01", "category": "treatment", "out_of_pocket": "3000.00"},
    ]
    d = adjudicate(c)
    assert [(r.clause, r.subject) for r in d.reasons if r.effect == "exclude"] == [("art6.7", "T1/2"), ("art6.8", "T1/1")]


def test_circumstances_of_one_claim_follow_the_clauses_order():
    c = _base_claim()
    c["accident"]["circumstances"] = ["motor_racing", "drunk_driving", "fight"]
    d = adjudicate(c)
    assert [r.clause for r in d.reasons if r.effect == "deny" and r.clause.startswith("art6")] == ["art6.1", "art6.3", "art6.11"]


# --- messages state the edition's own numbers ---------------------------------------------------

_NUMBER = re.compile(r"[0-9一二三四五六七八九十百千万两]+")
# Literal text a template may hold that looks like a number but states no parameter:
# "ICD-10" (the classification's name, quoted from the plan), zero ("both 0 mean the top tier"),
# and 同一 ("the same").
_ALLOWED_LITERALS = ("ICD-10", "均为 0 ", "both 0:", "同一")


def _every_rule():
    return (*RULES, *(circumstance_rule(c) for c in BY_CLAUSE), *(diagnosis_rule(c) for c in BY_CLAUSE))


def _templates(rule):
    yield rule.message_zh
    yield rule.message_en
    if rule.hint is not None:
        yield rule.hint.message_zh
        yield rule.hint.message_en
        yield rule.hint.ended_zh  # the words once the cover has ended (revision 3)
        yield rule.hint.ended_en


def test_no_template_types_a_number_in():
    """Every number a message or hint states comes from a placeholder: the facts or the edition."""
    found = []
    for rule in _every_rule():
        for template in _templates(rule):
            literal = "".join(text for text, _, _, _ in string.Formatter().parse(template))
            for allowed in _ALLOWED_LITERALS:
                literal = literal.replace(allowed, "")
            found += [(rule.id, m.group()) for m in _NUMBER.finditer(literal)]
    assert found == []


def _expected_renderings(edition: Edition) -> dict[str, set[str]]:
    """How each edition value a template may name must read in a message, from the edition's data
    (not from the library's parameter table): placeholder name → acceptable renderings."""
    h = edition.hospital
    moves = edition.filing.filing_deadline_moves_to_workday
    return {
        "window_days": {str(edition.window.days)},
        "filing_years": {str(edition.filing.years)},
        "filing_years_zh": {"两" if edition.filing.years == 2 else chinese_number(edition.filing.years)},  # 两年
        "hospital_min_grade": {str(h.min_grade)},
        "hospital_min_grade_zh": {chinese_number(h.min_grade)},
        "cap_fen": {_stated(edition.cap.amount)},
        "first_tier_edge": {_stated(edition.tiers[0].edge)},
        "hospital_ownership_zh": {NAMES[h.ownership][0]},
        "hospital_ownership_en": {NAMES[h.ownership][1]},
        "hospital_excluded_kinds_zh": {"、".join(NAMES[k][0] for k in h.excluded_kinds) or "无"},
        "hospital_excluded_kinds_en": {", ".join(NAMES[k][1] for k in h.excluded_kinds) or "none"},
        "filing_moves_zh": {"顺延" if moves else ""},
        "filing_moves_en": {"moved to the next working day" if moves else ""},
    }


def _stated(amount: Decimal) -> str:
    """An amount as a message states it (CONTRACT §7, revision 3): exactly, with thousands
    separators, the fen only when there are any (``9,999.99``, ``10,000``)."""
    return f"{amount:,.2f}".removesuffix(".00")


def _named(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _check_messages(decision, edition: Edition) -> None:
    rules = {r.id: r for r in rules_for(edition)}
    want = _expected_renderings(edition)
    ended = any(rules[r.rule].ends_cover for r in decision.reasons)  # the hints' cover-ended words, if any
    for item in (*decision.reasons, *decision.hints):
        rule = rules[item.rule]
        if hasattr(item, "kind"):
            assert rule.hint is not None
            h = rule.hint
            zh, en = (h.ended_zh or h.message_zh, h.ended_en or h.message_en) if ended else (h.message_zh, h.message_en)
            pairs = ((zh, item.message_zh), (en, item.message_en))
        else:
            pairs = ((rule.message_zh, item.message_zh), (rule.message_en, item.message_en))
        for template, text in pairs:
            for name in _named(template) & set(want):
                assert any(w in text for w in want[name]), (rule.id, name, want[name], text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_messages_and_hints_state_the_editions_own_numbers(data):
    """Over generated editions (tiers, cap, window, filing years, the move, grades, kinds…): every
    parameter a message or hint names reads as that edition's value, in both languages."""
    edition = data.draw(T.editions())
    claim = data.draw(T.claims())
    history = data.draw(T.histories(for_claim=claim, edition=edition))
    try:
        d = adjudicate(claim, history, plan=edition, record=False)
    except InvalidClaim:  # a history the what-if's smaller cap or top tier cannot hold
        return
    _check_messages(d, edition)


def _late_ungraded_claim() -> dict:
    """Fails art5.4 (filed three years late), art5.5 (grade 1, private, a rehabilitation
    institution) and art5.1 (an item on day 400), and stays below the first tier."""
    c = _base_claim()
    c["filed_on"] = "2025-03-20"
    c["treatments"] = [
        _treatment("T1", grade=1, ownership="private", kind="rehabilitation", amount="150.00"),
        _treatment("T2", amount="10.00", on="2023-04-05"),
    ]
    return c


CHANGES = [
    ("window", {"window": {"days": 365}}, "window.outside"),
    ("filing.years", {"filing": {"years": 2}}, "filing.late"),
    ("filing.filing_deadline_moves_to_workday", {"filing": {"filing_deadline_moves_to_workday": False}}, "filing.late"),
    ("hospital.min_grade", {"hospital": {"min_grade": 3}}, "hospital.grade_below_minimum"),
    ("hospital.ownership", {"hospital": {"ownership": "private"}}, "hospital.not_public"),
    ("hospital.excluded_kinds", {"hospital": {"excluded_kinds": ["rehabilitation", "nursing"]}}, "hospital.excluded_kind"),
    ("tiers", {"tiers": [{"at_least": "300.00", "pays": "250.00"}]}, "tier.below_first_tier"),
]


@pytest.mark.parametrize(("name", "change", "rule"), CHANGES, ids=[c[0] for c in CHANGES])
def test_changing_a_parameter_changes_the_message_that_names_it(name, change, rule):
    c = _late_ungraded_claim()
    base = adjudicate(c, record=False)
    changed_edition = E2022.replace(id="what-if-message", **change)
    if name == "filing.years":  # still late under two years
        c["filed_on"] = "2025-03-20"
    changed = adjudicate(c, plan=changed_edition, record=False)
    _check_messages(changed, changed_edition)

    def texts(d):
        return {(x.message_zh, x.message_en) for x in (*d.reasons, *d.hints) if x.rule == rule}

    before, after = texts(base), texts(changed)
    assert before and after, (rule, base.reasons, changed.reasons)
    assert {zh for zh, _ in before} != {zh for zh, _ in after}, rule  # the Chinese changed
    assert {en for _, en in before} != {en for _, en in after}, rule  # and the English


def test_grade_and_years_read_as_words_in_chinese():
    """The issue's example: min_grade 3 and two filing years must not say 二级 or 超过一年."""
    edition = E2022.replace(id="what-if-grade3-2y", hospital={"min_grade": 3}, filing={"years": 2})
    c = _late_ungraded_claim()
    c["filed_on"] = "2026-03-20"
    d = adjudicate(c, plan=edition, record=False)
    zh = " ".join(r.message_zh for r in d.reasons)
    assert "三级或三级以上" in zh and "二级" not in zh
    assert "超过两年" in zh and "超过一年" not in zh
    assert "more than 2 year(s)" in " ".join(r.message_en for r in d.reasons)


# --- the what-if edition file ---------------------------------------------------------------------


def test_the_what_if_edition_is_named_as_one_and_differs_only_in_cap_and_years():
    w = load_edition(WHAT_IF)
    assert w.id.startswith("what-if") and "非真实计划" in w.title and "not a plan" in w.source
    assert w.cap.amount == Decimal("8000.00") and w.filing.years == 2
    assert w.replace(id=E2022.id, title=E2022.title, source=E2022.source, cap={"amount": "10000.00"}, filing={"years": 1},
                     references=dict(E2022.references)) == E2022


@pytest.mark.parametrize("story", sorted(p.name for p in (ROOT / "examples").glob("*.yaml")))
def test_every_example_story_under_the_what_if_speaks_its_numbers(story):
    w = load_edition(WHAT_IF)
    claim, history = read_claim_file(ROOT / "examples" / story)
    claim = {k: v for k, v in claim.items() if k != "plan"}
    d = adjudicate(claim, history, plan=w)
    _check_messages(d, w)
    text = " ".join(f"{x.message_zh} {x.message_en}" for x in (*d.reasons, *d.hints))
    assert "10000" not in text and "一年" not in text and "a year" not in text
    assert d.plan == w.id


def test_the_what_if_cap_pays_less_where_the_2022_cap_would_not():
    claim, history = read_claim_file(ROOT / "examples" / "driver-cap-exhausted.yaml")
    w = load_edition(WHAT_IF)
    under_2022, under_w = adjudicate(claim, history), adjudicate(claim, history, plan=w)
    assert under_2022.payout == Decimal("2000.00") and under_w.payout == Decimal("0.00")
    assert any(r.rule == "cap.exhausted" and "8,000 元" in r.message_zh for r in under_w.reasons)


def test_the_what_if_filing_limit_takes_a_claim_filed_in_the_second_year():
    c = _base_claim()
    c["filed_on"] = "2023-09-01"
    assert adjudicate(c).outcome == "denied"
    assert adjudicate(c, plan=load_edition(WHAT_IF)).outcome == "approved"


# --- no way of building an edition skips validation ---------------------------------------------


def _reversed_tiers() -> list[dict]:
    return [t.model_dump(mode="json", exclude_none=True) for t in reversed(E2022.tiers)]


def _broken_data() -> dict:
    data = E2022.model_dump(mode="json", by_alias=True)
    data["tiers"] = _reversed_tiers()
    return data


BUILDERS = {
    "Edition(**data)": lambda: Edition(**_broken_data()),
    "Edition.model_validate": lambda: Edition.model_validate(_broken_data()),
    "Edition.model_construct": lambda: Edition.model_construct(**_broken_data()),
    "edition.replace": lambda: E2022.replace(tiers=_reversed_tiers()),
    "edition.model_copy(update=)": lambda: E2022.model_copy(update={"tiers": _reversed_tiers()}),
    "edition.model_copy(update=) nested": lambda: E2022.model_copy(update={"cap": {"amount": "-8000.00"}}),
}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=list(BUILDERS))
def test_every_way_of_building_an_edition_refuses_a_broken_one(build):
    from pydantic import ValidationError

    with pytest.raises((InvalidClaim, ValidationError)) as info:
        build()
    text = str(info.value)
    assert "tiers" in text or "cap.amount" in text


def test_load_edition_refuses_a_broken_file_field_by_field(tmp_path):
    import yaml

    data = _broken_data()
    data["window"]["days"] = 0
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InvalidEdition) as info:
        load_edition(path)
    assert set(info.value.fields) >= {"tiers", "window.days"}
    assert str(info.value).startswith("bad edition:") and "errors.pydantic.dev" not in str(info.value)


def test_a_nested_update_changes_only_what_it_names():
    """The path docs/api.md documented: ``update={"cap": {"amount": "8000.00"}}`` crashed inside edition.py."""
    e = E2022.model_copy(update={"id": "what-if-8000", "cap": {"amount": "8000.00"}})
    assert e.cap.amount == Decimal("8000.00") and e.cap.scope == E2022.cap.scope
    assert e.cap_fen == 800000 and E2022.cap_fen == 1000000
    same = E2022.replace(id="what-if-8000", cap={"amount": "8000.00"})
    assert same == e and same.content_hash == e.content_hash != E2022.content_hash


def test_reversed_tiers_are_never_decided():
    """The issue's finding: reversed tiers decided without error (approved 200.00 where 2000.00 is due)."""
    with pytest.raises(InvalidClaim):
        adjudicate(_base_claim(), plan=E2022.model_copy(update={"tiers": _reversed_tiers()}))


@pytest.mark.parametrize("command", ["adjudicate", "diff", "batch"])
def test_the_command_shows_a_broken_edition_file_tidily(command, tmp_path, capsys):
    import yaml

    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(_broken_data(), allow_unicode=True), encoding="utf-8")
    claims = tmp_path / "in.jsonl"
    claims.write_text("", encoding="utf-8")
    argv = {
        "adjudicate": ["adjudicate", str(ROOT / "examples" / "courier-fracture.yaml"), "--plan", str(path)],
        "diff": ["diff", "--edition", "gd-nef-2022", "--edition", str(path), str(claims)],
        "batch": ["batch", str(claims), str(tmp_path / "out.jsonl"), "--plan", str(path)],
    }[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "tiers" in err and "bad edition" in err
    assert "errors.pydantic.dev" not in err and "Traceback" not in err


# --- exclusion keys make the rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "key", "value"),
    [
        ("circumstances", "art6.99", ["fight"]),
        ("circumstances", "art7", ["fight"]),
        ("diagnoses", "art6.14", {"include": ["A00"]}),
        ("diagnoses", "exclusion.6.5", {"include": ["M51"]}),
    ],
)
def test_an_exclusion_key_no_rule_handles_is_refused_by_name(group, key, value):
    data = E2022.model_dump(mode="json", by_alias=True)
    data["exclusions"][group] = {**data["exclusions"][group], key: value}
    with pytest.raises(InvalidClaim) as info:
        E2022.replace(exclusions=data["exclusions"])
    assert key in str(info.value) and f"exclusions.{group}" in info.value.fields


def test_a_group_code_that_is_no_icd10_code_is_refused():
    with pytest.raises(InvalidClaim) as info:
        E2022.replace(exclusions={"diagnoses": {"art6.8": {"include": ["K0O-K08"]}}})
    assert "K0O-K08" in str(info.value)


def test_the_rules_follow_the_editions_keys():
    """Leaving art6.10 out applies it nowhere: no rule for it, so an infection counts."""
    ex = E2022.model_dump(mode="json", by_alias=True)["exclusions"]
    del ex["circumstances"]["art6.10"], ex["diagnoses"]["art6.10"]
    smaller = E2022.replace(id="what-if-no-art6.10", exclusions=ex)
    assert "exclusions.diagnoses.art6.10" not in smaller.references  # its citation went with it
    ids = {r.id for r in rules_for(smaller)}
    assert "exclusion.6.10.diagnosis" not in ids and "exclusion.6.10.circumstance" not in ids
    assert {r.id for r in rules_for(E2022)} - ids == {"exclusion.6.10.diagnosis", "exclusion.6.10.circumstance"}
    c = _base_claim()
    c["treatments"][0]["diagnoses"] = ["A41.9"]
    c["accident"]["circumstances"] = ["infection"]
    assert adjudicate(c).outcome == "denied"
    d = adjudicate(c, plan=smaller)
    assert d.outcome == "approved" and "exclusion.6.10.diagnosis" not in d.passed


def test_an_edition_may_add_an_exclusion_the_2022_edition_does_not_use():
    """art6.7's clause gets a circumstance rule when an edition lists codes for it."""
    ex = E2022.model_dump(mode="json", by_alias=True)["exclusions"]
    ex["circumstances"] = {k: v for k, v in ex["circumstances"].items() if k != "art6.11"}
    ex["circumstances"]["art6.7"] = ["diving"]
    e = E2022.replace(id="what-if-diving-as-6.7", exclusions=ex)
    c = _base_claim()
    c["accident"]["circumstances"] = ["diving"]
    d = adjudicate(c, plan=e)
    assert [(r.clause, r.rule) for r in d.reasons if r.effect == "deny"] == [("art6.7", "exclusion.6.7.circumstance")]


# --- citations are data -----------------------------------------------------------------------


def test_every_value_of_the_shipped_edition_cites_its_clause():
    data = E2022.model_dump(mode="json", by_alias=True, exclude={"references"})
    leaves = {"period", "window.days", "tiers", "accumulate_same_accident", "cap.amount", "cap.scope", "filing.years",
              "filing.filing_deadline_moves_to_workday", "filing.top_ups_meet_deadline", "contribution", "documents.required",
              "hospital.min_grade", "hospital.ownership", "hospital.excluded_kinds"}
    leaves |= {f"exclusions.{g}.{k}" for g in ("circumstances", "diagnoses") for k in data["exclusions"][g]}
    assert leaves <= set(E2022.references)
    assert all(ref.quote for ref in E2022.references.values())
    assert E2022.references["cap.amount"].clause == "art5.3" and "10000" in E2022.references["cap.amount"].quote


def test_a_reference_to_a_value_the_edition_lacks_is_refused():
    with pytest.raises(InvalidClaim) as info:
        E2022.replace(references={**E2022.references, "cap.amont": {"clause": "art5.3"}})
    assert "cap.amont" in str(info.value)


def test_references_decide_nothing_and_hash_nothing():
    cited_otherwise = E2022.replace(references={"cap.amount": {"clause": "art5.3", "quote": "x"}})
    assert cited_otherwise.content_hash == E2022.content_hash


# --- top-ups and the filing deadline (an edition parameter) ------------------------------------


def _late_top_up() -> tuple[dict, list]:
    c = _base_claim()
    c.update(claim_id="C-2", filed_on="2023-03-02")
    history = [{"claim_id": "C-1", "accident_id": "A-1", "accident_occurred_on": "2022-03-01", "counted_out_of_pocket": "300.00", "paid": "200.00"}]
    return c, history


def test_a_late_top_up_is_late_unless_the_edition_exempts_top_ups():
    c, history = _late_top_up()
    d = adjudicate(c, history)
    assert d.outcome == "denied" and any(r.rule == "filing.late" for r in d.reasons)
    lenient = E2022.replace(id="what-if-top-ups-exempt", filing={"top_ups_meet_deadline": False})
    # Revision 3: the exemption needs an on-time filing of the accident in the history; C-1 gives no
    # filed_on, so it shows none, and the top-up is late.
    d = adjudicate(c, history, plan=lenient)
    assert d.outcome == "denied" and any(r.rule == "filing.late" for r in d.reasons)
    on_time = [dict(history[0], filed_on="2022-03-05")]
    d = adjudicate(c, on_time, plan=lenient)
    assert d.outcome == "approved" and d.payout == Decimal("1800.00") and "filing.late" in d.passed
    first_filing = dict(c, claim_id="C-9")
    assert adjudicate(first_filing, plan=lenient).outcome == "denied"  # the first filing still must be on time


def test_messages_follow_a_what_if_without_the_move():
    c = _base_claim()
    c["filed_on"] = "2023-03-10"
    still = adjudicate(c)
    no_move = adjudicate(c, plan=E2022.replace(id="what-if-no-move", filing={"filing_deadline_moves_to_workday": False}))
    hint = lambda d: next(h for h in d.hints if h.rule == "filing.late")  # noqa: E731
    assert "顺延" in hint(still).message_zh and "顺延" not in hint(no_move).message_zh
    assert "moved" in hint(still).message_en and "moved" not in hint(no_move).message_en
