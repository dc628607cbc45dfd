"""``nbgate lint`` end to end: exit codes, formats, masking, config, the gate stage, pre-commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from nbgate.cli.main import main
from testing import notebooks as T
from testing.git import Repo
from testing.lint_cases import FAKE_AWS_ID, FAKE_GITHUB, FAKE_HIGH_ENTROPY

SARIF_SCHEMA = (
    Path(__file__).resolve().parent.parent / "lint" / "resources" / "sarif-schema-2.1.0.json"
)
SECRETS = [FAKE_AWS_ID, FAKE_GITHUB, FAKE_HIGH_ENTROPY, "hunter2hunter2"]


def clean_nb() -> dict[str, Any]:
    return T.make(
        [
            T.markdown("# Report"),
            T.code("date = '2024-01-01'", tags=["parameters"]),
            T.code("print(date)"),
        ]
    )


def warning_nb() -> dict[str, Any]:
    return T.make([T.code("%pip install pandas")])  # NBG201 and NBG204: warnings only


def secret_nb() -> dict[str, Any]:
    return T.make(
        [
            T.code("date = '2024-01-01'", tags=["parameters"]),
            T.code(
                f"aws = '{FAKE_AWS_ID}'\ndb = 'postgresql://etl:hunter2hunter2@db/prod'\ntoken = '{FAKE_HIGH_ENTROPY}'"
            ),
            T.code(
                "print(cfg)", tags=["keep-output"], outputs=[T.stream(f"github: {FAKE_GITHUB}\n")]
            ),
        ]
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str) -> int:
    return main(["--color", "never", "lint", *args])


def test_clean_warnings_and_errors_exit_codes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    T.write(project / "clean.ipynb", clean_nb())
    T.write(project / "warn.ipynb", warning_nb())
    T.write(project / "secret.ipynb", secret_nb())

    assert lint("clean.ipynb") == 0
    assert capsys.readouterr().out == "1 notebook(s) clean\n"
    assert lint("warn.ipynb") == 0
    assert capsys.readouterr().out.splitlines() == [
        "warn.ipynb: NBG201 no code cell is tagged 'parameters'",
        (
            "warn.ipynb:cell 1:line 1: NBG204 installs packages (pip install); declare dependencies in the "
            "environment instead"
        ),
        "0 error(s), 2 warning(s) in 1 of 1 notebook(s)",
    ]
    assert lint("secret.ipynb") == 1
    out = capsys.readouterr().out
    assert "secret.ipynb:cell 2:line 1: NBG301 AWS access key id 'AKIA****'" in out
    assert out.endswith("4 error(s), 0 warning(s) in 1 of 1 notebook(s)\n")


def test_no_paths_lints_covered_notebooks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.nbgate]\nexclude = ["drafts"]\n')
    T.write(project / "a" / "one.ipynb", warning_nb())
    T.write(project / "drafts" / "two.ipynb", warning_nb())
    T.write(project / "a" / ".ipynb_checkpoints" / "one-checkpoint.ipynb", warning_nb())
    assert lint() == 0
    out = capsys.readouterr().out
    assert "a/one.ipynb: NBG201" in out
    assert "drafts" not in out and "checkpoint" not in out
    assert out.endswith("in 1 of 1 notebook(s)\n")


def test_unreadable_files_are_errors_and_the_rest_still_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "broken.ipynb").write_text('{"cells": [')
    (project / "v3.ipynb").write_text('{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}')
    T.write(project / "warn.ipynb", warning_nb())
    assert lint("broken.ipynb", "missing.ipynb", "v3.ipynb", "warn.ipynb") == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0]
        == "broken.ipynb: NBG000 invalid JSON: file ends early (truncated?) (line 1:col 12)"
    )
    assert lines[1] == "missing.ipynb: NBG000 no such file"
    assert lines[2].startswith("v3.ipynb: NBG000 nbformat 3 is not supported")
    assert lines[3].startswith("warn.ipynb: NBG201")
    assert lines[-1] == "3 error(s), 2 warning(s) in 4 of 4 notebook(s)"
    # NBG000 cannot be switched off
    assert lint("--ignore", "NBG0", "broken.ipynb") == 1


def test_select_and_ignore_flags(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[tool.nbgate.lint]\nignore = ["NBG204"]\n')
    T.write(project / "s.ipynb", secret_nb())
    T.write(project / "w.ipynb", warning_nb())

    def codes(*args: str) -> list[str]:
        lint("--format", "json", *args)
        return sorted({f["code"] for f in json.loads(capsys.readouterr().out)})

    assert codes() == ["NBG201", "NBG301", "NBG302", "NBG304", "NBG305"]
    assert codes("--select", "NBG30") == ["NBG301", "NBG302", "NBG304", "NBG305"]
    # lint.ignore's NBG204 is more specific than --select's NBG2, so it stays ignored
    assert codes("--select", "NBG301,NBG2", "--select", "nbg305") == ["NBG201", "NBG301", "NBG305"]
    assert codes("--ignore", "NBG3") == ["NBG201", "NBG204"]  # the flag replaces lint.ignore
    assert codes("--select", "NBG3", "--ignore", "NBG302,NBG305") == ["NBG301", "NBG304"]

    assert lint("--select", "NBG9") == 2
    assert "lint.select: 'NBG9' is not a rule code or prefix" in capsys.readouterr().err


def test_per_path_ignores_and_limits_from_pyproject(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text("""
[tool.nbgate.lint]
max_lines_per_cell = 1
[tool.nbgate.lint.per_path_ignores]
"legacy/**" = ["NBG2", "NBG402"]
""")
    nb = T.make([T.code("a = 1\nb = 2")])
    T.write(project / "legacy" / "old.ipynb", nb)
    T.write(project / "new.ipynb", nb)
    assert lint() == 0
    out = capsys.readouterr().out
    assert "new.ipynb: NBG201" in out and "new.ipynb:cell 1: NBG402 2 lines (limit 1" in out
    assert "legacy" not in out


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_secrets_are_masked_in_every_format(
    project: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    T.write(project / "s.ipynb", secret_nb())
    assert lint("--format", fmt, "s.ipynb") == 1
    captured = capsys.readouterr()
    for secret in SECRETS:
        assert secret not in captured.out + captured.err
        assert secret[: len(secret) // 2] not in captured.out + captured.err
    assert "AKIA****" in captured.out and "ghp_****" in captured.out


def test_json_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    T.write(project / "w.ipynb", warning_nb())
    assert lint("--format", "json", "w.ipynb") == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "path": "w.ipynb",
            "code": "NBG201",
            "name": "no-parameters-cell",
            "severity": "warning",
            "message": "no code cell is tagged 'parameters'",
            "cell": None,
            "line": None,
        },
        {
            "path": "w.ipynb",
            "code": "NBG204",
            "name": "install-in-notebook",
            "severity": "warning",
            "message": "installs packages (pip install); declare dependencies in the environment instead",
            "cell": 1,
            "line": 1,
        },
    ]
    T.write(project / "c.ipynb", clean_nb())
    assert lint("--format", "json", "c.ipynb") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_github_format_points_at_file_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    T.write(project / "s.ipynb", secret_nb())
    assert lint("--format", "github", "--select", "NBG301,NBG302", "s.ipynb") == 1
    lines = capsys.readouterr().out.splitlines()
    file_lines = (project / "s.ipynb").read_text().splitlines()
    assert lines[0].startswith("::error file=s.ipynb,line=")
    number = int(lines[0].split("line=")[1].split(",")[0])
    assert file_lines[number - 1].strip().startswith('"aws = ')  # cell 2, line 1 of its source
    assert lines[0].endswith("::AWS access key id 'AKIA****' (cell 2, line 1)")
    assert lines[1].endswith("::GitHub token 'ghp_****' in output 1 (stream) (cell 3)")


def test_sarif_output_is_schema_valid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    T.write(project / "dir with space" / "s.ipynb", secret_nb())
    T.write(project / "w.ipynb", warning_nb())
    (project / "bad.ipynb").write_text("[]")
    assert lint("--format", "sarif") == 1
    log = json.loads(capsys.readouterr().out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    run = log["runs"][0]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris == {"bad.ipynb", "dir%20with%20space/s.ipynb", "w.ipynb"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    T.write(project / "s.ipynb", secret_nb())
    assert lint("--format", "sarif", "-o", "report.sarif", "s.ipynb") == 1
    out = capsys.readouterr().out
    assert out == "4 error(s), 0 warning(s) in 1 of 1 notebook(s); report written to report.sarif\n"
    assert json.loads((project / "report.sarif").read_text())["version"] == "2.1.0"


def test_list_rules(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint("--list-rules") == 0
    out = capsys.readouterr().out
    assert "NBG305  high-entropy-secret" in out
    assert lint("--list-rules", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["code"] == "NBG000" and {"summary", "example", "family"} <= set(listed[0])


def test_gate_has_a_lint_stage(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    T.write(project / "w.ipynb", warning_nb())
    assert main(["--color", "never", "gate", "--only", "lint"]) == 0
    out = capsys.readouterr().out
    assert "[lint] warning: w.ipynb: NBG201" in out
    (row,) = [line.split() for line in out.splitlines() if line.startswith("lint ")]
    assert (
        row[:2] == ["lint", "PASS"]
        and " ".join(row[2:-1]) == "0 error(s), 2 warning(s) in 1 of 1 notebook(s)"
    )
    T.write(project / "s.ipynb", secret_nb())
    assert main(["--color", "never", "gate", "--only", "lint"]) == 1
    out = capsys.readouterr().out
    assert "[lint] error: s.ipynb:cell 2:line 1: NBG301" in out and "FAIL" in out
    assert FAKE_AWS_ID not in out


def test_startup_does_not_import_the_schema_rules() -> None:
    # every command's parser (``nbgate --help``) imports the command modules and their features at module
    # top; what must stay out is what costs: nbformat's schema, its validators and the rules that load them
    code = (
        "import sys; from nbgate.cli.main import build_parser; build_parser(); "
        "bad = [m for m in sys.modules if m.startswith(('nbgate.lint.validity', 'nbgate.lint.schema', "
        "'fastjsonschema', 'nbformat', 'jsonschema'))]; "
        "print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ----------------------------------------------------------------- pre-commit


def _hook_config(repo_root: Path) -> str:
    manifest = yaml.safe_load((repo_root / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in manifest if h["id"] == "nbgate-lint"]
    assert hook["language"] == "python" and hook["types"] == ["jupyter"]
    local = {
        "id": hook["id"],
        "name": hook["name"],
        "entry": hook["entry"],
        "language": "system",
        "types": hook["types"],
        **({"args": hook["args"]} if "args" in hook else {}),
    }
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]})


def test_pre_commit_hook(tmp_path: Path, repo_root: Path) -> None:
    repo = Repo(tmp_path / "repo")
    (repo.path / ".pre-commit-config.yaml").write_text(_hook_config(repo_root))
    (repo.path / "pyproject.toml").write_text("[tool.nbgate]\n")
    T.write(repo.path / "clean.ipynb", clean_nb())
    (repo.path / "notes.txt").write_text(f"not a notebook: {FAKE_AWS_ID}\n")
    repo.git("add", "-A")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }

    def run_hooks() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--color", "never"],
            cwd=repo.path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    passed = run_hooks()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "nbgate lint" in passed.stdout and "Passed" in passed.stdout

    T.write(repo.path / "leak.ipynb", secret_nb())
    repo.git("add", "-A")
    failed = run_hooks()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "leak.ipynb:cell 2:line 1: NBG301 AWS access key id 'AKIA****'" in failed.stdout
    assert "clean.ipynb" not in failed.stdout
    for secret in SECRETS:
        assert secret not in failed.stdout + failed.stderr
