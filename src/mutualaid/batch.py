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
  dropped. What is kept is each member's history in the ledger (about 95 bytes a decided claim),
  in memory up to ``--spill-after`` decided claims a process, then on disk (:mod:`mutualaid.spill`).
- **Processes.** ``--jobs N`` starts N processes; each owns the members whose id hashes (CRC-32, not
  Python's salted ``hash``) to it, with its own share of the ledger. This process reads IN, routes
  each line by its member id, and writes the answers back in input order.
- **Resuming** (``--ledger``). OUT is made durable first, then the ledger entries of the same lines
  and a checkpoint line ``{"checkpoint": {lines, in_offset, out_offset, summary, …}}``. A run killed
  anywhere resumes from its last checkpoint: OUT is cut back to the checkpoint's ``out_offset``
  (dropping lines whose ledger entries may be lost), the ledger's uncommitted tail is cut off, IN is
  read on from ``in_offset``, and those claims are decided again, with the same history, into the
  same bytes. Nothing is lost, and no claim is entered (or paid) twice.
"""

from __future__ import annotations

import json
import os
import queue
import re
import sqlite3
import sys
import time
import zlib
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Optional

from .spill import SPILL_AFTER

CHUNK = 256
"""Lines handed to a process at a time (chunks end at fixed line numbers, so checkpoints do too)."""


class BatchError(Exception):
    """A batch cannot start or go on: a ledger that belongs to another run, an unreadable file."""


# --- routing members to processes ----------------------------------------------------------------


def part_of(member_id: str, parts: int) -> int:
    """Which of ``parts`` processes owns a member: stable across runs and machines.

    A lone surrogate (a ``\\ud800`` escape in the JSON) has no UTF-8; ``surrogatepass`` still
    gives it stable bytes, and its claim is bad input wherever it is decided.
    """
    return zlib.crc32(member_id.encode("utf-8", "surrogatepass")) % parts


_MEMBER_ID = re.compile(rb'"member_id"\s*:\s*"([^"\\]*)"')


def part_of_line(raw: bytes, parts: int) -> int:
    """Which process decides a line: the part of its claim's ``member.member_id``.

    The fast path reads the id with a regular expression, which is exact when the line names
    ``"member_id"`` once and has no ``\\u`` escape (a key spelt with escapes would be missed);
    otherwise the line is parsed. A line whose member id cannot be read is bad input whatever
    history it is given, so any process may decide it: process 0 does.
    """
    if raw.count(b'"member_id"') == 1 and b"\\u" not in raw:
        m = _MEMBER_ID.search(raw)
        if m:
            return zlib.crc32(m.group(1)) % parts
    from .ledger import member_of

    try:
        member_id = member_of(json.loads(raw))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading
        return 0
    return 0 if member_id is None else part_of(member_id, parts)


# --- what each process does ----------------------------------------------------------------------

Results = list  # one result per line, in the chunk's order
Worker = Callable[[list], Results]


def _edition(spec: Optional[str]):
    """An edition given as an id or an edition file (the CLI has checked it already)."""
    if spec is not None and Path(spec).is_file():
        from .edition import load_edition

        return load_edition(spec)
    return spec


def error_record(line: int, claim_id: Any, message: str, fields: Iterable[str]) -> bytes:
    """A line of OUT for a line of IN that is bad input: where, which claim, what, and which fields."""
    record = {
        "line": line,
        "claim_id": claim_id if isinstance(claim_id, str) else None,
        "error": message,
        "fields": list(fields),
    }
    try:
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800" in the input) has no UTF-8: escape it
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


def claim_id_of(claim: Any) -> Any:
    if isinstance(claim, dict):
        return claim.get("claim_id")
    return getattr(claim, "claim_id", None)  # a Claim that validated, refused for what spans fields


ERROR = ("error", 0, ())


def stat_of(decision) -> tuple:
    """What the summary counts of a decision: outcome, payout in fen, the clauses that denied it."""
    clauses: tuple = ()
    if decision.outcome == "denied":
        clauses = tuple(sorted({r.clause for r in decision.reasons if r.effect == "deny"}))
    from .facts import fen

    return decision.outcome, fen(decision.payout), clauses


@dataclass(frozen=True)
class DecideSpec:
    """How to build the deciding worker of one process (picklable, for spawned processes)."""

    plan: Optional[str]
    engine: str
    record: bool
    ledger: Optional[str] = None
    ledger_end: int = 0
    spill_after: Optional[int] = SPILL_AFTER
    """Decided claims the process's ledger holds in memory before its history moves to disk."""

    def worker(self, part: int, parts: int) -> Worker:
        from .ledger import Ledger

        class _Journalled(Ledger):
            """Notes the entry each decision makes, for the ledger file (the storage hook at work)."""

            last = None

            def remember(self, member_id, entry):
                super().remember(member_id, entry)
                self.last = (member_id, entry)

        options = {"plan": _edition(self.plan), "engine": self.engine, "record": self.record, "spill_after": self.spill_after}
        if self.ledger is not None and self.ledger_end:
            keep = None if parts == 1 else (lambda m: part_of(m, parts) == part)
            return _Decider(_Journalled.load(self.ledger, **options, keep=keep, end=self.ledger_end), journal=True)
        return _Decider(_Journalled(**options), journal=self.ledger is not None)


class _Decider:
    """Decides lines through the process's ledger: (OUT line, ledger line or b"", stat) per line."""

    def __init__(self, ledger, journal: bool) -> None:
        self.ledger = ledger
        self.journal = journal

    def __call__(self, items: list) -> Results:
        from .errors import InvalidClaim
        from .ledger import entry_line
        from .model import Claim

        ledger = self.ledger
        loads = json.loads
        read = Claim.__pydantic_validator__.validate_json
        out = []
        for line, raw in items:
            try:
                # The usual line: read and validated in one pass inside pydantic. Any fault, and the
                # line is read again as plain data, which adjudicate validates to name every field.
                claim = read(raw)
            except ValueError:
                try:
                    claim = loads(raw)
                except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested beyond reading
                    out.append((error_record(line, None, f"not JSON: {exc}", ("claim",)), b"", ERROR))
                    continue
            ledger.last = None
            try:
                d = ledger.decide(claim)
            except InvalidClaim as exc:
                out.append((error_record(line, claim_id_of(claim), str(exc), exc.fields), b"", ERROR))
                continue
            except sqlite3.Error as exc:  # the history on disk (--spill-after): a full disk, say
                raise BatchError(f"cannot keep the history on disk (line {line}): {exc}") from None
            journal = entry_line(*ledger.last) if self.journal and ledger.last is not None else b""
            out.append((d.__pydantic_serializer__.to_json(d) + b"\n", journal, stat_of(d)))
        return out


# --- the pipeline: chunks of lines, decided in one or N processes, answered in input order -------


def read_chunks(fp: IO[bytes], line: int = 0, offset: int = 0, size: int = CHUNK) -> Iterator[tuple[tuple[int, int], list]]:
    """((last line number, byte offset after it), [(line number, line)…]) for chunks of ``size`` lines.

    Line numbers are 1-based and count blank lines, which carry no claim and are skipped. Chunks
    end at multiples of ``size``, counted from the start of the file, also after a resume.
    """
    items: list = []
    for raw in fp:
        line += 1
        offset += len(raw)
        if not raw.isspace():
            items.append((line, raw))
        if line % size == 0:
            yield (line, offset), items
            items = []
    if line % size:
        yield (line, offset), items


def _context():
    import multiprocessing as mp

    # fork starts a process in milliseconds and shares the loaded library; spawn elsewhere.
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() and sys.platform != "darwin" else "spawn")


def _orphan_watch(parent: int) -> None:
    """End this worker once the batch that started it is gone (killed: it cannot say so).

    A thread, because the worker may be stuck anywhere: halfway through reading a chunk whose
    sender died, or on a full pipe nobody reads. ``os._exit``, because a normal exit would wait
    for the queue's own thread, stuck on that pipe.
    """
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _serve(spec, part: int, parts: int, inbox, outbox, parent: int) -> None:
    """A worker process: build its worker, then answer chunks until told to stop."""
    import pickle
    import threading

    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()
    try:
        worker = spec.worker(part, parts)
        while True:
            items = inbox.get()
            if items is None:
                return
            outbox.put(("ok", worker(items)))
    except BaseException as exc:  # handed to the main process, which raises it
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        outbox.put(("error", exc))


def pipeline(chunks: Iterable[tuple[Any, list]], spec, jobs: int = 1) -> Iterator[tuple[Any, Results]]:
    """(chunk meta, one result per line) for each chunk, in input order, decided by ``jobs`` processes."""
    if jobs <= 1:
        worker = spec.worker(0, 1)
        for meta, items in chunks:
            yield meta, worker(items)
        return

    ctx = _context()
    inboxes = [ctx.Queue() for _ in range(jobs)]
    outboxes = [ctx.Queue() for _ in range(jobs)]
    procs = [
        ctx.Process(target=_serve, args=(spec, k, jobs, inboxes[k], outboxes[k], os.getpid()), daemon=True)
        for k in range(jobs)
    ]
    for p in procs:
        p.start()

    def answer(k: int) -> Results:
        while True:
            try:
                kind, value = outboxes[k].get(timeout=0.5)
            except queue.Empty:
                if procs[k].exitcode is not None:
                    raise RuntimeError(f"batch process {k} ended unexpectedly (exit code {procs[k].exitcode})") from None
                continue
            if kind == "error":
                raise value
            return value

    def collect(meta, order: bytes):
        answers = [iter(answer(k)) for k in range(jobs)]
        return meta, [next(answers[k]) for k in order]

    pending: deque = deque()
    try:
        for meta, items in chunks:
            parts: list[list] = [[] for _ in range(jobs)]
            order = bytearray()
            for item in items:
                k = part_of_line(item[1], jobs)
                order.append(k)
                parts[k].append(item)
            for k in range(jobs):
                inboxes[k].put(parts[k])
            pending.append((meta, bytes(order)))
            if len(pending) > 2 * jobs + 2:
                yield collect(*pending.popleft())
        while pending:
            yield collect(*pending.popleft())
    finally:
        for q in inboxes:
            q.put(None)
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
        for q in (*inboxes, *outboxes):
            q.cancel_join_thread()
            q.close()


# --- the summary ---------------------------------------------------------------------------------


class Summary:
    """Counts by outcome, the total paid and denials by clause; it travels in every checkpoint."""

    OUTCOMES = ("approved", "denied", "pending", "error")

    def __init__(self, data: Optional[dict] = None) -> None:
        data = data or {}
        self.counts = {k: int(data.get(k, 0)) for k in self.OUTCOMES}
        self.paid_fen = int(Decimal(data.get("paid", "0")).scaleb(2))
        self.denied_by_clause: dict[str, int] = dict(data.get("denied_by_clause", {}))

    def add(self, stat: tuple) -> None:
        outcome, paid_fen, clauses = stat
        self.counts[outcome] += 1
        self.paid_fen += paid_fen
        for c in clauses:
            self.denied_by_clause[c] = self.denied_by_clause.get(c, 0) + 1

    @property
    def claims(self) -> int:
        return sum(self.counts.values())

    @property
    def paid(self) -> Decimal:
        return Decimal(self.paid_fen).scaleb(-2)

    def to_json(self) -> dict:
        return {
            **self.counts,
            "paid": str(self.paid),
            "denied_by_clause": dict(sorted(self.denied_by_clause.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def __str__(self) -> str:
        c = self.counts
        lines = [
            f"{self.claims:,} claims: {c['approved']:,} approved, {c['denied']:,} denied, "
            f"{c['pending']:,} pending, {c['error']:,} bad input",
            f"paid: {self.paid:,.2f}",
        ]
        if self.denied_by_clause:
            by = ", ".join(f"{k} {v:,}" for k, v in self.to_json()["denied_by_clause"].items())
            lines.append(f"denied by clause: {by}")
        return "\n".join(lines)


# --- the progress bar ------------------------------------------------------------------------------


class Progress:
    """A one-line bar on a terminal (``\\r``-rewritten, at most five times a second); nothing when piped."""

    def __init__(self, stream: IO[str], total_bytes: Optional[int], enabled: Optional[bool] = None) -> None:
        self.stream = stream
        self.total = total_bytes
        self.enabled = stream.isatty() if enabled is None else enabled
        self.start = self.last = time.monotonic()  # for the rate shown, never for a decision
        self.drawn = False

    def update(self, claims: int, offset: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        rate = claims / max(now - self.start, 1e-9)
        text = f"{claims:,} claims  {rate:,.0f}/s"
        if self.total:
            frac = min(1.0, offset / self.total)
            bar = "#" * int(frac * 30)
            text = f"[{bar:<30}] {frac:4.0%}  {text}"
        self.stream.write("\r" + text + "\033[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


# --- the run ---------------------------------------------------------------------------------------


def _durable(fp: IO[bytes]) -> None:
    fp.flush()
    os.fsync(fp.fileno())


def _where(path: str) -> str:
    return path if path == "-" else os.path.abspath(path)


@dataclass
class Run:
    """What ``run`` did: the summary of the whole run (also what came before a resume), and where it resumed."""

    summary: Summary
    resumed_at: int = 0
    """The number of IN lines a previous, killed run had already decided (0: a fresh run)."""


def run(
    source: str,
    target: str,
    *,
    plan: Optional[str] = None,
    engine: str = "native",
    record: bool = True,
    jobs: int = 1,
    ledger: Optional[str] = None,
    checkpoint_every: int = 10_000,
    spill_after: Optional[int] = SPILL_AFTER,
    progress: Optional[bool] = None,
    stderr: IO[str] = sys.stderr,
) -> Run:
    """Decide every claim of ``source`` into ``target`` (paths, or ``-``); see the module docstring.

    ``plan`` is an edition id or edition file; ``progress`` None means "on a terminal only".
    ``spill_after`` bounds the decided claims each process holds in memory (see :class:`~mutualaid.Ledger`).
    Raises :class:`BatchError` when the files or the ledger do not allow the run.
    """
    if jobs < 1:
        raise BatchError("--jobs must be at least 1")
    if checkpoint_every < 1:
        raise BatchError("--checkpoint-every must be at least 1")
    if spill_after is not None and spill_after < 0:
        raise BatchError("--spill-after must not be negative")
    size = min(CHUNK, checkpoint_every)
    every = -(-checkpoint_every // size) * size  # checkpoints fall on chunk ends
    options = {"plan": plan, "engine": engine, "record": record}
    if plan is not None and Path(plan).is_file():
        options["edition_hash"] = _edition(plan).content_hash  # a changed edition file must not be resumed
    if source != "-" and target != "-" and Path(target).exists() and Path(source).exists():
        if os.path.samefile(source, target):
            raise BatchError("IN and OUT are the same file")

    checkpoint: Optional[dict] = None
    ledger_end = 0
    if ledger is not None:
        if target == "-":
            raise BatchError("--ledger needs OUT to be a file: a resumed run cuts OUT back to its last checkpoint")
        if Path(ledger).exists():
            from .ledger import committed_end

            ledger_end, checkpoint = committed_end(ledger)
            if checkpoint is not None:
                _check_resumable(checkpoint, source, target, options, ledger)
    summary = Summary(checkpoint["summary"] if checkpoint else None)
    line = checkpoint["lines"] if checkpoint else 0
    in_offset = checkpoint["in_offset"] if checkpoint else 0

    try:
        fin = sys.stdin.buffer if source == "-" else open(source, "rb")
    except OSError as exc:
        raise BatchError(f"cannot read {source}: {exc.strerror or exc}") from None
    with _closing(fin, source):
        total = None
        if source != "-":
            total = os.fstat(fin.fileno()).st_size
            if in_offset:
                fin.seek(in_offset - 1)
                if fin.read(1) != b"\n":
                    raise BatchError(f"{source} has changed since the run recorded in {ledger} (line {line} ends elsewhere)")
        else:
            for _ in range(line):  # the same stream must be fed again
                fin.readline()
        fout, jf = _open_outputs(target, ledger, checkpoint, ledger_end)
        with _closing(fout, target), _closing(jf, ledger or "-"):

            def mark(done: bool = False) -> None:
                _durable(fout)
                cp = {
                    "in": _where(source),
                    "out": _where(target),
                    "options": options,
                    "lines": line,
                    "in_offset": in_offset,
                    "out_offset": fout.tell(),
                    "summary": summary.to_json(),
                    "done": done,
                }
                jf.write(json.dumps({"checkpoint": cp}, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
                _durable(jf)

            if jf is not None and checkpoint is None:
                mark()
            bar = Progress(stderr, total, progress)
            spec = DecideSpec(plan, engine, record, ledger, ledger_end, spill_after)
            write, journal = fout.write, (jf.write if jf is not None else None)
            add = summary.add
            for (line, in_offset), results in pipeline(read_chunks(fin, line, in_offset, size), spec, jobs):
                for out, entry, stat in results:
                    write(out)
                    if entry and journal is not None:
                        journal(entry)
                    add(stat)
                if jf is not None and line % every == 0:
                    mark()
                bar.update(summary.claims, in_offset)
            bar.update(summary.claims, in_offset, force=True)
            bar.close()
            if jf is not None:
                mark(done=True)
            else:
                fout.flush()
    return Run(summary, checkpoint["lines"] if checkpoint else 0)


def _check_resumable(checkpoint: dict, source: str, target: str, options: dict, ledger: str) -> None:
    """An unfinished run in the ledger must be resumed with the same IN, OUT and options, or not at all."""
    same = checkpoint.get("in") == _where(source) and checkpoint.get("out") == _where(target)
    if not same or checkpoint.get("options") != options:
        raise BatchError(
            f"{ledger} holds an unfinished run ({checkpoint.get('in')} → {checkpoint.get('out')}, "
            f"options {checkpoint.get('options')}, {checkpoint.get('lines')} lines done). Resume it with the same "
            "IN, OUT and options, or start afresh with another ledger file"
        )
    if not Path(target).exists():
        raise BatchError(f"{target} is gone: the run recorded in {ledger} cannot be resumed")
    if Path(target).stat().st_size < checkpoint["out_offset"]:
        raise BatchError(f"{target} is shorter than the run recorded in {ledger} wrote: it cannot be resumed")


def _open_outputs(target: str, ledger: Optional[str], checkpoint: Optional[dict], ledger_end: int):
    """OUT and the ledger file, each cut back to the last checkpoint when resuming."""
    try:
        if target == "-":
            fout = sys.stdout.buffer
        elif checkpoint is not None:
            fout = open(target, "r+b", buffering=1 << 20)
            fout.truncate(checkpoint["out_offset"])
            fout.seek(0, os.SEEK_END)
        else:
            fout = open(target, "wb", buffering=1 << 20)
        jf = None
        if ledger is not None:
            jf = open(ledger, "r+b" if Path(ledger).exists() else "w+b")
            jf.truncate(ledger_end)  # the uncommitted tail of an unfinished run, or a torn checkpoint
            jf.seek(0, os.SEEK_END)
            if jf.tell():
                jf.seek(-1, os.SEEK_END)
                if jf.read(1) != b"\n":  # a hand-written ledger without a final newline
                    jf.write(b"\n")
    except OSError as exc:
        raise BatchError(f"cannot write {exc.filename or target}: {exc.strerror or exc}") from None
    return fout, jf


class _closing:
    """Close a file we opened, never standard input or output."""

    def __init__(self, fp, path: str) -> None:
        self.fp, self.path = fp, path

    def __enter__(self):
        return self.fp

    def __exit__(self, *exc) -> None:
        if self.fp is not None and self.path != "-":
            self.fp.close()
