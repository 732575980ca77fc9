"""A batch run over files: the plain run, and the run with a ledger file that resumes (see :mod:`mutualaid.batch`)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Optional

from ..door import number_key
from ..errors import InvalidClaim
from ..ledger import BINDING_PREFIX, CHECKPOINT_PREFIX, Chain, scan, unseal
from ..plan import resolve
from ..spill import SPILL_AFTER
from .errors import BatchError, BatchIOError, LedgerBusy
from .progress import Progress
from .summary import Summary
from .workers import CHUNK, DecideSpec, _context, _one_line, pipeline, read_chunks

try:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]



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
    db: Optional[str] = None,
) -> Run:
    """Decide every claim of ``source`` into ``target`` (paths, or ``-``); see the module docstring.

    ``plan`` is an edition id or edition file (:func:`mutualaid.plan.resolve`: an unknown id raises
    :class:`~mutualaid.plan.UnknownEdition`, a broken file :class:`~mutualaid.edition.InvalidEdition`,
    before any line is read); ``progress`` None means "on a terminal only".
    ``spill_after`` bounds the decided claims each process holds in memory (see :class:`~mutualaid.Ledger`).
    ``db`` is a SQL store's URL (``mutualaid batch --db``; see :func:`_run_plain`), instead of ``ledger``.
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
    edition = resolve(plan)  # an unknown id or a broken edition file fails here, before any line is read
    options = {"plan": plan, "engine": engine, "record": record}  # the plan as given: a resumed run must give it again
    if plan is not None and edition is not None and os.path.isfile(plan):
        options["edition_hash"] = edition.content_hash  # a changed edition file must not be resumed
    if source != "-" and target != "-" and Path(target).exists() and Path(source).exists():
        if os.path.samefile(source, target):
            raise BatchError("IN and OUT are the same file")
    if db is not None and ledger is not None:
        raise BatchError("--db and --ledger are two stores: give one (the SQL store keeps what a ledger file keeps, and more)")
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
            return _run_plain(fin, source, target, options, size, jobs, spill_after, progress, stderr, db)
        jf, created = _lock(ledger)
        with _closing(jf, ledger):  # and with it the lock
            try:
                return _run_ledger(fin, jf, source, target, ledger, options, size, every, jobs, spill_after, progress, stderr)
            except BaseException:
                if created and jf.tell() == 0 and os.path.getsize(ledger) == 0:
                    os.unlink(ledger)  # a ledger this run created, and a start that failed: leave nothing behind
                raise


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


def _run_plain(fin, source, target, options, size, jobs, spill_after, progress, stderr, db: Optional[str] = None) -> Run:
    """A run without a ledger file: OUT is written to a temporary file and renamed over OUT at the end.

    With ``db`` (a SQL store's URL), every process decides against that store, which commits each
    decision (SQLite: each chunk) before its answer is written. A run killed anywhere is resumed by
    running it again: the claims it decided are answered from the store, byte for byte (a re-sent
    claim gets its stored decision), and nothing is entered or paid twice.
    """
    summary = Summary()
    total = None if source == "-" else os.fstat(fin.fileno()).st_size
    spec = DecideSpec(options["plan"], options["engine"], options["record"], None, 0, spill_after, db=db)
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
    jf.flush()
    jf.seek(start)
    ok = all(raw.startswith(CHECKPOINT_PREFIX) for raw in jf if raw.strip())
    jf.seek(0, os.SEEK_END)
    return ok


def _bindings(ledger: str, end: int) -> dict:
    """身份证 number → member id, as the ledger's committed lines bind them (for ``--jobs`` routing)."""
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

    def __exit__(self, kind, value, tb) -> None:
        """Close the file: a close that fails (its last buffer cannot be written: a full disk) is
        :class:`BatchIOError` naming the file (issue 22, finding 5), or, when the run is failing
        already, gives way to that first failure, which is the one to report."""
        if self.fp is None or self.path == "-" or self.fp.closed:
            return
        try:
            self.fp.close()
        except OSError as exc:
            if kind is not None:
                return
            if isinstance(exc, BrokenPipeError):
                raise
            raise _io_error(exc, self.path) from None
