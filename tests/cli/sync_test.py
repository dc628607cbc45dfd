"""``nbgate sync``: git decides which side changed; nothing is ever silently dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from nbgate import notebook
from nbgate.cli.main import main
from nbgate.config import load
from nbgate.gate import FAIL, PASS, SKIP
from nbgate.identity import source_sha256
from nbgate.sync import pairing
from testing import notebooks as nbs
from testing.git import Repo

REPO = Path(__file__).resolve().parents[2]
SPEC = "py:percent"


def _executed() -> dict[str, Any]:
    return nbs.make(
        [
            nbs.markdown("# Report"),
            nbs.code("region = 'eu'", tags=["parameters"]),
            nbs.code("total = 1 + 1\ntotal", execution_count=1, outputs=[nbs.result("2", 1)]),
            nbs.code("print('done')", execution_count=2, outputs=[nbs.stream("done\n")]),
        ]
    )


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--color", "never", "sync", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _in_sync(nb: Path, twin: Path) -> bool:
    return pairing.text_sha256(twin.read_text(encoding="utf-8"), SPEC) == source_sha256(
        notebook.read(nb).nb
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A git repository holding one committed, synced pair: nb.ipynb and nb.py."""
    repo = Repo(tmp_path / "project")
    (repo.path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    nbs.write(repo.path / "nb.ipynb", _executed())
    monkeypatch.chdir(repo.path)
    assert main(["sync"]) == 0
    repo.commit_all("pair")
    return repo


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


# ------------------------------------------------------------- one side changed


def test_missing_twin_is_created_with_the_same_identity(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "other.ipynb", nbs.make([nbs.code("x = 1")]))
    code, out, _ = _run(capsys, "other.ipynb")
    assert code == 0
    assert "other.py: created from other.ipynb" in out
    assert (repo.path / "other.py").read_text() == pairing.to_text(
        notebook.read(repo.path / "other.ipynb").nb, SPEC
    )
    assert _in_sync(repo.path / "other.ipynb", repo.path / "other.py")


@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_text_edit_updates_the_notebook_keeping_outputs_and_ids(
    repo: Repo, capsys: pytest.CaptureFixture[str], staged: bool
) -> None:
    twin, nb = repo.path / "nb.py", repo.path / "nb.ipynb"
    before = notebook.read(nb).nb
    _edit(twin, "region = 'eu'", "region = 'us'")
    if staged:
        repo.git("add", "nb.py")
    code, out, _ = _run(capsys)
    assert code == 0
    assert "nb.ipynb: updated from nb.py (outputs and cell ids kept)" in out
    after = notebook.read(nb).nb
    assert after["cells"][1]["source"] == "region = 'us'"
    assert [c["id"] for c in after["cells"]] == [c["id"] for c in before["cells"]]
    assert [c.get("outputs") for c in after["cells"]] == [c.get("outputs") for c in before["cells"]]
    assert after["metadata"] == before["metadata"]
    assert _in_sync(nb, twin)
    assert _run(capsys)[0] == 0 and notebook.read(nb).nb == after  # idempotent


@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_notebook_edit_updates_the_twin(
    repo: Repo, capsys: pytest.CaptureFixture[str], staged: bool
) -> None:
    nb, twin = repo.path / "nb.ipynb", repo.path / "nb.py"
    data = notebook.read(nb).nb
    data["cells"].append(nbs.code("extra = 3", metadata={}) | {"id": "new-cell"})
    nbs.write(nb, data)
    if staged:
        repo.git("add", "nb.ipynb")
    code, out, _ = _run(capsys, "nb.ipynb")
    assert code == 0
    assert "nb.py: updated from nb.ipynb" in out
    assert "# %%\nextra = 3\n" in twin.read_text()
    assert _in_sync(nb, twin)


def test_outputs_only_change_does_not_block_a_text_edit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nb, twin = repo.path / "nb.ipynb", repo.path / "nb.py"
    data = notebook.read(nb).nb
    data["cells"][3]["outputs"] = [nbs.stream("re-run\n")]
    nbs.write(nb, data)  # re-executed: bytes changed, inputs did not
    _edit(twin, "print('done')", "print('finished')")
    code, _, _ = _run(capsys)
    assert code == 0
    after = notebook.read(nb).nb
    assert after["cells"][3]["source"] == "print('finished')"
    assert after["cells"][3]["outputs"] == [nbs.stream("re-run\n")]


def test_twin_named_alone_finds_its_notebook(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.path / "helpers.py").write_text("def helper():\n    return 1\n")  # a module, not a twin
    _edit(repo.path / "nb.py", "region = 'eu'", "region = 'apac'")
    code, out, _ = _run(capsys, "nb.py", "helpers.py")
    assert code == 0
    assert "nb.ipynb: updated from nb.py" in out
    assert "1 pair(s)" in out
    assert (repo.path / "helpers.py").read_text() == "def helper():\n    return 1\n"


# ------------------------------------------------------------- both changed


def test_both_edited_the_same_way_is_fine(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    nb, twin = repo.path / "nb.ipynb", repo.path / "nb.py"
    data = notebook.read(nb).nb
    data["cells"][1]["source"] = "region = 'us'"
    nbs.write(nb, data)
    _edit(twin, "region = 'eu'", "region = 'us'")
    before = _snapshot(repo.path)
    code, out, _ = _run(capsys)
    assert code == 0
    assert "1 in sync" in out
    assert _snapshot(repo.path) == before


@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_both_edited_differently_writes_nothing_and_shows_the_diff(
    repo: Repo, capsys: pytest.CaptureFixture[str], staged: bool
) -> None:
    nb, twin = repo.path / "nb.ipynb", repo.path / "nb.py"
    data = notebook.read(nb).nb
    data["cells"][1]["source"] = "region = 'us'"
    nbs.write(nb, data)
    _edit(twin, "region = 'eu'", "region = 'apac'")
    if staged:
        repo.git("add", "-A")
    before = _snapshot(repo.path)
    code, out, err = _run(capsys)
    assert code == 1
    assert _snapshot(repo.path) == before
    assert "nb.ipynb and nb.py both changed since HEAD and disagree; nothing written" in err
    assert "--- nb.ipynb\n+++ nb.py" in out
    assert "-region = 'us'\n+region = 'apac'" in out


def test_new_pair_that_disagrees_is_a_conflict(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "new.ipynb", nbs.make([nbs.code("a = 1")]))
    (repo.path / "new.py").write_text("# %%\na = 2\n")
    code, _, err = _run(capsys, "new.ipynb")
    assert code == 1 and "both changed since HEAD" in err
    assert (repo.path / "new.py").read_text() == "# %%\na = 2\n"


def test_out_of_sync_at_head_needs_prefer(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    twin, nb = repo.path / "nb.py", repo.path / "nb.ipynb"
    _edit(twin, "region = 'eu'", "region = 'us'")
    repo.commit_all("committed out of sync (hooks skipped)")
    code, _, err = _run(capsys)
    assert code == 1 and "neither changed since HEAD" in err and "--prefer" in err
    code, out, _ = _run(capsys, "--prefer", "text")
    assert code == 0 and "nb.ipynb: updated from nb.py" in out
    assert notebook.read(nb).nb["cells"][1]["source"] == "region = 'us'"


def test_prefer_ipynb_resolves_a_conflict(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    nb, twin = repo.path / "nb.ipynb", repo.path / "nb.py"
    data = notebook.read(nb).nb
    data["cells"][1]["source"] = "region = 'us'"
    nbs.write(nb, data)
    _edit(twin, "region = 'eu'", "region = 'apac'")
    code, _, _ = _run(capsys, "--prefer", "ipynb")
    assert code == 0
    assert "region = 'us'" in twin.read_text() and _in_sync(nb, twin)


# ------------------------------------------------------------- formats and line endings


def test_4_4_notebook_never_gets_cell_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "p")
    nb = nbs.write(
        repo.path / "old.ipynb",
        nbs.make([nbs.code("a = 1", execution_count=1, outputs=[nbs.stream("1\n")])], minor=4),
    )
    monkeypatch.chdir(repo.path)
    assert _run(capsys)[0] == 0
    repo.commit_all()
    twin = repo.path / "old.py"
    twin.write_text(twin.read_text() + "\n# %% [markdown]\n# Added in the text\n\n# %%\nb = 2\n")
    assert _run(capsys)[0] == 0
    data = notebook.read(nb).nb
    assert data["nbformat_minor"] == 4
    assert [c["source"] for c in data["cells"]] == ["a = 1", "Added in the text", "b = 2"]
    assert all("id" not in cell for cell in data["cells"])
    assert data["cells"][0]["outputs"] == [nbs.stream("1\n")]


@pytest.mark.parametrize("edited", ["text", "ipynb"])
def test_crlf_twin_keeps_crlf(repo: Repo, capsys: pytest.CaptureFixture[str], edited: str) -> None:
    nb, twin = repo.path / "nb.ipynb", repo.path / "nb.py"
    twin.write_bytes(twin.read_bytes().replace(b"\n", b"\r\n"))
    repo.commit_all("crlf twin")
    assert _run(capsys, "--check")[0] == 0  # CRLF alone is not a difference
    if edited == "text":
        _edit(twin, "region = 'eu'", "region = 'us'")
    else:
        data = notebook.read(nb).nb
        data["cells"][1]["source"] = "region = 'us'"
        nbs.write(nb, data)
    assert _run(capsys)[0] == 0
    raw = twin.read_bytes()
    assert b"region = 'us'\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    assert _in_sync(nb, twin)


def test_twin_folder_and_format_from_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "p")
    (repo.path / "pyproject.toml").write_text(
        '[tool.nbgate.sync]\nformat = "md:myst"\nfolder = "../text"\n'
    )
    nb = nbs.write(repo.path / "notebooks" / "a.ipynb", _executed())
    monkeypatch.chdir(repo.path)
    assert _run(capsys)[0] == 0
    twin = repo.path / "text" / "a.md"
    assert twin.is_file() and "```{code-cell}" in twin.read_text()
    repo.commit_all()
    _edit(twin, "region = 'eu'", "region = 'us'")
    code, out, _ = _run(capsys, "text/a.md")
    assert code == 0 and "notebooks/a.ipynb: updated from text/a.md" in out
    assert notebook.read(nb).nb["cells"][1]["source"] == "region = 'us'"


def test_inputs_jupytext_cannot_hold_are_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(repo.path / "odd.ipynb", nbs.make([nbs.code("# %%\nx = 1")]))
    code, _, err = _run(capsys, "odd.ipynb")
    assert code == 1
    assert (
        "jupytext cannot hold its inputs exactly as py:percent (cell 1 differs); odd.py not written"
        in err
    )
    assert not (repo.path / "odd.py").exists()


def test_unreadable_twin_is_an_error_naming_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.path / "nb.py").write_bytes(b"# %%\nx = '\xff'\n")
    code, _, err = _run(capsys, "--check")
    assert code == 1 and "nb.py: not valid UTF-8" in err


# ------------------------------------------------------------- outside git, --check


def test_outside_git_refuses_unless_prefer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    nb = nbs.write(tmp_path / "nb.ipynb", _executed())
    monkeypatch.chdir(tmp_path)
    assert _run(capsys)[0] == 0  # creating a twin needs no decision
    assert _run(capsys)[0] == 0  # nor does a pair in sync
    twin = tmp_path / "nb.py"
    _edit(twin, "region = 'eu'", "region = 'us'")
    before = _snapshot(tmp_path)
    code, _, err = _run(capsys)
    assert code == 4
    assert "not in a git repository" in err and "--prefer" in err
    assert _snapshot(tmp_path) == before
    code, _, _ = _run(capsys, "--prefer", "ipynb")
    assert code == 0 and "region = 'eu'" in twin.read_text() and _in_sync(nb, twin)


def test_check_writes_nothing_and_lists_pairs(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "--check") == (0, "1 pair(s): 1 in sync, 0 need syncing\n", "")
    nbs.write(repo.path / "lonely.ipynb", nbs.make([nbs.code("x")]))
    _edit(repo.path / "nb.py", "print('done')", "print('changed')")
    before = _snapshot(repo.path)
    code, out, _ = _run(capsys, "--check")
    assert code == 1
    assert "lonely.ipynb: twin lonely.py is missing" in out
    assert "nb.ipynb: out of sync with nb.py (cell 4 differs)" in out
    assert "2 need syncing" in out
    assert _snapshot(repo.path) == before


def test_check_and_prefer_are_exclusive(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "--check", "--prefer", "text")[0] == 2


def test_disabled(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    nbs.write(repo.path / "lonely.ipynb", nbs.make([nbs.code("x")]))
    assert main(["--set", "sync.enabled=false", "sync", "--check"]) == 0
    assert "sync is disabled" in capsys.readouterr().out


# ------------------------------------------------------------- gate stage


def test_gate_stage(repo: Repo) -> None:
    from nbgate.sync.stage import run as gate_stage

    assert gate_stage(load(repo.path), []).status == PASS
    _edit(repo.path / "nb.py", "print('done')", "print('changed')")
    failed = gate_stage(load(repo.path), [])
    assert failed.status == FAIL and failed.details == (
        "nb.ipynb: out of sync with nb.py (cell 4 differs)",
    )
    assert gate_stage(load(repo.path, overrides={"sync.enabled": False}), []).status == SKIP


def test_demo_project_is_in_sync(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO / "fixtures" / "demo")
    assert _run(capsys, "--check")[0] == 0


# ------------------------------------------------------------- through pre-commit


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "nbgate-sync"]
    assert hook["require_serial"] is True and hook["entry"] == "nbgate sync --hook"
    return dict(
        hook, language="system"
    )  # the manifest's entry, types and serial setting, run locally


def _pre_commit(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
    )


@pytest.fixture
def hooked(tmp_path: Path) -> Repo:
    """A repository with the nbgate-sync hook installed and one committed pair."""
    repo = Repo(tmp_path / "project")
    (repo.path / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [_hook()]}]}), encoding="utf-8"
    )
    nbs.write(repo.path / "nb.ipynb", _executed())
    (repo.path / "nb.py").write_text(pairing.to_text(_executed(), SPEC))
    repo.commit_all("pair")
    assert _pre_commit(["pre-commit", "install"], repo.path).returncode == 0
    return repo


def test_pre_commit_hook_updates_the_notebook_then_passes(hooked: Repo) -> None:
    _edit(hooked.path / "nb.py", "region = 'eu'", "region = 'us'")
    hooked.git("add", "nb.py")
    first = _pre_commit(["git", "commit", "-m", "edit text"], hooked.path)
    report = first.stdout + first.stderr
    assert first.returncode == 1, report
    assert "files were modified by this hook" in report
    assert notebook.read(hooked.path / "nb.ipynb").nb["cells"][1]["source"] == "region = 'us'"
    hooked.git("add", "nb.ipynb")
    second = _pre_commit(["git", "commit", "-m", "edit text"], hooked.path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "region = 'us'" in hooked.git("show", "HEAD:nb.ipynb")


def test_pre_commit_hook_stops_a_conflict(hooked: Repo) -> None:
    nb = hooked.path / "nb.ipynb"
    data = notebook.read(nb).nb
    data["cells"][1]["source"] = "region = 'us'"
    nbs.write(nb, data)
    _edit(hooked.path / "nb.py", "region = 'eu'", "region = 'apac'")
    hooked.git("add", "-A")
    before = _snapshot(hooked.path)
    done = _pre_commit(["git", "commit", "-m", "both"], hooked.path)
    report = done.stdout + done.stderr
    assert done.returncode == 1, report
    assert "both changed since HEAD and disagree; nothing written" in report
    assert "-region = 'us'" in report and "+region = 'apac'" in report
    assert "files were modified" not in report
    assert _snapshot(hooked.path) == before
    assert hooked.git("log", "--oneline").count("\n") == 1
