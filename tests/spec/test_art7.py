"""第七条 受领人 (art7): the member receives the payment, into their own bank account."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from mutualaid import adjudicate
from mutualaid import testing as T

import reference as R
from pins import clause

NOT_PAYEE = ("counted_out_of_pocket", "accident_out_of_pocket", "tier_amount")


@clause("art7")
@given(T.claims_with_history())
def test_a_claim_pends_unless_the_payee_is_the_members_own_complete_account(cw):
    """第七条 "专属意外医疗补贴由新就业形态劳动者本人受领，转入受领人银行账户。"

    The claim pends under art7 exactly when the payee is missing, lacks a holder name or an account
    number, names another holder, or gives a holder id number other than the member's (compared
    without regard to case, and only when both are given). The payee never denies a claim and
    changes no amount: the same claim paid to the member's own account counts and tiers alike.
    """
    claim, history = cw
    d = adjudicate(claim, history)
    art7 = [r for r in d.reasons if r.clause == "art7"]
    assert bool(art7) == R.payee_pends(claim)
    assert all(r.effect == "pend" for r in art7)
    own = copy.deepcopy(claim)
    own["payee"] = {"holder_name": claim["member"]["name"], "account_number": "6222020200112233445"}
    mine = adjudicate(own, history)
    assert not any(r.clause == "art7" for r in mine.reasons)
    for f in NOT_PAYEE:
        assert getattr(d, f) == getattr(mine, f), f


@st.composite
def respelled_payees(draw):
    claim, history = draw(T.claims_with_history(complete=True))
    c = copy.deepcopy(claim)
    p = c["payee"]
    p["holder_name"] = draw(st.sampled_from(("", " ", "\t", "\u3000"))) + p["holder_name"].strip() + draw(st.sampled_from(("", " ", "\n", "\u3000")))
    if p.get("holder_id_number"):
        p["holder_id_number"] = draw(st.sampled_from((str.upper, str.lower)))(p["holder_id_number"])
    return claim, history, c


@clause("art7", "§7")
@given(respelled_payees())
def test_names_compare_stripped_and_id_numbers_without_case(data):
    """第七条 "专属意外医疗补贴由新就业形态劳动者本人受领"; CONTRACT §7: "Names are compared after stripping
    surrounding whitespace. ID numbers are compared without regard to case."

    The member's own account, written with white space around the holder's name (ASCII or the
    ideographic space) or a lower- or upper-case x in the id number, is still the member's own: the
    decision is the same (its record aside, which hashes the input).
    """
    claim, history, respelled = data
    assert adjudicate(respelled, history, record=False) == adjudicate(claim, history, record=False)
