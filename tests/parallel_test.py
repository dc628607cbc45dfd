"""nbgate.parallel: forked workers give the same results, in order, and the same errors."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

from nbgate import parallel


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


@pytest.mark.usefixtures("fast_paths_on")
def test_results_come_back_in_input_order_from_several_processes() -> None:
    if parallel._threaded():
        pytest.skip("this test process runs other threads, so map_files rightly does not fork")
    items = list(range(100))
    results = parallel.map_files(_pid_and_square, items, workers=3, min_items=10)
    assert [square for _, square in results] == [n * n for n in items]
    pids = {pid for pid, _ in results}
    assert len(pids) == 3 and os.getpid() in pids  # two children plus this process


@pytest.mark.parametrize(("count", "workers", "min_items"), [(5, 4, 24), (30, 1, 24), (0, 4, 1)])
def test_few_items_or_one_worker_stay_in_this_process(
    count: int, workers: int, min_items: int
) -> None:
    results = parallel.map_files(
        _pid_and_square, list(range(count)), workers=workers, min_items=min_items
    )
    assert results == [(os.getpid(), n * n) for n in range(count)]


def _fail_on_13(n: int) -> int:
    if n == 13:
        raise ValueError(f"bad item {n}")
    return n


def test_an_error_in_a_worker_is_raised_here() -> None:
    with pytest.raises(ValueError, match="bad item 13"):
        parallel.map_files(_fail_on_13, list(range(40)), workers=2, min_items=10)


PARENT = os.getpid()


def _die(n: int) -> int:
    if os.getpid() != PARENT:  # only ever in a worker, never in the test process
        os._exit(9)
    return n


@pytest.mark.usefixtures("fast_paths_on")
def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(RuntimeError, match="died"):
        parallel.map_files(_die, list(range(40)), workers=2, min_items=10)


def _whole_share(items: Sequence[int]) -> list[tuple[int, int]]:
    return [(len(items), n) for n in items]


@pytest.mark.usefixtures("fast_paths_on")
def test_map_shares_hands_each_process_one_share() -> None:
    if parallel._threaded():
        pytest.skip("this test process runs other threads, so map_shares rightly does not fork")
    results = parallel.map_shares(_whole_share, list(range(30)), workers=3, min_items=10)
    assert [n for _, n in results] == list(range(30))
    assert {size for size, _ in results} == {10}


def _wrong_length(items: Sequence[int]) -> list[int]:
    return list(items)[:-1]


def test_map_shares_checks_one_result_per_item() -> None:
    with pytest.raises(RuntimeError, match="returned"):
        parallel.map_shares(_wrong_length, list(range(5)), workers=1)


def test_large_results_do_not_deadlock_the_pipe() -> None:
    big = parallel.map_files(lambda n: "x" * 100_000, list(range(30)), workers=2, min_items=10)
    assert big == ["x" * 100_000] * 30


def test_no_child_processes_are_left_behind() -> None:
    parallel.map_files(_pid_and_square, list(range(50)), workers=2, min_items=10)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_no_fork_while_other_threads_run() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        results = parallel.map_files(_pid_and_square, list(range(40)), workers=2, min_items=10)
    finally:
        stop.set()
        thread.join()
    assert {pid for pid, _ in results} == {os.getpid()}
