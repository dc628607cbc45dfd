"""``nbgate.progress``: a redrawn status line on a terminal, plain lines elsewhere, nothing with -q."""

from __future__ import annotations

import io

from nbgate import output, progress
from nbgate.progress import Progress


def test_plain_lines_number_concurrent_starts_and_finishes() -> None:
    out = io.StringIO()
    shown = Progress("smoke", 2, stream=out, live=False)
    shown.begin("a.ipynb")
    shown.begin("b.ipynb")  # under xdist both run at once
    shown.finish("b.ipynb", "failed")
    shown.finish("a.ipynb", "passed")
    shown.close()
    assert [line.split(" [")[0] for line in out.getvalue().splitlines()] == [
        "smoke: 1/2 a.ipynb ...",
        "smoke: 2/2 b.ipynb ...",
        "smoke: 1/2 b.ipynb: failed",
        "smoke: 2/2 a.ipynb: passed",
    ]


def test_a_terminal_gets_one_redrawn_line_cleared_at_the_end() -> None:
    out = io.StringIO()
    shown = Progress("smoke", 3, stream=out, live=True)
    shown.step("a.ipynb")
    shown.step("b.ipynb")
    assert shown.line().startswith("smoke · 1/3 done · b.ipynb · ") and shown.line().endswith("s")
    shown.close()
    text = out.getvalue()
    assert "\n" not in text and text.endswith("\r\x1b[K")
    assert "smoke · 0/3 done · a.ipynb · 0s" in text


def test_quiet_and_no_task_print_nothing() -> None:
    output.configure(quiet=True)
    try:
        out = io.StringIO()
        with progress.task("smoke", 1, stream=out, live=False) as shown:
            assert progress.current() is shown
            shown.step("a.ipynb")
        assert out.getvalue() == ""
    finally:
        output.configure()
    progress.current().step("nothing")  # no task open: a no-op that keeps no state
    assert progress.current().current == []
