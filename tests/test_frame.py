"""mutualaid.frame (issue 16): decisions and reasons as pandas tables, exact money, history through a Ledger."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from mutualaid import InvalidClaim, Ledger, adjudicate, frame  # noqa: E402
from mutualaid.batch import run  # noqa: E402

from claimdata import base_claim, claim_with, generated_stream  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def claims() -> list[dict]:
    """400 claims of 120 members in filing order: top-ups, the cap, pending refilings, a few bad lines."""
    return generated_stream(400, 120, 11)


def _good(claims: list[dict]) -> list[dict]:
    """The claims a ledger accepts (the generator writes typos and refilings of decided claims: bad
    input, which changes nothing, so leaving it out changes no other decision)."""
    ledger, good = Ledger(record=False), []
    for c in claims:
        try:
            ledger.decide(c)
        except InvalidClaim:
            continue
        good.append(c)
    return good


def test_one_row_a_claim_with_exact_amounts(claims):
    good = _good(claims)
    table = frame.decide(good)
    assert len(table) == len(good)
    assert list(table["claim_id"]) == [c["claim_id"] for c in good]
    assert list(table["member_id"]) == [c["member"]["member_id"] for c in good]
    for name in frame.AMOUNTS:
        assert str(table[f"{name}_fen"].dtype) == "int64[pyarrow]"
        assert str(table[name].dtype) == "decimal128(14, 2)[pyarrow]"
    assert not any(str(t).startswith("float") or "double" in str(t) for t in table.dtypes)
    # the sum of the fen column is the sum of the Decimal payouts, exactly
    decisions = list(table["decision"])
    total = sum((d.payout for d in decisions), Decimal("0.00"))
    assert int(table["payout_fen"].sum()) == int(total * 100)
    assert table["payout"].sum() == total and isinstance(table["payout"].sum(), Decimal)
    assert all(table["payout"][k] == decisions[k].payout for k in range(len(decisions)))
    assert set(table["outcome"]) == {"approved", "denied", "pending"}
    assert set(table["edition"]) == {"gd-nef-2022"}


def test_history_is_the_ledgers(claims):
    """The table's decisions are those of a Ledger fed the same claims in the same order."""
    good = _good(claims)
    ledger = Ledger(record=False)
    want = [ledger.decide(c) for c in good]
    table = frame.decide(good)
    assert list(table["decision"]) == want
    assert (table["accident_out_of_pocket_fen"] > table["counted_out_of_pocket_fen"]).any()  # top-ups carried history


def test_a_dataframe_of_claims_in_either_shape_and_the_ledger_carried_on(claims):
    good = _good(claims)
    want = frame.decide(good).drop(columns="decision")
    by_fields = frame.decide(pd.DataFrame(good)).drop(columns="decision")
    by_column = frame.decide(pd.DataFrame({"claim": good})).drop(columns="decision")
    pd.testing.assert_frame_equal(by_fields, want)
    pd.testing.assert_frame_equal(by_column, want)
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in good)
    read = pd.read_json(io.StringIO(lines), lines=True, dtype=False)
    pd.testing.assert_frame_equal(frame.decide(read).drop(columns="decision"), want)

    ledger = Ledger()
    first, second = frame.decide(good[:200], ledger=ledger), frame.decide(good[200:], ledger=ledger)
    both = pd.concat([first, second], ignore_index=True).drop(columns="decision")
    pd.testing.assert_frame_equal(both.drop(columns=[]), want)
    with pytest.raises(ValueError, match="not both"):
        frame.decide(good, ledger=ledger, plan="gd-nef-2022")


def test_inputs_are_not_mutated(claims):
    good = _good(claims)[:50]
    before = copy.deepcopy(good)
    frame.decide(good)
    assert good == before


def test_bad_input_raises_or_becomes_an_error_row(claims):
    assert len(_good(claims)) < len(claims), "the generator writes a few lines of bad input"
    broken = claim_with(claim_id="C-BAD")
    del broken["filed_on"]
    with pytest.raises(InvalidClaim) as info:
        frame.decide([base_claim(), broken])
    assert "filed_on" in info.value.fields
    table = frame.decide([base_claim(), broken], errors="record")
    assert list(table["outcome"]) == ["approved", "error"]
    assert table["error"][1] == "filed_on" and table["claim_id"][1] == "C-BAD"
    assert table["payout_fen"].isna().tolist() == [False, True]
    assert int(table["payout_fen"].sum()) == 200000


def test_reasons_long_form(claims):
    good = _good(claims)
    table = frame.decide(good)
    long = frame.reasons(table)
    assert list(long.columns) == ["claim_id", "clause", "rule", "effect", "subject", "message_zh", "message_en"]
    decisions = list(table["decision"])
    assert len(long) == sum(len(d.reasons) for d in decisions) == int(table["reasons"].sum())
    assert set(long["effect"]) <= {"deny", "exclude", "pend", "note"}
    k = 0
    for d in decisions:
        for r in d.reasons:
            row = long.iloc[k]
            assert (row["claim_id"], row["clause"], row["rule"], row["subject"]) == (d.claim_id, r.clause, r.rule, r.subject)
            k += 1
    assert frame.reasons(decisions).equals(long)
    one = adjudicate(claim_with(documents=["invoice"]))
    assert list(frame.reasons(one)["rule"]) == [r.rule for r in one.reasons]
    assert len(frame.reasons([])) == 0


def test_the_same_claims_give_the_same_table_as_batch(claims, tmp_path):
    """The table agrees with `mutualaid batch`: same outcomes and payouts, line by line."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")
    run(str(src), str(out), stderr=io.StringIO())
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    table = frame.decide(claims, errors="record")
    assert len(lines) == len(table)
    for row, line in zip(table.itertuples(), lines):
        if "error" in line:
            assert row.outcome == "error"
        else:
            assert (row.outcome, str(row.payout)) == (line["outcome"], line["payout"])


def test_an_edition_file_is_read_as_batch_reads_it(claims, tmp_path):
    """plan= takes an edition file as `batch --plan` does (the review of issue 16, finding 3)."""
    what_if = ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml"
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")
    run(str(src), str(out), plan=str(what_if), stderr=io.StringIO())
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    table = frame.decide(claims, plan=str(what_if), errors="record")
    assert (table["edition"] == "what-if-cap8000-filing2y").sum() == sum("error" not in line for line in lines) > 0
    assert [str(p) for p, line in zip(table["payout"], lines) if "error" not in line] == [line["payout"] for line in lines if "error" not in line]


def _fresh(code: str, blocked: str = "") -> subprocess.CompletedProcess:
    prelude = f"import sys; sys.modules[{blocked!r}] = None\n" if blocked else ""
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_import_mutualaid_never_imports_pandas():
    r = _fresh("""
        import sys, mutualaid
        from mutualaid import adjudicate, Ledger, whatif
        adjudicate(mutualaid.read_claim_file("examples/courier-fracture.yaml")[0])
        heavy = [m for m in ("pandas", "pyarrow", "dask", "distributed", "matplotlib") if m in sys.modules]
        assert not heavy, heavy
    """)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("module, extra, blocked", [("mutualaid.frame", "frame", "pandas"), ("mutualaid.frame", "frame", "pyarrow"),
                                                    ("mutualaid.distributed", "dask", "distributed")])  # fmt: skip
def test_without_its_extra_a_part_names_it(module, extra, blocked):
    r = _fresh(f"import {module}", blocked)
    assert r.returncode != 0
    assert f"pip install 'mutualaid[{extra}]'" in r.stderr
