"""Bad input (CONTRACT §5, §7): one documented exception, naming every offending field; inputs never change."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid import Claim, HistoryEntry, InvalidClaim, adjudicate
from mutualaid import values
from mutualaid.errors import FieldError

from claimdata import ID, base_claim, hist, item, set_odd_leaves, treatment


def _set(path: str, value):
    """A mutator setting a dotted path ('treatments.0.items.0.on') of the base claim; DEL deletes it."""

    def mutate(c):
        *head, last = path.split(".")
        obj = c
        for k in head:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        if value is DEL:
            del obj[int(last) if last.isdigit() else last]
        else:
            obj[int(last) if last.isdigit() else last] = value

    return mutate


DEL = object()
ITEM = "treatments.0.items.0"

SINGLE_FAULTS = [
    # unknown enum values and codes
    ("unknown occupation", _set("member.occupation", "pilot"), "member.occupation"),
    ("unknown cause", _set("accident.cause", "fate"), "accident.cause"),
    ("unknown circumstance", _set("accident.circumstances", ["fight", "bungee"]), "accident.circumstances.1"),
    ("unknown setting", _set("treatments.0.setting", "home"), "treatments.0.setting"),
    ("unknown category", _set(f"{ITEM}.category", "massage"), f"{ITEM}.category"),
    ("unknown ownership", _set("treatments.0.hospital.ownership", "mixed"), "treatments.0.hospital.ownership"),
    ("unknown kind", _set("treatments.0.hospital.kind", "clinic"), "treatments.0.hospital.kind"),
    ("grade 0", _set("treatments.0.hospital.grade", 0), "treatments.0.hospital.grade"),
    ("unknown document", _set("documents", ["invoice", "photo"]), "documents.1"),
    ("ws218 not mapped", _set("treatments.0.hospital.ws218", "Z999"), "treatments.0.hospital.ws218"),
    # amounts
    ("negative amount", _set(f"{ITEM}.out_of_pocket", "-1.00"), f"{ITEM}.out_of_pocket"),
    ("negative number", _set(f"{ITEM}.out_of_pocket", -1), f"{ITEM}.out_of_pocket"),
    ("three decimals", _set(f"{ITEM}.out_of_pocket", "10.005"), f"{ITEM}.out_of_pocket"),
    ("three decimals as a float", _set(f"{ITEM}.self_funded", 10.005), f"{ITEM}.self_funded"),
    ("float rounding error", _set(f"{ITEM}.out_of_pocket", 0.1 + 0.2), f"{ITEM}.out_of_pocket"),
    ("10,000,000", _set(f"{ITEM}.out_of_pocket", "10000000"), f"{ITEM}.out_of_pocket"),
    ("10,000,000 as an int", _set(f"{ITEM}.out_of_pocket", 10_000_000), f"{ITEM}.out_of_pocket"),
    ("huge", _set(f"{ITEM}.out_of_pocket", "1" + "0" * 40), f"{ITEM}.out_of_pocket"),
    ("exponent", _set(f"{ITEM}.out_of_pocket", "1e3"), f"{ITEM}.out_of_pocket"),
    ("boolean amount", _set(f"{ITEM}.out_of_pocket", True), f"{ITEM}.out_of_pocket"),
    ("NaN", _set(f"{ITEM}.out_of_pocket", float("nan")), f"{ITEM}.out_of_pocket"),
    ("infinite", _set(f"{ITEM}.out_of_pocket", "Infinity"), f"{ITEM}.out_of_pocket"),
    ("history negative paid", None, "history.0.paid"),
    # dates
    ("filed before the accident", lambda c: (_set("filed_on", "2022-02-28")(c), _set(f"{ITEM}.on", "2022-02-28")(c)),
     "filed_on"),
    ("item before 1900", _set(f"{ITEM}.on", "1899-12-31"), f"{ITEM}.on"),
    ("member since before 1900", _set("member.union_member_since", "1899-01-01"), "member.union_member_since"),
    ("item after filed_on", _set(f"{ITEM}.on", "2022-04-11"), f"{ITEM}.on"),
    ("nonexistent date", _set("accident.occurred_on", "2022-02-30"), "accident.occurred_on"),
    ("29 February of a common year", _set(f"{ITEM}.on", "2022-02-29"), f"{ITEM}.on"),
    ("not ISO", _set("filed_on", "10/04/2022"), "filed_on"),
    ("a date-time", _set("filed_on", dt.datetime(2022, 4, 10, 9, 0)), "filed_on"),
    # codes
    ("nonexistent ICD-10 code", _set("treatments.0.diagnoses", ["S82.2", "M52"]), "treatments.0.diagnoses.1"),
    ("malformed ICD-10 code", _set("treatments.0.diagnoses", ["S82.22"]), "treatments.0.diagnoses.0"),
    ("no diagnosis", _set("treatments.0.diagnoses", []), "treatments.0.diagnoses"),
    ("failing check digit", _set("member.id_number", ID[:17] + "2"), "member.id_number"),
    ("15-digit id", _set("member.id_number", "440106900307123"), "member.id_number"),
    ("payee check digit", _set("payee.holder_id_number", ID[:17] + "9"), "payee.holder_id_number"),
    ("account 9 digits", _set("payee.account_number", "123456789"), "payee.account_number"),
    ("account 31 digits", _set("payee.account_number", "1" * 31), "payee.account_number"),
    ("account with spaces", _set("payee.account_number", "6222 0202 0011 2233"), "payee.account_number"),
    ("medication_use on a treatment item", _set(f"{ITEM}.medication_use", "prescribed"), f"{ITEM}.medication_use"),
    ("unknown medication_use", None, f"{ITEM}.medication_use"),
    # plan and keys
    ("unknown plan", _set("plan", "gd-nef-2099"), "plan"),
    ("unknown key", _set("colour", "red"), "colour"),
    ("unknown nested key", _set("accident.where", "Guangzhou"), "accident.where"),
    ("misspelt key", _set(f"{ITEM}.out_of_pockets", "1.00"), f"{ITEM}.out_of_pockets"),
    ("missing claim_id", _set("claim_id", DEL), "claim_id"),
    ("blank claim_id", _set("claim_id", " "), "claim_id"),
    ("missing filed_on", _set("filed_on", DEL), "filed_on"),
    ("missing member_id", _set("member.member_id", DEL), "member.member_id"),
    ("missing name", _set("member.name", DEL), "member.name"),
    ("missing occupation", _set("member.occupation", DEL), "member.occupation"),
    ("missing accident_id", _set("accident.accident_id", DEL), "accident.accident_id"),
    ("missing occurred_on", _set("accident.occurred_on", DEL), "accident.occurred_on"),
    ("missing cause", _set("accident.cause", DEL), "accident.cause"),
    ("no treatments", _set("treatments", []), "treatments"),
    ("missing treatment_id", _set("treatments.0.treatment_id", DEL), "treatments.0.treatment_id"),
    ("missing hospital", _set("treatments.0.hospital", DEL), "treatments.0.hospital"),
    ("missing setting", _set("treatments.0.setting", DEL), "treatments.0.setting"),
    ("missing diagnoses", _set("treatments.0.diagnoses", DEL), "treatments.0.diagnoses"),
    ("missing items", _set("treatments.0.items", DEL), "treatments.0.items"),
    ("missing item date", _set(f"{ITEM}.on", DEL), f"{ITEM}.on"),
    ("missing category", _set(f"{ITEM}.category", DEL), f"{ITEM}.category"),
    ("missing out_of_pocket", _set(f"{ITEM}.out_of_pocket", DEL), f"{ITEM}.out_of_pocket"),
]


def _unknown_medication_use(c):
    c["treatments"][0]["items"][0].update(category="medication", medication_use="guessed")


SINGLE_FAULTS = [
    (name, _unknown_medication_use if name == "unknown medication_use" else mutate, field)
    for name, mutate, field in SINGLE_FAULTS
    if mutate is not None or name == "unknown medication_use"
]


@pytest.mark.parametrize(("mutate", "field"), [(m, f) for _, m, f in SINGLE_FAULTS], ids=[n for n, _, _ in SINGLE_FAULTS])
def test_one_fault_names_its_field(mutate, field):
    claim = base_claim()
    mutate(claim)
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(claim)
    assert exc.value.fields == (field,)
    assert field in str(exc.value)
    assert "1 offending field" in str(exc.value)


H0 = hist("C-0100", "A-0100", "2022-01-05", "300.00", "200.00")


@pytest.mark.parametrize(
    ("history", "field"),
    [
        ([hist("C-0001", "A-0100", "2022-01-05", "300.00", "200.00")], "claim_id"),
        ([H0, {**H0, "accident_id": "A-0101"}], "history.1.claim_id"),
        (
            [hist("C-0100", "A-0100", "2022-01-05", "20000.00", "6000.00"),
             hist("C-0101", "A-0101", "2022-01-06", "9000.00", "4000.00"),
             hist("C-0102", "A-0102", "2022-01-07", "300.00", "0.01")],
            "history.2.paid",
        ),
        ([hist("C-0100", "A-0100", "2022-01-05", "20000.00", "6000.00"),
          hist("C-0101", "A-0100", "2022-01-05", "100.00", "0.01")], "history.1.paid"),
        ([hist("C-0000", "A-0001", "2022-03-02", "300.00", "200.00")], "history.0.accident_occurred_on"),
        ([H0, {**H0, "claim_id": "C-0101", "accident_occurred_on": "2022-01-06"}], "history.1.accident_occurred_on"),
        ([{**H0, "paid": "-1.00"}], "history.0.paid"),
        ([{**H0, "paid": "1.001"}], "history.0.paid"),
        ([{**H0, "outcome": "approved"}], "history.0.outcome"),
        ([{k: v for k, v in H0.items() if k != "counted_out_of_pocket"}], "history.0.counted_out_of_pocket"),
        ([{**H0, "accident_occurred_on": "1899-12-31"}], "history.0.accident_occurred_on"),
        ({"claim_id": "C-0100"}, "history"),
        ("C-0100", "history"),
    ],
    ids=["claim in history", "duplicate claim_id", "over the cap", "over the top tier", "date vs claim",
         "two dates", "negative paid", "three decimals", "unknown key", "missing key", "before 1900",
         "a mapping", "a string"],
)  # fmt: skip
def test_bad_history_names_its_field(history, field):
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(base_claim(), history)
    assert exc.value.fields == (field,)


def test_history_at_the_limits_is_accepted():
    history = [
        hist("C-0100", "A-0100", "2022-01-05", "20000.00", "6000.00"),
        hist("C-0101", "A-0101", "2022-01-06", "9000.00", "4000.00"),
        # other editions do not count toward the 2022 cap
        hist("C-0102", "A-0102", "2021-01-07", "20000.00", "6000.00"),
        hist("C-0103", "A-0103", "2021-02-07", "20000.00", "6000.00"),
    ]
    d = adjudicate(base_claim(), history)
    assert d.outcome == "denied" and [r.rule for r in d.reasons] == ["cap.exhausted"]


def test_amounts_exact_in_fen_are_accepted():
    claim = base_claim()
    claim["treatments"][0]["items"] = [
        item(amount="10.500"), item(amount=10.5), item(amount=7), item(amount=Decimal("0.10")),
        item(amount=" 2.00 "), item(amount="9999999.99"),
    ]  # fmt: skip
    d = adjudicate(claim)
    assert d.counted_out_of_pocket == Decimal("10000030.09")
    model = Claim.model_validate(claim)
    assert [str(i.out_of_pocket) for i in model.treatments[0].items] == [
        "10.50", "10.50", "7.00", "0.10", "2.00", "9999999.99"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "amount",
    [
        "-0",
        -0.0,
        "-0.00",
    ],
)
def test_negative_zero_reads_as_zero(amount):
    model = Claim.model_validate({**base_claim(), "treatments": [treatment(items=[item(amount=amount)])]})
    value = model.treatments[0].items[0].out_of_pocket
    assert str(value) == "0.00"
    assert not value.is_signed()


def _read(read, text):
    try:
        return str(read(text))
    except ValueError as exc:
        return f"ValueError: {exc}"


@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(
    st.one_of(
        st.from_regex(r"\A[0-9٣²]{0,9}\.[0-9٣ ]{0,3}\Z"),
        st.from_regex(r"\A-?[0-9]{1,9}(\.[0-9]{0,3})?\Z"),
        st.text(alphabet="0123456789.-+eE _٣", max_size=12),
    )
)
def test_the_usual_amount_spelling_reads_as_the_full_parser_reads_it(text):
    """values._money_text skips the regular expression for '1200.00': never with another result."""
    assert _read(values._money_text.__wrapped__, text) == _read(values._amount_text, text)


def test_several_independent_faults_are_all_named():
    claim = base_claim()
    claim["filed_on"] = "2022-02-01"  # before the accident; the item is then after filed_on too
    claim["member"]["occupation"] = "pilot"
    claim["member"]["id_number"] = ID[:17] + "2"
    claim["accident"]["circumstances"] = ["bungee"]
    claim["treatments"].append(treatment("T2", items=[item(amount="-5.00", category="dental", medication_use="prescribed")]))
    claim["treatments"][0]["diagnoses"] = ["M52"]
    claim["payee"]["account_number"] = "12"
    claim["documents"] = ["selfie"]
    claim["colour"] = "red"
    history = [hist("C-0001", "A-0100", "2022-01-05", "300.00", "200.00"), hist("C-0001", "A-0101", "2022-01-06", "1", "0")]
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(claim, history)
    expected = {
        "filed_on", "member.occupation", "member.id_number", "accident.circumstances.0",
        "treatments.0.diagnoses.0", "treatments.0.items.0.on", "treatments.1.items.0.out_of_pocket",
        "treatments.1.items.0.on", "treatments.1.items.0.medication_use", "payee.account_number", "documents.0",
        "colour", "claim_id", "history.1.claim_id",
    }  # fmt: skip
    assert set(exc.value.fields) == expected
    message = str(exc.value)
    assert f"{len(expected)} offending fields" in message
    for field in expected:
        assert field in message


def test_the_exception_is_a_value_error_listing_field_errors_and_pickles():
    claim = base_claim()
    claim["member"]["occupation"] = "pilot"
    claim["filed_on"] = "2022-02-28"
    with pytest.raises(ValueError) as exc:
        adjudicate(claim)
    err = exc.value
    assert isinstance(err, InvalidClaim)
    assert all(isinstance(e, FieldError) for e in err.errors)
    assert err.fields == tuple(e.field for e in err.errors)
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, InvalidClaim) and again.fields == err.fields and str(again) == str(err)


def test_a_claim_that_is_not_a_mapping_is_bad_input():
    for junk in (None, [], "claim", 42):
        with pytest.raises(InvalidClaim):
            adjudicate(junk)


def test_inputs_are_never_mutated():
    claim = base_claim()
    claim["treatments"].append(treatment("T2", items=[item(category="medication"), item(category="dental")]))
    claim["accident"]["circumstances"] = ["riot", "riot"]
    history = [hist("C-0000", "A-0001", "2022-03-01", "300.00", "200.00")]
    before = copy.deepcopy((claim, history))
    adjudicate(claim, history)
    assert (claim, history) == before
    bad = copy.deepcopy(claim)
    bad["member"]["occupation"] = "pilot"
    bad_before = copy.deepcopy(bad)
    with pytest.raises(InvalidClaim):
        adjudicate(bad, history)
    assert bad == bad_before and (claim, history) == before


def test_models_as_input_decide_like_plain_data():
    claim = base_claim()
    claim["treatments"][0]["items"].append(item(amount="800.00"))
    history = [hist("C-0000", "A-0001", "2022-03-01", "300.00", "200.00")]
    from_data = adjudicate(claim, history)
    model = Claim.model_validate(claim)
    entries = [HistoryEntry.model_validate(h) for h in history]
    assert adjudicate(model, entries).model_dump_json() == from_data.model_dump_json()
    assert adjudicate(model, tuple(entries)).model_dump_json() == from_data.model_dump_json()
    assert adjudicate(model, history).model_dump_json() == from_data.model_dump_json()  # mixed


def test_a_model_still_gets_the_cross_field_checks():
    model = Claim.model_validate({**base_claim(), "filed_on": "2022-02-01"})  # fields alone are fine
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(model)
    assert set(exc.value.fields) == {"filed_on", "treatments.0.items.0.on"}
    with pytest.raises(InvalidClaim) as exc:
        adjudicate(Claim.model_validate(base_claim()), [HistoryEntry.model_validate(hist("C-0001", "A-9", "2022-01-01", "1", "0"))])
    assert exc.value.fields == ("claim_id",)


@pytest.mark.parametrize(
    ("claim_patch", "history"),
    [
        ({}, [{**H0, "claim_id": ["C-0100"]}]),
        ({}, [{**H0, "accident_id": {"id": "A-0100"}}]),
        ({"accident": {**base_claim()["accident"], "accident_id": ["A-0001"]}}, [H0]),
    ],
    ids=["list claim_id in history", "dict accident_id in history", "list accident_id in claim"],
)
def test_unhashable_ids_are_bad_input_not_a_crash(claim_patch, history):
    with pytest.raises(InvalidClaim):
        adjudicate({**base_claim(), **claim_patch}, history)


def _text_leaves(obj, path=()):
    """The dotted path of every string the base claim holds (ids, names, codes, dates, amounts)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _text_leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _text_leaves(v, (*path, str(i)))
    elif isinstance(obj, str):
        yield ".".join(path)


@pytest.mark.parametrize("field", [*_text_leaves(base_claim()), "plan"])
def test_a_lone_surrogate_in_any_text_is_bad_input_naming_its_field(field):
    """A JSON "\\ud800" escape reads as a lone surrogate, which no UTF-8 can hold: it is refused at
    its field, never a crash when the decision or its record is written as JSON (CONTRACT §5)."""
    claim = base_claim()
    _set(field, "X\ud800")(claim)
    with pytest.raises(InvalidClaim) as caught:
        adjudicate(claim)
    assert field in caught.value.fields


@settings(max_examples=200)  # a check of the library's mechanics, not a property of the plan (those run the ci profile's 500)
@given(st.data())
def test_any_value_anywhere_gives_a_decision_that_writes_as_json_or_invalid_claim(data):
    """Hard to break (CONTRACT §5): whatever one or two leaves of a claim and its history hold,
    adjudicate answers with a decision that can be written as JSON, or with InvalidClaim; never
    with another exception."""
    from mutualaid.testing import claims_with_history

    claim, history = data.draw(claims_with_history())
    doc = {"claim": claim, "history": history}
    set_odd_leaves(data, doc, (1, 2))
    try:
        decision = adjudicate(doc["claim"], doc["history"])
    except InvalidClaim as exc:
        assert exc.fields and all(isinstance(f, str) and f for f in exc.fields)
        return
    assert decision.__pydantic_serializer__.to_json(decision)
    assert decision.model_dump(mode="json")["claim_id"] == decision.claim_id
