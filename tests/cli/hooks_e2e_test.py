"""The commit-time holes of the adoption walk (issue 12: 3, 4, 5, 10), each in a real git repository
with the manifest's hooks run by real pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from nbgate import notebook
from nbgate.cli.main import main
from nbgate.identity import source_sha256
from nbgate.sync import pairing
from testing import notebooks as nbs
from testing.git import Repo
from testing.registry import Project

REPO = Path(__file__).resolve().parents[2]
SPEC = "py:percent"


def _hooks(*ids: str) -> list[dict[str, Any]]:
    manifest = {
        h["id"]: h
        for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    return [
        dict(manifest[i], language="system") for i in ids
    ]  # the manifest's entries, run locally


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, PYTHONPATH=str(REPO))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, check=False, timeout=600
    )


def _commit(repo: Repo, message: str) -> tuple[int, str]:
    done = _run(["git", "commit", "-m", message], repo.path)
    return done.returncode, done.stdout + done.stderr


def _install(repo: Repo, *ids: str) -> None:
    (repo.path / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": _hooks(*ids)}]}), encoding="utf-8"
    )
    repo.commit_all("hooks")
    assert _run(["pre-commit", "install"], repo.path).returncode == 0


def _report() -> dict[str, Any]:
    return nbs.make(
        [
            nbs.markdown("# Report"),
            nbs.code("region = 'eu'", tags=["parameters"]),
            nbs.code("total = 1 + 1\ntotal"),
        ]
    )


def _set_cell(path: Path, index: int, source: str) -> None:
    """What saving from Jupyter does: the notebook file is rewritten with the edited cell."""
    data = notebook.read(path).nb
    data["cells"][index]["source"] = source
    nbs.write(path, data)


def _commits(repo: Repo) -> int:
    return repo.git("log", "--oneline").count("\n")


@pytest.fixture
def synced(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "project")
    (repo.path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    _install(repo, "nbgate-sync")
    return repo


def test_hole_3_a_created_twin_fails_the_commit_until_it_is_staged(
    synced: Repo, tmp_path: Path
) -> None:
    nbs.write(synced.path / "report.ipynb", _report())
    synced.git("add", "report.ipynb")
    code, report = _commit(synced, "add report")
    assert code == 1, report
    assert "report.py: created from report.ipynb" in report
    assert "stage them and commit again: git add report.py" in report
    assert _commits(synced) == 1 and (synced.path / "report.py").is_file()

    synced.git("add", "report.py")
    code, report = _commit(synced, "add report")
    assert code == 0, report
    assert set(synced.git("ls-files").split()) >= {"report.ipynb", "report.py"}
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(synced.path), str(clone)], check=True)
    checked = _run([sys.executable, "-m", "nbgate", "sync", "--check"], clone)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_hole_5_an_aborted_commit_leaves_no_false_conflict(synced: Repo) -> None:
    nb, twin = synced.path / "report.ipynb", synced.path / "report.py"
    nbs.write(nb, _report())
    assert main(["sync", str(nb)]) == 0
    synced.commit_all("pair")

    _set_cell(
        nb, 1, "region = 'us'"
    )  # edit in Jupyter, commit: the hook updates the twin and stops the commit
    synced.git("add", "report.ipynb")
    code, report = _commit(synced, "us")
    assert code == 1 and "report.py: updated from report.ipynb" in report, report
    _set_cell(nb, 2, "total = 2 + 2\ntotal")  # fix something else in Jupyter, commit again
    synced.git("add", "report.ipynb")
    code, report = _commit(synced, "us")
    assert code == 1, report
    assert "disagree" not in report and "report.py: updated from report.ipynb" in report
    # pre-commit rolled that twin write back (it clashed with the unstaged one): an earlier nbgate write
    # came back, which must not count as an edit either; staging what the hook asks for ends it
    for _ in range(3):
        synced.git("add", "report.py")
        code, report = _commit(synced, "us")
        assert "disagree" not in report, report
        if code == 0:
            break
        assert "git add report.py" in report, report
    assert code == 0, report
    assert "region = 'us'" in synced.git("show", "HEAD:report.py")
    assert "total = 2 + 2" in synced.git("show", "HEAD:report.py")

    # the mirror case: twin edits, the hook rewrites the notebook, the commit is aborted, the twin is edited again
    twin.write_text(twin.read_text().replace("region = 'us'", "region = 'apac'"))
    synced.git("add", "report.py")
    code, report = _commit(synced, "apac")
    assert code == 1 and "report.ipynb: updated from report.py" in report, report
    twin.write_text(twin.read_text().replace("total = 2 + 2", "total = 3 + 3"))
    synced.git("add", "report.py")
    code, report = _commit(synced, "apac")
    assert code == 1 and "disagree" not in report, report
    for _ in range(3):
        synced.git("add", "-A")
        code, report = _commit(synced, "apac")
        assert "disagree" not in report, report
        if code == 0:
            break
    assert code == 0, report
    committed = json.loads(synced.git("show", "HEAD:report.ipynb"))
    assert ["".join(c["source"]) for c in committed["cells"][1:]] == [
        "region = 'apac'",
        "total = 3 + 3\ntotal",
    ]


def test_hole_5_a_real_edit_of_both_sides_is_still_a_conflict(synced: Repo) -> None:
    nb, twin = synced.path / "report.ipynb", synced.path / "report.py"
    nbs.write(nb, _report())
    assert main(["sync", str(nb)]) == 0
    synced.commit_all("pair")
    _set_cell(nb, 1, "region = 'us'")
    synced.git("add", "report.ipynb")
    assert _commit(synced, "us")[0] == 1  # nbgate rewrote the twin
    twin.write_text(
        twin.read_text().replace("region = 'us'", "region = 'apac'")
    )  # then the user edits it
    _set_cell(nb, 2, "total = 0")
    synced.git("add", "-A")
    code, report = _commit(synced, "both")
    assert code == 1 and "both changed since HEAD and disagree; nothing written" in report, report


def test_hole_10_a_jupytext_pairing_is_respected(synced: Repo) -> None:
    jupytext = shutil.which("jupytext", path=_env()["PATH"])
    assert jupytext is not None
    data = _report()
    data["metadata"]["jupytext"] = {"formats": "ipynb,md"}
    nb = nbs.write(synced.path / "report.ipynb", data)
    assert (
        _run([jupytext, "--sync", "report.ipynb"], synced.path).returncode == 0
    )  # jupytext's own md twin
    synced.git("add", "-A")
    code, report = _commit(synced, "report")
    assert code == 1, report
    assert (
        "report.ipynb: jupytext pairs it as 'ipynb,md' (its metadata jupytext.formats), not with report.py "
        "(sync.format = 'py:percent'); nothing written; to switch it to nbgate's pairing run: "
        "jupytext --set-formats ipynb,py:percent report.ipynb"
    ) in report
    assert not (synced.path / "report.py").exists() and _commits(synced) == 1

    switched = _run([jupytext, "--set-formats", "ipynb,py:percent", "report.ipynb"], synced.path)
    assert switched.returncode == 0, switched.stderr
    synced.git("add", "-A")
    code, report = _commit(synced, "report")
    assert code == 0, report
    # the twin's header agrees with the pairing: jupytext itself syncs from it
    assert "formats: ipynb,py:percent" in (synced.path / "report.py").read_text()
    again = _run([jupytext, "--sync", "report.py"], synced.path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert pairing.text_sha256((synced.path / "report.py").read_text(), SPEC) == source_sha256(
        notebook.read(nb).nb
    )


def test_hole_10_nbgate_never_writes_a_contradicting_header(synced: Repo) -> None:
    jupytext = shutil.which("jupytext", path=_env()["PATH"])
    assert jupytext is not None
    data = _report()
    data["metadata"]["jupytext"] = {"formats": "ipynb,py:percent"}
    nbs.write(synced.path / "report.ipynb", data)
    synced.git("add", "-A")
    assert _commit(synced, "report")[0] == 1  # the twin was created
    synced.git("add", "-A")
    assert _commit(synced, "report")[0] == 0
    done = _run([jupytext, "--sync", "report.py"], synced.path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hole_4_editing_a_promoted_notebook_is_stopped_at_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(tmp_path / "repo", pyproject="[project]\nname = 'p'\n")
    monkeypatch.chdir(project.root)
    assert main(["sync"]) == 0
    project.repo.commit_all("twin")
    assert (
        main(
            [
                "promote",
                "reports/daily.ipynb",
                "--name",
                "daily",
                "--schedule",
                "0 6 * * 1-5",
                "--yes",
            ]
        )
        == 0
    )
    project.repo.commit_all("promote daily")
    _install(project.repo, "nbgate-sync", "nbgate-registry")

    (project.root / "notes.md").write_text("unrelated\n")
    project.repo.git("add", "notes.md")
    code, report = _commit(project.repo, "notes")
    assert code == 0, report
    assert (
        "nothing to verify" not in report
    )  # pre-commit shows a passing hook's output only with -v
    assert "nbgate registry verify" in report and "Passed" in report

    before = _commits(project.repo)
    body = project.notebook.read_text().replace("print(region, limit)", "print(region)")
    project.notebook.write_text(body)
    assert main(["sync"]) == 0  # notebook and twin agree: only the registry can object
    project.repo.git("add", "-A")
    code, report = _commit(project.repo, "edit the promoted notebook")
    assert code == 1, report
    assert "drift: reports/daily.ipynb changed since schedule 'daily' was promoted" in report
    assert _commits(project.repo) == before
