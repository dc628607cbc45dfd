"""The README stays true: every command, option, rule, hook and exit code is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from nbgate import errors
from nbgate.config import OPTIONS
from nbgate.lint.registry import rules
from nbgate.main import COMMANDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
HOOKS = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command: str) -> None:
    assert re.search(rf"`nbgate {command}\b", README), command


@pytest.mark.parametrize("name", [option.name for option in OPTIONS])
def test_every_config_key_is_documented(name: str) -> None:
    assert f"`{name}`" in README, name


@pytest.mark.parametrize("code", sorted(rules()))
def test_every_lint_rule_is_documented(code: str) -> None:
    assert code in README, code


def test_every_hook_is_documented() -> None:
    for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8")):
        assert hook["id"] in README, hook["id"]


@pytest.mark.parametrize(
    "code", [errors.OK, errors.FAILED, errors.USAGE, errors.UNEXPECTED, errors.REFUSED, errors.INTERRUPTED]
)
def test_every_exit_code_is_documented(code: int) -> None:
    assert re.search(rf"^\| {code} \|", README, re.MULTILINE), code


def test_the_two_commands_are_in_the_readme() -> None:
    assert "nbgate gate fixtures/demo" in README
    assert "python -m pytest" in README
