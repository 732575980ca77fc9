"""whatif.compare (issue 16): the what-if as data: changes with their clauses, totals, distribution, frame, plot."""

from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from mutualaid import Ledger, editions, load_edition
from mutualaid.whatif import Change, Comparison, compare, diff

from claimdata import claim_with, generated_stream, item, treatment

ROOT = Path(__file__).resolve().parent.parent
WHAT_IF = ROOT / "examples" / "editions" / "what-if-cap8000-filing2y.yaml"
BASE = editions.get("gd-nef-2022")
TOP = BASE.replace(id="top-tier-8000", tiers=[*[t.model_dump() for t in BASE.tiers[:-1]], {"over": "10000.00", "pays": "8000.00"}])


@pytest.fixture(scope="module")
def claims() -> list[dict]:
    return generated_stream(500, 150, 3)


@pytest.fixture(scope="module")
def three(claims) -> Comparison:
    """The baseline, the cap/filing what-if (by file) and a richer top tier (by object)."""
    return compare(claims, "gd-nef-2022", WHAT_IF, TOP)


def _ledger_totals(claims, edition) -> tuple[int, Counter]:
    ledger, paid, outcomes = Ledger(plan=edition, record=False), 0, Counter()
    from mutualaid import InvalidClaim

    for c in claims:
        try:
            d = ledger.decide(c)
        except InvalidClaim:
            outcomes["error"] += 1
            continue
        paid += int(d.payout * 100)
        outcomes[d.outcome] += 1
    return paid, outcomes


def test_totals_are_the_sums_of_each_editions_own_decisions(claims, three):
    assert three.labels == ("gd-nef-2022", "what-if-cap8000-filing2y", "top-tier-8000")
    assert three.claims == len(claims)
    for label, edition in zip(three.labels, (BASE, load_edition(WHAT_IF), TOP)):
        paid, outcomes = _ledger_totals(claims, edition)
        assert three.totals.paid[three.labels.index(label)] == paid
        assert three.paid[label] == Decimal(paid).scaleb(-2)
        assert {k: v for k, v in three.outcomes[label].items() if v} == dict(outcomes)
        dist = three.distribution[label]
        assert sum(dist.values()) == len(claims) - outcomes["error"]
        assert sum(a * n for a, n in dist.items()) == three.paid[label]
    assert all(isinstance(v, Decimal) for v in three.paid.values())


def test_changes_name_their_clauses_and_sum_to_the_change(three):
    changes = three.changes
    assert changes and all(isinstance(c, Change) for c in changes)
    assert {c.edition for c in changes} == {"what-if-cap8000-filing2y", "top-tier-8000"}
    for label in three.labels[1:]:
        mine = [c for c in changes if c.edition == label]
        assert sum((c.payout_change for c in mine), Decimal("0.00")) == three.paid_change[label]
        assert sum(three.cost_by_clause[label].values(), Decimal("0.00")) == three.paid_change[label]
        assert all(c.causes and c.after[1] - c.before[1] == c.payout_change for c in mine)
    top = [c for c in changes if c.edition == "top-tier-8000"]
    assert any(c.causes == (("art5.2", "tier", ""),) and c.after == ("approved", Decimal("8000.00")) for c in top)
    cap = [c for c in changes if c.edition == "what-if-cap8000-filing2y"]
    assert any(cl == "art5.3" for c in cap for cl, _, _ in c.causes)
    assert any(("art5.4", "filing.late", "gd-nef-2022") in c.causes for c in cap)  # late under the baseline only
    assert three.cost_by_clause["top-tier-8000"]["art5.2"] > 0


def test_editions_by_object_id_or_file_give_the_same_comparison(claims):
    by_id = compare(claims[:120], "gd-nef-2022", str(WHAT_IF))
    by_object = compare(claims[:120], BASE, load_edition(WHAT_IF))
    by_path = compare(claims[:120], ROOT / "src" / "mutualaid" / "editions" / "gd-nef-2022.yaml", WHAT_IF)
    assert by_id.rows == by_object.rows == by_path.rows
    assert by_id.changes == by_object.changes


def test_claims_from_a_file_a_stream_a_dataframe_or_dicts_agree(claims, tmp_path):
    pd = pytest.importorskip("pandas")
    some = claims[:150]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in some), encoding="utf-8")
    want = compare(some, BASE, TOP).rows
    assert compare(path, BASE, TOP).rows == want
    assert compare(str(path), BASE, TOP).rows == want
    with open(path, "rb") as fp:
        assert compare(fp, BASE, TOP).rows == want
    assert compare(pd.DataFrame(some), BASE, TOP).rows == want
    assert compare(some, BASE, TOP, jobs=2).rows == want


def test_diff_is_compare_printed(claims, tmp_path):
    some = claims[:200]
    src = io.BytesIO(b"".join(json.dumps(c, ensure_ascii=False).encode() + b"\n" for c in some))
    out = io.StringIO()
    totals = diff(src, "gd-nef-2022", str(WHAT_IF), out, as_json=True)
    c = compare(some, "gd-nef-2022", WHAT_IF)
    assert totals.paid == c.totals.paid
    printed = [json.loads(x)["change"] for x in out.getvalue().splitlines()[1:-1]]
    assert [(p["claim_id"], Decimal(p["payout_change"])) for p in printed] == [(x.claim_id, x.payout_change) for x in c.changes]


def test_to_frame_is_long_and_exact(three):
    pytest.importorskip("pandas")
    table = three.to_frame()
    assert len(table) == 3 * three.claims
    assert str(table["payout"].dtype) == "decimal128(14, 2)[pyarrow]" and str(table["payout_fen"].dtype) == "int64[pyarrow]"
    by = table.groupby("edition", sort=False)["payout_fen"].sum()
    assert [int(by[label]) for label in three.labels] == three.totals.paid
    assert table.groupby("edition")["payout"].sum()["top-tier-8000"] == three.paid["top-tier-8000"]
    moved = table[table["changed"]]
    assert len(moved) == len(three.changes)
    assert moved["causes"].str.len().min() > 0
    assert int(moved["payout_change_fen"].sum()) == sum(three.totals.paid[1:]) - 2 * three.totals.paid[0]


def test_plot_draws_the_distribution_and_the_cost_by_clause(three):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fig = three.plot()
    try:
        assert isinstance(fig, Figure)
        left, right = fig.axes
        assert left.get_title() == "Paid claims by payout" and left.get_ylabel() == "claims"
        assert "by clause" in right.get_title() and right.get_xlabel() == "yuan"
        assert len(left.patches) == 3 * len(left.get_xticks())  # one bar per edition per amount
        ticks = [t.get_text() for t in left.get_xticklabels()]
        assert "2,000" in ticks and "8,000" in ticks
        clauses = [t.get_text() for t in right.get_yticklabels()]
        from mutualaid.plotting import clause_text

        keys = set(three.cost_by_clause["top-tier-8000"]) | set(three.cost_by_clause["what-if-cap8000-filing2y"])
        assert set(clauses) == {clause_text(k) for k in keys}  # named as a reader cites them: Art. 5(3)
        widths = {(round(p.get_y() + p.get_height() / 2)): p.get_width() for p in right.patches if p.get_width()}
        assert widths  # bars drawn
        # the legend sits outside both panels: a legend over a bar was misread (issue 16)
        assert not left.get_legend() and not right.get_legend() and len(fig.legends) == 1
        assert [t.get_text() for t in fig.legends[0].get_texts()] == list(three.labels)
        fig.canvas.draw()
        labels = [t.get_text() for t in right.get_xticklabels() if t.get_text()]
        assert any("," in t for t in labels), labels  # yuan with thousands separators, not raw numbers
    finally:
        plt.close(fig)


def test_compare_refuses_fewer_than_two_editions(claims):
    with pytest.raises(ValueError, match="two or more"):
        compare(claims, "gd-nef-2022")
    from mutualaid import UnknownEdition

    with pytest.raises(UnknownEdition):
        compare(claims, "gd-nef-2022", "gd-nef-2031")


def test_a_rule_that_bit_under_one_edition_only_is_named_with_that_edition():
    late = claim_with(treatment(items=[item(on="2022-03-02", amount="3200.00")]), filed_on="2023-12-01")
    c = compare([late], "gd-nef-2022", WHAT_IF)
    assert c.outcomes["gd-nef-2022"]["denied"] == 1 and c.outcomes["what-if-cap8000-filing2y"]["approved"] == 1
    (change,) = c.changes
    assert change.causes == (("art5.4", "filing.late", "gd-nef-2022"),)
    assert change.payout_change == Decimal("2000.00")


def test_a_tier_that_only_a_note_shows_is_costed_to_the_tier_too():
    """One member's third accident under a top tier raised to 8,000, with 7,500 of the cap left: the
    payout rises from 6,000 to 7,500, and only cap.limits_payout (a note) tells the two decisions
    apart. The tier's clause is a cause beside the cap's (the review of issue 16, finding 2)."""

    def accident(n: int, amount: str) -> dict:
        day = f"2022-0{n + 2}-01"
        return claim_with(
            treatment(items=[item(on=day, amount=amount)]),
            claim_id=f"C-{n}",
            filed_on=f"2022-0{n + 2}-20",
            accident={"accident_id": f"A-{n}", "occurred_on": day, "cause": "accident", "circumstances": []},
        )

    c = compare([accident(1, "3000.00"), accident(2, "600.00"), accident(3, "12000.00")], BASE, TOP)
    (change,) = c.changes
    assert change.payout_change == Decimal("1500.00")
    assert {clause for clause, _, _ in change.causes} >= {"art5.2", "art5.3"}


def test_text_lines_compare_alike_in_one_process_or_two(claims):
    lines = [json.dumps(c, ensure_ascii=False) for c in claims[:200]]
    one, two = compare(lines, "gd-nef-2022", WHAT_IF), compare(lines, "gd-nef-2022", WHAT_IF, jobs=2)
    assert one.totals.to_json() == two.totals.to_json() and one.changes == two.changes
    assert one.paid == two.paid and sum(one.totals.paid) > 0
