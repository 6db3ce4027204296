"""A progress line on standard error for commands that may take a while (a big cross).

Nothing shows for the first second, so a small cross prints exactly what it printed before;
after that a line is redrawn a few times a second by a background thread, which only reads
the counters the work advances (an increment per row, no output from the working thread).
The line is cleared when the work ends, so the output that follows it is the command's own.

Shown only when standard error is a terminal, unless asked for (``--progress``) or refused
(``--no-progress``): a pipe or a log file never receives carriage returns.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TextIO

DELAY = 1.0
"""Seconds of work before the progress line first shows."""

INTERVAL = 0.2
"""Seconds between redraws."""

WIDTH = 24
"""Characters of the bar."""


def wanted(asked: bool | None, stream: TextIO) -> bool:
    """Whether to show progress: as asked, or when ``stream`` is a terminal."""
    if asked is not None:
        return asked
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """A context manager drawing one line on ``stream`` once the work has lasted ``delay``
    seconds: the stage's label (``label`` until :meth:`stage` names another), a bar when the
    stage's total is known, the time taken.

    >>> import io
    >>> out = io.StringIO()
    >>> with Progress(out, enabled=True, delay=60) as progress:  # drawn by hand here
    ...     progress.stage("writing", total=4)
    ...     progress.advance(2)
    ...     progress.draw()
    >>> out.getvalue().split("\\r")[1].rsplit("  ", 1)[0]
    'writing [############............]  50% 2/4'
    >>> out.getvalue().endswith("\\r\\x1b[K")
    True
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        label: str = "working",
        delay: float | None = None,
        interval: float | None = None,
    ) -> None:
        self.stream = stream
        self.enabled = enabled
        self.delay = DELAY if delay is None else delay
        self.interval = INTERVAL if interval is None else interval
        self.label = label
        self.total: int | None = None
        self.done = 0
        self.drawn = False
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def stage(self, label: str, total: int | None = None) -> None:
        """Start a stage of the work (``total`` steps, or unknown)."""
        self.label, self.total, self.done = label, total, 0

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more steps of the stage done."""
        self.done += steps

    def draw(self) -> None:
        """Redraw the line now (the background thread calls this)."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._started
        line = f"{self.label}"
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = round(share * WIDTH)
            line += f" [{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} "
            line += f"{self.done:,}/{self.total:,}"
        else:
            line += "…"
        line += f"  {elapsed:.1f} s"
        with self._lock:
            self.stream.write(f"\r{line}\x1b[K")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        """Stop drawing and clear the line if one was drawn."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            if self.drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.drawn = False

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            self.draw()
            if self._stop.wait(self.interval):
                return
