"""``mutualaid batch IN OUT``: decide a stream of claims (JSON lines) through a :class:`~mutualaid.ledger.Ledger`.

The design, and why (``docs/batch.md`` says the same for users):

- **Order.** Each member's claims are decided in the order they stand in IN, which the batch takes
  as their filing order: a backend's stream arrives in filing order, claims of one member filed on
  one day have no other order, and sorting would hold the whole input before the first decision.
  Members are independent, so claims of different members may interleave freely.
- **Output.** One line in OUT for each non-blank line of IN, in the same order: the decision as
  compact JSON, or an error record ``{"line", "claim_id", "error", "fields"}``. The output order
  does not depend on ``--jobs``, so the output is byte-identical for any number of processes.
- **Memory.** Claims and decisions are never kept: a chunk of lines is read, decided, written and
  dropped. What is kept is each member's history in the ledger (about 110 bytes a decided claim),
  in memory up to ``--spill-after`` decided claims a process, then on disk (:mod:`mutualaid.spill`).
- **Processes.** ``--jobs N`` starts N processes; each owns the members whose id hashes (CRC-32, not
  Python's salted ``hash``) to it, with its own share of the ledger. This process reads IN, routes
  each line by its member id, and writes the answers back in input order.
- **One door** (issue 20). Every key of a line (its member id, its 身份证 number) is the key its
  validated claim has (:mod:`mutualaid.door`), whichever reader took the line (pydantic's JSON
  reader, or plain data for amounts given as JSON numbers) and whichever process routed it
  (:func:`route` reads raw bytes only where they are provably the validated key).
- **Resuming** (``--ledger``). OUT is made durable first, then the ledger entries of the same lines
  and a checkpoint line ``{"checkpoint": {lines, in_offset, out_offset, summary, …}}``. A run killed
  anywhere resumes from its last checkpoint: OUT is cut back to the checkpoint's ``out_offset``
  (dropping lines whose ledger entries may be lost), the ledger's uncommitted tail is cut off, IN is
  read on from ``in_offset``, and those claims are decided again, with the same history, into the
  same bytes. Nothing is lost, and no claim is entered (or paid) twice.
- **Safety** (issue 13). A run holds an exclusive lock on its ledger file from start to end; a
  second run refuses at once and changes nothing. Every line of the ledger carries a chained
  checksum (:class:`~mutualaid.ledger.Chain`), checked before anything is written. OUT is written
  to ``OUT.partial`` and renamed over OUT only when the run is complete, so a run that cannot start,
  or dies, never truncates an existing OUT; a killed run resumes into ``OUT.partial``. A finished
  run started again with the same IN (same bytes), OUT and options is reported as complete and
  changes nothing. One line never stops a run: whatever goes wrong deciding it becomes its error
  record. A write that fails (a full disk, a closed pipe) stops the run with :class:`BatchIOError`.

The package, one job a module: :mod:`~mutualaid.batch.routing` (which process decides a line),
:mod:`~mutualaid.batch.workers` (what a process does, and the pipeline that feeds N of them),
:mod:`~mutualaid.batch.runs` (a run over files, with or without a ledger file, or on a store),
:mod:`~mutualaid.batch.summary`, :mod:`~mutualaid.batch.progress`, :mod:`~mutualaid.batch.errors`.
"""

from __future__ import annotations

from .errors import BatchError, BatchIOError, LedgerBusy
from .progress import Progress
from .routing import _member_bytes, _number_bytes, part_of, part_of_line, route
from .runs import Run, _lock, partial_of, run
from .summary import Summary
from .workers import (
    CHUNK,
    ERROR,
    DecideSpec,
    Results,
    Worker,
    _Decider,
    claim_id_of,
    error_record,
    not_json_record,
    pipeline,
    read_chunks,
    stat_of,
)

__all__ = [
    "CHUNK",
    "ERROR",
    "BatchError",
    "BatchIOError",
    "DecideSpec",
    "LedgerBusy",
    "Progress",
    "Results",
    "Run",
    "Summary",
    "Worker",
    "claim_id_of",
    "error_record",
    "not_json_record",
    "part_of",
    "part_of_line",
    "partial_of",
    "pipeline",
    "read_chunks",
    "route",
    "run",
    "stat_of",
    "_Decider",
    "_lock",
    "_member_bytes",
    "_number_bytes",
]
