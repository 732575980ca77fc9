"""Running a what-if: :func:`compare` (two or more editions, a :class:`~.comparison.Comparison`) and
:func:`sweep` (many editions, a table), by the per-claim engines or, with ``engine="polars"``, over
whole columns (:mod:`mutualaid.vector.compare`, imported only then: it needs the polars extra).

The per-claim engines run the comparer (:mod:`.comparer`) through ``mutualaid batch``'s pipeline
(:func:`mutualaid.batch.pipeline`), so ``jobs`` spreads the members over processes as a batch does.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from ..batch import pipeline
from .comparer import CompareSpec
from .comparison import Comparison
from .inputs import chunks_of, editions_of, encoded
from .rows import Compared
from .tables import sweep_frame

__all__ = ["compare", "sweep", "run"]


def run(comparison: Comparison, chunks: Iterable, engine: str, jobs: int, each: Optional[Callable[[Compared], None]] = None,
        chunk_done: Optional[Callable[[Any], None]] = None) -> Comparison:  # fmt: skip
    """Compare ``chunks`` (:func:`.inputs.chunks_of`'s) into ``comparison``, per claim, over ``jobs`` processes;
    ``each`` sees every row as it is added, ``chunk_done`` every chunk's (last line, offset)."""
    spec = CompareSpec(comparison.editions, engine)
    if jobs > 1:
        chunks = encoded(chunks)
    for meta, results in pipeline(chunks, spec, jobs):
        for c in results:
            comparison.add(c)
            if each is not None:
                each(c)
        if chunk_done is not None:
            chunk_done(meta)
    return comparison


def compare(claims: Any, *editions: Any, engine: str = "native", jobs: int = 1, parts: int = 1) -> Comparison:
    """Decide the same claims under two or more editions; what moved, by how much, and why.

    ``claims``: an iterable of claim dicts (or :class:`~mutualaid.Claim` models), a pandas DataFrame
    (as :func:`mutualaid.frame.decide` takes it), a JSON-lines file's path, or a binary stream of
    JSON lines; in each member's filing order (as ``mutualaid batch`` takes it). ``editions``:
    :class:`~mutualaid.Edition` objects, edition ids or edition files (YAML or JSON), at least two;
    the first is the baseline. Each edition decides through its own :class:`~mutualaid.Ledger`, so
    history follows the edition. ``jobs``: processes, each deciding its share of the members.

    ``engine="polars"`` (``pip install 'mutualaid[polars]'``) decides every edition over whole
    columns (:mod:`mutualaid.vector`) and gives the same comparison; ``claims`` may then also be a
    polars frame or a Parquet file (``.parquet``) in :data:`mutualaid.vector.CLAIM_SCHEMA`, which is
    read lazily. Its causes are worked out for the claims that moved. ``parts``: a Parquet file (or a
    polars frame) is decided in that many parts by member, one after another, so that memory holds one
    part's claims at a time (ten million claims: docs/performance.md); the comparison is the same.

    Bad input is never raised: it is outcome ``error`` under the editions that refuse it, as in
    ``mutualaid batch``. An unknown edition raises ``UnknownEdition``; a broken file ``InvalidEdition``.
    """
    if len(editions) < 2:
        raise ValueError(f"compare needs two or more editions, the first the baseline; {len(editions)} given")
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    if engine == "polars":
        if jobs != 1:
            raise ValueError("compare: engine='polars' spreads its own work over the cores; jobs is the per-claim engines'")
        if type(parts) is not int or parts < 1:
            raise ValueError(f"compare: parts is a number of parts (1 or more), not {parts!r}")
        try:
            from ..vector.compare import compare as compare_polars  # the polars extra
        except ImportError as exc:
            raise ImportError("engine='polars' needs polars: pip install 'mutualaid[polars]'") from exc
        return compare_polars(claims, editions_of(editions), parts)
    if parts != 1:
        raise ValueError("compare: parts= is for engine='polars'; the per-claim engines read their claims as a stream")
    return run(Comparison(editions_of(editions)), chunks_of(claims), engine, jobs)


def sweep(claims: Any, *editions: Any, parts: int = 1) -> Any:
    """Many candidate editions over the same claims, one row an edition: what each would pay, and whom it moves.

    The polars engine decides every edition (``pip install 'mutualaid[polars]'``): a million claims
    under twenty editions in about two minutes of one core (docs/performance.md), where the native
    engine would take hours. ``claims`` as for
    :func:`compare` with ``engine="polars"`` (a Parquet file is read lazily); the first edition is the
    baseline; ``parts`` as for :func:`compare`. Returns a pandas DataFrame: ``edition`` (label), ``paid_fen`` and ``paid`` (yuan),
    ``change_fen`` and ``change`` (against the baseline), ``approved`` (claims), ``claims_changed``
    (outcome or payout), ``members_paid``, ``members_affected`` (paid another total than under the
    baseline), ``members_paid_more`` and ``members_paid_less``.
    """
    if len(editions) < 2:
        raise ValueError(f"sweep needs two or more editions, the first the baseline; {len(editions)} given")
    try:
        from ..vector.compare import sweep as sweep_polars  # the polars extra
    except ImportError as exc:
        raise ImportError("whatif.sweep needs polars: pip install 'mutualaid[polars]'") from exc
    return sweep_frame(sweep_polars(claims, editions_of(editions), parts).to_arrow())
