"""Live progress for long work (gate stages, smoke runs), on standard error.

On a terminal one status line is redrawn in place, with the step count, the
current item and the elapsed time, refreshed by a small thread so the clock
moves while a notebook runs. Anywhere else (CI logs, pipes) each start and
finish is one plain line, so a log shows what ran and when. ``--quiet``
(``output.configure(quiet=True)``) turns it off.

Deep code reports through the module-level ``current()`` (a no-op unless a
command opened a ``Progress``), so stage functions keep their signature.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from nbgate import output

REFRESH = 0.5  # seconds between redraws of the terminal line


class Progress:
    """One task (``title``) made of ``total`` steps; ``step(label)`` starts the next one."""

    def __init__(
        self,
        title: str,
        total: int = 0,
        *,
        stream: TextIO | None = None,
        live: bool | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.title = title
        self.total = total
        self.done = 0
        self.begun = 0
        self.current: list[str] = []
        self.stream = stream or sys.stderr
        self.enabled = (not output.is_quiet()) if enabled is None else enabled
        self.live = bool(getattr(self.stream, "isatty", lambda: False)()) if live is None else live
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    # ------------------------------------------------------------------ events

    def begin(self, label: str) -> None:
        """``label`` started (several may run at once, e.g. under xdist)."""
        with self._lock:
            self.current.append(label)
            self.begun += 1
            number = self.begun
        self._event(f"{self._count(number)}{label} ...")  # several may start before any finishes

    def finish(self, label: str, outcome: str = "") -> None:
        """``label`` finished with ``outcome`` (a word such as passed or failed)."""
        with self._lock:
            if label in self.current:
                self.current.remove(label)
            self.done += 1
        if (
            outcome or self.live
        ):  # a plain log shows starts, and finishes that have something to say
            self._event(f"{self._count(self.done)}{label}: {outcome}" if outcome else "")

    def step(self, label: str) -> None:
        """The previous step (if any) finished and ``label`` started: for strictly sequential work."""
        with self._lock:
            previous = list(self.current)
        for item in previous:
            self.finish(item)
        self.begin(label)

    def close(self, summary: str = "") -> None:
        """Stop redrawing and clear the line; print ``summary`` as a plain line when not live."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self.enabled:
            return
        if self.live and self._drawn:
            self._write("\r\x1b[K")
        if summary and not self.live:
            self._write(f"{self.title}: {summary} ({self.elapsed():.1f}s)\n")

    # ------------------------------------------------------------------ drawing

    def elapsed(self) -> float:
        """Seconds since the task started."""
        return time.monotonic() - self.started

    def _count(self, n: int) -> str:
        return f"{min(n, self.total)}/{self.total} " if self.total else ""

    def line(self) -> str:
        """The status line a terminal shows now."""
        with self._lock:
            current = ", ".join(self.current[-2:]) + (" ..." if len(self.current) > 2 else "")
            count = f"{self.done}/{self.total} done" if self.total else ""
        parts = [part for part in (self.title, count, current, f"{self.elapsed():.0f}s") if part]
        return " · ".join(parts)

    def _event(self, text: str) -> None:
        if not self.enabled:
            return
        if not self.live:
            self._write(f"{self.title}: {text} [{self.elapsed():.1f}s]\n")
            return
        self._draw()
        if self._thread is None:
            self._thread = threading.Thread(target=self._tick, name="nbgate-progress", daemon=True)
            self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH):
            self._draw()

    def _draw(self) -> None:
        if _active and _active[-1] is not self:
            return  # a nested task owns the line
        text = self.line()
        width = 200
        try:
            import shutil

            width = shutil.get_terminal_size((200, 20)).columns
        except (OSError, ValueError):
            pass
        self._write("\r\x1b[K" + text[: max(10, width - 1)])
        self._drawn = True

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream never stops the work
            pass


class _Null(Progress):
    """Reports nothing and keeps no state (deep code calls it when no command opened a task)."""

    def __init__(self) -> None:
        super().__init__("", enabled=False, live=False)

    def begin(self, label: str) -> None:
        pass

    def finish(self, label: str, outcome: str = "") -> None:
        pass

    def step(self, label: str) -> None:
        pass


_NULL = _Null()
_active: list[Progress] = []


def current() -> Progress:
    """The innermost open ``Progress``, or one that prints nothing."""
    return _active[-1] if _active else _NULL


@contextmanager
def task(
    title: str, total: int = 0, *, stream: TextIO | None = None, live: bool | None = None
) -> Iterator[Progress]:
    """Open a ``Progress`` that deep code can reach through ``current()``; closed on exit."""
    progress = Progress(title, total, stream=stream, live=live)
    _active.append(progress)
    try:
        yield progress
    finally:
        _active.remove(progress)
        progress.close()
