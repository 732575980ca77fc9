"""``mutualaid diff --edition A --edition B IN``: a comparison of two editions over a JSON-lines stream, printed.

:func:`diff` writes each change as it is found (:func:`change_text`, or :func:`change_json` with
``--json``) and not kept, so memory does not grow with the stream; then the totals
(:meth:`~.totals.Totals.text`, :meth:`~.totals.Totals.to_json`).
"""

from __future__ import annotations

import json
import sys
from typing import IO, Optional

from ..batch import Progress, read_chunks
from .comparison import Comparison
from .inputs import editions_of
from .rows import Compared, Side
from .run import run
from .totals import Totals, yuan_text
from .why import cause_text

__all__ = ["diff", "change_text", "change_json"]


def change_text(c: Compared) -> str:
    """A change as ``mutualaid diff`` prints it: its line and claim id, the two sides, and its causes in words."""

    def side(s: Side) -> str:
        return "bad input" if s.outcome == "error" else f"{s.outcome} {yuan_text(s.payout_fen)}"

    why = "; ".join(cause_text(x) for x in c.causes[0])
    return f"line {c.line} {c.claim_id or '?'}: {side(c.a)} → {side(c.b)}  [{why}]"


def change_json(c: Compared) -> dict:
    """A change as ``mutualaid diff --json`` writes it (amounts as yuan text)."""

    def side(s: Side) -> dict:
        if s.outcome == "error":
            return {"outcome": "error", "fields": list(s.error_fields)}
        return {"outcome": s.outcome, "payout": yuan_text(s.payout_fen)}

    return {
        "line": c.line,
        "claim_id": c.claim_id,
        "A": side(c.a),
        "B": side(c.b),
        "payout_change": yuan_text(c.b.payout_fen - c.a.payout_fen),
        "causes": [{"clause": cl, "rule": rule, "under": under} for cl, rule, under in c.causes[0]],
    }


def diff(
    source: IO[bytes],
    a: str,
    b: str,
    out: IO[str],
    *,
    as_json: bool = False,
    engine: str = "native",
    jobs: int = 1,
    total_bytes: Optional[int] = None,
    progress: Optional[bool] = None,
    stderr: Optional[IO[str]] = None,
) -> Totals:
    """``mutualaid diff``: :func:`compare` ``source`` (JSON lines) under ``a`` and ``b``; write each change as found, then the totals.

    Changes are written as they are found and not kept, so memory does not grow with the stream.
    """
    editions = editions_of((a, b))
    heads = {name: {"given": spec, "id": e.id, "edition_hash": e.content_hash} for name, spec, e in zip("AB", (a, b), editions)}
    if as_json:
        out.write(json.dumps({"editions": heads}, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.writelines(f"{name}: {h['given']} (edition {h['id']}, {h['edition_hash'][:19]}…)\n" for name, h in heads.items())
    bar = Progress(stderr or sys.stderr, total_bytes, progress)
    comparison = Comparison(editions, keep=False)
    offset = [0]  # an empty IN has no chunk

    def each(c: Compared) -> None:
        if c.changed:
            text = json.dumps({"change": change_json(c)}, ensure_ascii=False, separators=(",", ":")) if as_json else change_text(c)
            out.write(text + "\n")

    def chunk_done(meta) -> None:
        offset[0] = meta[1]
        bar.update(comparison.claims, offset[0])

    run(comparison, read_chunks(source), engine, jobs, each, chunk_done)
    bar.update(comparison.claims, offset[0], force=True)
    bar.close()
    totals = comparison.totals
    if as_json:
        out.write(json.dumps({"totals": totals.to_json()}, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        out.write(totals.text() + "\n")
    return totals
