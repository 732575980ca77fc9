"""What-if across editions: decide the same claims under two or more editions and report what moves.

:func:`compare` (``compare(claims, "gd-nef-2022", "what-if.yaml")``) feeds every claim to one
:class:`~mutualaid.Ledger` per edition (``adjudicate(..., plan=E)``, so a claim's own ``plan`` is
overridden). Each ledger carries its own history: when an edition pays an earlier claim more, its
cap and top-ups feel it in the member's later claims, as they would in a year run under it. It
returns a :class:`Comparison`, data rather than text: per-claim changes with their causing clauses,
totals, the payout distribution, ``.to_frame()`` and ``.plot()``. The first edition is the baseline
every other one is compared with. :func:`sweep` sets many editions side by side, one row an edition.

``mutualaid diff --edition A --edition B IN`` (:func:`diff`) is a comparison of two editions over a
JSON-lines stream, printed: each change as it is found, then the totals.

A claim *changes* when its outcome or its payout differs. The clause that caused the change is read
off the two decisions (:func:`causes`):

- the rules that bit under one edition and not the other (compared by rule and subject, as
  ``mutualaid replay`` compares them), each with its clause and the edition it bit under;
- when the same rules bit, the amount moved for a reason of arithmetic: another tier amount
  (art5.2 ``tier``), a cap that limits differently (art5.3 ``cap``), or the accident's earlier
  claims paid differently (art5.2 ``top-up``).

Totals: the change in the total paid, how many claims changed outcome and payout, the outcomes and
the payout distribution (claims per payout amount) under each edition.

Modules: :mod:`.rows` (one claim under every edition), :mod:`.why` (the causes of a move),
:mod:`.comparer` (deciding claim by claim, one ledger an edition), :mod:`.totals` (what moved in
total), :mod:`.comparison` (the comparison as data), :mod:`.tables` (as pandas tables, the ``frame``
extra), :mod:`.plot` (drawn, the ``notebook`` extra), :mod:`.inputs` (the claims and editions read),
:mod:`.run` (``compare`` and ``sweep``; ``engine="polars"`` is :mod:`mutualaid.vector.compare`),
:mod:`.report` (``mutualaid diff``).
"""

from __future__ import annotations

from .comparer import CompareSpec
from .comparison import Change, Comparison
from .report import change_json, change_text, diff
from .rows import Compared, Side
from .run import compare, sweep
from .totals import Totals
from .why import causes, clause_label

__all__ = ["compare", "sweep", "Comparison", "Change", "diff", "causes", "Totals"]
