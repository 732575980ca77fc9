"""Strict text everywhere a claim, a history, a case file or an edition file is read (CONTRACT §5 and
§7, revision 3).

Each test says in its docstring whether it failed on the code before revision 3 (commit 3d24e8b)
("fails before") or pins behaviour that already held ("held before").
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from mutualaid import InvalidClaim, adjudicate, yamlio
from mutualaid.batch import _Decider
from mutualaid.cases import run as run_cases
from mutualaid.edition import Cap, Edition, InvalidEdition, editions, load_edition
from mutualaid.errors import ERRORS_LISTED, DuplicateKeys
from mutualaid.idcard import normalize_id_number
from mutualaid.ledger import Ledger
from mutualaid.values import DEFAULT_IGNORABLE, read_json, to_id, to_money

from claimdata import ID, ID_X, base_claim, edition_data, hist

CLI = [sys.executable, "-m", "mutualaid"]


def refused(claim, history=()) -> InvalidClaim:
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(claim, history)
    return caught.value


# --- 1. ids ---------------------------------------------------------------------------------------

CONTRACT_EXAMPLES = {"trailing space": "M-1 ", "full-width": "Ｍ-1", "zero-width": "M\u200b-1",
                     "variation selector": "M-1\ufe0f", "Hangul filler": "M-1\u1160", "space inside": "M 1"}  # fmt: skip


@pytest.mark.parametrize("spelling", list(CONTRACT_EXAMPLES.values()), ids=list(CONTRACT_EXAMPLES))
def test_the_contract_examples_never_open_a_second_cap(spelling):
    """Fails before for the variation selector, the Hangul filler and the space inside (accepted)."""
    claim = base_claim()
    claim["member"]["member_id"] = spelling
    assert refused(claim).fields == ("member.member_id",)


ENDS = sorted({c for a, b in DEFAULT_IGNORABLE for c in (a, b)})


@pytest.mark.parametrize("code", ENDS, ids=[f"U+{c:04X}" for c in ENDS])
def test_every_default_ignorable_range_is_refused_at_both_ends(code):
    """Fails before for the ends that are neither Cf nor changed by NFKC (U+034F, U+115F, U+1160,
    U+17B4, U+180B, U+FE00, U+FE0F, U+FFF0, U+E0100…): they were accepted inside or at the end of an id."""
    for spelling in (f"M{chr(code)}-1", f"M-1{chr(code)}"):
        with pytest.raises(ValueError):
            to_id(spelling)


def test_the_ignorable_table_is_unicodes_list():
    """The hardcoded Default_Ignorable_Code_Point ranges: the contract's examples and what Unicode
    16.0's DerivedCoreProperties.txt lists (a count of 4,174 code points)."""
    assert sum(b - a + 1 for a, b in DEFAULT_IGNORABLE) == 4174
    for c in (0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180F, 0x200B, 0x2060, 0x206F,
              0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFFA0, 0xFFF0, 0xFFF8, 0xE0000, 0xE0100, 0xE01EF, 0xE0FFF):  # fmt: skip
        assert any(a <= c <= b for a, b in DEFAULT_IGNORABLE), hex(c)


@pytest.mark.parametrize("value", ["H 1", "H-1\ufe0f", "H-1\u3164", "H-\ue000", "H-\u0378"])
@pytest.mark.parametrize("key", ["claim_id", "accident_id"])
def test_history_ids_follow_the_same_rules(key, value):
    """Fails before for the space inside, U+FE0F and the private-use and unassigned characters
    (U+3164 was refused already: NFKC maps it to U+1160)."""
    entry = hist("H-1", "A-0000", "2022-01-15", "800.00", "500.00")
    entry[key] = value
    assert refused(base_claim(), [entry]).fields == (f"history.0.{key}",)


def test_printable_ascii_without_space_stays_an_id():
    """Held before: every printable ASCII character but the space is accepted, and fast."""
    for c in map(chr, range(0x21, 0x7F)):
        assert to_id(f"M{c}1") == f"M{c}1"
    assert to_id("会员-0001") == "会员-0001"


# --- 2. 身份证 numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", [f"{ID} ", f" {ID}", f"{ID}\t", f"{ID[:6]} {ID[6:]}", f"{ID}\u3000", f"{ID}\n"])
@pytest.mark.parametrize("field", ["member.id_number", "payee.holder_id_number"])
def test_white_space_anywhere_in_an_id_number_is_bad_input(field, spelling):
    """Fails before for white space around the number (it was stripped)."""
    claim = base_claim()
    part, key = field.split(".")
    claim[part][key] = spelling
    assert field in refused(claim).fields


def test_a_lowercase_x_is_still_read_as_X_and_full_width_digits_are_refused():
    """Held before."""
    assert normalize_id_number(ID_X.lower()) == ID_X
    with pytest.raises(ValueError, match="17 digits"):
        normalize_id_number(ID.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}))


# --- 3. integers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [True, False, 3.0, "3", Decimal("3"), Decimal("3.0")], ids=repr)
def test_a_grade_is_a_plain_integer(grade):
    """Fails before for true (read as grade 1), 3.0, Decimal('3') and Decimal('3.0'); false and "3"
    were refused already."""
    claim = base_claim()
    claim["treatments"][0]["hospital"]["grade"] = grade
    assert refused(claim).fields == ("treatments.0.hospital.grade",)


def test_a_yaml_grade_of_1_0_is_bad_input():
    """Fails before for 0x3 and 0b11 (read as 3); 1_0 was refused already, as 10 is no grade."""
    for text in ("1_0", "0x3", "0b11"):
        claim = yamlio.load(json.dumps(base_claim()).replace('"grade": 3', f'"grade": {text}'))
        assert refused(claim).fields == ("treatments.0.hospital.grade",)


@pytest.mark.parametrize(
    ("path", "value"),
    [("filing.years", "1_0"), ("filing.years", True), ("hospital.min_grade", True), ("hospital.min_grade", 2.0),
     ("window.days", "180"), ("window.days", 180.0)],  # fmt: skip
)
def test_an_edition_integer_is_plain(path, value):
    """Fails before: "1_0" read as 10, true as 1, "180" as 180, 2.0 as 2."""
    data = edition_data()
    section, key = path.split(".")
    data[section][key] = value
    with pytest.raises(InvalidEdition) as caught:
        editions.get("gd-nef-2022").replace(**{section: {key: value}})
    assert caught.value.fields == (path,)


def test_an_edition_file_with_years_1_0_is_refused(tmp_path):
    """Fails before: the file's plain 1_0 read as 10 years."""
    text = (Path(__file__).parents[1] / "src/mutualaid/editions/gd-nef-2022.yaml").read_text(encoding="utf-8")
    path = tmp_path / "e.yaml"
    path.write_text(text.replace("id: gd-nef-2022", "id: e-1_0").replace("  years: 1\n", "  years: 1_0\n"), encoding="utf-8")
    with pytest.raises(InvalidEdition) as caught:
        load_edition(path)
    assert caught.value.fields == ("filing.years",)


# --- 4. exponent amounts -------------------------------------------------------------------------


def test_an_amount_in_exponent_form_is_refused_in_every_reader():
    """Held before (pins it): as text, as a JSON number and as a YAML number (``1.0e+3``)."""
    claim = base_claim()
    claim["treatments"][0]["items"][0]["out_of_pocket"] = "1E+3"
    assert refused(claim).fields == ("treatments.0.items.0.out_of_pocket",)
    text = json.dumps(base_claim()).replace('"3200.00"', "1e3")
    assert refused(read_json(text)).fields == ("treatments.0.items.0.out_of_pocket",)
    assert refused(yamlio.load(text.replace("1e3", "1.0e+3"))).fields == ("treatments.0.items.0.out_of_pocket",)


def test_a_decimal_in_python_is_judged_by_its_value():
    """Held before: ``Decimal("1E+3")`` is 1000.00."""
    assert to_money(Decimal("1E+3")) == Decimal("1000.00")


# --- 5. duplicate keys -----------------------------------------------------------------------------

REPEATED = json.dumps(base_claim(), ensure_ascii=False).replace('"out_of_pocket": "3200.00"', '"out_of_pocket": "1.00", "out_of_pocket": "3200.00"')


def test_read_json_names_a_repeated_key_by_its_path():
    """Fails before: the last value won silently."""
    with pytest.raises(DuplicateKeys) as caught:
        read_json(REPEATED)
    assert caught.value.fields == ("treatments.0.items.0.out_of_pocket",)
    assert caught.value.errors[0].code == "key.duplicate"


def test_yaml_names_a_repeated_key_by_its_path_in_a_claim_document():
    """Fails before: the last value won silently."""
    doc = f'{{"claim": {REPEATED}, "history": [{{"paid": "1.00", "paid": "2.00"}}]}}'
    with pytest.raises(DuplicateKeys) as caught:
        yamlio.load_claim_document(doc)
    assert caught.value.fields == ("treatments.0.items.0.out_of_pocket", "history.0.paid")
    with pytest.raises(DuplicateKeys) as caught:
        yamlio.load(doc)
    assert caught.value.fields == ("claim.treatments.0.items.0.out_of_pocket", "history.0.paid")


def test_a_yaml_merge_key_is_no_repetition():
    """Held before: ``<<: *base`` lays keys under those written."""
    assert yamlio.load("a: &b {x: 1}\nc: {<<: *b, x: 2}")["c"] == {"x": 2}


def test_the_cli_refuses_a_claim_file_that_repeats_a_key(tmp_path):
    """Fails before: the claim was decided with the last value."""
    path = tmp_path / "claim.json"
    path.write_text(REPEATED, encoding="utf-8")
    done = subprocess.run([*CLI, "adjudicate", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "treatments.0.items.0.out_of_pocket" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("spacing", ['"claim_id": "C-2"', '"claim_id" : "C-2"', '"claim_id"\t:"C-2"'])
def test_the_batch_fast_path_refuses_a_repeated_key(spacing):
    """Fails before: pydantic's own JSON reader (``validate_json``) keeps the last value silently."""
    raw = (json.dumps(base_claim(), ensure_ascii=False)[:-1] + ", " + spacing + "}\n").encode()
    ((answer, _, _),) = _Decider(Ledger(), journal=False)([(1, raw)])
    record = json.loads(answer)
    assert record["fields"] == ["claim_id"] and record["errors"][0]["code"] == "key.duplicate"


def test_the_batch_fast_path_still_accepts_a_colon_inside_a_string():
    """Held before: a colon in a name makes the counts differ; the line is read again and decided."""
    claim = base_claim()
    claim["member"]["name"] = claim["payee"]["holder_name"] = "张:三"
    ((answer, _, _),) = _Decider(Ledger(), journal=False)([(1, json.dumps(claim, ensure_ascii=False).encode())])
    assert json.loads(answer)["outcome"] == "approved"


def test_a_case_whose_claim_repeats_a_key_is_that_cases_bad_input(tmp_path):
    """Fails before: the case was decided with the last value (approved)."""
    path = tmp_path / "cases.yaml"
    path.write_text(f"- name: repeated\n  claim: {REPEATED}\n  expect: {{error: treatments.0.items.0.out_of_pocket}}\n", encoding="utf-8")
    (result,) = run_cases([path])
    assert result.passed, result.detail


def test_an_edition_file_that_repeats_a_key_is_refused(tmp_path):
    """Fails before: the last value won."""
    text = (Path(__file__).parents[1] / "src/mutualaid/editions/gd-nef-2022.yaml").read_text(encoding="utf-8")
    path = tmp_path / "e.yaml"
    path.write_text(text.replace('  amount: "10000.00"\n', '  amount: "10000.00"\n  amount: "99999.00"\n'), encoding="utf-8")
    with pytest.raises(InvalidEdition) as caught:
        load_edition(path)
    assert caught.value.fields == ("cap.amount",)


# --- 6. sizes -----------------------------------------------------------------------------------------

EMOJI = "\U0001f600"  # four bytes in UTF-8


@pytest.mark.parametrize(
    ("path", "good", "bad"),
    [
        ("member.name", EMOJI * 100, EMOJI * 101),
        ("payee.holder_name", EMOJI * 100, EMOJI * 101),
        ("treatments.0.hospital.name", "医" * 200, "医" * 201),
        ("plan", None, "p" * 1001),
    ],
)
def test_text_sizes(path, good, bad):
    """Fails before: names, hospital names and other text had no upper bound."""
    def with_value(v):
        claim = base_claim()
        node = claim
        *head, last = path.split(".")
        for k in head:
            node = node[int(k)] if k.isdigit() else node[k]
        node[last] = v
        if path == "member.name":
            claim["payee"]["holder_name"] = v
        return claim

    if good is not None:
        adjudicate(with_value(good))
    assert path in refused(with_value(bad)).fields


@pytest.mark.parametrize(
    ("path", "limit"),
    [("treatments", 100), ("treatments.0.diagnoses", 20), ("treatments.0.items", 1000), ("accident.circumstances", 20), ("documents", 20)],
)
def test_list_sizes_are_refused_before_the_list_is_read(path, limit):
    """Fails before: no upper bound, and 200,000 bad elements were each validated and reported."""
    claim = base_claim()
    node = claim
    *head, last = path.split(".")
    for k in head:
        node = node[int(k)] if k.isdigit() else node[k]
    node[last] = [{}] * 200_000  # every element bad: only the length may be read
    started = time.perf_counter()
    error = refused(claim)
    assert time.perf_counter() - started < 0.5
    assert error.fields == (path,) and error.errors[0].code == "field.too_many"
    assert str(limit) in error.errors[0].message


def test_a_history_of_more_than_10000_entries_is_refused_by_its_length():
    """Fails before: every entry was validated first."""
    error = refused(base_claim(), [{}] * 10_001)
    assert error.fields == ("history",)


def test_a_claim_at_every_list_limit_is_decided():
    """Held before: the limits themselves are good input."""
    claim = base_claim()
    claim["treatments"][0]["diagnoses"] = ["S82.2"] * 20
    claim["documents"] = ["invoice", "accident_proof", "medical_record"] * 6 + ["other", "other"]
    adjudicate(claim)


# --- 7. the error list is capped ---------------------------------------------------------------


def test_at_most_100_fields_are_listed_then_one_entry_counts_the_rest():
    """Fails before: 120 fields were listed."""
    claim = base_claim()
    claim["treatments"][0]["items"] = [{}] * 40  # 3 missing fields each
    error = refused(claim)
    assert error.total == 120 and len(error.errors) == ERRORS_LISTED + 1
    more = error.errors[-1]
    assert (more.field, more.code, more.value) == ("...", "errors.more", "20")
    assert error.fields == tuple(e.field for e in error.errors)
    assert str(error).startswith("bad input: 120 offending fields\n")
    assert str(error).count("\n") == ERRORS_LISTED + 1
    again = pickle.loads(pickle.dumps(error))
    assert again.errors == error.errors and again.total == 120


def test_the_biggest_claim_within_the_sizes_builds_no_huge_error():
    """Fails before: 100 treatments of 1,000 empty items built 300,000 errors (seconds, hundreds of MB)."""
    claim = base_claim()
    t = claim["treatments"][0]
    claim["treatments"] = [{**t, "treatment_id": f"T{i}", "items": [{}] * 1000} for i in range(100)]
    started = time.perf_counter()
    error = refused(claim)
    assert time.perf_counter() - started < 5
    assert len(error.errors) == ERRORS_LISTED + 1 and error.total == 300_000


def test_the_cli_prints_the_counting_entry(tmp_path):
    """Fails before: every field was printed."""
    claim = base_claim()
    claim["treatments"][0]["items"] = [{}] * 40
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    done = subprocess.run([*CLI, "adjudicate", str(path)], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n  - ") == ERRORS_LISTED + 1 and "and 20 more offending fields" in done.stderr


# --- 8. editions -------------------------------------------------------------------------------------


def test_edition_model_validate_checks_its_parts_again():
    """Fails before: an edition with ``Cap.model_construct(amount=-500)`` decided with a cap of -500.00."""
    e = editions.get("gd-nef-2022")
    data = {name: getattr(e, name) for name in Edition.model_fields}
    data["cap"] = Cap.model_construct(amount=-500)
    with pytest.raises(ValueError, match="negative"):
        Edition.model_validate(data)


@pytest.mark.parametrize("edition_id", ["gd nef", "gd-nef\ufe0f", "ｇｄ", "", "x" * 65])
def test_an_edition_id_follows_the_id_rules(edition_id):
    """Fails before for the space, the variation selector, the full-width letters and 65 characters
    (the empty id was refused already)."""
    with pytest.raises(InvalidEdition) as caught:
        editions.get("gd-nef-2022").replace(id=edition_id)
    assert caught.value.fields == ("id",)


# --- 9. durable_rules at the size limits --------------------------------------------------------------


def _decided_by_both(claim):
    native = adjudicate(claim)
    durable = adjudicate(claim, engine="durable")
    assert native.model_dump(exclude={"engine"}) == durable.model_dump(exclude={"engine"})
    return native


@pytest.mark.parametrize("char", ["\U0001f600", "\U00020000"], ids=["emoji", "CJK Ext-B"])
def test_durable_agrees_at_the_name_limit(char):
    """durable_rules keeps a string's length in an unsigned short: two names over 65,535 bytes that
    differ only at the end compared equal. With names of at most 100 characters (400 bytes) that
    cannot happen; at the limit both engines see the difference in the last character and pend (第七条).
    Held before (names were short in the tests); the sizes now make it hold for every input."""
    pytest.importorskip("durable.engine")
    claim = base_claim()
    claim["member"]["name"] = char * 100
    claim["payee"]["holder_name"] = char * 99 + "X"
    d = _decided_by_both(claim)
    assert d.outcome == "pending" and [r.effect for r in d.reasons] == ["pend"]  # the payee's name (第七条)
    claim["payee"]["holder_name"] = char * 100
    assert _decided_by_both(claim).outcome == "approved"


def test_durable_agrees_at_the_other_text_limit():
    """A plan name of 1,000 characters (the other-text limit) is refused alike by both engines as an
    unknown edition; a hospital name of 200 four-byte characters decides alike."""
    pytest.importorskip("durable.engine")
    claim = base_claim()
    claim["treatments"][0]["hospital"]["name"] = EMOJI * 200
    assert _decided_by_both(claim).outcome == "approved"
    claim["plan"] = EMOJI * 1000
    for engine in ("native", "durable"):
        with pytest.raises(InvalidClaim) as caught:
            adjudicate(claim, engine=engine)
        assert caught.value.fields == ("plan",)


def test_a_case_laid_over_a_base_that_repeats_a_key_is_refused(tmp_path):
    """Fails before: the change's last value won. A case with a base (docs/case-files.md) keeps the
    mark of the mapping that repeated the key through the merge."""
    base = json.dumps({"claim": base_claim()}, ensure_ascii=False)
    path = tmp_path / "based.yaml"
    path.write_text(
        f"base: {base}\ncases:\n"
        "- name: fine\n  expect: {outcome: approved, payout: '2000.00'}\n"
        "- name: repeated in the change\n  claim: {member: {name: 李四, name: 张三}}\n  expect: {error: member.name}\n"
        "- name: repeated in a list element's change\n"
        "  claim: {treatments: {0: {setting: outpatient, setting: inpatient}}}\n  expect: {error: treatments.0.setting}\n",
        encoding="utf-8",
    )
    results = list(run_cases([path]))
    assert [r.passed for r in results] == [True, True, True], [r.detail for r in results]


def test_a_case_file_that_repeats_a_key_outside_the_claims_is_unreadable(tmp_path):
    """Fails before: the second name won silently."""
    from mutualaid.cases import CaseFileError

    path = tmp_path / "cases.yaml"
    path.write_text("- name: a\n  name: b\n  claim: {}\n  expect: {error: x}\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="0.name"):
        list(run_cases([path]))
