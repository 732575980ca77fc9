"""What a what-if reads: the editions (:func:`editions_of`) and the claims, as batch-like chunks (:func:`chunks_of`).

Claims come as an iterable of claim dicts or :class:`~mutualaid.Claim` models, a pandas DataFrame
(read by :func:`mutualaid.frame.claims_of`), a JSON-lines file's path or a binary stream of JSON
lines (read by :func:`mutualaid.batch.read_chunks`, as ``mutualaid batch`` reads them). With
``jobs``, claims given as data are sent to the processes as JSON lines (:func:`encoded`), since
the processes route lines by their bytes.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Iterator

from ..batch import CHUNK, read_chunks
from ..plan import resolve

__all__ = ["editions_of", "chunks_of", "encoded"]


def editions_of(specs: tuple) -> tuple:
    """Each edition given (an :class:`~mutualaid.Edition`, an id or a file) as an Edition, in order."""
    found = []
    for k, spec in enumerate(specs):
        edition = resolve(spec)
        if edition is None:
            raise ValueError(f"compare: edition {k + 1} is missing (None)")
        found.append(edition)
    return tuple(found)


def chunks_of(claims: Any) -> Iterator[tuple[Any, list]]:
    """The claims as batch-like chunks ((last line, offset), [(line, claim or raw line)…])."""
    if isinstance(claims, (str, os.PathLike)):
        with open(claims, "rb") as fp:
            yield from read_chunks(fp)
        return
    if hasattr(claims, "read"):  # a binary stream of JSON lines
        yield from read_chunks(claims)
        return
    if type(claims).__module__.split(".")[0] == "pandas":  # without importing pandas for other input
        from ..frame import claims_of  # the frame extra (pandas, pyarrow): the claims are a pandas DataFrame

        claims = claims_of(claims)
    items: list = []
    line = 0
    for line, claim in enumerate(claims, 1):
        items.append((line, claim))
        if len(items) == CHUNK:
            yield (line, 0), items
            items = []
    if items:
        yield (line, 0), items


def encoded(chunks: Iterable[tuple[Any, list]]) -> Iterator[tuple[Any, list]]:
    """Claims given as data, as JSON lines: the processes of ``jobs`` route lines by their bytes."""
    for meta, items in chunks:
        yield meta, [(line, raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else _dumps(raw))
                     for line, raw in items]  # fmt: skip - the routing reads bytes


def _dumps(claim: Any) -> bytes:
    if hasattr(claim, "model_dump_json"):
        return claim.model_dump_json().encode("utf-8")
    return json.dumps(claim, ensure_ascii=False, default=str).encode("utf-8")  # Decimal and date as their text
