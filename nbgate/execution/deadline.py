"""Deadlines: the per-cell timeout and the whole-notebook timeout as one nbclient ``timeout_func``.

nbclient asks ``timeout_func(cell)`` for each cell's limit. A run has up to
two limits: a per-cell one and a whole-notebook deadline. Each cell gets the
smaller of the cell limit and the time left overall, and the deadline
remembers which of the two it handed out last (``limit``), so a
``CellTimeoutError`` can be reported as the right one. What happens when a
limit fires is nbclient's: it interrupts (or kills) the kernel and raises
``CellTimeoutError``; the callers (smoke runner, production run) word it.
"""

from __future__ import annotations

import time
from typing import Any

#: the two limits a cell can be given, as ``Deadline.limit`` names them
CELL, NOTEBOOK = "cell", "notebook"
#: the least time a cell is given once the deadline has passed: nbclient reads 0 as "no limit"
FLOOR = 0.01


def _seconds(value: float | None) -> float | None:
    return float(value) if value and value > 0 else None


class Deadline:
    """nbclient ``timeout_func``: min(cell limit, time left of the whole-notebook timeout).

    ``cell_timeout`` and ``timeout`` are seconds; ``None``, 0 or less mean no
    limit. The whole-notebook clock runs from ``start()``: the production run
    starts it before the kernel starts (its timeout covers start-up), the
    shared engine starts it at the first cell if nobody did before.
    """

    def __init__(self, cell_timeout: float | None, timeout: float | None) -> None:
        self.cell_timeout = _seconds(cell_timeout)
        self.timeout = _seconds(timeout)
        self.deadline: float | None = None
        self.limit = CELL  # which limit the last cell was given

    def start(self) -> None:
        """Start the whole-notebook clock (once; later calls keep the first start)."""
        if self.timeout is not None and self.deadline is None:
            self.deadline = time.monotonic() + self.timeout

    @property
    def whole(self) -> bool:
        """The last cell's limit came from the whole-notebook deadline."""
        return self.limit == NOTEBOOK

    def __call__(self, cell: Any) -> float | None:
        """The limit of the cell about to run (``None``: no limit)."""
        limits: list[tuple[float, str]] = []
        if self.cell_timeout is not None:
            limits.append((self.cell_timeout, CELL))
        if self.deadline is not None:
            limits.append((max(self.deadline - time.monotonic(), FLOOR), NOTEBOOK))
        if not limits:
            self.limit = CELL
            return None
        seconds, self.limit = min(limits)  # a tie is the cell's own limit
        return seconds
