"""``action.yml``: a composite action whose scripts never interpolate inputs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

INPUTS = {"python-version", "paths", "base-ref", "smoke", "pytest-args", "fail-on"}


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
    assert set(ci["env"]) == {"NBGATE_INPUT_PATHS", "NBGATE_INPUT_BASE_REF", "NBGATE_INPUT_SMOKE",
                              "NBGATE_INPUT_PYTEST_ARGS", "NBGATE_INPUT_FAIL_ON"}


def test_installs_nbgate_from_the_action_path_through_env(action: dict[str, Any]) -> None:
    install = next(step for step in action["runs"]["steps"] if "pip install" in step.get("run", ""))
    assert install["env"] == {"NBGATE_ACTION_PATH": "${{ github.action_path }}"}
    assert '"$NBGATE_ACTION_PATH"' in install["run"]
    assert all(step.get("shell") == "bash" for step in action["runs"]["steps"] if "run" in step)
