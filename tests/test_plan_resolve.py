"""One ``resolve(plan)`` (issue 14, point 5): what an edition argument names, read the same way by
the command, batch, the what-if diff and validation."""

from __future__ import annotations

import json
import sys
import pickle

import pytest
import yaml

import mutualaid.plan
from mutualaid import InvalidClaim, adjudicate, editions
from mutualaid.cli import main
from mutualaid.edition import Edition, InvalidEdition
from mutualaid.plan import UnknownEdition, resolve

from claimdata import base_claim, claim_with

ID = "gd-nef-2022"
E2022 = editions.get(ID)


def edition_data() -> dict:
    """The shipped edition as JSON-ready data (amounts as strings), for a file."""
    return E2022.model_dump(mode="json", by_alias=True)


def _write(path, data) -> str:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_none_and_an_edition_are_what_they_are():
    assert resolve(None) is None and resolve(None, files=False) is None
    variant = E2022.replace(id="what-if-resolve", cap={"amount": "8000.00"})
    assert resolve(variant) is variant and resolve(variant, files=False) is variant


def test_an_id_is_the_registered_edition():
    assert resolve(ID) is E2022 and resolve(ID, files=False) is E2022


def test_a_file_is_read(tmp_path):
    data = edition_data()
    data["id"] = "what-if-file"
    path = _write(tmp_path / "what-if.yaml", data)
    for given in (path, tmp_path / "what-if.yaml"):  # a str or an os.PathLike
        edition = resolve(given)
        assert isinstance(edition, Edition) and edition.id == "what-if-file"
        assert edition.content_hash == Edition.model_validate(data).content_hash


def test_a_broken_file_is_an_invalid_edition_naming_its_fields(tmp_path):
    data = edition_data()
    data["window"]["days"] = 0
    with pytest.raises(InvalidEdition) as info:
        resolve(_write(tmp_path / "broken.yaml", data))
    assert isinstance(info.value, InvalidClaim) and "window.days" in info.value.fields
    assert str(info.value).startswith("bad edition:")


@pytest.mark.parametrize("content", [b"id: [unclosed\n", b"\xff\xfe not text"], ids=["not YAML", "not UTF-8"])
def test_a_file_that_is_no_data_at_all_is_an_invalid_edition_too(tmp_path, content):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(content)
    with pytest.raises(InvalidEdition) as info:
        resolve(str(path))
    assert info.value.fields == ("edition",) and str(info.value).startswith("bad edition:")
    assert len(str(info.value).splitlines()) == 2  # the head and one line for the field


def test_an_unknown_id_names_itself_and_the_known_ones():
    with pytest.raises(UnknownEdition) as info:
        resolve("gd-nef-1999")
    exc = info.value
    assert isinstance(exc, ValueError) and exc.edition_id == "gd-nef-1999" and exc.known == editions.ids()
    assert "'gd-nef-1999'" in str(exc) and ID in str(exc)
    again = pickle.loads(pickle.dumps(exc))  # a worker process hands it to the batch
    assert type(again) is UnknownEdition and str(again) == str(exc)


def test_files_false_reads_ids_only(tmp_path, monkeypatch):
    data = edition_data()
    data["id"] = "what-if-file"
    path = _write(tmp_path / "what-if.yaml", data)
    with pytest.raises(UnknownEdition) as info:
        resolve(path, files=False)
    assert info.value.edition_id == path
    # A file in the working folder named like a registered id: an id still means the registered edition.
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / ID, data)
    assert resolve(ID, files=False) is E2022
    assert resolve(ID).id == "what-if-file"  # where files are read (the command), the file wins, as before


# --- every way in goes through it --------------------------------------------------------------------


@pytest.fixture
def calls(monkeypatch) -> list:
    """Every call of ``mutualaid.plan.resolve``, wherever a module bound the name at its top."""
    import mutualaid.commands.arguments  # noqa: F401  (the command line's callers, bound before the spy)
    import mutualaid.batch  # noqa: F401
    import mutualaid.whatif  # noqa: F401

    seen: list = []
    real = mutualaid.plan.resolve

    def spy(plan, *, files=True):
        seen.append((plan, files))
        return real(plan, files=files)

    bound = [m for name, m in list(sys.modules.items()) if name.startswith("mutualaid") and getattr(m, "resolve", None) is real]
    assert mutualaid.plan in bound and len(bound) >= 5
    for module in bound:
        monkeypatch.setattr(module, "resolve", spy)
    return seen


def test_adjudicate_resolves_the_plan_it_is_given_as_an_id(calls):
    assert adjudicate(base_claim(), plan=ID).plan == ID
    assert calls == [(ID, False)]
    with pytest.raises(InvalidClaim) as info:
        adjudicate(base_claim(), plan="nope")
    assert info.value.fields == ("plan",) and "'nope' names no known edition" in str(info.value)


def test_a_claims_own_plan_is_an_id_never_a_file(tmp_path, calls):
    path = _write(tmp_path / "what-if.yaml", edition_data())
    with pytest.raises(InvalidClaim) as info:
        adjudicate(claim_with(plan=path))
    assert info.value.fields == ("plan",)
    assert calls == [(path, False)]


def test_the_command_resolves_plan_and_edition_arguments(tmp_path, calls, capsys):
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(base_claim()), encoding="utf-8")
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps(base_claim()) + "\n", encoding="utf-8")
    edition_file = _write(tmp_path / "edition.yaml", edition_data())

    assert main(["adjudicate", str(claim_file), "--json", "--plan", edition_file]) == 0
    assert (edition_file, True) in calls
    calls.clear()
    assert main(["batch", str(lines), str(tmp_path / "out.jsonl"), "--plan", ID]) == 0
    assert {c for c in calls} == {(ID, True)} and len(calls) >= 2  # the command, the run, its worker
    calls.clear()
    assert main(["diff", "--edition", ID, "--edition", edition_file, str(lines)]) == 0
    assert (ID, True) in calls and (edition_file, True) in calls
    capsys.readouterr()


def test_the_commands_messages_for_a_wrong_edition(tmp_path, capsys):
    claim_file = tmp_path / "claim.json"
    claim_file.write_text(json.dumps(base_claim()), encoding="utf-8")
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("id: [unclosed\n", encoding="utf-8")
    # adjudicate: an unknown id is the claim's field plan, named with any other bad field
    assert main(["adjudicate", str(claim_file), "--plan", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bad input:") and "plan: 'nope' names no known edition" in err
    # batch and diff: refused before any line is read
    assert main(["batch", str(claim_file), str(tmp_path / "o"), "--plan", "nope"]) == 2
    assert "'nope' is neither an edition file nor a known edition" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    for argv in (["adjudicate", str(claim_file), "--plan", str(garbage)], ["diff", "--edition", ID, "--edition", str(garbage), str(claim_file)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is not an edition: bad edition:" in err and "not YAML or JSON" in err and "Traceback" not in err
    # replay: a file only, never an id
    assert main(["replay", str(claim_file), "--plan", ID]) == 2
    assert "takes an edition file" in capsys.readouterr().err


def test_batch_keeps_the_plan_as_given_and_runs_it_in_two_processes(tmp_path):
    from mutualaid.batch import run

    lines = tmp_path / "in.jsonl"
    claims = [claim_with(claim_id=f"C{n}", accident={**base_claim()["accident"], "accident_id": f"A{n}"}) for n in range(4)]
    lines.write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")
    edition_file = _write(tmp_path / "edition.yaml", edition_data())
    outs = {}
    for plan, jobs in ((ID, 1), (ID, 2), (edition_file, 2)):
        out, ledger = tmp_path / f"out-{jobs}-{len(outs)}.jsonl", tmp_path / f"ledger-{len(outs)}.jsonl"
        run(str(lines), str(out), plan=plan, jobs=jobs, ledger=str(ledger), progress=False)
        outs[(plan, jobs)] = out.read_bytes()
        checkpoints = [json.loads(l)["checkpoint"] for l in ledger.read_text(encoding="utf-8").splitlines() if '"checkpoint"' in l]
        assert checkpoints and all(c["options"]["plan"] == plan for c in checkpoints)
    assert outs[(ID, 1)] == outs[(ID, 2)] == outs[(edition_file, 2)]
    assert outs[(ID, 1)].count(b"\n") == 4 and b'"error"' not in outs[(ID, 1)]
    with pytest.raises(UnknownEdition):
        run(str(lines), str(tmp_path / "never.jsonl"), plan="nope", progress=False)
    assert not (tmp_path / "never.jsonl").exists()


def test_a_ledger_given_a_resolved_edition_still_folds():
    """The ledger folds history only under the registered edition of an id: resolve hands it that very one."""
    from mutualaid.ledger import _registered

    assert _registered(resolve(ID))
    assert _registered(Edition.model_validate(edition_data()))  # a file with the shipped data, too
    assert not _registered(E2022.replace(cap={"amount": "8000.00"}))
