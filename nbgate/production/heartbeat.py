"""A running run's heartbeat: a daemon thread that marks its index row alive.

Readers on any host call a ``running`` row ``lost`` when its heartbeat is
older than ``run.lost_after`` intervals, so a run killed with SIGKILL (or on
a machine that vanished) is visible as such fleet-wide.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def beating(beat: Callable[[], None], interval: float) -> Iterator[None]:
    """Call ``beat`` every ``interval`` seconds while the block runs (never from the caller's thread)."""
    if interval <= 0:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                beat()
            except Exception:  # noqa: BLE001, S110 - a missed beat is what readers detect
                pass

    thread = threading.Thread(target=loop, name="nbgate-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=max(interval, 5.0))
