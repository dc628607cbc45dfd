from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nbgate import errors
from nbgate.errors import ExitCode


def test_exit_codes_are_the_documented_numbers() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "FAILED": 1,
        "USAGE": 2,
        "UNEXPECTED": 3,
        "REFUSED": 4,
        "INTERRUPTED": 130,
    }


def test_module_names_are_the_members_themselves() -> None:
    for code in ExitCode:
        assert getattr(errors, code.name) is code


def test_an_exit_code_prints_and_serialises_as_its_number() -> None:
    assert f"{ExitCode.REFUSED}" == str(ExitCode.REFUSED) == "4"
    assert json.dumps({"exit": ExitCode.USAGE}) == '{"exit": 2}'


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.NbgateError, ExitCode.FAILED),
        (errors.UsageError, ExitCode.USAGE),
        (errors.ConfigError, ExitCode.USAGE),
        (errors.GateError, ExitCode.REFUSED),
        (errors.RegistryError, ExitCode.FAILED),
        (errors.ExecutionError, ExitCode.FAILED),
    ],
)
def test_every_error_carries_an_exit_code(error: type[errors.NbgateError], code: ExitCode) -> None:
    assert type(error.exit_code) is ExitCode and error.exit_code is code


def test_notebook_error_carries_an_exit_code() -> None:
    assert errors.NotebookError("a.ipynb", "bad").exit_code is ExitCode.FAILED


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["nbgate", "--no-such-flag"], ExitCode.USAGE),
        (["nbgate", "config", "--set", "lint.max_cells=many"], ExitCode.USAGE),
    ],
)
def test_the_process_exits_with_the_code(argv: list[str], code: ExitCode, tmp_path: object) -> None:
    done = subprocess.run(  # noqa: PLW1510 - the exit code is what the test reads
        [sys.executable, "-m", *argv],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
