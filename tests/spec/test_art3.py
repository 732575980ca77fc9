"""第三条 保障费用 (art3): the 20-yuan contribution, which the edition carries and no decision reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

from pins import clause


@clause("art3")
@given(st.data())
def test_the_contribution_changes_no_decision(data):
    """第三条 "本计划保障费标准为每人 20 元。"

    The contribution is what a member's cover costs, not a condition of it: two editions that differ
    only in their contribution (20.00, none, or any other) decide every claim alike, to the whole
    decision (its record aside, which hashes the edition's data).
    """
    edition = data.draw(T.editions())
    other = T.edition_from_data({**edition.model_dump(mode="json", by_alias=True), "contribution": data.draw(st.sampled_from((None, "0.00", "20.00", "99.99")))})
    claim = data.draw(T.claims())
    history = data.draw(T.histories(for_claim=claim, edition=edition))
    assert adjudicate(claim, history, plan=edition, record=False) == adjudicate(claim, history, plan=other, record=False)
