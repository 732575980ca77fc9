"""The decision pool: every decision of the service runs here, off the event loop, and the pool is bounded.

The event loop only reads and writes bytes; a decision (reading the JSON, validating, deciding,
writing the answer) can take from 0.3 ms to about a second for the worst body the limits allow, and
on the loop it would hold up every other request, ``/healthz`` included. So each decision is handed
to a pool of :attr:`Settings.threads` threads, and at most :attr:`Settings.queue` more may wait for
one. One more is refused at once, with 503 and ``Retry-After`` (backpressure): the backlog, and so
the memory it holds, never grows without bound. A slot is given back when its thread is done, not
when the caller stops waiting, so a client that hangs up cannot make room for unbounded work.

:func:`run_decision` is the one way an endpoint decides; other routers of the service (the
database-backed claims API) use it too.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

from .transport import Refusal, error

T = TypeVar("T")

RETRY_AFTER = 1
"""Seconds a refused caller is asked to wait (``Retry-After``): a decision takes milliseconds."""


def _trimmer() -> Optional[Callable[[int], int]]:
    """glibc's ``malloc_trim``: gives freed heap back to the system (elsewhere: nothing to call)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc.malloc_trim if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:  # pragma: no cover - no C library to load
        return None


_TRIM = _trimmer()


class DecisionPool:
    """``threads`` threads and at most ``queue`` decisions waiting for one; past that, :func:`busy`."""

    def __init__(self, threads: int, queue: int) -> None:
        self.threads, self.queue = threads, queue
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="mutualaid-decide")
        self._taken = 0
        self._lock = threading.Lock()
        self._freed: Optional[asyncio.Event] = None
        self._big = False

    @property
    def taken(self) -> int:
        """Decisions running or waiting now."""
        return self._taken

    def full(self) -> bool:
        return self._taken >= self.threads + self.queue

    def _release(self, _: Future) -> None:
        with self._lock:
            self._taken -= 1
            idle, big = self._taken == 0, self._big
            if idle:
                self._big = False
        if idle and big and _TRIM is not None:
            # A big body's objects are freed, but glibc keeps the pages: give them back, so that the
            # resident memory returns to its idle level after a burst of big requests.
            _TRIM(0)
        if self._freed is not None:
            self._freed.set()

    async def run(self, fn: Callable[..., T], *args: Any, big: bool = False, wait: bool = False) -> T:
        """``fn(*args)`` in a thread of the pool. Full: :func:`busy` is raised, or with ``wait`` a
        slot is awaited (a batch already answering cannot be refused any more)."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if not self.full():
                    self._taken += 1
                    self._big |= big
                    break
            if not wait:
                raise busy()
            self._freed = self._freed or asyncio.Event()
            self._freed.clear()
            await self._freed.wait()
        try:
            future = self._executor.submit(fn, *args)
        except BaseException:
            with self._lock:
                self._taken -= 1
            raise
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._release, f))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def busy() -> Refusal:
    """503 with ``Retry-After``: the pool and its queue are full."""
    return Refusal(503, "busy", [error("service", "service.busy", retry_after=RETRY_AFTER)], headers={"Retry-After": str(RETRY_AFTER)})


async def run_decision(request: Any, fn: Callable[..., T], *args: Any, big: bool = False) -> T:
    """Run the blocking ``fn(*args)`` through the app's bounded pool, off the event loop.

    Raises :class:`~mutualaid.server.transport.Refusal` (503, ``Retry-After``) when the pool and
    its queue are full; the app's handler answers it. ``big``: the body was large, so the heap is
    trimmed once the pool is idle again. ``request`` is a Starlette request of this app.
    """
    pool: DecisionPool = request.app.state.pool
    return await pool.run(fn, *args, big=big)
