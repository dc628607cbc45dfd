"""``action.yml``: a composite action whose scripts never interpolate inputs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

INPUTS = {"python-version", "install", "paths", "base-ref", "smoke", "pytest-args", "fail-on"}


@pytest.fixture
def action(repo_root: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((repo_root / "action.yml").read_text())
    return document


def test_is_a_composite_action_with_the_documented_inputs(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == INPUTS
    assert set(action["outputs"]) == {"changed", "failed", "report", "report-dir"}


def test_no_run_script_interpolates_an_expression(action: dict[str, Any]) -> None:
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert scripts, "the action runs no script at all"
    for script in scripts:
        assert "${{" not in script, script
        assert "inputs." not in script


def test_every_input_reaches_the_steps_through_env_or_with(action: dict[str, Any]) -> None:
    used: set[str] = set()
    for step in action["runs"]["steps"]:
        for mapping in (step.get("env") or {}, step.get("with") or {}):
            for value in mapping.values():
                used.update(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(value)))
    assert used == INPUTS
    ci = next(step for step in action["runs"]["steps"] if step.get("id") == "ci")
    assert ci["run"].strip() == "nbgate ci"
    assert set(ci["env"]) == {
        "NBGATE_INPUT_PATHS",
        "NBGATE_INPUT_BASE_REF",
        "NBGATE_INPUT_SMOKE",
        "NBGATE_INPUT_PYTEST_ARGS",
        "NBGATE_INPUT_FAIL_ON",
    }


def test_installs_nbgate_with_the_ci_extra_from_the_action_path_through_env(
    action: dict[str, Any],
) -> None:
    install = next(step for step in action["runs"]["steps"] if "pip install" in step.get("run", ""))
    assert install["env"] == {"NBGATE_ACTION_PATH": "${{ github.action_path }}"}
    assert (
        '"$NBGATE_ACTION_PATH[ci]"' in install["run"]
    )  # pytest and pytest-xdist: smoke needs them
    assert all(step.get("shell") == "bash" for step in action["runs"]["steps"] if "run" in step)


def test_the_projects_install_command_runs_before_nbgate_through_env(
    action: dict[str, Any],
) -> None:
    names = [step.get("name") for step in action["runs"]["steps"]]
    project = next(
        step
        for step in action["runs"]["steps"]
        if "NBGATE_INPUT_INSTALL" in (step.get("env") or {})
    )
    assert project["env"] == {"NBGATE_INPUT_INSTALL": "${{ inputs.install }}"}
    assert names.index(project["name"]) < names.index("Install nbgate")
    assert '"$NBGATE_INPUT_INSTALL"' in project["run"]


def test_the_ci_extra_holds_what_smoke_needs(repo_root: Path) -> None:
    import tomllib

    extras = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert {re.split(r"[<>=\[]", req)[0] for req in extras["ci"]} == {"pytest", "pytest-xdist"}
