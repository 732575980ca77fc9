"""Messages state amounts exactly, never a negative day, and no "file again" once the cover has ended.

Finding 4 of contract revision 3 (CONTRACT §7, "Messages"), as properties over generated editions
with odd amounts (a cap of 9,999.99, a top tier of 5,999.99, tier edges and pays drawn to the fen:
:func:`mutualaid.testing.editions`), generated claims and histories. On the code this work started
from they failed: an amount read ``9999.99`` (no separator) where the contract asks ``9,999.99``, a
cost before the accident read "事故后第 -5 日", and once the cap was used up the tier's hint still
said "file again when they do". A second property holds the two engines to the same decisions over
the same editions, exempted top-ups and histories with ``filed_on`` included (findings 2, 3 and 5).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid.testing as T
from mutualaid import InvalidClaim, adjudicate
from mutualaid.rules import rules_for

# An amount as a message states it: digits grouped by commas, and the fen only when there are any.
_STATED = re.compile(r"^(0|[1-9]\d{0,2}(,\d{3})*)(\.(\d[1-9]|[1-9]0))?$")
# Every amount in a message stands before 元 or yuan (the templates say so: "{cap_fen!y} 元").
_AMOUNT = re.compile(r"(-?[\d,.]*\d) ?(?:元|yuan)")
# A negative number that is not part of a date (2022-03-01) or a code (ICD-10).
_NEGATIVE = re.compile(r"(?<![\w-])-\d")
FILE_AGAIN = (
    "再次申报", "重新申报", "再申报", "重新提交", "请提供", "请补充", "请更正", "请改用", "请按", "可届时",
    "file again", "send ", "correct it", "give ", "claimed under",
)  # fmt: skip
"""What a hint says when it suggests filing again, sending or correcting something."""

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _stated(fen: int) -> str:
    """The contract's reading, written here from the contract (not the library's formatter)."""
    amount = Decimal(fen).scaleb(-2)
    return f"{amount:,.2f}".removesuffix(".00")


def _fen(amount) -> int:
    return int(Decimal(str(amount)).scaleb(2))


def _true_amounts(edition, claim: dict, d) -> set[int]:
    """Every amount, in fen, that a message about this decision may state truly."""
    known = {_fen(edition.cap.amount)}
    known |= {_fen(t.edge) for t in edition.tiers} | {_fen(t.pays) for t in edition.tiers}
    known |= {_fen(x) for x in (d.payout, d.counted_out_of_pocket, d.accident_out_of_pocket, d.tier_amount, d.cap_remaining)}
    known.add(_fen(d.cap_remaining) + _fen(d.payout))  # the cap left before this payout
    for t in claim["treatments"]:
        items = [_fen(it["out_of_pocket"]) for it in t["items"]]
        known |= set(items) | {sum(items)}
    for h in d.hints:  # what is due, paid, how much more reaches the next tier: the hint's own figures
        known |= {_fen(v) for v in h.data.values() if isinstance(v, str) and re.fullmatch(r"\d+\.\d\d", v)}
    return known


def _texts(d):
    for x in (*d.reasons, *d.hints):
        yield x, x.message_zh
        yield x, x.message_en


@SETTINGS
@given(st.data())
def test_every_message_and_hint_states_every_amount_exactly(data):
    """Finding 4: every amount stated is one of the decision's true amounts, written exactly
    (``9,999.99``, ``10,000``); every amount a hint's data gives is stated in its words or its
    reason's; a used-up cap is stated exactly; no day count is negative; and once the cap is used up
    no hint suggests filing again."""
    edition = data.draw(T.editions(), label="edition")
    claim = data.draw(T.claims(), label="claim")
    history = data.draw(T.histories(for_claim=claim, edition=edition), label="history")
    try:
        d = adjudicate(claim, history, plan=edition, record=False)
    except InvalidClaim:  # a history the what-if's smaller cap or top tier cannot hold
        return
    known = _true_amounts(edition, claim, d)
    for x, text in _texts(d):
        assert "{" not in text, (x.rule, text)
        assert not _NEGATIVE.search(text), (x.rule, text)
        for token in _AMOUNT.findall(text):
            assert _STATED.match(token), (x.rule, token, text)
            assert _fen(token.replace(",", "")) in known, (x.rule, token, sorted(known), text)

    ended = any(r.rule == "cap.exhausted" for r in d.reasons)
    reasons = {(r.rule, r.subject): r for r in d.reasons}
    for h in d.hints:
        if not ended:  # the cover-ended words leave the tier's figures out: nothing is paid anyway
            reason = reasons[(h.rule, h.subject)]
            for value in h.data.values():
                if isinstance(value, str) and re.fullmatch(r"\d+\.\d\d", value):
                    stated = _stated(_fen(value))
                    for words in ((h.message_zh, reason.message_zh), (h.message_en, reason.message_en)):
                        assert any(re.search(rf"(?<![\d,.]){re.escape(stated)} ?(元|yuan)", w) for w in words), (h.rule, stated, words)
        else:
            for text in (h.message_zh, h.message_en):
                assert not any(p in text for p in FILE_AGAIN), (h.rule, text)
    if ended:
        cap = _stated(_fen(edition.cap.amount))
        assert d.outcome == "denied" and d.payout == 0
        for x in (*d.reasons, *d.hints):
            if x.rule == "cap.exhausted":
                assert cap in x.message_zh and cap in x.message_en, (cap, x.message_zh, x.message_en)


def test_the_property_sees_odd_amounts_and_ended_covers():
    """The strategies do draw what the property is about: odd caps and tiers, and used-up caps."""
    from hypothesis import Phase, find, settings

    first = settings(phases=(Phase.generate,), database=None, max_examples=5000)  # the first one found: no shrinking
    odd = find(T.editions(), lambda e: _fen(e.cap.amount) % 100 != 0 and any(_fen(t.pays) % 100 for t in e.tiers), settings=first)
    assert _stated(_fen(odd.cap.amount)).count(".") == 1

    def used_up(example) -> bool:
        claim, history = example
        return sum(_fen(h["paid"]) for h in history if "2022-01-01" <= h["accident_occurred_on"] <= "2022-12-31") == 1000000

    find(T.claims_with_history(), used_up, settings=first)


def test_every_cover_ended_word_suggests_nothing_more():
    """Finding 4, statically: each hint's cover-ended words (or, where it declares none, its own)
    suggest no new filing, for every rule of the edition."""
    from mutualaid import editions

    for rule in rules_for(editions.get("gd-nef-2022")):
        if rule.hint is None or rule.ends_cover:
            continue
        for text in (rule.hint.ended_zh or rule.hint.message_zh, rule.hint.ended_en or rule.hint.message_en):
            assert not any(p in text for p in FILE_AGAIN), (rule.id, text)


@pytest.mark.parametrize("day, zh, en", [(-5, "事故发生前 5 日", "5 day(s) before the accident"), (181, "事故后第 181 日", "on day 181 after the accident")])
def test_day_words(day, zh, en):
    """Finding 4: the words the window's messages use for a day (``!z``, ``!e``)."""
    from mutualaid.rule import day_text_en, day_text_zh

    assert (day_text_zh(day), day_text_en(day)) == (zh, en)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_both_engines_agree_under_generated_editions_and_filed_histories(data):
    """Findings 2, 3, 5: native and durable decide alike under what-if editions (exempted top-ups,
    odd caps) with histories that carry filed_on, on time, late or not at all."""
    pytest.importorskip("durable.engine", reason="durable_rules is not installed")
    edition = data.draw(T.editions(), label="edition")
    claim = data.draw(T.claims(), label="claim")
    history = data.draw(T.histories(for_claim=claim, edition=edition), label="history")
    try:
        native = adjudicate(claim, history, plan=edition, record=False)
    except InvalidClaim:
        return
    durable = adjudicate(claim, history, plan=edition, record=False, engine="durable")
    assert native.model_dump(mode="json", exclude={"engine"}) == durable.model_dump(mode="json", exclude={"engine"})
