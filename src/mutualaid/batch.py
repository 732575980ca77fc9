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
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
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
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Callable, Generator, Iterable, Iterator, Optional

from .door import keys_of, member_key, number_key
from .errors import FieldError
from .spill import SPILL_AFTER

CHUNK = 256
"""Lines handed to a process at a time (chunks end at fixed line numbers, so checkpoints do too)."""


class BatchError(Exception):
    """A batch cannot start or go on: a ledger that belongs to another run, an unreadable file."""


class BatchIOError(BatchError):
    """A batch could not write its output or its ledger (a full disk, a closed pipe): the CLI exits 4."""


class LedgerBusy(BatchError):
    """Another run holds the ledger: this one refused at once and changed nothing."""


try:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]


# --- routing members to processes ----------------------------------------------------------------


def part_of(member_id: str, parts: int) -> int:
    """Which of ``parts`` processes owns a member: stable across runs and machines.

    A lone surrogate (a ``\\ud800`` escape in the JSON) has no UTF-8; ``surrogatepass`` still
    gives it stable bytes, and its claim is bad input wherever it is decided.
    """
    return zlib.crc32(member_id.encode("utf-8", "surrogatepass")) % parts


_MEMBER_ID = re.compile(rb'"member_id"\s*:\s*"([^"\\]*)"')
_ID_NUMBER = re.compile(rb'"id_number"\s*:\s*"([^"\\]*)"')


def part_of_line(raw: bytes, parts: int) -> int:
    """Which process decides a line: the part of its claim's ``member.member_id`` (see :func:`route`)."""
    return route(raw, parts)[0]


def route(raw: bytes, parts: int) -> tuple[int, Optional[str], Optional[str]]:
    """(the part, the member id, the 身份证 number) of a line, each key as validation keeps it; None where it is not valid.

    One door (issue 20): the keys are those the deciding process reads from the validated claim
    (:func:`mutualaid.door.keys_of`), so a line goes to the process that holds its member's history,
    whatever the spelling. A line whose member id is not valid is bad input whatever history it is
    given, so any process may decide it: process 0 does.

    The fast path reads the two fields' JSON strings from the bytes with regular expressions and
    hands them to the fields' own types (:func:`mutualaid.door.member_key`,
    :func:`~mutualaid.door.number_key`). That is exact when the line names ``"member_id"`` once
    and ``"id_number"`` at most once, has no ``\\u`` escape (a key spelt with escapes would be
    missed), and each named field's value is a JSON string without any escape (then its bytes are
    the string): for a claim that validates, each key name stands once, inside ``member``. Any
    other line is parsed, and its keys read from the data as the deciding process reads them.
    """
    if raw.count(b'"member_id"') == 1 and b"\\u" not in raw:
        m = _MEMBER_ID.search(raw)
        if m:
            number = None
            named = raw.count(b'"id_number"')
            if named == 1:
                n = _ID_NUMBER.search(raw)
                if n is None:  # a value with an escape (or not a string): read as the process reads it
                    return _route_parsed(raw, parts)
                number = _number_bytes(n.group(1))
            elif named:
                return _route_parsed(raw, parts)
            member_bytes = m.group(1)
            member, as_given = _member_bytes(member_bytes)
            if member is None:
                return 0, None, number
            # An id is refused, never rewritten: its UTF-8 is then these bytes, and part_of(member) their CRC.
            return (zlib.crc32(member_bytes) % parts if as_given else part_of(member, parts)), member, number
    return _route_parsed(raw, parts)


@lru_cache(maxsize=1 << 16)
def _member_bytes(value: bytes) -> tuple[Optional[str], bool]:
    """A member id read from its JSON string's bytes (no escapes in them), as :func:`~mutualaid.door.member_key`
    keeps it (None where it is not valid, or the bytes are not UTF-8: the line is not JSON), and whether it is the text as given."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None, False
    key = member_key(text)
    return key, key == text


_SHAPED_NUMBER = re.compile(rb"[0-9]{17}[0-9Xx]\Z")


def _number_bytes(value: bytes) -> Optional[str]:
    """A 身份证 number read from its JSON string's bytes, as :func:`~mutualaid.door.number_key` keeps it.

    A number already in its one spelling (17 ASCII digits and a digit, X or x) is upper-cased
    without being checked: if it is valid, that is what validation keeps (a lowercase x read as X;
    anything else is refused, never rewritten, CONTRACT §7; ``tests/test_one_door.py`` holds
    ``number_key`` to it), and if it is not, its line is bad input wherever it goes, and the key
    only makes the main process note the number (see :func:`pipeline`). Checking it here would
    cost the main process a check digit and a birth date per member. Any other spelling is read by
    ``number_key`` itself, or None.
    """
    if _SHAPED_NUMBER.match(value):
        return value.decode("ascii").upper()
    return _number_text(value)


@lru_cache(maxsize=1 << 12)
def _number_text(value: bytes) -> Optional[str]:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return number_key(text)


def _route_parsed(raw: bytes, parts: int) -> tuple[int, Optional[str], Optional[str]]:
    from .values import read_json

    try:
        claim = read_json(raw)  # as the deciding process reads a line it cannot validate in one pass
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading
        return 0, None, None
    member_id, number = keys_of(claim)
    if member_id is None:
        return 0, None, number
    return part_of(member_id, parts), member_id, number


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
    inherited: tuple = ()
    """File descriptors a forked worker closes at once: the ledger's, whose lock must end with the run."""

    def worker(self, part: int, parts: int) -> Worker:
        from .errors import InvalidClaim
        from .ledger import Ledger

        from .plan import resolve

        options: dict[str, Any] = {"plan": resolve(self.plan), "engine": self.engine, "record": self.record, "spill_after": self.spill_after}
        if self.ledger is not None and self.ledger_end:
            keep = None if parts == 1 else (lambda m: part_of(m, parts) == part)
            try:
                ledger = Ledger.load(self.ledger, **options, keep=keep, end=self.ledger_end)
            except InvalidClaim as exc:
                raise BatchError(f"{self.ledger} holds a line that is not a valid ledger entry (nothing was changed): {_one_line(exc)}") from None
            return _Decider(ledger, journal=True)
        return _Decider(Ledger(**options), journal=self.ledger is not None)


def _one_line(exc: Exception) -> str:
    from .errors import InvalidClaim

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
        from .errors import InvalidClaim
        from .ledger import binding_line, entry_line, pended_line
        from .model import Claim, keys_all_read
        from .values import read_json

        ledger = self.ledger
        read = Claim.__pydantic_validator__.validate_json
        out = Results()
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
                d, entered, bound, pended = ledger.decide_entry(claim)
                answer = d.__pydantic_serializer__.to_json(d) + b"\n"
                stat = stat_of(d)
            except InvalidClaim as exc:
                out.append((error_record(line, claim_id_of(claim), str(exc), exc.errors), b"", ERROR))
                continue
            except sqlite3.Error as exc:  # the history on disk (--spill-after): a full disk, say
                raise BatchIOError(f"cannot keep the history on disk (line {line}): {exc}") from None
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
        return out


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

    for fd in getattr(spec, "inherited", ()):  # the ledger's lock must end with the run, not with us
        try:
            os.close(fd)
        except OSError:
            pass
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
        for q in (*inboxes, *outboxes):
            q.cancel_join_thread()
            q.close()


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
    """rich's progress bar on a terminal (redrawn at most five times a second); nothing when piped.

    ``update(claims, offset)`` moves it to ``offset`` of ``total_bytes`` read (a bar without an end
    when the total is unknown, as for standard input) and shows the claims decided and their rate.
    rich is imported when the bar is first drawn, never on a run that does not draw it. The bar is
    drawn on ``stream`` only (standard error): standard output may be OUT, and is left alone.
    """

    def __init__(self, stream: IO[str], total_bytes: Optional[int], enabled: Optional[bool] = None) -> None:
        self.stream = stream
        self.total = total_bytes
        self.enabled = stream.isatty() if enabled is None else enabled
        self.start = self.last = time.monotonic()  # for the rate shown, never for a decision
        self.drawn = False
        self._bar: Any = None
        self._task: Any = None

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn
        from rich.progress import Progress as Bar

        console = Console(file=self.stream, force_terminal=True, highlight=False)
        self._bar = Bar(
            BarColumn(bar_width=30),
            TaskProgressColumn(),
            TextColumn("{task.fields[claims]:,} claims  {task.fields[rate]:,.0f}/s"),
            console=console,
            auto_refresh=False,  # drawn on update only: no thread of its own
            transient=True,  # erased when the run ends, leaving the summary alone
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._bar.start()
        self._task = self._bar.add_task("batch", total=self.total or None, claims=0, rate=0.0)

    def update(self, claims: int, offset: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        if self._bar is None:
            self._open()
        rate = claims / max(now - self.start, 1e-9)
        done = min(offset, self.total) if self.total else offset
        self._bar.update(self._task, completed=done, claims=claims, rate=rate, refresh=True)
        self.drawn = True

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


# --- the run ---------------------------------------------------------------------------------------


def _durable(fp: IO[bytes]) -> None:
    fp.flush()
    os.fsync(fp.fileno())


def _where(path: str) -> str:
    return path if path == "-" else os.path.abspath(path)


def partial_of(target: str) -> str:
    """Where a run with a ledger writes OUT until it is complete (then renamed over OUT)."""
    return os.path.realpath(target) + ".partial"


def _in_place(target: str) -> bool:
    """Whether OUT is written where it is: standard output, or an existing file that is not a regular
    file (``/dev/null``, a pipe), which cannot be replaced by a rename and is not truncated."""
    if target == "-":
        return True
    try:
        return not os.path.isfile(target) and os.path.exists(target)
    except OSError:
        return False


def _sync_dir(path: str) -> None:
    """Make a rename in ``path``'s folder durable (POSIX; elsewhere the rename is all there is)."""
    try:
        fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _io_error(exc: OSError, what: str) -> BatchIOError:
    why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
    return BatchIOError(f"cannot write {what}: {why}")


def _hash_file(path: str, end: Optional[int] = None) -> Any:
    """BLAKE2b of a file's first ``end`` bytes (all of it by default), as a hashlib object."""
    h = hashlib.blake2b(digest_size=16)
    left = end
    with open(path, "rb") as fp:
        while left is None or left > 0:
            block = fp.read(1 << 20 if left is None else min(1 << 20, left))
            if not block:
                break
            h.update(block)
            if left is not None:
                left -= len(block)
    return h


@dataclass
class Run:
    """What ``run`` did: the summary of the whole run (also what came before a resume), and where it resumed."""

    summary: Summary
    resumed_at: int = 0
    """The number of IN lines a previous, killed run had already decided (0: a fresh run)."""
    complete: bool = False
    """The ledger held this very run, finished already: nothing was decided and nothing changed."""


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

    ``plan`` is an edition id or edition file (:func:`mutualaid.plan.resolve`: an unknown id raises
    :class:`~mutualaid.plan.UnknownEdition`, a broken file :class:`~mutualaid.edition.InvalidEdition`,
    before any line is read); ``progress`` None means "on a terminal only".
    ``spill_after`` bounds the decided claims each process holds in memory (see :class:`~mutualaid.Ledger`).
    Raises :class:`BatchError` when the files or the ledger do not allow the run (nothing is changed
    then: not OUT, not the ledger), :class:`LedgerBusy` when another run holds the ledger, and
    :class:`BatchIOError` when a write fails.
    """
    if jobs < 1:
        raise BatchError("--jobs must be at least 1")
    if checkpoint_every < 1:
        raise BatchError("--checkpoint-every must be at least 1")
    if spill_after is not None and spill_after < 0:
        raise BatchError("--spill-after must not be negative")
    size = min(CHUNK, checkpoint_every)
    every = -(-checkpoint_every // size) * size  # checkpoints fall on chunk ends
    from .plan import resolve

    edition = resolve(plan)  # an unknown id or a broken edition file fails here, before any line is read
    options = {"plan": plan, "engine": engine, "record": record}  # the plan as given: a resumed run must give it again
    if plan is not None and edition is not None and os.path.isfile(plan):
        options["edition_hash"] = edition.content_hash  # a changed edition file must not be resumed
    if source != "-" and target != "-" and Path(target).exists() and Path(source).exists():
        if os.path.samefile(source, target):
            raise BatchError("IN and OUT are the same file")
    if ledger is not None and target == "-":
        raise BatchError("--ledger needs OUT to be a file: a resumed run cuts OUT back to its last checkpoint")
    if ledger is not None and _in_place(target):
        raise BatchError(f"--ledger needs OUT to be a regular file: {target} is not one")

    try:
        fin = sys.stdin.buffer if source == "-" else open(source, "rb")
    except OSError as exc:
        raise BatchError(f"cannot read {source}: {exc.strerror or exc}") from None
    with _closing(fin, source):
        if ledger is None:
            return _run_plain(fin, source, target, options, size, jobs, spill_after, progress, stderr)
        jf, created = _lock(ledger)
        try:
            return _run_ledger(fin, jf, source, target, ledger, options, size, every, jobs, spill_after, progress, stderr)
        except BaseException:
            if created and jf.tell() == 0 and os.path.getsize(ledger) == 0:
                os.unlink(ledger)  # a ledger this run created, and a start that failed: leave nothing behind
            raise
        finally:
            jf.close()  # and with it the lock


def _lock(ledger: str) -> tuple[IO[bytes], bool]:
    """The ledger file, open for reading and appending, under an exclusive lock; and whether this run created it."""
    existed = os.path.exists(ledger)
    try:
        fd = os.open(ledger, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise BatchError(f"cannot open the ledger {ledger}: {exc.strerror or exc}") from None
    try:
        _try_lock(fd)
    except OSError:
        os.close(fd)
        raise LedgerBusy(
            f"{ledger} is in use by another mutualaid batch run: a ledger takes one run at a time. "
            "Nothing was changed; run again when that run has ended"
        ) from None
    return os.fdopen(fd, "r+b"), not existed


def _run_plain(fin, source, target, options, size, jobs, spill_after, progress, stderr) -> Run:
    """A run without a ledger: OUT is written to a temporary file and renamed over OUT at the end."""
    summary = Summary()
    total = None if source == "-" else os.fstat(fin.fileno()).st_size
    spec = DecideSpec(options["plan"], options["engine"], options["record"], None, 0, spill_after)
    worker = spec.worker(0, 1) if jobs == 1 else None
    tmp = None
    if _in_place(target):
        fout = sys.stdout.buffer if target == "-" else _open(target, "wb")
    else:
        tmp = f"{os.path.realpath(target)}.partial-{os.getpid()}"
        fout = _open(tmp, "wb", what=target)
    try:
        with _closing(fout, target if tmp is None else tmp):
            bar = Progress(stderr, total, progress)
            write, add = fout.write, summary.add
            bindings: dict = {}
            try:
                with contextlib.closing(pipeline(read_chunks(fin, 0, 0, size), spec, jobs, bindings, worker)) as answers:
                    for meta, results in answers:
                        for out, _, stat in results:
                            write(out)
                            add(stat)
                        bindings.update(getattr(results, "bound", {}).values())
                        if meta is not None:
                            bar.update(summary.claims, meta[1])
                    bar.update(summary.claims, total or 0, force=True)
                    bar.close()
                    fout.flush()
                    if tmp is not None:
                        os.fsync(fout.fileno())
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _io_error(exc, target) from None
        if tmp is not None:
            try:
                os.replace(tmp, os.path.realpath(target))
            except OSError as exc:
                raise _io_error(exc, target) from None
            _sync_dir(target)
            tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return Run(summary)


def _run_ledger(fin, jf, source, target, ledger, options, size, every, jobs, spill_after, progress, stderr) -> Run:
    """A run with a ledger (held locked by the caller): check it, resume or start, write, commit, rename."""
    from .errors import InvalidClaim
    from .ledger import Chain, scan

    try:
        found = scan(ledger)
    except InvalidClaim as exc:
        raise BatchError(f"{ledger} is damaged, and was not changed: {_one_line(exc)}") from None
    except OSError as exc:
        raise BatchError(f"cannot read the ledger {ledger}: {exc.strerror or exc}") from None
    checkpoint, ledger_end = found.unfinished, found.end
    partial = partial_of(target)
    last = found.last
    if last is not None and last.get("done") and checkpoint is None:
        _finish_rename(last)
    same_as_last = (
        last is not None
        and checkpoint is None
        and last.get("done")
        and last.get("in") == _where(source)
        and last.get("out") == _where(target)
        and last.get("options") == options
    )
    if same_as_last and source != "-":
        assert last is not None
        if os.fstat(fin.fileno()).st_size == last.get("in_offset") and _hash_file(source).hexdigest() == last.get("in_hash"):
            return Run(Summary(last.get("summary")), 0, complete=True)
    if checkpoint is not None:
        _check_resumable(checkpoint, source, target, options, ledger)
    summary = Summary(checkpoint["summary"] if checkpoint else None)
    line = checkpoint["lines"] if checkpoint else 0
    in_offset = checkpoint["in_offset"] if checkpoint else 0
    run_info: dict[str, Any] = (checkpoint.get("run") or {}) if checkpoint else {
        "ledger_start": ledger_end,
        "repeat_of": last.get("in_hash") if same_as_last and last is not None else None,
    }

    digest = hashlib.blake2b(digest_size=16)
    total = None
    if source != "-":
        total = os.fstat(fin.fileno()).st_size
        if in_offset:
            fin.seek(in_offset - 1)
            if fin.read(1) != b"\n":
                raise BatchError(f"{source} has changed since the run recorded in {ledger} (line {line} ends elsewhere)")
            digest = _hash_file(source, in_offset)
    else:
        for _ in range(line):  # the same stream must be fed again
            digest.update(fin.readline())

    forked = jobs > 1 and _context().get_start_method() == "fork"  # a forked worker holds a copy of the ledger's descriptor
    spec = DecideSpec(options["plan"], options["engine"], options["record"], ledger, ledger_end, spill_after, (jf.fileno(),) if forked else ())
    worker = spec.worker(0, 1) if jobs == 1 else None  # a ledger line that is not an entry: refused before any write
    bindings = _bindings(ledger, ledger_end) if jobs > 1 else {}

    # From here on the run goes on: open OUT.partial, cut the ledger's uncommitted tail.
    try:
        if checkpoint is not None:
            fout = open(partial, "r+b", buffering=1 << 20)
            fout.truncate(checkpoint["out_offset"])
            fout.seek(0, os.SEEK_END)
        else:
            fout = open(partial, "wb", buffering=1 << 20)
        jf.truncate(ledger_end)  # the uncommitted tail of an unfinished run, or a torn last line
        jf.seek(0, os.SEEK_END)
        if jf.tell():
            jf.seek(-1, os.SEEK_END)
            if jf.read(1) != b"\n":  # a hand-written ledger without a final newline
                jf.write(b"\n")
    except OSError as exc:
        raise BatchError(f"cannot write {exc.filename or target}: {exc.strerror or exc}") from None

    chain = Chain(found.digest)
    with _closing(fout, partial):

        def mark(done: bool = False) -> None:
            _durable(fout)
            cp: dict[str, Any] = {
                "in": _where(source),
                "out": _where(target),
                "options": options,
                "lines": line,
                "in_offset": in_offset,
                "out_offset": fout.tell(),
                "summary": summary.to_json(),
                "run": run_info,
                "done": done,
            }
            if done:
                cp["in_hash"] = digest.hexdigest()
            jf.write(chain.seal(json.dumps({"checkpoint": cp}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")))
            _durable(jf)

        try:
            if checkpoint is None:
                mark()
            bar = Progress(stderr, total, progress)
            write, journal, add, seal = fout.write, jf.write, summary.add, chain.seal_all
            answers = pipeline(read_chunks(fin, line, in_offset, size, digest), spec, jobs, bindings, worker)
            with contextlib.closing(answers):
                for meta, results in answers:
                    for out, entry, stat in results:
                        write(out)
                        if entry:
                            journal(seal(entry))
                        add(stat)
                    bindings.update(getattr(results, "bound", {}).values())
                    if meta is None:
                        continue
                    line, in_offset = meta
                    if line % every == 0:
                        mark()
                    bar.update(summary.claims, in_offset)
            bar.update(summary.claims, in_offset, force=True)
            bar.close()
            if source == "-" and run_info.get("repeat_of") == digest.hexdigest() and _only_checkpoints(jf, run_info["ledger_start"]):
                # The finished run of the same stream, fed again: nothing entered; leave all as it was.
                jf.truncate(run_info["ledger_start"])
                _durable(jf)
                fout.close()
                os.unlink(partial)
                return Run(Summary(last.get("summary") if last else None), 0, complete=True)
            mark(done=True)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _io_error(exc, f"{target} or the ledger {ledger}") from None
    try:
        os.replace(partial, os.path.realpath(target))
    except OSError as exc:
        raise _io_error(exc, target) from None
    _sync_dir(target)
    return Run(summary, checkpoint["lines"] if checkpoint else 0)


def _finish_rename(last: dict) -> None:
    """The last run in the ledger finished, but was killed before its OUT.partial was renamed over
    its OUT: rename it now (whatever this run is), so that no later run overwrites that output."""
    out = last.get("out")
    if not isinstance(out, str) or out == "-":
        return
    partial = partial_of(out)
    if os.path.exists(partial) and os.path.getsize(partial) == last.get("out_offset"):
        try:
            os.replace(partial, os.path.realpath(out))
        except OSError as exc:
            raise _io_error(exc, out) from None
        _sync_dir(out)


def _only_checkpoints(jf, start: int) -> bool:
    from .ledger import CHECKPOINT_PREFIX

    jf.flush()
    jf.seek(start)
    ok = all(raw.startswith(CHECKPOINT_PREFIX) for raw in jf if raw.strip())
    jf.seek(0, os.SEEK_END)
    return ok


def _bindings(ledger: str, end: int) -> dict:
    """身份证 number → member id, as the ledger's committed lines bind them (for ``--jobs`` routing)."""
    from .ledger import BINDING_PREFIX, unseal

    found: dict = {}
    with open(ledger, "rb") as fp:
        done = 0
        for raw in fp:
            done += len(raw)
            if done > end:
                break
            if raw.startswith(BINDING_PREFIX):
                data = json.loads(unseal(raw.rstrip(b"\r\n"))[0])
                number = number_key(data.get("id_number"))  # as the processes' ledgers bind it
                if number is not None:  # else the ledger is refused when a process loads it
                    found[number] = data["member_id"]
    return found


def _open(path: str, mode: str, what: Optional[str] = None) -> IO[bytes]:
    try:
        return open(path, mode, buffering=1 << 20)
    except OSError as exc:
        raise BatchError(f"cannot write {what or path}: {exc.strerror or exc}") from None


def _check_resumable(checkpoint: dict, source: str, target: str, options: dict, ledger: str) -> None:
    """An unfinished run in the ledger must be resumed with the same IN, OUT and options, or not at all."""
    same = checkpoint.get("in") == _where(source) and checkpoint.get("out") == _where(target)
    if not same or checkpoint.get("options") != options:
        raise BatchError(
            f"{ledger} holds an unfinished run ({checkpoint.get('in')} → {checkpoint.get('out')}, "
            f"options {checkpoint.get('options')}, {checkpoint.get('lines')} lines done). Resume it with the same "
            "IN, OUT and options, or start afresh with another ledger file"
        )
    partial = partial_of(target)
    if not Path(partial).exists():
        raise BatchError(f"{partial} is gone: the run recorded in {ledger} cannot be resumed")
    if Path(partial).stat().st_size < checkpoint["out_offset"]:
        raise BatchError(f"{partial} is shorter than the run recorded in {ledger} wrote: it cannot be resumed")


class _closing:
    """Close a file we opened, never standard input or output."""

    def __init__(self, fp, path: str) -> None:
        self.fp, self.path = fp, path

    def __enter__(self):
        return self.fp

    def __exit__(self, *exc) -> None:
        if self.fp is not None and self.path != "-" and not self.fp.closed:
            self.fp.close()
