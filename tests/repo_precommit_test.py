"""The repository's own ``.pre-commit-config.yaml``: ruff, mypy, import contracts, and nbgate's
hooks dogfooded on the demo project, run for real by pre-commit in a copy of the checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from pre_commit.clientlib import load_config

from nbgate import notebook
from testing.git import Repo

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / ".pre-commit-config.yaml"
DEMO_CONFIG = "fixtures/demo/pyproject.toml"


def _local_hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}


def test_config_is_valid_and_mirrors_the_hook_manifest() -> None:
    load_config(str(CONFIG))  # pre-commit's own schema check
    hooks = _local_hooks()
    assert {"ruff-check", "ruff-format", "mypy", "lint-imports"} <= set(hooks)
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for published in manifest:
        local = hooks[published["id"]]  # every published hook is dogfooded
        command = published["entry"].removeprefix("nbgate ")
        assert local["entry"] == f"nbgate --config {DEMO_CONFIG} {command}"
        assert local["files"] == "^fixtures/demo/"
        assert local["language"] == "system"
        for key in ("types", "types_or", "always_run", "require_serial", "pass_filenames", "args"):
            assert local.get(key) == published.get(key), (published["id"], key)


def _env() -> dict[str, str]:
    """This interpreter's scripts (nbgate, ruff) first on PATH, this checkout importable."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # mypy and the import contracts check the whole nbgate package, which this small copy does
    # not hold; .ci/run runs both on the real tree
    env["SKIP"] = "mypy,lint-imports"
    return env


def _run_all(repo: Repo) -> subprocess.CompletedProcess[str]:
    repo.git("add", "-A")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo.path,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _status(report: str, name: str) -> str:
    """pre-commit's verdict for the hook called NAME: Passed, Failed or Skipped."""
    (line,) = [line for line in report.splitlines() if line.startswith(name + ".")]
    verdict = re.search(r"(Passed|Failed|Skipped)$", line)
    assert verdict, line
    return verdict.group(1)


def test_pre_commit_runs_the_repository_hooks_on_the_demo(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "copy")
    for name in (".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "pyproject.toml"):
        shutil.copy2(REPO / name, repo.path / name)
    shutil.copytree(
        REPO / "fixtures" / "demo",
        repo.path / "fixtures" / "demo",
        ignore=shutil.ignore_patterns("output", ".nbgate"),
    )
    (repo.path / "tool.py").write_text(
        '"""A small module, already formatted."""\n\nVALUE = {"a": 1}\n'
    )
    repo.commit_all("copy")

    clean = _run_all(repo)
    report = clean.stdout + clean.stderr
    assert clean.returncode == 0, report
    for name in (
        "ruff check",
        "ruff format",
        "nbgate strip (fixtures/demo)",
        "nbgate lint (fixtures/demo)",
        "nbgate sync (fixtures/demo)",
        "nbgate registry verify (fixtures/demo)",
    ):
        assert _status(report, name) == "Passed", report
    assert repo.git("status", "--porcelain") == ""  # nothing rewritten

    # plant: an executed demo notebook, a badly formatted module, an import ruff rejects
    path = repo.path / "fixtures" / "demo" / "notebooks" / "cleanup.ipynb"
    stripped = path.read_bytes()
    nb = json.loads(stripped)
    code = next(cell for cell in nb["cells"] if cell["cell_type"] == "code")
    code["execution_count"] = 7
    code["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["planted\n"]}]
    path.write_bytes(notebook.dumps(nb))
    (repo.path / "tool.py").write_text("import os\nVALUE = { 'a':1 }\n")

    dirty = _run_all(repo)
    report = dirty.stdout + dirty.stderr
    assert dirty.returncode == 1, report
    assert _status(report, "nbgate strip (fixtures/demo)") == "Failed"
    assert _status(report, "ruff check") == "Failed" and "F401" in report
    assert _status(report, "ruff format") == "Failed"
    assert path.read_bytes() == stripped  # the hook stripped it back, byte for byte
    assert (repo.path / "tool.py").read_text() == 'import os\n\nVALUE = {"a": 1}\n'
