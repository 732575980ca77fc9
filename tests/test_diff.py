"""``mutualaid diff`` (issue 5): the same claims under two editions given as data files; what moves and why."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest

from mutualaid import adjudicate, load_edition
from mutualaid.cli import main
from mutualaid.edition import editions
from mutualaid.whatif import causes, diff

from claimdata import claim_with, item, treatment
from mutualaid.idcard import check_digit

SHIPPED = Path(__file__).resolve().parent.parent / "src" / "mutualaid" / "editions" / "gd-nef-2022.yaml"


def edition_file(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the 2022 edition with one value changed, as an analyst would write it."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def claim(n: int, amount: str, member: str = "M-0001", accident: str = "A-0001", **top) -> dict:
    c = claim_with(treatment(items=[item(on="2022-03-02", amount=amount)]), claim_id=f"C-{n}", **top)
    c["member"]["member_id"] = member
    c["member"]["id_number"] = c["payee"]["holder_id_number"] = id_number_of(member)  # one person, one member id
    c["accident"]["accident_id"] = accident
    return c


def id_number_of(member: str) -> str:
    """A valid 身份证 number of its own for each member (told apart by the last digit of its id)."""
    first17 = f"4401061990030{int(member[-1]) % 9 + 1}123"
    return first17 + check_digit(first17)


@pytest.fixture
def claims_file(tmp_path) -> Path:
    rows = [
        claim(1, "3200.00"),  # tier (2000, 5000] → 2000, or 2500 under the what-if tier
        claim(2, "150.00", member="M-0002"),  # below the first tier either way
        claim(3, "12000.00", member="M-0003", accident="A-1"),
        claim(4, "12000.00", member="M-0003", accident="A-2"),  # the cap: 4000 left, or 1000 with a 7000 cap
        claim(5, "600.00", member="M-0004", documents=["invoice"]),  # pending either way
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    return path


@pytest.fixture
def what_if(tmp_path) -> Path:
    """A 2022 edition whose third tier pays 2500, and whose cap is 7000."""
    p = edition_file(tmp_path, "a.yaml", '{over: "2000.00", pays: "2000.00"}', '{over: "2000.00", pays: "2500.00"}')
    text = p.read_text(encoding="utf-8").replace('amount: "10000.00"', 'amount: "7000.00"')
    p.write_text(text, encoding="utf-8")
    return p


def run_json(args: list[str], capsys) -> list[dict]:
    assert main(["diff", *args, "--json"]) == 0
    return [json.loads(x) for x in capsys.readouterr().out.splitlines()]


def test_changes_carry_old_and_new_payout_and_the_clause_that_moved_them(claims_file, what_if, capsys):
    out = run_json(["--edition", "gd-nef-2022", "--edition", str(what_if), str(claims_file)], capsys)
    assert out[0]["editions"]["B"]["given"] == str(what_if)
    assert out[0]["editions"]["A"]["edition_hash"] != out[0]["editions"]["B"]["edition_hash"]
    changes = {c["change"]["claim_id"]: c["change"] for c in out[1:-1]}
    assert set(changes) == {"C-1", "C-4"}
    c1, c4 = changes["C-1"], changes["C-4"]
    assert (c1["A"]["payout"], c1["B"]["payout"], c1["payout_change"]) == ("2000.00", "2500.00", "500.00")
    assert c1["causes"] == [{"clause": "art5.2", "rule": "tier", "under": ""}]
    assert (c4["A"]["payout"], c4["B"]["payout"]) == ("4000.00", "1000.00")
    assert c4["causes"] == [{"clause": "art5.3", "rule": "cap", "under": ""}]  # the cap bites under both
    totals = out[-1]["totals"]
    assert totals["paid"] == {"A": "12000.00", "B": "9500.00", "change": "-2500.00"}
    assert (totals["claims"], totals["outcome_changed"], totals["payout_changed"]) == (6, 0, 2)
    assert totals["outcomes"]["error"] == {"A": 1, "B": 1} and totals["outcomes"]["pending"] == {"A": 1, "B": 1}
    dist = {r["payout"]: (r["A"], r["B"]) for r in totals["payout_distribution"]}
    assert dist == {"0.00": (2, 2), "1000.00": (0, 1), "2000.00": (1, 0), "2500.00": (0, 1), "4000.00": (1, 0), "6000.00": (1, 1)}


def test_the_text_report_lists_each_change_then_the_totals(claims_file, what_if, capsys):
    assert main(["diff", "--edition", "gd-nef-2022", "--edition", str(what_if), str(claims_file)]) == 0
    text = capsys.readouterr().out
    assert "line 1 C-1: approved 2000.00 → approved 2500.00  [art5.2 tier]" in text
    assert "total paid: A 12,000.00  B 9,500.00  change -2,500.00" in text
    assert "outcome changed: 0; payout changed: 2" in text
    assert "line 4 C-4: approved 4000.00 → approved 1000.00  [art5.3 cap]" in text


def test_an_outcome_change_is_traced_to_the_rule_that_bit_under_one_edition_only(tmp_path, capsys):
    higher = edition_file(tmp_path, "b.yaml", '{at_least: "200.00", pays: "200.00"}', '{at_least: "300.00", pays: "300.00"}')
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps(claim(1, "250.00")) + "\n", encoding="utf-8")
    out = run_json(["--edition", str(SHIPPED), "--edition", str(higher), str(src)], capsys)
    change = out[1]["change"]
    assert (change["A"], change["B"]) == ({"outcome": "approved", "payout": "200.00"}, {"outcome": "denied", "payout": "0.00"})
    assert change["causes"] == [{"clause": "art5.2", "rule": "tier.below_first_tier", "under": "B"}]
    assert out[-1]["totals"]["outcome_changed"] == 1


def test_each_edition_carries_its_own_history(tmp_path):
    """Under a higher first claim payout the member's top-up pays less: the ledgers are separate."""
    richer = load_edition(edition_file(tmp_path, "r.yaml", '{over: "500.00", pays: "500.00"}', '{over: "500.00", pays: "800.00"}'))
    first, top_up = claim(1, "600.00"), claim(2, "3000.00", filed_on="2022-05-01")
    src = io.BytesIO(b"".join(json.dumps(c).encode() + b"\n" for c in (first, top_up)))
    out = io.StringIO()
    totals = diff(src, "gd-nef-2022", str(tmp_path / "r.yaml"), out, as_json=True)
    changes = [json.loads(x)["change"] for x in out.getvalue().splitlines()[1:-1]]
    assert [(c["A"]["payout"], c["B"]["payout"]) for c in changes] == [("500.00", "800.00"), ("1500.00", "1200.00")]
    assert changes[1]["causes"] == [{"clause": "art5.2", "rule": "top-up", "under": ""}]
    b_top_up = adjudicate(top_up, [{"claim_id": "C-1", "accident_id": "A-0001", "accident_occurred_on": "2022-03-01",
                                    "counted_out_of_pocket": "600.00", "paid": "800.00"}], plan=richer)  # fmt: skip
    assert str(b_top_up.payout) == changes[1]["B"]["payout"]
    assert totals.paid == [200000, 200000]


def test_the_same_edition_twice_moves_nothing(claims_file, capsys):
    out = run_json(["--edition", "gd-nef-2022", "--edition", str(SHIPPED), str(claims_file), "--jobs", "2"], capsys)
    assert len(out) == 2 and out[1]["totals"]["paid"]["change"] == "0.00"


def test_causes_compare_rules_by_rule_and_subject():
    base = claim(1, "3200.00")
    dental = copy.deepcopy(base)
    dental["treatments"][0]["items"].append(item(on="2022-03-02", amount="100.00", category="dental"))
    a, b = adjudicate(base), adjudicate(dental)
    assert causes(a, a) == ()
    assert causes(a, b) == (("art6.8", "exclusion.6.8.dental", "B"),)


def test_diff_refuses_anything_but_two_known_editions(claims_file, capsys):
    assert main(["diff", "--edition", "gd-nef-2022", str(claims_file)]) == 2
    assert main(["diff", "--edition", "gd-nef-2022", "--edition", "gd-nef-2031", str(claims_file)]) == 2
    err = capsys.readouterr().err
    assert "exactly two editions" in err and "gd-nef-2031" in err and "Traceback" not in err
    assert editions.get("gd-nef-2031") is None


def test_an_empty_input_gives_empty_totals(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    out = run_json(["--edition", "gd-nef-2022", "--edition", "gd-nef-2022", str(empty)], capsys)
    assert len(out) == 2  # the editions, then the totals: no change between them
    assert out[1]["totals"]["claims"] == 0 and out[1]["totals"]["paid"]["change"] == "0.00"


def test_a_line_nested_beyond_reading_is_an_error_line_not_a_crash(tmp_path, capsys):
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n" + json.dumps(claim(1, "3200.00")) + "\n", encoding="utf-8")
    out = run_json(["--edition", "gd-nef-2022", "--edition", "gd-nef-2022", str(deep)], capsys)
    totals = out[-1]["totals"]
    assert totals["claims"] == 2
    assert totals["outcomes"]["error"] == {"A": 1, "B": 1} and totals["outcomes"]["approved"] == {"A": 1, "B": 1}


def test_a_line_that_fails_to_decide_is_an_error_line_and_the_run_goes_on(tmp_path, capsys, monkeypatch):
    """Issue 13, finding 2: one line never stops a run, in diff as in batch."""
    from mutualaid.ledger import Ledger

    real = Ledger.decide

    def flaky(self, c):
        if c.get("claim_id") == "C-2":
            raise OverflowError("year 10000 is out of range")
        return real(self, c)

    monkeypatch.setattr(Ledger, "decide", flaky)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(claim(n, "3200.00", member=f"M-000{n}")) + "\n" for n in (1, 2, 3)), encoding="utf-8")
    out = run_json(["--edition", "gd-nef-2022", "--edition", "gd-nef-2022", str(path)], capsys)
    totals = out[-1]["totals"]
    assert totals["claims"] == 3
    assert totals["outcomes"]["error"] == {"A": 1, "B": 1} and totals["outcomes"]["approved"] == {"A": 2, "B": 2}


def test_a_number_in_exponent_form_is_refused_like_its_string(tmp_path, capsys):
    """Issue 13, finding 1: diff reads numbers by their text, as batch does (``values.read_json``)."""
    line = json.dumps(claim(1, "3200.00")).replace('"3200.00"', "3.2e3")
    path = tmp_path / "in.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    out = run_json(["--edition", "gd-nef-2022", "--edition", "gd-nef-2022", str(path)], capsys)
    assert out[-1]["totals"]["outcomes"]["error"] == {"A": 1, "B": 1}
