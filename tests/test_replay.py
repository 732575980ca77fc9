"""Replayable records (issue 6): a stored record decides again identically, or says what differs and why."""

from __future__ import annotations

import copy
import json
from hashlib import sha256
from pathlib import Path

import pytest

from mutualaid import Edition, __version__, adjudicate
from mutualaid.cli import main
from mutualaid.errors import InvalidClaim
from mutualaid.decide import canonical_input
from mutualaid.replay import RecordError, replay, store
from mutualaid.validate import parse

from claimdata import base_claim, claim_with, edition_data, hist, item, treatment


def stored_record(claim=None, history=(), **kw) -> dict:
    claim = claim or base_claim()
    return store(adjudicate(claim, history, **kw), claim, history)


def test_a_decision_records_version_edition_and_input():
    d = adjudicate(base_claim())
    assert d.record.library_version == __version__
    assert d.record.schema_version == "1"
    assert d.record.edition_hash.startswith("sha256:") and len(d.record.edition_hash) == 71
    assert d.record.input_hash.startswith("sha256:")


def test_equal_inputs_hash_alike_and_different_inputs_do_not():
    """The hash is of the validated input: '1200' and 1200.00 are the same amount, a lowercase x the same X."""
    a = base_claim()
    b = copy.deepcopy(a)
    b["treatments"][0]["items"][0]["out_of_pocket"] = 3200
    b["accident"]["circumstances"] = None
    assert adjudicate(a).record.input_hash == adjudicate(b).record.input_hash
    c = claim_with(treatment(items=[item(amount="3200.01")]))
    assert adjudicate(c).record.input_hash != adjudicate(a).record.input_hash
    with_history = adjudicate(a, [hist("C-0", "A-0", "2022-02-01", "300.00", "200.00")])
    assert with_history.record.input_hash != adjudicate(a).record.input_hash


def test_canonical_input_reads_back_as_the_same_input():
    model, entries, _ = parse(base_claim(), [hist("C-0", "A-0", "2022-02-01", "300.00", "200.00")], None)
    data = json.loads(canonical_input(model, entries))
    assert data["claim"]["treatments"][0]["items"][0]["out_of_pocket"] == "3200.00"
    again, again_entries, _ = parse(data["claim"], data["history"], None)
    assert canonical_input(again, again_entries) == canonical_input(model, entries)


def test_the_canonical_input_keeps_its_bytes_across_library_versions():
    """A record stored years ago is checked against the hash of today's canonical input: the bytes
    are part of schema_version "1" and may not drift with a refactor or a pydantic upgrade."""
    history = [hist("C-0", "A-0", "2022-02-01", "300.00", "200.00"), hist("C-1", "A-1", "2022-02-03", "10.5", "0")]
    model, entries, _ = parse(base_claim(), history, None)
    data = canonical_input(model, entries)
    assert data.startswith(b'{"claim":{"claim_id":"C-0001","plan":null,"filed_on":"2022-04-10","member":{')
    assert data.endswith(
        b'"history":[{"claim_id":"C-0","accident_id":"A-0","accident_occurred_on":"2022-02-01",'
        b'"counted_out_of_pocket":"300.00","paid":"200.00"},{"claim_id":"C-1","accident_id":"A-1",'
        b'"accident_occurred_on":"2022-02-03","counted_out_of_pocket":"10.50","paid":"0.00"}]}'
    )
    assert sha256(data).hexdigest() == "97ff47242e6524765e0a63425a493954d717238643163ff82e0b63e39bf51681"
    model, entries, _ = parse(base_claim(), [], None)
    assert sha256(canonical_input(model, entries)).hexdigest() == "92cef6de315b76d227962ae63b4cfe28fb8d80d55f231570d728c2804b5ea769"


def test_a_stored_record_replays_identically_through_json():
    rec = json.loads(json.dumps(stored_record(claim_with(documents=["invoice"]))))
    result = replay(rec)
    assert result.identical and result.differences == () and result.causes == ()
    assert result.now == result.stored
    assert "identical" in str(result)


def test_a_changed_decision_is_shown_field_by_field_with_the_library_version_as_cause():
    rec = stored_record()
    rec["decision"]["payout"] = "500.00"
    rec["decision"]["record"]["library_version"] = "0.0.1"
    result = replay(rec)
    assert not result.identical
    assert [(d.field, d.stored, d.now) for d in result.differences] == [("payout", "500.00", "2000.00")]
    assert result.causes == (f"library version 0.0.1 → {__version__}",)


def test_other_edition_data_is_named_as_the_cause():
    rec = stored_record()
    data = edition_data()
    data["tiers"] = [*data["tiers"][:2], {"over": "2000.00", "pays": "2500.00"}, *data["tiers"][3:]]
    changed = Edition.model_validate(data)  # same id, other data
    result = replay(rec, plan=changed)
    assert not result.identical
    assert ("payout", "2000.00", "2500.00") in [(d.field, d.stored, d.now) for d in result.differences]
    assert any("data differs" in c for c in result.causes)


def test_a_tampered_input_is_caught_by_its_hash():
    rec = stored_record()
    rec["input"]["claim"]["treatments"][0]["items"][0]["out_of_pocket"] = "600.00"
    result = replay(rec)
    assert any("does not match its hash" in c for c in result.causes)
    assert any(d.field == "payout" for d in result.differences)


def test_reasons_that_bite_only_now_are_listed_by_rule_and_subject():
    rec = stored_record(claim_with(documents=["invoice"]))
    rec["decision"]["reasons"] = rec["decision"]["reasons"][:1]
    fields = [d.field for d in replay(rec).differences]
    assert "reasons[documents.missing @ claim]" in fields


def test_an_unknown_edition_cannot_be_decided_again_and_says_so():
    rec = stored_record()
    rec["decision"]["plan"] = "gd-nef-2031"
    result = replay(rec)
    assert result.now is None and not result.identical
    assert "not known" in result.causes[0]


@pytest.mark.parametrize("bad", [[], {"input": {}}, {"decision": {}}, {"input": {}, "decision": {"claim_id": 1}}])
def test_a_record_of_the_wrong_shape_is_refused(bad):
    with pytest.raises(RecordError):
        replay(bad)


def test_store_refuses_an_input_that_is_not_the_decisions():
    d = adjudicate(base_claim())
    with pytest.raises(ValueError):
        store(d, claim_with(treatment(items=[item(amount="100.00")])))


def test_cli_record_then_replay(tmp_path, capsys):
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps({"claim": claim_with(documents=["invoice"]), "history": []}), encoding="utf-8")
    assert main(["adjudicate", str(claim_file), "--record"]) == 0
    record = tmp_path / "record.json"
    record.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["replay", str(record)]) == 0
    assert "identical decision" in capsys.readouterr().out

    changed = json.loads(record.read_text(encoding="utf-8"))
    changed["decision"]["outcome"] = "approved"
    record.write_text(json.dumps(changed), encoding="utf-8")
    assert main(["replay", str(record)]) == 1
    assert "outcome: approved → pending" in capsys.readouterr().out

    record.write_text("[1, 2]", encoding="utf-8")
    assert main(["replay", str(record)]) == 2
    err = capsys.readouterr().err
    assert "input" in err and "Traceback" not in err


def test_a_decision_under_an_edition_file_is_recorded_and_replayed_with_that_file(tmp_path, capsys):
    """The analyst's workflow: decide under an edition file with --record, replay with the same --plan."""
    shipped = Path(__file__).resolve().parent.parent / "src" / "mutualaid" / "editions" / "gd-nef-2022.yaml"
    text = shipped.read_text(encoding="utf-8")
    assert "id: gd-nef-2022" in text
    edition_file = tmp_path / "what-if.yaml"
    edition_file.write_text(text.replace("id: gd-nef-2022", "id: what-if"), encoding="utf-8")
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps({"claim": base_claim(), "history": []}), encoding="utf-8")

    assert main(["adjudicate", str(claim_file), "--plan", str(edition_file), "--record"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["decision"]["plan"] == "what-if"
    record = tmp_path / "record.json"
    record.write_text(out, encoding="utf-8")
    assert main(["replay", str(record), "--plan", str(edition_file)]) == 0
    assert "identical decision" in capsys.readouterr().out


def test_store_refuses_an_edition_other_than_the_decisions():
    what_if = Edition.model_validate({**edition_data(), "id": "what-if"})
    d = adjudicate(base_claim(), plan=what_if)
    assert store(d, base_claim(), plan=what_if)["decision"]["plan"] == "what-if"
    with pytest.raises(ValueError, match="what-if"):
        store(d, base_claim(), plan="gd-nef-2022")
    with pytest.raises(InvalidClaim, match="plan"):  # unknown by id: the edition must be given
        store(d, base_claim())


def test_record_false_leaves_out_only_the_record():
    with_record, without = adjudicate(base_claim()), adjudicate(base_claim(), record=False)
    assert without.record is None and with_record.record is not None
    assert without.model_copy(update={"record": with_record.record}) == with_record


def test_the_documented_store_call_reaches_the_module_and_the_package_call_still_replays():
    """docs/api.md names ``mutualaid.replay.store``; ``mutualaid.replay`` once was only a function and hid it."""
    import mutualaid
    from mutualaid import adjudicate, read_claim_file

    claim, history = read_claim_file(Path(__file__).resolve().parent.parent / "examples" / "courier-fracture.yaml")
    record = mutualaid.replay.store(adjudicate(claim, history), claim, history)
    assert mutualaid.replay(record).identical
    assert mutualaid.replay.replay(record).identical and mutualaid.replay.RecordError is RecordError


def test_a_stored_decision_that_is_no_decision_is_named_field_by_field_and_cut_short():
    """(The review of issue 15, finding 4: pydantic's whole text, with its links, went to the caller.)"""
    from mutualaid.replay import RecordError, store

    stored = store(adjudicate(base_claim()), base_claim(), [])
    stored["decision"] = {**stored["decision"], "outcome": "bogus", "reasons": [{}] * 20}
    with pytest.raises(RecordError) as exc:
        replay(stored)
    text = str(exc.value)
    assert "decision.outcome" in text and "decision.reasons.0.clause" in text and "more" in text
    assert "errors.pydantic.dev" not in text and len(text) < 600
