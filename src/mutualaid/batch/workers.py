"""What each process of a batch does: decide chunks of lines through its ledger, and the pipeline that feeds N of them."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import pickle
import queue
import sqlite3
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Callable, Generator, Iterable, Iterator, Optional

from ..errors import FieldError, InvalidClaim
from ..facts import fen
from ..ledger import binding_line, entry_line, Ledger, pended_line
from ..ledger.store import StoreError
from ..model import Claim, keys_all_read
from ..plan import resolve
from ..spill import SPILL_AFTER
from ..values import read_json
from .errors import BatchError, BatchIOError
from .routing import part_of, route

CHUNK = 256
"""Lines handed to a process at a time (chunks end at fixed line numbers, so checkpoints do too)."""


# --- what each process does ----------------------------------------------------------------------

class Results(list):
    """One result per line, in the chunk's order: (OUT line, ledger lines or b"", stat).

    ``bound``: line number → (身份证 number, member id) for the lines whose decision bound a number
    to a member for the first time (the batch's ``--jobs`` routing needs them; see :func:`pipeline`).
    """

    bound: dict

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.bound = {}

Worker = Callable[[list], Results]


def error_record(line: int, claim_id: Any, message: str, errors: Iterable[FieldError]) -> bytes:
    """A line of OUT for a line of IN that is bad input: where, which claim, what, and which fields.

    ``error`` is the whole message and ``fields`` the paths, as they always were; ``errors`` gives
    each field's code, Chinese and English message and offending value
    (:meth:`~mutualaid.errors.InvalidClaim.as_json`), so that a backend can show the claimant why.
    """
    errors = tuple(errors)
    record = {
        "line": line,
        "claim_id": claim_id if isinstance(claim_id, str) else None,
        "error": message,
        "fields": [e.field for e in errors],
        "errors": [e.as_json() for e in errors],
    }
    try:
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800" in the input) has no UTF-8: escape it
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


def not_json_record(line: int, raw: bytes, exc: Exception) -> bytes:
    """The error record of a line that is not JSON (nor UTF-8, or nested beyond reading): field ``claim``."""
    error = FieldError.of("claim", "json.invalid", raw.decode("utf-8", "replace"), detail=exc)
    return error_record(line, None, error.message, (error,))


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
    inherited: tuple = ()
    """File descriptors a forked worker closes at once: the ledger's, whose lock must end with the run."""
    db: Optional[str] = None
    """A SQL store's URL (``batch --db``): each process decides against it (:class:`~mutualaid.ledger.sql.SqlLedger`)."""

    def worker(self, part: int, parts: int) -> Worker:
        options: dict[str, Any] = {"plan": resolve(self.plan), "engine": self.engine, "record": self.record, "spill_after": self.spill_after}
        if self.db is not None:
            return _Decider(_store_ledger(self.db, options), journal=False)
        if self.ledger is not None and self.ledger_end:
            keep = None if parts == 1 else (lambda m: part_of(m, parts) == part)
            try:
                ledger = Ledger.load(self.ledger, **options, keep=keep, end=self.ledger_end)
            except InvalidClaim as exc:
                raise BatchError(f"{self.ledger} holds a line that is not a valid ledger entry (nothing was changed): {_one_line(exc)}") from None
            return _Decider(ledger, journal=True)
        return _Decider(Ledger(**options), journal=self.ledger is not None)


def _store_ledger(url: str, options: dict) -> Any:
    """A ledger on the SQL store at ``url``, or :class:`BatchError` saying why the store cannot be used."""
    try:
        from ..ledger.sql import SqlLedger  # db extra: sqlalchemy and alembic
    except ImportError as exc:
        raise BatchError(str(exc)) from None
    try:
        return SqlLedger(url, plan=options["plan"], engine=options["engine"], record=options["record"])
    except StoreError as exc:
        raise BatchError(str(exc)) from None


def _one_line(exc: Exception) -> str:
    if isinstance(exc, InvalidClaim):
        return "; ".join(str(e) for e in exc.errors)
    return str(exc)


FAST_LINE_COMMAS = 2000
"""A line with more commas than this (a claim of some 300 items) is not validated by pydantic's JSON
reader, which validates every element of a list before the list's length: 300,000 empty items
would build a million errors first (issue 21). It is read as plain data, whose lengths are checked
before validation builds anything (:func:`mutualaid.validate.parse`)."""


class _Decider:
    """Decides lines through the process's ledger: (OUT line, ledger lines or b"", stat) per line."""

    def __init__(self, ledger, journal: bool) -> None:
        self.ledger = ledger
        self.journal = journal

    def __call__(self, items: list) -> Results:
        out = Results()
        try:
            with self.ledger.grouped():  # a SQL store may commit the chunk's decisions at once (SQLite)
                self._decide(items, out)
        except StoreError as exc:  # the commit itself failed: no answer of the chunk goes out
            raise BatchIOError(f"cannot commit to the store: {exc}") from None
        return out

    def _decide(self, items: list, out: Results) -> None:
        ledger = self.ledger
        read = Claim.__pydantic_validator__.validate_json
        for item in items:
            line, raw = item[0], item[1]
            if len(item) > 2:  # 身份证 numbers that other processes' members hold (see pipeline)
                for number, holder in item[2].items():
                    if ledger.holder(number) is None:
                        ledger.bind(number, holder)
            try:
                # The usual line: read and validated in one pass inside pydantic. Any fault (a
                # number with a fraction included: that reader sees it as a float), and the line is
                # read again as plain data, which adjudicate validates to name every field.
                if raw.count(b",") > FAST_LINE_COMMAS:  # long lists, maybe: read as plain data, lengths first
                    raise ValueError
                claim = read(raw)
                if not keys_all_read(raw, claim):  # a key repeated, maybe: that reader keeps the last
                    raise ValueError
            except Exception:
                try:
                    claim = read_json(raw)  # each number judged by its exact text (issue 13, finding 1)
                except InvalidClaim as exc:  # a repeated key (CONTRACT §7, revision 3), named by its path
                    out.append((error_record(line, None, str(exc), exc.errors), b"", ERROR))
                    continue
                except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested beyond reading
                    out.append((not_json_record(line, raw, exc), b"", ERROR))
                    continue
            entered = bound = pended = None
            try:
                (d, entered, bound, pended), answer = ledger.decide_answer(claim)
                answer += b"\n"
                stat = stat_of(d)
            except InvalidClaim as exc:
                out.append((error_record(line, claim_id_of(claim), str(exc), exc.errors), b"", ERROR))
                continue
            except sqlite3.Error as exc:  # the history on disk (--spill-after): a full disk, say
                raise BatchIOError(f"cannot keep the history on disk (line {line}): {exc}") from None
            except StoreError as exc:  # the SQL store (--db) failed: nothing of this line was committed
                raise BatchIOError(f"cannot decide line {line} against the store: {exc}") from None
            except Exception as exc:  # noqa: BLE001 - one line never stops a run (issue 13, finding 2)
                error = FieldError.of("claim", "claim.cannot_decide", kind=type(exc).__name__, detail=exc)
                answer = error_record(line, claim_id_of(claim), error.message, (error,))
                stat = ERROR
            journal = b""
            if entered is not None and self.journal:
                journal = (binding_line(bound, entered[0]) if bound else b"") + entry_line(*entered)
            elif pended is not None and self.journal:
                journal = pended_line(*pended)
            if bound and entered is not None:
                out.bound[line] = (bound, entered[0])
            out.append((answer, journal, stat))


# --- the pipeline: chunks of lines, decided in one or N processes, answered in input order -------


def read_chunks(
    fp: IO[bytes], line: int = 0, offset: int = 0, size: int = CHUNK, digest: Optional[Any] = None
) -> Iterator[tuple[tuple[int, int], list]]:
    """((last line number, byte offset after it), [(line number, line)…]) for chunks of ``size`` lines.

    Line numbers are 1-based and count blank lines, which carry no claim and are skipped. Chunks
    end at multiples of ``size``, counted from the start of the file, also after a resume.
    ``digest`` (a hashlib object) is fed every byte read, so that a finished run knows its IN.
    """
    items: list = []
    feed = digest.update if digest is not None else None
    for raw in fp:
        line += 1
        offset += len(raw)
        if feed is not None:
            feed(raw)
        if not raw.isspace():
            items.append((line, raw))
        if line % size == 0:
            yield (line, offset), items
            items = []
    if line % size:
        yield (line, offset), items


def _context():
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


def _serve(spec, part: int, parts: int, inbox, outbox, parent: int, writers: tuple = ()) -> None:
    """A worker process: build its worker, then answer chunks until told to stop.

    ``outbox`` is the write end of this process's own pipe; ``writers`` are every process's, of
    which a forked process holds copies: it closes the others', so that when a process dies, its
    pipe has no writer left and the main process reads the end of it (see :func:`pipeline`).
    Answers are sent by a thread, so that deciding the next chunk does not wait for the main
    process to read this one.
    """
    for fd in getattr(spec, "inherited", ()):  # the ledger's lock must end with the run, not with us
        try:
            os.close(fd)
        except OSError:
            pass
    for w in writers:
        if w is not outbox:
            w.close()
    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()
    answers: "queue.SimpleQueue" = queue.SimpleQueue()
    sender = threading.Thread(target=_send_answers, args=(answers, outbox), daemon=True)
    sender.start()
    try:
        worker = spec.worker(part, parts)
        while True:
            items = inbox.get()
            if items is None:
                return
            answers.put(("ok", worker(items)))
    except BaseException as exc:  # handed to the main process, which raises it
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        answers.put(("error", exc))
    finally:
        answers.put(None)
        sender.join()


def _send_answers(answers: "queue.SimpleQueue", outbox) -> None:
    """Send a worker process's answers, in order, until ``None``."""
    while True:
        answer = answers.get()
        if answer is None:
            return
        try:
            outbox.send(answer)
        except OSError:  # the main process is gone: nobody reads
            return


def pipeline(
    chunks: Iterable[tuple[Any, list]], spec, jobs: int = 1, bindings: Optional[dict] = None, worker: Optional[Worker] = None
) -> Generator[tuple[Any, Results], None, None]:
    """(chunk meta, one result per line) for each chunk, in input order, decided by ``jobs`` processes.

    ``worker``: the one process's worker, built already (``jobs`` 1). ``bindings`` (the batch's):
    身份证 number → member id, as the lines answered so far bound them (the caller keeps it up to
    date). Each process knows only its own members' bindings, so a line whose number was seen with
    a member of another process waits until every line before it is answered, and goes out with
    that number's holder: then it is decided as one process would decide it. A meta of None
    marks such a part of a chunk.
    """
    if jobs <= 1:
        worker = worker or spec.worker(0, 1)
        for meta, items in chunks:
            yield meta, worker(items)
        return

    ctx = _context()
    inboxes = [ctx.Queue() for _ in range(jobs)]
    # Answers come back through a pipe a process, whose only writer is that process (issue 22,
    # finding 1): a process killed while it sends an answer (the OOM killer) leaves half a message,
    # and the main process then reads the pipe's end, never waits for the rest.
    pipes = [ctx.Pipe(duplex=False) for _ in range(jobs)]
    outboxes = [r for r, _ in pipes]
    writers = tuple(w for _, w in pipes)
    procs = [
        ctx.Process(target=_serve, args=(spec, k, jobs, inboxes[k], writers[k], os.getpid(), writers), daemon=True)
        for k in range(jobs)
    ]
    for p in procs:
        p.start()
    for w in writers:
        w.close()

    def answer(k: int) -> Results:
        while True:
            try:
                if not outboxes[k].poll(0.5):
                    if procs[k].exitcode is not None:
                        raise RuntimeError(f"batch process {k} ended unexpectedly (exit code {procs[k].exitcode})")
                    continue
                kind, value = outboxes[k].recv()
            except (EOFError, OSError):  # its pipe ended, maybe halfway through an answer: it died
                procs[k].join(timeout=5)
                raise RuntimeError(f"batch process {k} ended unexpectedly (exit code {procs[k].exitcode})") from None
            if kind == "error":
                raise value
            return value

    def collect(meta, order: bytes):
        got = [answer(k) for k in range(jobs)]
        answers = [iter(a) for a in got]
        merged = Results(next(answers[k]) for k in order)
        for a in got:
            merged.bound.update(getattr(a, "bound", {}))
        return meta, merged

    seen: dict[str, Any] = {}  # 身份证 number → (member id, part), or a dict of them once two members had it
    pending: deque = deque()
    finished = False
    try:
        for meta, items in chunks:
            parts: list[list] = [[] for _ in range(jobs)]
            order = bytearray()
            for item in items:
                k, member, number = route(item[1], jobs)
                if bindings is not None and number is not None and member is not None and _elsewhere(seen, number, member, k):
                    for q in range(jobs):  # what came before goes out, and every answer comes back
                        inboxes[q].put(parts[q])
                    pending.append((None, bytes(order)))
                    while pending:
                        yield collect(*pending.popleft())
                    parts, order = [[] for _ in range(jobs)], bytearray()
                    holder = bindings.get(number)
                    if holder is not None and holder != member:
                        item = (item[0], item[1], {number: holder})
                order.append(k)
                parts[k].append(item)
            for k in range(jobs):
                inboxes[k].put(parts[k])
            pending.append((meta, bytes(order)))
            if len(pending) > 2 * jobs + 2:
                yield collect(*pending.popleft())
        while pending:
            yield collect(*pending.popleft())
        finished = True
    finally:
        if finished:
            for q in inboxes:
                q.put(None)
            for p in procs:
                p.join(timeout=5)
        for p in procs:  # stopped early (a write failed, a worker failed): at once, not after its queue
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)
        for q in inboxes:
            q.cancel_join_thread()
            q.close()
        for r in outboxes:
            r.close()


def _elsewhere(seen: dict, number: str, member: str, part: int) -> bool:
    """Note that ``member`` (decided by ``part``) has ``number``; whether another process's member had it too."""
    found = seen.get(number)
    if found is None:
        seen[number] = (member, part)
        return False
    if type(found) is tuple:
        if found[0] == member:
            return False
        found = seen[number] = {found[0]: found[1]}
    found.setdefault(member, part)
    return any(p != part for m, p in found.items() if m != member)


