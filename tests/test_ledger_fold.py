"""The Ledger's per-member sums (issue 13, findings 7 and 8).

Finding 8: a member's cost per claim must not grow with the history. Past ``FOLD_AFTER`` entries
the Ledger hands ``adjudicate`` a folded history (running sums per accident and per edition
period). The differential property holds it to the full history: every decision (outcome,
payout, amounts, reasons, passed checks) and every refusal (the fields) is what ``adjudicate``
gives with the member's whole history; only ``record.input_hash`` may differ, because the record's
input is the folded history. ``FOLD_AFTER = 0`` folds from the second entry on, so short streams
exercise it; a few hundred earlier entries make the sums large (and split across top tiers).

Finding 7 (the ledger's part): a 身份证 number belongs to one member id.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from mutualaid import InvalidClaim, Ledger, adjudicate
from mutualaid.idcard import check_digit
from mutualaid.testing import claim_streams, editions, history_entry

from claimdata import base_claim, claim_with, item, treatment


def ledger_entry(claim: dict, decision) -> dict:
    """A decided claim as a ledger enters it: the history entry with its filed_on (CONTRACT §1, revision 3)."""
    return {**history_entry(claim, decision), "filed_on": str(claim["filed_on"])}


def _outcome(f, *args, **kw):
    try:
        return f(*args, **kw)
    except InvalidClaim as exc:
        return exc


def _same(got, want) -> None:
    if isinstance(want, InvalidClaim):
        assert isinstance(got, InvalidClaim), got
        assert got.fields == want.fields
        return
    assert not isinstance(got, InvalidClaim), got
    g, w = got.model_dump(mode="json"), want.model_dump(mode="json")
    if g.get("record") and w.get("record"):
        g["record"].pop("input_hash")
        w["record"].pop("input_hash")
    assert g == w


@st.composite
def folded_streams(draw):
    """One member's claims with earlier entries (paid below the cap), duplicates, refiles and an
    accident filed again under another date; sometimes under a what-if edition (other tiers, cap,
    scope)."""
    plan = draw(st.one_of(st.none(), editions()))
    stream = draw(claim_streams(max_size=8))
    for k in [k for k in range(len(stream)) if draw(st.integers(0, 6)) == 0]:
        again = copy.deepcopy(stream[k])
        if draw(st.booleans()):
            again["documents"] = ["invoice", "accident_proof", "medical_record"]  # a refile, or a duplicate
        else:
            again["claim_id"] = f"C-again-{k}"
            again["accident"]["occurred_on"] = "2022-06-30"  # the same accident id on another date
        stream.insert(draw(st.integers(k + 1, len(stream))), again)
    earlier = draw(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["0.00", "1.00", "200.00", "500.00", "2000.00"])), max_size=6))
    return plan, stream, earlier


@settings(max_examples=150)
@given(folded_streams(), st.sampled_from([0, 3]), st.sampled_from([None, 0]))
def test_decisions_with_the_folded_history_are_those_of_the_full_history(drawn, fold_after, spill_after):
    plan, stream, earlier = drawn
    ledger = Ledger(plan=plan, spill_after=spill_after)
    ledger.FOLD_AFTER = fold_after
    member = stream[0]["member"]["member_id"]
    history: list = []
    for n, (acc, paid) in enumerate(earlier):  # history decided elsewhere: other accidents, maybe one of the stream's
        entry = {"claim_id": f"E-{n}", "accident_id": f"A-{acc}" if acc else f"X-{n}",
                 "accident_occurred_on": "2022-03-01", "counted_out_of_pocket": "600.00", "paid": paid}  # fmt: skip
        if not isinstance(_outcome(adjudicate, claim_with(claim_id="probe"), [*history, entry], plan=plan), InvalidClaim):
            ledger.add(member, entry)
            history.append(entry)
    for claim in stream:
        before = copy.deepcopy(claim)
        got = _outcome(ledger.decide, claim)
        want = _outcome(adjudicate, claim, history, plan=plan)
        note(f"{claim['claim_id']}: {getattr(want, 'outcome', want)}")
        assert claim == before
        _same(got, want)
        if not isinstance(want, InvalidClaim) and want.outcome != "pending":
            history.append(ledger_entry(claim, want))
    assert [e.claim_id for e in ledger.history(member)] == [h["claim_id"] for h in history]


def _member_claims(count: int, member: str = "M-LONG"):
    """``count`` claims of one member, each its own small accident (a placeholder id in a backend)."""
    for n in range(count):
        c = claim_with(treatment(items=[item(on="2022-03-02", amount="250.00")]), claim_id=f"C-{n}")
        c["member"]["member_id"] = member
        c["accident"]["accident_id"] = f"A-{n}"
        yield c


def test_a_long_history_is_folded_and_still_caps_and_refuses_duplicates():
    """300 claims of one member: the cap binds as with the full history; a claim id already decided,
    even the first of all, is refused; the folded history is what adjudicate was given."""
    ledger, history = Ledger(record=False), []
    for claim in _member_claims(300):
        d = ledger.decide(claim)
        assert d.model_dump() == adjudicate(claim, history, record=False).model_dump()
        history.append(ledger_entry(claim, d))
    assert "M-LONG" in ledger._sums  # the member's sums are kept
    assert sum(e.paid for e in ledger.history("M-LONG")) == 10000  # the cap, and not a fen more
    first = next(_member_claims(1))
    with pytest.raises(InvalidClaim) as exc:
        ledger.decide(first)
    assert exc.value.fields == ("claim_id",)
    assert ledger.decided("M-LONG", "C-0") and not ledger.decided("M-LONG", "C-300")


def test_an_accident_date_that_disagrees_with_a_long_history_names_the_entry_as_the_full_history_does():
    ledger, history = Ledger(record=False), []
    for claim in _member_claims(40):
        history.append(ledger_entry(claim, ledger.decide(claim)))
    wrong = next(_member_claims(1))
    wrong["claim_id"], wrong["accident"]["occurred_on"] = "C-new", "2022-02-27"
    wrong["treatments"][0]["items"][0]["on"] = "2022-03-01"
    with pytest.raises(InvalidClaim) as got:
        ledger.decide(wrong)
    with pytest.raises(InvalidClaim) as want:
        adjudicate(wrong, history)
    assert got.value.fields == want.value.fields and "history.0.accident_occurred_on" in got.value.fields


# --- one person, one member id (finding 7) --------------------------------------------------------------

OTHER_ID = "44010619850101123" + check_digit("44010619850101123")


def test_a_id_number_that_belongs_to_another_member_id_is_refused_naming_the_field():
    ledger = Ledger()
    assert ledger.decide(base_claim()).payout == 2000  # M-0001 with the base 身份证 number
    other = base_claim()
    other["claim_id"], other["member"]["member_id"] = "C-2", "M-0001-bis"
    with pytest.raises(InvalidClaim) as exc:
        ledger.decide(other)
    assert exc.value.fields == ("member.id_number",) and "M-0001" in str(exc.value)
    assert list(ledger.members()) == ["M-0001"] and len(ledger) == 1  # nothing entered
    other["member"]["id_number"] = other["payee"]["holder_id_number"] = OTHER_ID  # another person: decided
    assert ledger.decide(other).payout == 2000
    lower = base_claim()  # the same number with a lowercase x is the same number
    lower["claim_id"], lower["member"]["member_id"] = "C-3", "M-x"
    assert ledger.holder(lower["member"]["id_number"].lower()) == "M-0001"


def test_bad_input_and_a_pending_claim_bind_no_id_number():
    ledger = Ledger()
    pending = base_claim()
    pending["documents"] = ["invoice"]
    assert ledger.decide(pending).outcome == "pending"
    with pytest.raises(InvalidClaim):
        ledger.decide(claim_with(filed_on="2022-01-01"))
    assert ledger.holder(base_claim()["member"]["id_number"]) is None
    other = base_claim()
    other["member"]["member_id"] = "M-other"
    assert ledger.decide(other).outcome == "approved"  # the number was free: now it is M-other's
    assert ledger.holder(other["member"]["id_number"]) == "M-other"


@pytest.mark.parametrize("spill_after", [None, 0])
def test_a_binding_is_saved_loaded_and_refused_when_it_conflicts(tmp_path, spill_after):
    ledger = Ledger(spill_after=spill_after)
    ledger.decide(base_claim())
    ledger.save(tmp_path / "l.jsonl")
    loaded = Ledger.load(tmp_path / "l.jsonl", spill_after=spill_after)
    assert loaded.holder(base_claim()["member"]["id_number"]) == "M-0001"
    other = base_claim()
    other["member"]["member_id"] = "M-2"
    with pytest.raises(InvalidClaim) as exc:
        loaded.decide(other)
    assert exc.value.fields == ("member.id_number",)
    with pytest.raises(InvalidClaim) as exc:
        loaded.bind(base_claim()["member"]["id_number"], "M-3")
    assert exc.value.fields == ("id_number",)
