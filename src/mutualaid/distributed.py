"""``mutualaid batch`` on a Dask cluster (issue 16): the same per-member Ledger semantics, decided in partitions.

    >>> from distributed import Client
    >>> from mutualaid import distributed
    >>> client = Client("tcp://scheduler:8786")        # or Client() for a cluster on this machine
    >>> distributed.batch("claims.jsonl", "decisions.jsonl", client=client, plan="gd-nef-2022")

OUT is byte for byte what ``mutualaid batch IN OUT`` writes for the same IN and options, whatever
the number of partitions or workers. How:

- **Who depends on whom.** A claim's decision reads its member's history (the ledger) and which
  member a 身份证 number belongs to (one person, one member id). So members that share a 身份证
  number depend on each other. The client reads IN once, reads each line's member id and number as
  the batch routes lines (:func:`mutualaid.batch.route`), and joins members that share a number into
  one group (union-find). A line whose member id cannot be read is bad input under any history.
- **Partitions.** Each group lies wholly in one partition (groups are dealt to the partition with
  the fewest lines so far, largest first). A partition is a list of (line number, line), in IN's
  order, which is the order ``batch`` decides each member's claims in (their filing order).
- **Deciding.** Each partition is one Dask task: a fresh :class:`~mutualaid.Ledger` decides its lines
  exactly as ``batch`` does (the batch's own worker), giving each line's OUT bytes.
- **Output.** The client merges the partitions' lines by line number (``batch`` writes one line per
  non-blank line of IN, in IN's order) into ``OUT.partial``, and renames it over OUT when complete.

Members do not interact otherwise (the cap, top-ups and claim ids are per member), so each
partition's ledger sees exactly the history one ledger over the whole of IN would.

Needs ``pip install 'mutualaid[dask]'`` on the client and on every worker (the workers import
mutualaid to decide).

**Losing a worker** (issue 22, finding 3). Each task carries its partition in the task itself
(never scattered to one worker, whose loss would lose the input: ``FutureCancelledError … already
forgotten``), and is retried on another worker (``retries``), so a killed worker costs its tasks'
time, not the run.

**Ledger and resume**, as ``mutualaid batch --ledger`` has them. ``ledger=PATH`` is a ledger file
(the same format, locked the same way): each partition is handed the committed history of its
members (and every binding of a 身份证 number), and the run's entries are appended in IN's order,
between a start checkpoint and a ``done`` one, as ``batch`` writes them. Each partition's answer
is kept, sealed with a BLAKE2b of the run's key, in ``OUT.partial.dask/`` as it arrives: a run
killed or failed anywhere is resumed by running it again with the same IN, OUT and options, and
decides only the partitions it had not kept. A run killed while appending to the ledger is
resumed from its start checkpoint (the entries after it are cut off and appended again), and a
finished run started again is ``complete`` and changes nothing.
"""

from __future__ import annotations

try:
    import dask  # noqa: F401 - the extra's own check
    import distributed as _distributed
except ImportError as exc:  # pragma: no cover - exercised in a fresh interpreter by tests/test_distributed.py
    raise ImportError(
        "mutualaid.distributed needs Dask's distributed scheduler, which a plain install leaves out: pip install 'mutualaid[dask]'"
    ) from None

import hashlib
import heapq
import json
import os
import pickle
import shutil
from array import array
from typing import Any, Iterator, Optional

from .batch import BatchError, Summary, _Decider, route
from .batch.runs import _closing, _durable, _hash_file, _lock, _where, partial_of
from .errors import InvalidClaim
from .ledger import BINDING_PREFIX, CHECKPOINT_PREFIX, Chain, Ledger, scan, unseal
from .plan import resolve
from .spill import SPILL_AFTER

__all__ = ["batch", "partition"]


class _Groups:
    """Union-find over members and 身份证 numbers: members sharing a number fall into one group."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def join(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def partition(lines: list[tuple[int, bytes]], parts: int) -> list[list[tuple[int, bytes]]]:
    """``lines`` ((line number, line) in IN's order) in ``parts`` partitions, each group of dependent members wholly in one.

    Each partition keeps IN's order. Lines no member id can be read from form a group of their own.
    """
    groups = _Groups()
    keys: list[Any] = []
    for _, raw in lines:
        _, member, number = route(raw, 1)
        if member is None:
            keys.append(None)
            continue
        groups.find(("m", member))
        if number is not None:
            groups.join(("m", member), ("n", number))
        keys.append(("m", member))
    sizes: dict[Any, int] = {}
    roots = [None if k is None else groups.find(k) for k in keys]
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    load = [(0, p) for p in range(parts)]  # (lines, partition): the lightest first
    where: dict[Any, int] = {}
    for r, n in sorted(sizes.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        lines_there, p = heapq.heappop(load)
        where[r] = p
        heapq.heappush(load, (lines_there + n, p))
    out: list[list] = [[] for _ in range(parts)]
    for item, r in zip(lines, roots):
        out[where[r]].append(item)
    return [p for p in out if p]


def _decide_partition(items: list, plan: Any, engine: str, record: bool, spill_after: Optional[int], history: Optional[tuple] = None) -> tuple:
    """One partition, decided on a worker by the batch's own worker.

    ``history`` (a run with a ledger): the ledger lines ((line number, payload), checked by the
    client's scan) of this partition's members and every binding; the lines' ledger entries are
    then returned too. Returns (line numbers, OUT bytes of every line joined, where each
    line ends, the partition's summary as JSON, the ledger lines of every line joined, where each
    ends): a few large objects rather than a tuple a line, so that sending the answer back costs
    the client little.
    """
    ledger = Ledger(plan=plan, engine=engine, record=record, spill_after=spill_after)
    for number, payload in history or ():
        ledger._load_line(number, payload, None)
    answers = _Decider(ledger, journal=history is not None)(items)
    summary = Summary()
    ends, end = array("q"), 0
    journal_ends, journal_end = array("q"), 0
    for out, entry, stat in answers:
        end += len(out)
        ends.append(end)
        journal_end += len(entry)
        journal_ends.append(journal_end)
        summary.add(stat)
    return (
        array("q", (line for line, _ in items)),
        b"".join(out for out, _, _ in answers),
        ends,
        summary.to_json(),
        b"".join(entry for _, entry, _ in answers),
        journal_ends,
    )


def _merged(results: list) -> Iterator[tuple[int, int, int, int]]:
    """(line number, partition, start, end) of every answer, in line order across the partitions."""

    def one(k: int, lines: array, ends: array) -> Iterator[tuple[int, int, int, int]]:
        start = 0
        for line, end in zip(lines, ends):
            yield line, k, start, end
            start = end

    return heapq.merge(*(one(k, r[0], r[2]) for k, r in enumerate(results)))


def _total(summaries: list[dict]) -> Summary:
    total = Summary()
    for data in summaries:
        part = Summary(data)
        for k, v in part.counts.items():
            total.counts[k] += v
        total.paid_fen += part.paid_fen
        for clause, n in part.denied_by_clause.items():
            total.denied_by_clause[clause] = total.denied_by_clause.get(clause, 0) + n
    return total


def _read(source: str) -> list[tuple[int, bytes]]:
    """(line number, line) for each non-blank line of IN, numbered as ``batch`` numbers them (from 1, blanks counted)."""
    with open(source, "rb") as fp:
        return [(n, raw) for n, raw in enumerate(fp, 1) if not raw.isspace()]


def batch(
    source: str,
    target: str,
    *,
    client: Optional[Any] = None,
    plan: Any = None,
    engine: str = "native",
    record: bool = True,
    partitions: Optional[int] = None,
    spill_after: Optional[int] = SPILL_AFTER,
    ledger: Optional[str] = None,
    retries: int = 3,
) -> Summary:
    """Decide the JSON-lines file ``source`` on a Dask cluster into ``target``, as ``mutualaid batch source target`` would.

    ``client``: a ``distributed.Client`` (``Client("tcp://scheduler:8786")``); by default the client
    of this process (``distributed.get_client()``). ``plan``, ``engine``, ``record``, ``spill_after``:
    as ``mutualaid batch``'s ``--plan``, ``--engine``, ``--no-record``, ``--spill-after`` (an edition
    file is read here, and its data sent to the workers). ``partitions``: how many tasks (default:
    four per worker thread, for balance). ``ledger``: a ledger file, as ``batch --ledger`` (see the
    module docstring: its history in, this run's entries out, and resume). ``retries``: how many
    times Dask runs a task again elsewhere when its worker is lost. Returns the batch's
    :class:`~mutualaid.batch.Summary`. Raises :class:`~mutualaid.batch.BatchError` (and
    :class:`~mutualaid.batch.LedgerBusy`) as ``batch.run`` does.
    """
    if client is None:
        try:
            client = _distributed.get_client()
        except ValueError:
            raise ValueError(
                "mutualaid.distributed.batch needs a Dask client: Client('tcp://scheduler:8786') for a cluster, "
                "Client() for one on this machine"
            ) from None
    edition = resolve(plan)  # an unknown id or a broken file fails here, before any line is read
    lines = _read(source)
    if partitions is None:
        partitions = 4 * max(1, sum(client.nthreads().values()))
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    options: dict[str, Any] = {"plan": plan if plan is None or isinstance(plan, str) else getattr(edition, "id", None), "engine": engine, "record": record}
    if edition is not None and plan is not None and (not isinstance(plan, str) or os.path.isfile(plan)):
        options["edition_hash"] = edition.content_hash
    if ledger is None:
        results = _decide_all(client, partition(lines, partitions), edition, engine, record, spill_after, None, retries, None)
        summary = _total([r[3] for r in results])
        _write_out(target, results)
        return summary
    jf, created = _lock(ledger)
    with _closing(jf, ledger):
        return _with_ledger(client, source, target, ledger, jf, lines, partitions, edition, engine, record, spill_after, options, retries)


def _decide_all(client: Any, parts: list, edition: Any, engine: str, record: bool, spill_after: Optional[int], histories: Optional[list], retries: int, keep: Optional[str]) -> list:
    """Every partition's answer: kept ones read from ``keep`` (a folder), the others decided on the
    cluster, each task holding its own input (so another worker can run it again), and kept as it arrives."""
    results: list = [None] * len(parts)
    key = None
    if keep is not None:
        key = _key(parts, edition, engine, record, histories)
        os.makedirs(keep, exist_ok=True)
        for k in range(len(parts)):
            results[k] = _kept(os.path.join(keep, f"part-{k}.bin"), key)
    todo = [k for k in range(len(parts)) if results[k] is None]
    futures = {
        client.submit(
            _decide_partition, parts[k], edition, engine, record, spill_after,
            histories[k] if histories is not None else None, pure=False, retries=retries,
        ): k
        for k in todo
    }
    for future in _distributed.as_completed(list(futures)):
        k = futures[future]
        results[k] = future.result()
        if keep is not None:
            _keep(os.path.join(keep, f"part-{k}.bin"), key, results[k])  # type: ignore[arg-type]
    return results


def _key(parts: list, edition: Any, engine: str, record: bool, histories: Optional[list]) -> bytes:
    """What a kept partition answer must have been decided from: its lines, the options, the history."""
    h = hashlib.blake2b(digest_size=16)
    h.update(pickle.dumps((getattr(edition, "content_hash", None), engine, record, len(parts))))
    for k, part in enumerate(parts):
        for line, raw in part:
            h.update(b"%d:%d:" % (k, line) + raw)
        if histories is not None:
            for number, payload in histories[k]:
                h.update(b"h%d:%d:" % (k, number) + payload)
    return h.digest()


def _keep(path: str, key: bytes, result: tuple) -> None:
    body = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    seal = hashlib.blake2b(key + body, digest_size=16).digest()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(seal + body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _kept(path: str, key: bytes) -> Optional[tuple]:
    """A partition's kept answer, if it was decided from the same key and its seal holds; else None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    seal, body = data[:16], data[16:]
    if hashlib.blake2b(key + body, digest_size=16).digest() != seal:
        return None
    return pickle.loads(body)  # sealed under this run's key: written by this code, for these inputs


def _write_out(target: str, results: list) -> None:
    blobs = [memoryview(r[1]) for r in results]
    tmp = f"{os.path.realpath(target)}.partial-{os.getpid()}"
    try:
        with open(tmp, "wb", buffering=1 << 20) as fout:
            write = fout.write
            for _, k, start, end in _merged(results):
                write(blobs[k][start:end])
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, os.path.realpath(target))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _with_ledger(client, source, target, ledger, jf, lines, partitions, edition, engine, record, spill_after, options, retries) -> Summary:
    """The run with a ledger file (held locked): resume or start, decide what is not kept, append, commit."""
    try:
        found = scan(ledger)
    except InvalidClaim as exc:
        raise BatchError(f"{ledger} is damaged, and was not changed: {'; '.join(str(e) for e in exc.errors)}") from None
    where = {"in": _where(source), "out": _where(target), "options": options}
    in_hash = _hash_file(source).hexdigest()
    last, unfinished = found.last, found.unfinished
    if unfinished is None and last is not None and last.get("done") and all(last.get(k) == v for k, v in where.items()) and last.get("in_hash") == in_hash:
        return Summary(last.get("summary"))  # this very run, finished: nothing to do
    start, digest = found.end, found.digest
    if unfinished is not None:
        run = unfinished.get("run") or {}
        if not (all(unfinished.get(k) == v for k, v in where.items()) and unfinished.get("dask")):
            raise BatchError(f"{ledger} holds an unfinished run ({unfinished.get('in')} → {unfinished.get('out')}): resume it with the command that started it")
        start, digest = run["ledger_start"], bytes.fromhex(run["ledger_digest"])  # cut back to before it
    # Each partition gets its members' committed history, and every binding of a number.
    parts = partition(lines, partitions)
    home: dict[str, int] = {}
    for k, part in enumerate(parts):
        for _, raw in part:
            member = route(raw, 1)[1]
            if member is not None:
                home.setdefault(member, k)
    histories: list = [[] for _ in parts]
    with open(ledger, "rb") as fp:
        done = 0
        for number, raw in enumerate(fp, 1):
            done += len(raw)
            if done > start:
                break
            payload = unseal(raw.rstrip(b"\r\n"))[0]
            if not payload.strip() or payload.startswith(CHECKPOINT_PREFIX):
                continue
            if payload.startswith(BINDING_PREFIX):
                for h in histories:
                    h.append((number, payload))
                continue
            try:
                member = json.loads(payload).get("member_id")
            except (ValueError, AttributeError):
                member = None
            at = home.get(member) if isinstance(member, str) else None
            if at is not None:
                histories[at].append((number, payload))
            elif member is None:
                for h in histories:  # not an entry any partition can read: every one refuses it, naming the line
                    h.append((number, payload))
    histories = [tuple(h) for h in histories]
    keep = partial_of(target) + ".dask"
    results = _decide_all(client, parts, edition, engine, record, spill_after, histories, retries, keep)
    summary = _total([r[3] for r in results])
    _write_out(target, results)
    chain = Chain(digest)
    jf.truncate(start)
    jf.seek(0, os.SEEK_END)

    def checkpoint(done: bool) -> bytes:
        cp = {**where, "lines": len(lines) if done else 0, "in_offset": os.path.getsize(source) if done else 0, "out_offset": os.path.getsize(target) if done else 0,
              "summary": summary.to_json() if done else Summary().to_json(), "run": {"ledger_start": start, "ledger_digest": digest.hex()}, "done": done, "dask": True}
        if done:
            cp["in_hash"] = in_hash
        return chain.seal(json.dumps({"checkpoint": cp}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    jf.write(checkpoint(False))
    _durable(jf)
    journals = [memoryview(r[4]) for r in results]
    for k, i in _journal_order(results):
        lo = results[k][5][i - 1] if i else 0
        entry = bytes(journals[k][lo : results[k][5][i]])
        if entry:
            jf.write(chain.seal_all(entry))
    jf.write(checkpoint(True))
    _durable(jf)
    shutil.rmtree(keep, ignore_errors=True)
    return summary


def _journal_order(results: list) -> Iterator[tuple[int, int]]:
    """(partition, index in it) of every line, in IN's order."""

    def one(k: int, lines: array) -> Iterator[tuple[int, int, int]]:
        for i, line in enumerate(lines):
            yield line, k, i

    for _, k, i in heapq.merge(*(one(k, r[0]) for k, r in enumerate(results))):
        yield k, i
