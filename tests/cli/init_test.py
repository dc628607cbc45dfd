"""``nbgate init``: what it writes, that a second run changes nothing, and what it never overwrites."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nbgate.cli.main import main
from nbgate.config import load
from nbgate.init.files import ACTION
from nbgate.init.precommit import HOOKS

WRITTEN = {
    "pyproject.toml",
    ".pre-commit-config.yaml",
    ".github/workflows/nbgate.yml",
    "registry/README.md",
    ".gitignore",
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def test_fresh_project_then_a_second_run_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    first = _snapshot(project)
    assert set(first) == WRITTEN
    assert "created" in capsys.readouterr().out
    config = load(project)
    assert config["registry.path"] == "registry" and config["sync.format"] == "py:percent"
    assert config.warnings == ()
    assert ".nbgate/" in (project / ".gitignore").read_text().splitlines()
    workflow = yaml.safe_load((project / ".github" / "workflows" / "nbgate.yml").read_text())
    steps = workflow["jobs"]["review"]["steps"]
    assert workflow["jobs"]["review"]["if"] == "github.event_name == 'pull_request'"
    assert steps[0]["with"]["fetch-depth"] == 0
    assert steps[1]["uses"] == ACTION
    assert (
        steps[1]["with"]["install"] == ""
    )  # nothing to install: no requirements.txt, no [project]
    action = yaml.safe_load((Path(__file__).parents[2] / "action.yml").read_text())
    assert set(steps[1]["with"]) <= set(
        action["inputs"]
    )  # every value is an input the Action declares
    assert steps[2]["with"]["path"] == ".nbgate/ci" and steps[2]["if"] == "always()"
    assert steps[2]["with"]["include-hidden-files"] is True

    assert main(["init"]) == 0
    assert _snapshot(project) == first
    table = capsys.readouterr().out
    assert "created" not in table and "updated" not in table and table.count("unchanged") == 5


def test_existing_files_are_extended_as_text_not_rewritten(project: Path) -> None:
    pyproject = (
        '[project]\nname = "demo"  # a comment init must keep\n\n[tool.black]\nline-length = 99'
    )
    (project / "pyproject.toml").write_text(pyproject)
    precommit = (
        "# my hooks\nrepos:\n-   repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n"
        "    -   id: black\n"
    )
    (project / ".pre-commit-config.yaml").write_text(precommit)
    (project / ".gitignore").write_text("__pycache__/")
    assert main(["init", "--action", "me/nbgate@abc123"]) == 0

    text = (project / "pyproject.toml").read_text()
    assert text.startswith(pyproject + "\n\n[tool.nbgate]\n")
    assert load(project)["include"] == ["**/*.ipynb"]
    hooks_text = (project / ".pre-commit-config.yaml").read_text()
    assert hooks_text.startswith(precommit)
    repos = yaml.safe_load(hooks_text)["repos"]
    assert [r["repo"] for r in repos] == ["https://github.com/psf/black", "local"]
    assert [h["id"] for h in repos[1]["hooks"]] == [h["id"] for h in HOOKS]
    assert (project / ".gitignore").read_text() == "__pycache__/\n.nbgate/\n"
    assert (
        "uses: me/nbgate@abc123" in (project / ".github" / "workflows" / "nbgate.yml").read_text()
    )
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    snapshot = _snapshot(project)
    assert main(["init", "--action", "me/nbgate@abc123"]) == 0
    assert _snapshot(project) == snapshot


def test_never_overwrites_without_force(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workflow = project / ".github" / "workflows" / "nbgate.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n")
    (project / ".pre-commit-config.yaml").write_text("repos: [unparseable\n")
    assert main(["init"]) == 0
    assert workflow.read_text() == "name: mine\n"
    assert (project / ".pre-commit-config.yaml").read_text() == "repos: [unparseable\n"
    err = capsys.readouterr().err
    assert "nbgate.yml: exists with other content; --force replaces it" in err
    assert ".pre-commit-config.yaml: cannot add the hooks as text" in err

    assert main(["init", "--force"]) == 0
    assert "uses: " + ACTION in workflow.read_text()
    assert (
        yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["repo"]
        == "local"
    )


def test_force_keeps_other_hooks_when_the_yaml_cannot_be_extended_as_text(project: Path) -> None:
    # repos is not the last key: appending text would land in the wrong mapping
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks: [{id: black}]\n"
        "default_stages: [pre-commit]\n"
    )
    assert main(["init"]) == 0
    assert "nbgate" not in (project / ".pre-commit-config.yaml").read_text()
    assert main(["init", "--force"]) == 0
    document = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in document["repos"]] == ["https://github.com/psf/black", "local"]
    assert document["default_stages"] == ["pre-commit"]


def test_registry_path_and_state_dir_come_from_config(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.nbgate]\nstate_dir = ".state"\n[tool.nbgate.registry]\npath = "ops/schedules"\n'
    )
    assert main(["init"]) == 0
    assert (project / "ops" / "schedules" / "README.md").is_file()
    assert ".state/" in (project / ".gitignore").read_text()
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    registry_hook = next(h for h in hooks if h["id"] == "nbgate-registry")
    # the hook reads registry.path itself: no `files` filter that a moved registry would outdate
    assert (
        registry_hook["entry"] == "nbgate registry verify --hook" and "files" not in registry_hook
    )
    assert "path: .state/ci" in (project / ".github" / "workflows" / "nbgate.yml").read_text()
    assert (project / "pyproject.toml").read_text().count("[tool.nbgate]") == 1


def test_local_hooks_mirror_the_published_hook_manifest(repo_root: Path) -> None:
    published = {
        hook["id"]: hook
        for hook in yaml.safe_load((repo_root / ".pre-commit-hooks.yaml").read_text())
    }
    for hook in HOOKS:
        assert hook["id"] in published
        for key, value in hook.items():
            assert published[hook["id"]].get(key) == value, (hook["id"], key)
        for key in (
            "types",
            "types_or",
            "files",
            "pass_filenames",
            "require_serial",
            "always_run",
            "entry",
        ):
            assert hook.get(key) == published[hook["id"]].get(key), (hook["id"], key)


def test_the_workflow_is_the_team_flow_review_then_export(project: Path) -> None:
    assert main(["init"]) == 0
    workflow = yaml.safe_load((project / ".github" / "workflows" / "nbgate.yml").read_text())
    export = workflow["jobs"]["export"]
    assert export["if"] == "github.event_name == 'push'" and workflow[True]["push"]["branches"] == [
        "main"
    ]
    runs = [step["run"] for step in export["steps"] if "run" in step]
    assert "nbgate registry verify" in runs and any(r.startswith("nbgate export ") for r in runs)
    assert all("${{" not in r for r in runs)  # nothing interpolated into a script


def test_codeowners_line_for_the_registry_when_asked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert not (project / ".github" / "CODEOWNERS").exists()
    assert main(["init", "--codeowners", "@acme/data-leads", "ops@example.com"]) == 0
    owners = (project / ".github" / "CODEOWNERS").read_text().splitlines()
    assert "/registry/ @acme/data-leads ops@example.com" in owners
    assert main(["init", "--codeowners", "@acme/data-leads", "ops@example.com"]) == 0
    assert (
        project / ".github" / "CODEOWNERS"
    ).read_text().splitlines() == owners  # a second run adds nothing
    capsys.readouterr()
    assert main(["init", "--codeowners", "@x\n* @evil"]) == 2
    assert "expected @user, @org/team or an email" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("files", "install"),
    [
        ({"requirements.txt": "numpy\n"}, "pip install -r requirements.txt"),
        ({"pyproject.toml": '[project]\nname = "demo"\nversion = "1"\n'}, "pip install ."),
        ({"pyproject.toml": "[tool.black]\n"}, ""),
    ],
)
def test_the_workflow_installs_the_projects_own_dependencies(
    project: Path, files: dict[str, str], install: str
) -> None:
    for name, text in files.items():
        (project / name).write_text(text)
    assert main(["init"]) == 0
    workflow = yaml.safe_load((project / ".github" / "workflows" / "nbgate.yml").read_text())
    assert workflow["jobs"]["review"]["steps"][1]["with"]["install"] == install
