"""Verdicts a team migrating from nbclient/nbmake/nbval expects, with real kernels (issue 13, items 1-6).

Each test is one ``pytest --nbgate`` run over several notebooks written to
reproduce one kind of real notebook each.
"""

from __future__ import annotations

import jupyter_client.manager  # noqa: F401
import jupytext  # noqa: F401
import papermill  # noqa: F401
import pytest

import nbgate.execution.engine
import nbgate.smoke.runner  # noqa: F401
from testing.notebooks import code, make, markdown, stream, write
from testing.smoke_project import project

pytest_plugins = ["pytester"]

#: registers an IPython post_execute callback that fails once, the way matplotlib's inline backend
#: fails to draw a figure after the cell's own code has finished
POST_EXECUTE = (
    "def draw():\n"
    "    raise RuntimeError('cannot draw figure')\n"
    "ip = get_ipython()\n"
    "ip.events.register('post_execute', draw)\n"
    "x = 1"
)


def _failures(result: pytest.RunResult) -> str:
    return "\n".join(result.stdout.lines)


def test_expected_errors_markers_metadata_and_collection(pytester: pytest.Pytester) -> None:
    notebooks = {
        # 13.1: the Jupyter-wide tag; the next cells still run and the markdown cell is never blamed
        "raises.ipynb": make(
            [
                code("x = 1"),
                code("raise ValueError('expected')", tags=["raises-exception"]),
                code("assert x == 1\nprint('after')"),
                markdown("# end"),
            ]
        ),
        # 13.1: an error raised after the cell finished belongs to that cell, with its real line
        "post.ipynb": make(
            [
                code(POST_EXECUTE),
                code("ip.events.unregister('post_execute', draw)"),
                markdown("# end"),
            ]
        ),
        # 13.5: nbval's markers, comments and tags, and nbgate's own skip-this-cell tag
        "nbval.ipynb": make(
            [
                code("# NBVAL_RAISES_EXCEPTION\n1 / 0"),
                code("raise KeyError('k')", tags=["nbval-raises-exception"]),
                code("#NBVAL_SKIP\nraise SystemError('skipped by comment')"),
                code("raise SystemError('skipped by tag')", tags=["nbval-skip"]),
                code("raise SystemError('skipped by nbgate tag')", tags=["nbgate-skip-cell"]),
                code("print('ran')"),
            ]
        ),
        # an ordinary failure is still one, with its cell
        "bad.ipynb": make(
            [markdown("intro"), code("y = 2\nraise TypeError('real failure')"), markdown("# end")]
        ),
        # 13.2: the notebook's own per-cell timeout and allow_errors
        "slow.ipynb": make(
            [code("import time\ntime.sleep(8)"), code("print('next')")],
            metadata={"execution": {"timeout": 1}},
        ),
        "allow.ipynb": make(
            [code("1 / 0"), code("print('next')")], metadata={"execution": {"allow_errors": True}}
        ),
    }
    project(pytester.path, notebooks)
    (pytester.path / "sub").mkdir()
    (pytester.path / "sub" / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")  # 13.3
    write(
        pytester.path / "_build" / "html" / "bad.ipynb", notebooks["bad.ipynb"]
    )  # 13.4: a built copy
    write(
        pytester.path / "book" / "_build" / "jupyter_execute" / "bad.ipynb", notebooks["bad.ipynb"]
    )
    write(pytester.path / ".ipynb_checkpoints" / "bad-checkpoint.ipynb", notebooks["bad.ipynb"])

    result = pytester.runpytest("--nbgate", "-v", "-p", "no:randomly")
    text = _failures(result)
    result.assert_outcomes(passed=3, failed=4)
    assert result.ret == 1  # not 2: the unreadable file did not stop the session
    result.stdout.fnmatch_lines_random(
        [
            "*raises.ipynb::smoke PASSED*",
            "*nbval.ipynb::smoke PASSED*",
            "*allow.ipynb::smoke PASSED*",
            "*post.ipynb::smoke FAILED*",
            "*bad.ipynb::smoke FAILED*",
            "*slow.ipynb::smoke FAILED*",
            "*sub/broken.ipynb::smoke FAILED*",
            "cell 1: RuntimeError: cannot draw figure",
            "cell 1, line 2:",
            "  -> 2 |     raise RuntimeError('cannot draw figure')",
            "cell 2: TypeError: real failure",
            "cell 1: cell timed out after 1 s (per-cell timeout, metadata.execution.timeout)",
            "*sub/broken.ipynb*invalid JSON*",
        ]
    )
    assert "_build" not in text and "checkpoint" not in text
    assert "Traceback (most recent call last):\n  File" not in text  # never nbgate's own traceback
    assert "papermill" not in text.lower().replace("pytest-papermill", "")
    assert (
        "execution failed" not in text and ": ---" not in text
    )  # no summary made of a row of dashes
    kept = sorted(
        p.name for p in (pytester.path / ".nbgate" / "runs" / "smoke").glob("raises.*.ipynb")
    )
    assert len(kept) == 1
    raw = (pytester.path / ".nbgate" / "runs" / "smoke" / kept[0]).read_text()
    assert "papermill-error-cell-tag" not in raw  # papermill's "An Exception was encountered" cells
    assert '"after\\n"' in raw  # the cell after the expected error ran


def test_command_line_cell_timeout_beats_the_notebooks(pytester: pytest.Pytester) -> None:
    slow = make(
        [code("import time\ntime.sleep(3)"), code("print('next')")],
        metadata={"execution": {"timeout": 1}},
    )
    fast = make([code("import time\ntime.sleep(6)")], metadata={"execution": {"timeout": 60}})
    project(pytester.path, {"slow.ipynb": slow, "fast.ipynb": fast}, smoke={"cell_timeout": 2})
    result = pytester.runpytest(
        "--nbgate", "--nbgate-cell-timeout", "30", "-v", "fast.ipynb", "slow.ipynb"
    )
    result.assert_outcomes(passed=2)  # the notebook's 1 s gave way to the command line's 30 s
    # without the flag, the notebook's 60 s wins over the config's 2 s and its 1 s fails its own cell
    result = pytester.runpytest("--nbgate", "-v", "fast.ipynb", "slow.ipynb")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*fast.ipynb::smoke PASSED*", "*slow.ipynb::smoke FAILED*"])


def test_check_outputs_all_with_nbval_markers_and_sanitize_file(pytester: pytest.Pytester) -> None:
    nb = make(
        [
            code("print('stable')", outputs=[stream("stable\n")]),
            code(
                "import time\nprint('took', time.time())", outputs=[stream("took 12.5\n")]
            ),  # masked by the file
            code("# NBVAL_IGNORE_OUTPUT\nimport os\nprint(os.getpid())", outputs=[stream("1\n")]),
            code(
                "print('changed')", outputs=[stream("committed\n")]
            ),  # no marker: checked under "all"
            code("print('also changed')", outputs=[stream("old\n")], tags=["nbval-ignore-output"]),
            markdown("text"),
        ]
    )
    project(
        pytester.path,
        {"all.ipynb": nb},
        smoke={"check_outputs": "all", "sanitize_file": "sanitize.cfg"},
    )
    (pytester.path / "sanitize.cfg").write_text(
        "[timings]\nregex: took \\d+(\\.\\d+)?\nreplace: took N\n"
    )
    result = pytester.runpytest("--nbgate", "-v")
    result.assert_outcomes(failed=1)
    text = _failures(result)
    assert "1 checked cell(s) differ" in text and "cell 4: outputs differ" in text
    assert "cell 2:" not in text and "cell 3:" not in text and "cell 5:" not in text

    # the default ("tagged") compares none of these cells
    project(pytester.path, {"all.ipynb": nb}, smoke={"sanitize_file": "sanitize.cfg"})
    pytester.runpytest("--nbgate").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read sanitize.cfg"),
        ("regex: x\n", "not an nbval sanitize file"),
        ("[a]\nreplace: y\n", "[a] has no regex"),
        ("[a]\nregex: (\nreplace: y\n", "[a] bad regex"),
    ],
)
def test_bad_sanitize_file_is_a_usage_error(
    pytester: pytest.Pytester, content: str | None, message: str
) -> None:
    project(pytester.path, {"a.ipynb": make([code("1")])}, smoke={"sanitize_file": "sanitize.cfg"})
    if content is not None:
        (pytester.path / "sanitize.cfg").write_text(content)
    result = pytester.runpytest("--nbgate")
    assert result.ret != 0
    assert any(message in line for line in result.stdout.lines + result.stderr.lines)
