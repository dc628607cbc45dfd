"""The docs stay true: the site builds strictly, reference pages come from the code, nothing is undocumented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nbgate import config, config_show, errors, reference
from nbgate.cli import reference as cli_reference
from nbgate.cli.main import COMMANDS
from nbgate.lint.registry import rules

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
HOOKS = REPO / ".pre-commit-hooks.yaml"
MARKER = re.compile(r"<!--\s*nbgate-reference:\s*([a-z-]+)\s*-->")


def _pages() -> dict[str, str]:
    return {
        path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8")
        for path in DOCS.rglob("*.md")
    }


PAGES = _pages()
WRITTEN = "\n".join(
    MARKER.sub("", text) for text in PAGES.values()
)  # what people wrote, not generated


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_explained_in_the_docs(command: str) -> None:
    assert re.search(rf"`nbgate {command}\b", WRITTEN), command


@pytest.mark.parametrize("name", [option.name for option in config.OPTIONS])
def test_every_config_key_is_in_the_configuration_reference(name: str) -> None:
    page = MARKER.sub(
        lambda m: reference.GENERATORS[m.group(1)](), PAGES["reference/configuration.md"]
    )
    assert f"| `{name}` |" in page, name


@pytest.mark.parametrize("code", sorted(rules()))
def test_every_lint_rule_is_in_the_docs(code: str) -> None:
    assert code in WRITTEN, code


def test_every_hook_is_in_the_docs() -> None:
    for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8")):
        assert hook["id"] in WRITTEN, hook["id"]


@pytest.mark.parametrize("code", list(errors.ExitCode))
def test_every_exit_code_is_documented(code: int) -> None:
    assert re.search(rf"^\| {code} \|", PAGES["reference/exit-codes.md"], re.MULTILINE), code


def test_the_reference_pages_are_generated_not_pasted() -> None:
    assert MARKER.findall(PAGES["reference/configuration.md"]) == ["config"]
    assert MARKER.findall(PAGES["reference/lint-rules.md"]) == ["lint-rules"]
    assert MARKER.findall(PAGES["reference/cli.md"]) == ["cli"]
    assert "| `smoke.timeout`" not in PAGES["reference/configuration.md"]  # the table is not pasted


def test_a_new_option_appears_in_the_generated_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    before = reference.config_markdown()
    added = config.Option("smoke.brand_new", int, 7, "A new option | with a pipe.")
    monkeypatch.setattr(config_show, "OPTIONS", (*config.OPTIONS, added))
    after = reference.config_markdown()
    assert "smoke.brand_new" not in before
    assert after.startswith(before)
    assert (
        after.splitlines()[-1]
        == "| `smoke.brand_new` | int | `7` | A new option \\| with a pipe. |"
    )


def test_the_cli_reference_has_every_command() -> None:
    text = cli_reference.cli_markdown()
    for command in COMMANDS:
        assert f"## `nbgate {command}`" in text and f"usage: nbgate {command}" in text


def test_the_readme_is_short_and_has_the_two_commands() -> None:
    assert len(README.splitlines()) <= 160
    assert "nbgate gate fixtures/demo" in README
    assert "python -m pytest" in README
    assert "mkdocs serve" in README


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra (mkdocs-material) is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    config_page = (tmp_path / "site/reference/configuration/index.html").read_text(encoding="utf-8")
    for option in config.OPTIONS:
        assert f"<code>{option.name}</code>" in config_page, option.name
