"""Hypothesis strategies for mutualaid's input, for the plan's property suite and for your own tests.

    import pytest
    from hypothesis import given
    from mutualaid import InvalidClaim, adjudicate
    from mutualaid.testing import bad_claims, claims

    @given(claims())
    def test_every_valid_claim_is_decided(claim):
        decision = adjudicate(claim)                 # any valid claim is decided, never refused
        assert decision.outcome in ("approved", "denied", "pending")

    @given(bad_claims())
    def test_bad_input_names_the_field(bad):
        with pytest.raises(InvalidClaim) as exc:
            adjudicate(bad.claim, bad.history)
        assert bad.field in exc.value.fields         # what your form should highlight

``import mutualaid`` does not import this package (nor Hypothesis); import it in tests. It needs
the extra: ``pip install 'mutualaid[testing]'``. ``docs/testing.md`` is the guide.

What the strategies build
-------------------------
Everything is plain JSON-like data, as a claims backend sends it (CONTRACT §1): dicts and lists,
dates as ``"2022-03-01"``, amounts as ``"1200.00"``. Pass it to :func:`mutualaid.adjudicate` as it
is, or dump it to JSON or YAML first.

- :func:`claims` — one valid claim. Keyword arguments narrow it: ``clean`` (an eligible member,
  cause ``accident``, no circumstance), ``complete`` (all three documents, the member's own
  account), ``payable`` (both, and an accident in the 2022 period filed by its anniversary: only
  the tier and the cap can stop it), and fixed ``claim_id``, ``member`` or ``accident``.
- :func:`histories` ``(for_claim=claim)`` — the member's earlier decided claims, consistent with
  ``claim``: claim ids ``H-1``, ``H-2``…, the claim's accident keeps its date, at most the top
  tier paid per accident and the cap per edition. ``edition=`` keeps a what-if edition's limits.
- :func:`claims_with_history` — ``(claim, history)`` pairs.
- :func:`claim_streams` — one member's successive claims (ids ``C-1``, ``C-2``…, in filing order)
  over one to three accidents, with repeat claims (top-ups) for the same accident, also after a
  claim for another accident. Decide them in order, feeding each decision back with
  :func:`history_entry`.
- :func:`editions` — :class:`~mutualaid.Edition` objects: the 2022 edition with its tiers, cap,
  window, filing limit, documents, hospital rule, exclusions and switches varied. Pass one as
  ``adjudicate(claim, history, plan=edition)``; draw histories with ``histories(for_claim=claim,
  edition=edition)`` so that they respect its cap. :func:`edition_from_data` builds one from data and
  shares it between equal draws (the library compiles an edition's rules once per object).
- :func:`bad_claims` — :class:`BadClaim` examples, each breaking exactly one rule of CONTRACT §5
  (or a fine point of §7): ``.field`` is the path ``InvalidClaim.fields`` must name
  (``treatments.0.items.1.out_of_pocket``, ``history.2.paid``), ``.claim`` and ``.history`` the
  input, ``.breaks`` the rule in words.
- ``st.from_type(Claim)``, ``st.from_type(HistoryEntry)`` and the parts (``Member``, ``Accident``,
  ``Hospital``, ``Treatment``, ``Item``, ``Payee``): models, registered on import.

A bad argument (``claims(amounts="huge")``, ``histories(max_size=-1)``) raises
:class:`hypothesis.errors.InvalidArgument` when the strategy is built, as Hypothesis's own
strategies do. Each strategy's docstring says what it shrinks towards.

The package follows ``hypothesis.extra``: ``_claims`` (valid input), ``_histories`` (histories and
streams), ``_editions`` (editions), ``_breaking`` (the ways to break a claim), ``_types``
(``from_type``), ``_vocabulary`` (the words they draw); everything public is re-exported here.

Valid by construction
---------------------
Nothing the valid strategies build is refused: 身份证 numbers carry a GB 11643 check digit computed
here (not by the library), no item falls after ``filed_on``, ``filed_on`` never falls before the
accident, ``medication_use`` appears on medication items only, amounts are exact in fen, treatment
ids are unique, and a history is consistent with its claim.

What they reach
---------------
Between them the strategies reach every enum value and every circumstance code of the contract,
and these edges (``tests/spec/test_strategies.py`` holds them to it):

- the accident's countable out-of-pocket at each tier edge and one fen either side (199.99, 200.00,
  200.01 … 10000.01): the items of a claim often add up to exactly such a total;
- costs on days 179, 180 and 181 after the accident (and the day before it);
- filing on days 364, 365, 366 and 367 after the accident, and in the days after the anniversary;
- filing deadlines on a weekend, in the Spring Festival holiday, and on a 调休 working day
  (:data:`DEADLINE_EDGES`);
- 29 February, as an accident day (the deadline falls back to 28 February) and as a cost's day;
- a cap remainder smaller than the tier (history has paid nearly 10,000);
- a top-up for an earlier accident (the history holds the claim's accident and a later one).

Examples shrink toward a claim on 2022-01-01 filed the same day, one treatment at a grade-3 public
general hospital, the first value of each list, no circumstances (the first example Hypothesis
tries has ``fight`` unless ``clean``), and small round amounts; each strategy's docstring says exactly what it shrinks towards.

The first decision, and the ``mutualaid`` profile
------------------------------------------------
The library's first ``adjudicate`` in a process compiles the 2022 edition's rules and loads the
ICD-10 and holiday tables: about 85 ms on an idle machine, several times that on a busy one, which
Hypothesis's default 200 ms deadline would blame on the first example. Importing this package
decides a few fixed claims first (:func:`warm_up`), so that the examples start warm. A drawn
edition (:func:`editions`) still compiles its own rules on first use; for properties that draw
editions, or on a machine that is busy enough to slow every example, load the profile this package
registers: ``settings.load_profile("mutualaid")`` (no deadline; otherwise Hypothesis's defaults).

The contract's tables (which clause excludes a diagnosis, which kind a ws218 code is) are not here:
the project's reference reading keeps its own (``tests/spec/tables.py``), so that a property checks
the library against the contract rather than against the strategies.
"""

from __future__ import annotations

try:
    from hypothesis import settings as _settings
except ImportError as exc:  # pragma: no cover - exercised by tests/test_extras.py in a subprocess
    raise ImportError(
        "mutualaid.testing needs Hypothesis, which a production install leaves out: "
        "pip install 'mutualaid[testing]'"
    ) from exc

from . import _types
from ._breaking import BadClaim, bad_claims
from ._claims import accident_dates, accidents, amounts_fen, claims, id_numbers, members
from ._draw import anniversary, gb11643_check, yuan
from ._editions import edition_from_data, editions
from ._histories import claim_streams, claims_with_history, histories, history_entry
from ._vocabulary import DEADLINE_EDGES
from ._warm import warm_up

__all__ = [
    "DEADLINE_EDGES",
    "PROFILE",
    "BadClaim",
    "accident_dates",
    "accidents",
    "amounts_fen",
    "anniversary",
    "bad_claims",
    "claim_streams",
    "claims",
    "claims_with_history",
    "edition_from_data",
    "editions",
    "gb11643_check",
    "histories",
    "history_entry",
    "id_numbers",
    "members",
    "warm_up",
    "yuan",
]

PROFILE = "mutualaid"
"""The Hypothesis profile registered here: ``settings.load_profile(mutualaid.testing.PROFILE)``."""

_settings.register_profile(PROFILE, deadline=None)
_types.register()
warm_up()
