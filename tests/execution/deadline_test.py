"""Per-cell and whole-notebook limits as one nbclient ``timeout_func`` (pure, real clock)."""

from __future__ import annotations

import time

import pytest

from nbgate.execution.deadline import CELL, FLOOR, NOTEBOOK, Deadline


@pytest.mark.parametrize(("cell_timeout", "timeout"), [(None, None), (0, 0), (-1, -1), (0.0, None)])
def test_no_limit_is_none(cell_timeout: float | None, timeout: float | None) -> None:
    deadline = Deadline(cell_timeout, timeout)
    deadline.start()
    assert (deadline(None), deadline.limit, deadline.whole) == (None, CELL, False)


def test_the_cell_limit_alone() -> None:
    deadline = Deadline(5, None)
    deadline.start()
    assert (deadline({}), deadline.limit) == (5.0, CELL)


def test_the_whole_notebook_clock_runs_from_start_only() -> None:
    deadline = Deadline(30, 100)
    assert (deadline({}), deadline.limit) == (30.0, CELL)  # not started: only the cell limit
    deadline.start()
    first = deadline.deadline
    time.sleep(0.05)
    deadline.start()  # a second start keeps the first
    assert deadline.deadline == first
    assert (deadline({}), deadline.limit) == (30.0, CELL)  # plenty left overall: the cell limit


def test_the_time_left_wins_when_it_is_shorter() -> None:
    deadline = Deadline(30, 2)
    deadline.start()
    seconds = deadline({})
    assert seconds is not None and 1.5 < seconds <= 2
    assert (deadline.limit, deadline.whole) == (NOTEBOOK, True)
    no_cell_limit = Deadline(None, 2)
    no_cell_limit.start()
    assert no_cell_limit({}) is not None and no_cell_limit.whole


def test_past_the_deadline_a_cell_still_gets_a_limit() -> None:
    deadline = Deadline(None, 0.01)
    deadline.start()
    time.sleep(0.05)
    assert (deadline({}), deadline.limit) == (FLOOR, NOTEBOOK)  # nbclient reads 0 as "no limit"
