"""The differential property: for any claim and history, the native engine decides exactly as the
durable_rules engine does — the same outcome, payout, amounts, and reasons in the same order.

durable_rules is the reference: its Rete network matches the very same bound, linted patterns the
native engine compiles. The same examples check that the linter accepts every shipped rule.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

pytest.importorskip("durable.engine", reason="durable_rules is not installed (pip install 'mutualaid[durable]')")

from mutualaid import RULES, adjudicate, editions  # noqa: E402
from mutualaid.engine import bound_patterns  # noqa: E402

from mutualaid.testing import claims_with_history  # noqa: E402


def test_the_linter_accepts_every_shipped_rule():
    patterns = bound_patterns(RULES, editions.get("gd-nef-2022"))
    assert len(patterns) == len(RULES)
    assert all(p["$and"][0] == {"t": r.on} for p, r in zip(patterns, RULES))


@settings(max_examples=max(500, settings.default.max_examples))
@given(claims_with_history())
def test_native_decides_exactly_as_durable(example):
    claim, history = example
    native = adjudicate(claim, history)
    durable = adjudicate(claim, history, engine="durable")
    assert (native.engine, durable.engine) == ("native", "durable")
    assert native.model_dump(mode="json", exclude={"engine"}) == durable.model_dump(mode="json", exclude={"engine"})
