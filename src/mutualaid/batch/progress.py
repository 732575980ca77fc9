"""The progress bar of a batch on a terminal."""

from __future__ import annotations

import time
from typing import IO, Any, Optional


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
        from rich.console import Console  # loaded on first use, when the bar is drawn: the library never imports rich (issue 15)
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn  # loaded on first use
        from rich.progress import Progress as Bar  # loaded on first use

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


