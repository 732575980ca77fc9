"""``st.from_type`` for the library's input models, registered when :mod:`mutualaid.testing` is imported.

``st.from_type(Claim)`` is :func:`claims` validated into a :class:`~mutualaid.Claim`, and
``st.from_type(HistoryEntry)`` one entry of :func:`histories`; both pass ``adjudicate`` as they are.

The parts (Member, Accident, Hospital, Treatment, Item, Payee) are drawn as they appear in a claim of
the 2022 period: accidents in 2022, costs dated from 20 days before the period to its last day. So
``st.builds(Claim, ...)`` that draws its parts with ``from_type`` builds a claim that ``adjudicate``
accepts once it is given what a part cannot know: an id, a ``filed_on`` no earlier than
:data:`PARTS_FILED_BY`, and treatments with distinct ids (see ``docs/testing.md``).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ..model import Accident, Claim, HistoryEntry, Hospital, Item, Member, Payee, Treatment
from ._claims import _accident, _amount_fen, _fill_amounts, _hospital, _item, _member, _payee, _treatments, claims
from ._draw import _day, yuan
from ._histories import _history
from ._vocabulary import PERIOD_END, PERIOD_START, WINDOW_DAYS

PARTS_FILED_BY = PERIOD_END
"""No part that ``from_type`` draws is dated after this day: a claim built from them may be filed then."""


def _accident_in_period(draw) -> dict:
    return _accident(draw, _day(draw, PERIOD_START, PERIOD_END))


def _one_treatment(draw) -> dict:
    occurred = _day(draw, PERIOD_START, PERIOD_END)
    (t,) = _treatments(draw, occurred, PERIOD_END, max_treatments=1)
    _fill_amounts(draw, [t])
    return t


def _one_item(draw) -> dict:
    occurred = _day(draw, PERIOD_START, PERIOD_END)
    it = _item(draw, occurred, PERIOD_END, WINDOW_DAYS)
    it["out_of_pocket"] = yuan(_amount_fen(draw))
    return it


def _one_payee(draw) -> dict:
    return _payee(draw, _member(draw, PERIOD_START, False)) or {}


def _one_entry(draw) -> dict:
    return _history(draw, None, 3, min_size=1)[0]


STRATEGIES = {
    Claim: claims().map(Claim.model_validate),
    HistoryEntry: st.composite(_one_entry)().map(HistoryEntry.model_validate),
    Member: st.composite(lambda draw: _member(draw, PERIOD_START, False))().map(Member.model_validate),
    Accident: st.composite(_accident_in_period)().map(Accident.model_validate),
    Hospital: st.composite(_hospital)().map(Hospital.model_validate),
    Treatment: st.composite(_one_treatment)().map(Treatment.model_validate),
    Item: st.composite(_one_item)().map(Item.model_validate),
    Payee: st.composite(_one_payee)().map(Payee.model_validate),
}


def register() -> None:
    """Register :data:`STRATEGIES` with Hypothesis (idempotent: the same strategy each time)."""
    for model, strategy in STRATEGIES.items():
        st.register_type_strategy(model, strategy)
