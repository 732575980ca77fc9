"""The decision pool: every decision of the service runs here, off the event loop, and the pool is bounded.

The event loop only reads and writes bytes. A decision (reading the JSON, validating, deciding,
writing the answer) costs from 0.3 ms for a usual claim to about a second for the worst body the
limits allow; on the loop it would hold up every other request, ``/healthz`` included. So each
decision goes to one of two lanes, each bounded:

- **the quick lane**: :attr:`Settings.threads` threads of the worker process, for a usual body
  (under :data:`HEAVY_BYTES` and :data:`HEAVY_VALUES`): a usual claim costs less than a trip to
  another process would;
- **the heavy lane**: one process of its own (forked from the worker at its start, ``nice`` 10), for a big body
  and for every ``/v1/batch``. Its work holds neither the worker's GIL nor, at a lower priority,
  the CPU that usual claims need: 4 clients sending the worst bodies the limits allow leave the
  usual claims' latency as it was (``benchmarks/bench_hostile.py``). Its heap is trimmed after
  each task, so that the memory returns to its idle level.

At most :attr:`Settings.queue` decisions may wait for the quick lane, and :data:`HEAVY_QUEUE` for
the heavy one; one more is refused at once, with
503 and ``Retry-After`` (backpressure): the backlog, and the memory it holds, never grows without
bound. A slot is given back when its work is done, not when the caller stops waiting, so a client
that hangs up cannot make room for unbounded work.

:func:`run_decision` is the one way an endpoint decides; other routers of the service (the
database-backed claims API) use it too.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Optional, TypeVar

from ..decide import adjudicate
from ..edition import editions as registry
from ..errors import InvalidClaim
from .settings import load_editions
from .transport import Refusal, error

T = TypeVar("T")

RETRY_AFTER = 1
"""Seconds a refused caller is asked to wait (``Retry-After``): a decision takes milliseconds."""

HEAVY_BYTES = 64 << 10
"""A body this large (some 30 claims' worth) is decided in the heavy lane."""

HEAVY_VALUES = 500
"""A body with more commas than this (a list of some hundreds of elements, where a usual claim has a
few dozen) is decided in the heavy lane too, however short: its cost is in its elements."""

HEAVY_QUEUE = 4
"""Heavy decisions that may wait for the heavy lane (each holds a body of up to the body limit)."""

HEAVY_NICE = 10
"""The heavy lane's process runs at this ``nice``: the usual claims come first for the CPU."""


def heavy(raw: bytes) -> bool:
    """Whether a body goes to the heavy lane: by its size and by how many elements it may hold."""
    return len(raw) >= HEAVY_BYTES or raw.count(b",") > HEAVY_VALUES


def _trimmer() -> Optional[Callable[[int], int]]:
    """glibc's ``malloc_trim``: gives freed heap back to the system (elsewhere: nothing to call)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc.malloc_trim if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:  # pragma: no cover - no C library to load
        return None


_TRIM = _trimmer()


def _follow_the_worker(worker: int) -> None:
    """End the heavy lane once its worker is gone. A worker killed outright (SIGKILL, the OOM killer)
    never stops its lane, and the lane, blocked on its call queue, was seen to live on as an orphan."""
    while os.getppid() == worker:
        time.sleep(HEAVY_PARENT_CHECK)
    os._exit(0)


HEAVY_PARENT_CHECK = 0.5
"""Seconds between the heavy lane's looks at whether its worker still runs."""


def _heavy_start(editions: tuple[str, ...], forked: bool, worker: int) -> None:
    """The heavy lane's process, as it starts: low priority, no signal handling of the worker's
    (the worker stops it; a Ctrl-C is the worker's to handle), and, when it was spawned rather than
    forked from the warmed worker, the worker's edition files and the first decision's tables."""
    signal.set_wakeup_fd(-1)  # a forked copy of the worker's event loop's: never wake the worker's loop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # ``worker`` is the pid the worker gave, not os.getppid(): a worker stopped while its lane was still
    # starting has left it to init already (seen: a lane that followed pid 1 for ever).
    threading.Thread(target=_follow_the_worker, args=(worker,), name="heavy-lane-parent", daemon=True).start()
    try:
        os.nice(HEAVY_NICE)
    except OSError:  # pragma: no cover - not allowed here: it runs at the worker's priority
        pass
    if forked:
        return
    load_editions(editions)
    _warm(registry)


def _trimmed(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the heavy lane, the heap given back after it."""
    try:
        return fn(*args)
    finally:
        if _TRIM is not None:
            _TRIM(0)


class _Lane:
    def __init__(self, executor: Executor, slots: int) -> None:
        self.executor, self.slots, self.taken = executor, slots, 0


class DecisionPool:
    """Two bounded lanes (see the module): ``threads`` threads, one process, ``queue`` waiting in each."""

    def __init__(self, threads: int, queue: int, editions: tuple[str, ...] = ()) -> None:
        self.threads, self.queue, self.editions = threads, queue, editions
        self._quick = _Lane(ThreadPoolExecutor(threads, thread_name_prefix="mutualaid-decide"), threads + queue)
        self._heavy: Optional[_Lane] = None
        self._lock = threading.Lock()
        self._freed: Optional[asyncio.Event] = None

    def _heavy_lane(self, fork: bool = False) -> _Lane:
        if self._heavy is None:
            # Forked at the app's startup, before the quick lane has a thread: a copy of the warmed
            # worker, at once and sharing its memory. Made later (an app run without its startup, a
            # lane whose process died), a thread may hold a lock: a clean process is spawned instead.
            method = "fork" if fork and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1 else "spawn"
            context = multiprocessing.get_context(method)
            executor = ProcessPoolExecutor(1, mp_context=context, initializer=_heavy_start, initargs=(self.editions, method == "fork", os.getpid()))
            self._heavy = _Lane(executor, 1 + HEAVY_QUEUE)
        return self._heavy

    def start(self) -> None:
        """Start the heavy lane's process now (the app's startup), not on the first big body."""
        self._heavy_lane(fork=True).executor.submit(os.getpid)

    def full(self, heavy: bool = False) -> bool:
        lane = self._heavy_lane() if heavy else self._quick
        return lane.taken >= lane.slots

    @property
    def taken(self) -> int:
        """Decisions running or waiting now, in both lanes."""
        return self._quick.taken + (self._heavy.taken if self._heavy is not None else 0)

    def _release(self, lane: _Lane, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        """Give a slot back (from the thread that finished, or the loop): the loop is woken only
        when a batch waits for a slot."""
        with self._lock:
            lane.taken -= 1
        freed = self._freed
        if freed is not None:
            if loop is None:
                freed.set()
            else:
                loop.call_soon_threadsafe(freed.set)

    async def run(self, fn: Callable[..., T], *args: Any, heavy: bool = False, wait: bool = False) -> T:
        """``fn(*args)`` in a lane. Full: :func:`busy` is raised, or with ``wait`` a slot is awaited
        (a batch already answering cannot be refused any more). In the heavy lane ``fn`` and its
        arguments travel to another process: a module-level function, and plain data."""
        loop = asyncio.get_running_loop()
        lane = self._heavy_lane() if heavy else self._quick
        while True:
            with self._lock:
                if lane.taken < lane.slots:
                    lane.taken += 1
                    break
            if not wait:
                raise busy()
            self._freed = self._freed or asyncio.Event()
            self._freed.clear()
            await self._freed.wait()
        try:
            future: Future = lane.executor.submit(_trimmed, fn, *args) if heavy else lane.executor.submit(fn, *args)
        except BaseException:
            self._release(lane)
            raise
        future.add_done_callback(lambda _: self._release(lane, loop))
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:  # the heavy lane's process died (killed for its memory, say): a new one next time
            with self._lock:
                if self._heavy is lane:
                    self._heavy = None
            raise busy() from None

    def close(self) -> None:
        self._quick.executor.shutdown(wait=False, cancel_futures=True)
        if self._heavy is not None:
            self._heavy.executor.shutdown(wait=True, cancel_futures=True)


def busy() -> Refusal:
    """503 with ``Retry-After``: the lane and its queue are full."""
    return Refusal(503, "busy", [error("service", "service.busy", retry_after=RETRY_AFTER)], headers={"Retry-After": str(RETRY_AFTER)})


async def run_decision(request: Any, fn: Callable[..., T], *args: Any, heavy: bool = False) -> T:
    """Run the blocking ``fn(*args)`` through the app's bounded pool, off the event loop.

    Raises :class:`~mutualaid.server.transport.Refusal` (503, ``Retry-After``) when the lane and
    its queue are full; the app's handler answers it. ``heavy``: in the heavy lane's process
    (``fn`` a module-level function, its arguments plain data), for work that may take long.
    ``request`` is a Starlette request of this app.
    """
    pool: DecisionPool = request.app.state.pool
    return await pool.run(fn, *args, heavy=heavy)


_WARM_UP = {
    "claim_id": "warm-up",
    "filed_on": "2022-04-10",
    "member": {"member_id": "warm-up", "name": "张三", "id_number": "440106199003071231", "union_member_since": "2021-08-01",
               "real_name_verified_on": "2021-08-01", "occupation": "courier"},
    "accident": {"accident_id": "warm-up", "occurred_on": "2022-03-01", "cause": "accident"},
    "treatments": [{"treatment_id": "T1", "hospital": {"name": "-", "grade": 3, "ownership": "public", "kind": "general"},
                    "setting": "inpatient", "diagnoses": ["S82.2"],
                    "items": [{"on": "2022-03-01", "category": "treatment", "out_of_pocket": "3200.00"}]}],
    "documents": ["invoice", "accident_proof", "medical_record"],
    "payee": {"holder_name": "张三", "holder_id_number": "440106199003071231", "account_number": "6222020200112233445"},
}
"""A claim decided once under each edition at start: the first decision loads the ICD-10 tables, the
holiday calendar and the compiled rules (a quarter of a second), which no claimant should wait for.
It is also the example body of ``/v1/adjudicate`` on the OpenAPI page."""


def _warm(registry) -> None:
    for edition_id in registry.ids():
        try:
            adjudicate(_WARM_UP, plan=registry.get(edition_id))
        except InvalidClaim:  # an edition loaded from a file may refuse it: its rules are compiled all the same
            pass
