"""第八条 申报手续 (art8): costs of one accident accumulate across claims (一), and the documents (二)."""

from __future__ import annotations

import copy

from hypothesis import given, note
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
import tables as C
from pins import clause


@st.composite
def with_more_documents(draw):
    claim, history = draw(T.claims_with_history())
    more = copy.deepcopy(claim)
    have = list(more.get("documents") or [])
    more["documents"] = have + [d for d in C.DOCUMENTS if d not in have and draw(st.booleans())]
    return claim, history, more


@clause("art8.2")
@given(with_more_documents())
def test_adding_a_required_document_never_turns_a_decision_into_a_denial(data):
    """第八条(二) "申报材料: 1. 由医疗机构出具的医疗收费票据(发票)原件; 2. 与意外伤害事故的……有关的证明和资料;
    3. 诊治记录……".

    Monotonicity: supplying more documents never turns a decision into a denial, never lowers the
    payout and changes no amount; a pending claim whose only pending reasons were missing documents
    is approved or denied once all three are there.
    """
    claim, history, more = data
    a, b = adjudicate(claim, history), adjudicate(more, history)
    assert (b.outcome == "denied") == (a.outcome == "denied")
    assert b.payout >= a.payout
    for f in ("counted_out_of_pocket", "accident_out_of_pocket", "tier_amount"):
        assert getattr(a, f) == getattr(b, f), f
    only_documents = a.outcome == "pending" and all(r.clause == "art8.2" for r in a.reasons if r.effect == "pend")
    if only_documents and set(C.REQUIRED_DOCUMENTS) <= set(more["documents"]):
        assert b.outcome in ("approved", "denied")


@st.composite
def documents_under_editions(draw):
    edition = draw(T.editions())
    claim = draw(T.claims())
    return edition, claim, draw(T.histories(for_claim=claim, edition=edition))


@clause("art8.2")
@given(documents_under_editions())
def test_a_claim_pends_exactly_when_a_required_document_is_missing(data):
    """第八条(二) "申报材料" (the edition's ``documents.required``; 'other' documents are never required by 2022).

    Under any edition, the claim pends under art8.2 exactly when some document the edition requires
    is not among those supplied (duplicates and extra documents aside), naming each missing one in a
    ``missing_document`` hint; a missing document never denies.
    """
    edition, claim, history = data
    d = adjudicate(claim, history, plan=edition)
    missing = set(edition.documents.required) - set(claim.get("documents") or ())
    art8 = [r for r in d.reasons if r.clause == "art8.2"]
    assert bool(art8) == bool(missing)
    assert all(r.effect == "pend" for r in art8)
    assert len([h for h in d.hints if h.kind == "missing_document"]) == len(missing)


@st.composite
def split_claims(draw):
    claim, history = draw(T.claims_with_history(complete=True, max_history=3))
    sides = [[draw(st.booleans()) for _ in t["items"]] for t in claim["treatments"]]
    return claim, history, sides


def _split(claim: dict, sides: list, side: bool, claim_id: str) -> dict:
    c = copy.deepcopy(claim)
    c["claim_id"] = claim_id
    for t, flags in zip(c["treatments"], sides):
        t["items"] = [it for it, f in zip(t["items"], flags) if f == side]
    return c


@clause("art8.1", "art5.2")
@given(split_claims())
def test_splitting_an_accidents_costs_over_two_claims_pays_the_same(data):
    """第八条(一) "工作人员接到申报后,将进行累计,达到给付条件后将补贴款直接汇入……银行账户" and 第五条(二)
    "因同一次意外伤害事故发生的个人自付金额……".

    One accident's items split over two claims filed the same day (the second decided with the first
    as history; all documents, the member's own account) pay the same total as one claim with all of
    them: the tier is looked up on the accident's accumulated total.
    """
    claim, history, sides = data
    whole = adjudicate(claim, history)
    first = _split(claim, sides, True, "S-1")
    second = _split(claim, sides, False, "S-2")
    d1 = adjudicate(first, history)
    d2 = adjudicate(second, [*history, T.history_entry(first, d1)])
    note(f"whole {whole.payout}, first {d1.payout} ({d1.outcome}), second {d2.payout} ({d2.outcome})")
    assert d1.payout + d2.payout == whole.payout
    assert d1.counted_out_of_pocket + d2.counted_out_of_pocket == whole.counted_out_of_pocket
    assert d2.accident_out_of_pocket == whole.accident_out_of_pocket


@st.composite
def without_accumulation(draw):
    edition = draw(T.editions(accumulate_same_accident=False))
    claim = draw(T.claims())
    return edition, claim, draw(T.histories(for_claim=claim, edition=edition))


@clause("art8.1")
@given(without_accumulation())
def test_without_accumulation_a_claims_tier_is_its_own(data):
    """第八条(一) "工作人员接到申报后,将进行累计" (the edition's switch ``accumulate_same_accident``).

    With accumulation switched off, what history counted for the same accident is not added: the
    accident's total is the claim's own countable out-of-pocket and the tier is looked up on it
    alone, while what the accident was already paid is still subtracted.
    """
    edition, claim, history = data
    d = adjudicate(claim, history, plan=edition)
    p = R.params_of(edition)
    _, paid_acc, _ = R.history_sums(claim, history, p)
    assert d.accident_out_of_pocket == d.counted_out_of_pocket
    assert d.tier_amount == R.tier_of(d.counted_out_of_pocket, p)
    if d.outcome == "approved":
        assert d.payout <= d.tier_amount - paid_acc
