"""``nbgate gate``'s smoke stage, in process, with real kernels."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.cli.main import main
from testing.notebooks import code, make
from testing.smoke_project import evidence, params_nb, project


def test_smoke_stage_counts_and_details(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(
        tmp_path,
        {
            "nbs/ok.ipynb": params_nb("n = 0", "assert n == 5"),
            "nbs/bad.ipynb": make([code("x = 1"), code("raise ValueError('boom')")]),
            "nbs/later.ipynb": make([code("1")], metadata={"nbgate": {"skip": "not yet"}}),
            "nbs/known.ipynb": make([code("1 / 0")], metadata={"nbgate": {"xfail": "known"}}),
            "nbs/typo.ipynb": params_nb(
                "n = 0", "1", metadata={"nbgate": {"test_parameters": {"m": 1}}}
            ),
        },
        smoke={"parameters": {"n": 5}},
    )
    code_ = main(["--color", "never", "gate", "--only", "smoke", str(tmp_path)])
    out = capsys.readouterr().out
    assert code_ == 1
    assert (
        "[smoke] nbs/bad.ipynb, cell 2: failed: ValueError: boom (executed notebook: .nbgate/runs/smoke/nbs/bad."
        in out
    )
    assert "[smoke] nbs/typo.ipynb: error: parameter(s) m not defined" in out
    row = next(line for line in out.splitlines() if line.startswith("smoke "))
    assert "FAIL" in row and "1 passed, 1 failed, 1 error, 1 xfailed, 1 skipped" in row
    assert sorted((r["path"], r["outcome"]) for r in evidence(tmp_path)) == [
        ("nbs/bad.ipynb", "failed"),
        ("nbs/known.ipynb", "xfailed"),
        ("nbs/ok.ipynb", "passed"),
    ]


def test_smoke_stage_without_notebooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, {})
    assert main(["--color", "never", "gate", "--only", "smoke", str(tmp_path)]) == 0
    assert "no notebooks" in capsys.readouterr().out
