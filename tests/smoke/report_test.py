"""Failure reports: failing line from IPython tracebacks, source excerpts, ANSI."""

from __future__ import annotations

import pytest

from nbgate.smoke.report import Failure, excerpt, failing_line, format_failure

TB = (
    "\x1b[0;31mZeroDivisionError\x1b[0m Traceback (most recent call last)\n"
    "Cell \x1b[0;32mIn[4]\x1b[0m, line \x1b[0;32m2\x1b[0m\n----> 2 f(0)\n"
    "Cell \x1b[0;32mIn[3]\x1b[0m, line \x1b[0;32m5\x1b[0m, in f(x)\n"
    "Cell In[4], line 7\n"
)


@pytest.mark.parametrize(
    ("traceback", "count", "line"),
    [
        (TB, 4, 7),  # innermost frame of the failing cell itself
        (TB, 3, 5),
        (TB, None, 7),
        ("Cell In[9], line 1", 2, 1),  # no frame for this count: the last one
        ('  File "<ipython-input-1>", line 3\n    x = (\n', None, 3),
        ("no frames here", 1, None),
    ],
)
def test_failing_line(traceback: str, count: int | None, line: int | None) -> None:
    assert failing_line(traceback, count) == line


def test_excerpt_marks_the_line_with_context() -> None:
    source = "\n".join(f"line{i}" for i in range(1, 11))
    assert excerpt(source, 5) == [
        f"  {'->' if i == 5 else '  '} {i:>2} | line{i}" for i in range(2, 9)
    ]


def test_excerpt_without_line_shows_the_start() -> None:
    source = "\n".join(f"l{i}" for i in range(1, 21))
    shown = excerpt(source, None)
    assert shown[0] == "      1 | l1" and shown[-1] == "     ... 8 more line(s)"


@pytest.mark.parametrize("color", [False, True])
def test_format_failure(color: bool) -> None:
    failure = Failure(
        "cell-error", "ZeroDivisionError: division by zero", 2, "a = 1\nb = a / 0", 2, TB
    )
    text = format_failure(
        "nb/x.ipynb", failure, output_path=".nbgate/runs/smoke/x.ipynb", color=color
    )
    lines = text.splitlines()
    assert lines[0] == "nb/x.ipynb, cell 2: ZeroDivisionError: division by zero"
    assert lines[1] == "executed notebook: .nbgate/runs/smoke/x.ipynb"
    assert "  -> 2 | b = a / 0" in lines
    assert ("\x1b[" in text) is color
