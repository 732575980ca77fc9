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
mutualaid to decide). No ledger file (``--ledger``) and no resuming: a failed task is retried by
Dask, and a failed run leaves OUT untouched.
"""

from __future__ import annotations

try:
    import dask  # noqa: F401 - the extra's own check
    import distributed as _distributed
except ImportError as exc:  # pragma: no cover - exercised in a fresh interpreter by tests/test_distributed.py
    raise ImportError(
        "mutualaid.distributed needs Dask's distributed scheduler, which a plain install leaves out: pip install 'mutualaid[dask]'"
    ) from None

import heapq
import os
from array import array
from typing import Any, Iterator, Optional

from .batch import Summary, route
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


def _decide_partition(items: list, plan: Any, engine: str, record: bool, spill_after: Optional[int]) -> tuple:
    """One partition, decided on a worker by the batch's own worker.

    Returns (line numbers, OUT bytes of every line joined, where each line ends, the partition's
    summary as JSON): a few large objects rather than a tuple a line, so that sending the answer
    back costs the client little.
    """
    from .batch import _Decider
    from .ledger import Ledger

    answers = _Decider(Ledger(plan=plan, engine=engine, record=record, spill_after=spill_after), journal=False)(items)
    summary = Summary()
    ends, end = array("q"), 0
    for out, _, stat in answers:
        end += len(out)
        ends.append(end)
        summary.add(stat)
    return array("q", (line for line, _ in items)), b"".join(out for out, _, _ in answers), ends, summary.to_json()


def _merged(results: list) -> Iterator[tuple[int, int, int, int]]:
    """(line number, partition, start, end) of every answer, in line order across the partitions."""

    def one(k: int, lines: array, ends: array) -> Iterator[tuple[int, int, int, int]]:
        start = 0
        for line, end in zip(lines, ends):
            yield line, k, start, end
            start = end

    return heapq.merge(*(one(k, lines, ends) for k, (lines, _, ends, _) in enumerate(results)))


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
) -> Summary:
    """Decide the JSON-lines file ``source`` on a Dask cluster into ``target``, as ``mutualaid batch source target`` would.

    ``client``: a ``distributed.Client`` (``Client("tcp://scheduler:8786")``); by default the client
    of this process (``distributed.get_client()``). ``plan``, ``engine``, ``record``, ``spill_after``:
    as ``mutualaid batch``'s ``--plan``, ``--engine``, ``--no-record``, ``--spill-after`` (an edition
    file is read here, and its data sent to the workers). ``partitions``: how many tasks (default:
    four per worker thread, for balance). Returns the batch's :class:`~mutualaid.batch.Summary`.
    """
    from .plan import resolve

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
    parts = partition(lines, partitions)
    del lines
    futures = [
        client.submit(_decide_partition, part, edition, engine, record, spill_after, pure=False)
        for part in (client.scatter(parts) if parts else [])  # an empty IN: scatter([]) fails in Dask
    ]
    results = client.gather(futures)
    blobs = [memoryview(blob) for _, blob, _, _ in results]
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
    return _total([summary for _, _, _, summary in results])
