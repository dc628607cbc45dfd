"""Which ``[tool.nbgate]`` the plugin reads when a project sits inside a larger repository."""

from __future__ import annotations

import jupyter_client.manager  # noqa: F401
import papermill  # noqa: F401
import pytest

from testing.notebooks import write
from testing.smoke_project import evidence, params_nb

pytest_plugins = ["pytester"]


def test_project_in_a_subfolder_keeps_its_own_config_and_ledger(pytester: pytest.Pytester) -> None:
    """pytest's rootdir is the outer repo (it has the pytest ini); nbgate must use the project's config,
    so the evidence lands where ``nbgate promote`` run in the project looks for it."""
    (pytester.path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = ''\n")
    inner = pytester.path / "analytics"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[tool.nbgate.smoke]\nparameters = { x = 7 }\n")
    write(inner / "nb.ipynb", params_nb("x = 0", "assert x == 7"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(inner)  # run from inside the project, with no path arguments
        result = pytester.runpytest("--nbgate")
    result.stdout.fnmatch_lines([f"rootdir: {pytester.path}"])
    result.assert_outcomes(passed=1)  # x = 7 comes from the inner project's [tool.nbgate.smoke]
    [record] = evidence(inner)
    assert record["path"] == "nb.ipynb"
    assert evidence(pytester.path) == []
