"""Every claim in ``examples/`` goes through ``mutualaid adjudicate`` and still tells its story.

Each example is a story (a courier's fracture, a dental item, a cap that runs out…). A story is only
worth reading while the decision it promises is the decision the library gives, so each file's
expected outcome, payout, amounts and reasons are recorded here, and a new example without an
entry here fails. The header comment of each file states its expected outcome and payout on an
``# Expected:`` line; that line is checked as well, so the prose cannot drift from the decision.

The command runs in-process (``mutualaid.cli.main``): tests/test_cli.py already runs the real
console script in subprocesses; here what matters is the decision, and in-process runs are fast.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from mutualaid import adjudicate, read_claim_file
from mutualaid.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Story:
    outcome: str
    payout: str
    counted: str
    tier: str
    cap_remaining: str
    reasons: frozenset = frozenset()
    """(effect, clause, rule id, subject) of every reason the decision must give, and no other."""


STORIES = {
    "courier-fracture.yaml": Story(
        "approved", "2000.00", counted="2960.40", tier="2000.00", cap_remaining="8000.00",
        reasons=frozenset({
            ("exclude", "art5.5", "hospital.excluded_kind", "T2"),  # the rehabilitation hospital
            ("exclude", "art6.8", "exclusion.6.8.dental", "T1/3"),  # the dental item
        }),
    ),
    "rider-dental.yaml": Story(
        "approved", "200.00", counted="482.30", tier="200.00", cap_remaining="9800.00",
        reasons=frozenset({
            ("exclude", "art6.8", "exclusion.6.8.diagnosis", "T2"),  # primary diagnosis S02.5
            ("exclude", "art6.8", "exclusion.6.8.dental", "T1/3"),  # the splint
            ("exclude", "art6.8", "exclusion.6.8.dental", "T2/2"),  # the crown
        }),
    ),
    "driver-cap-exhausted.yaml": Story(
        "approved", "2000.00", counted="6042.60", tier="5000.00", cap_remaining="0.00",
        reasons=frozenset({("note", "art5.3", "cap.limits_payout", "claim")}),
    ),
    "top-up.yaml": Story("approved", "300.00", counted="420.00", tier="500.00", cap_remaining="9500.00"),
    "late-filing-holiday.yaml": Story("approved", "500.00", counted="1425.40", tier="500.00", cap_remaining="9500.00"),
    "drunk-driving.yaml": Story(
        "denied", "0.00", counted="4031.70", tier="2000.00", cap_remaining="10000.00",
        reasons=frozenset({("deny", "art6.3", "exclusion.6.3.circumstance", "claim")}),
    ),
    "pending-missing-document.yaml": Story(
        "pending", "0.00", counted="968.50", tier="500.00", cap_remaining="10000.00",
        reasons=frozenset({("pend", "art8.2", "documents.missing", "claim")}),
    ),
}

_EXPECTED_LINE = re.compile(r"^# Expected: (approved|denied|pending), payout (\d+\.\d\d)$", re.MULTILINE)


def _durable_available() -> bool:
    try:
        import durable.engine  # noqa: F401
    except ImportError:
        return False
    return True


def _example_files() -> list[str]:
    return sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def test_every_example_has_a_recorded_story():
    # A new example without expectations here would run without anyone checking what it shows.
    assert _example_files() == sorted(STORIES)


@pytest.mark.parametrize("name", sorted(STORIES))
def test_example_decides_as_its_story_says(name, capsys):
    path = str(EXAMPLES / name)
    story = STORIES[name]

    assert main(["adjudicate", path, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    d = json.loads(out)
    assert (d["outcome"], d["payout"]) == (story.outcome, story.payout)
    assert (d["counted_out_of_pocket"], d["tier_amount"], d["cap_remaining"]) == (
        story.counted,
        story.tier,
        story.cap_remaining,
    )
    assert {(r["effect"], r["clause"], r["rule"], r["subject"]) for r in d["reasons"]} == story.reasons

    # The text a person reads: exit 0, the outcome, the payout and every clause that bit.
    assert main(["adjudicate", path]) == 0
    text, err = capsys.readouterr()
    assert err == ""
    assert f"/ {story.outcome}" in text and f"payout {story.payout}" in text
    for _, clause, _, subject in story.reasons:
        assert f"{clause} {subject}" in text


@pytest.mark.skipif(not _durable_available(), reason="durable_rules is not installed (pip install 'mutualaid[durable]')")
@pytest.mark.parametrize("name", sorted(STORIES))
def test_reference_engine_tells_the_same_story(name, capsys):
    # `--engine durable` is the reference (README): a story must not depend on which engine reads it.
    assert main(["adjudicate", str(EXAMPLES / name), "--json", "--engine", "durable"]) == 0
    d = json.loads(capsys.readouterr().out)
    story = STORIES[name]
    assert (d["engine"], d["outcome"], d["payout"]) == ("durable", story.outcome, story.payout)
    assert {(r["effect"], r["clause"], r["rule"], r["subject"]) for r in d["reasons"]} == story.reasons


@pytest.mark.parametrize("name", sorted(STORIES))
def test_example_header_states_the_recorded_outcome(name):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    header = text[: text.index("\nclaim:")]
    assert all(line.startswith("#") for line in header.splitlines()), "the story is one comment block at the top"
    assert re.search(r"[\u4e00-\u9fff]", header), "the story has a line of Chinese"
    found = _EXPECTED_LINE.findall(header)
    assert found == [(STORIES[name].outcome, STORIES[name].payout)]
    for _, clause, _, _ in STORIES[name].reasons:
        assert clause in header, f"the header should name {clause}"
    assert f"mutualaid adjudicate examples/{name}" in header


def test_late_filing_story_is_after_the_anniversary_and_before_the_moved_deadline():
    """The story only holds while the anniversary is a holiday and the claim is filed after it."""
    import chinese_calendar

    from mutualaid.deadline import filing_deadline

    claim, history = read_claim_file(EXAMPLES / "late-filing-holiday.yaml")
    occurred = dt.date.fromisoformat(claim["accident"]["occurred_on"])
    filed = dt.date.fromisoformat(claim["filed_on"])
    deadline = filing_deadline(occurred, 1, True)
    on_holiday, holiday_name = chinese_calendar.get_holiday_detail(deadline.anniversary)
    assert on_holiday and holiday_name is not None, "the anniversary must be a statutory holiday"
    assert deadline.anniversary < filed <= deadline.day

    # One working day later the same claim is late: the deadline the story relies on is real.
    late = dt.date(2023, 1, 30)
    assert late > deadline.day and chinese_calendar.is_workday(late)
    denied = adjudicate({**claim, "filed_on": late.isoformat()}, history)
    assert denied.outcome == "denied"
    assert [(r.clause, r.rule) for r in denied.reasons] == [("art5.4", "filing.late")]


def test_cap_story_leaves_nothing_for_a_later_claim():
    # "the cap runs out": after the example is paid, another 2022 claim of the member is denied (art5.3).
    claim, history = read_claim_file(EXAMPLES / "driver-cap-exhausted.yaml")
    first = adjudicate(claim, history)
    later = {
        **claim,
        "claim_id": "C-2022-009990",
        "filed_on": "2022-12-20",
        "accident": {**claim["accident"], "accident_id": "A-2022-009990", "occurred_on": "2022-12-01"},
        "treatments": [{**claim["treatments"][0], "items": [{"on": "2022-12-01", "category": "treatment", "out_of_pocket": "900.00"}]}],
    }
    entry = {
        "claim_id": claim["claim_id"],
        "accident_id": claim["accident"]["accident_id"],
        "accident_occurred_on": claim["accident"]["occurred_on"],
        "counted_out_of_pocket": str(first.counted_out_of_pocket),
        "paid": str(first.payout),
    }
    d = adjudicate(later, [*history, entry])
    assert (d.outcome, d.payout) == ("denied", Decimal("0.00"))
    assert ("art5.3", "cap.exhausted") in {(r.clause, r.rule) for r in d.reasons}


def test_top_up_pays_the_difference_to_the_new_tier():
    # Without its history the same bill is a first claim in the 200 tier: the history is what makes it a top-up.
    claim, history = read_claim_file(EXAMPLES / "top-up.yaml")
    alone = adjudicate(claim)
    topped = adjudicate(claim, history)
    assert (alone.tier_amount, alone.payout) == (Decimal("200.00"), Decimal("200.00"))
    assert (topped.tier_amount, topped.payout) == (Decimal("500.00"), Decimal("300.00"))


def test_pending_story_pays_its_tier_once_the_document_arrives():
    claim, history = read_claim_file(EXAMPLES / "pending-missing-document.yaml")
    complete = adjudicate({**claim, "documents": [*claim["documents"], "accident_proof"]}, history)
    assert (complete.outcome, complete.payout) == ("approved", Decimal("500.00"))


@pytest.mark.parametrize("name", sorted(STORIES))
def test_example_carries_its_story_as_an_expect_block_for_check(name):
    """``mutualaid check examples/`` runs the stories (docs/case-files.md): each file's ``expect:``
    is the recorded outcome, payout and every clause that excludes, denies or pends."""
    from mutualaid import yamlio

    doc = yamlio.load((EXAMPLES / name).read_text(encoding="utf-8"))
    story = STORIES[name]
    expect = doc["expect"]
    assert (expect["outcome"], str(expect["payout"])) == (story.outcome, story.payout)
    assert set(expect.get("clauses") or ()) == {clause for effect, clause, _, _ in story.reasons if effect != "note"}
