"""The polars engine (issue 24): the rules compiled a third time, to polars expressions over a whole frame of claims.

``frame.decide(claims, engine="polars")`` and ``whatif.compare(claims, A, B, engine="polars")`` run
here. The claims are read once into columns (:mod:`.columns`: one row a claim, a treatment, an item),
checked in bulk with the contract's rules (:mod:`.checks`), and decided edition by edition
(:mod:`.engine`):

- each rule's condition is the same declaration the native and the durable engine receive, bound to
  the edition and linted (:func:`mutualaid.engine.bound_patterns`), and compiled to a polars
  expression (:func:`.engine.polars_expression`); no rule is written a second time;
- what the articles derive and assess is computed by each declaration's vectorised form, beside the
  per-claim one in the article's own module (:attr:`mutualaid.rule.Derived.vectorised`,
  :attr:`mutualaid.rule.Assessed.vectorised`);
- the history a ledger would hand each claim is a set of running sums over the member's and the
  accident's earlier claims in filing order: cumulative sums, a cumulative minimum, with the
  top-ups' telescoping and the cap clipped once (see :mod:`.engine`).

A row the bulk checks cannot judge, and every claim of its member, is decided by the per-claim
path, through one :class:`~mutualaid.Ledger`, so that a bad row gets exactly the ``error`` row
``frame.decide(errors="record")`` gives and no bad row is decided.

Needs the extra ``pip install 'mutualaid[polars]'``; ``import mutualaid`` never imports polars.
"""

from __future__ import annotations

try:
    import polars  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a fresh interpreter by tests/test_extras.py
    raise ImportError(
        "engine='polars' needs polars, which a plain install leaves out: pip install 'mutualaid[polars]'"
    ) from exc

from .columns import CLAIM_SCHEMA, read_claims
from .engine import Decided, decide, decide_many, polars_expression

__all__ = ["CLAIM_SCHEMA", "Decided", "decide", "decide_many", "polars_expression", "read_claims"]
