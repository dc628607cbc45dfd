"""``nbgate diff`` in real git repositories: ref forms, added/deleted/renamed/twin, --exit-code, imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbgate.cli.main import main
from testing import notebooks as nbs
from testing.git import Repo

PYPROJECT = '[tool.nbgate]\ninclude = ["**/*.ipynb"]\n'


def _nb(*sources: str, outputs: bool = False) -> dict[str, Any]:
    cells = [
        nbs.code(
            s,
            outputs=[nbs.stream("out\n")] if outputs else None,
            execution_count=1 if outputs else None,
        )
        for s in sources
    ]
    return nbs.make(cells)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository with a base commit: a, gone, moved notebooks and a paired notebook with its twin."""
    repo = Repo(tmp_path / "repo")
    (repo.path / "pyproject.toml").write_text(PYPROJECT)
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 1", "y = 2"))
    nbs.write(repo.path / "nb" / "gone.ipynb", _nb("print('bye')"))
    nbs.write(repo.path / "nb" / "moved.ipynb", _nb("m = 1", "n = 2", "o = 3", "p = 4"))
    nbs.write(repo.path / "paired.ipynb", _nb("t = 1"))
    (repo.path / "paired.py").write_text("# %%\nt = 1\n")
    repo.commit_all("base")
    monkeypatch.chdir(repo.path)
    return repo


def _change_everything(repo: Repo) -> None:
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 10", "y = 2"))
    repo.git("rm", "-q", "nb/gone.ipynb")
    repo.git("mv", "nb/moved.ipynb", "nb/renamed.ipynb")
    nbs.write(repo.path / "nb" / "new.ipynb", _nb("fresh = True"))  # untracked
    (repo.path / "paired.py").write_text("# %%\nt = 2\n")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["diff", "--format", "json", *args]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def _statuses(document: dict[str, Any]) -> dict[str, str]:
    return {item["path"]: item["status"] for item in document["notebooks"]}


def test_working_tree_against_head_shows_every_kind_of_change(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    _change_everything(repo)
    document = _json(capsys)
    assert (document["old"], document["new"]) == ("HEAD", "working tree")
    assert _statuses(document) == {
        "nb/a.ipynb": "modified",
        "nb/gone.ipynb": "deleted",
        "nb/new.ipynb": "added",
        "nb/renamed.ipynb": "renamed",
        "paired.ipynb": "twin",
    }
    by_path = {item["path"]: item for item in document["notebooks"]}
    assert by_path["nb/renamed.ipynb"]["old_path"] == "nb/moved.ipynb"
    assert by_path["nb/renamed.ipynb"]["note"] == "content unchanged"
    assert by_path["nb/a.ipynb"]["cells"]["modified"] == 1
    assert by_path["paired.ipynb"]["cells"]["modified"] == 1
    assert "paired.py" in by_path["paired.ipynb"]["note"]


def test_terminal_and_markdown_name_each_change(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    _change_everything(repo)
    capsys.readouterr()
    assert main(["--color", "never", "diff"]) == 0
    text = capsys.readouterr().out
    assert (
        "=== nb/a.ipynb (modified)  1 cell modified\n    HEAD -> working tree\n[cell 1] code, modified\n-x = 1\n+x = 10"
        in text
    )
    assert "=== nb/moved.ipynb -> nb/renamed.ipynb (renamed)" in text
    assert "=== paired.ipynb (twin changed)" in text and "-t = 1\n+t = 2" in text
    assert main(["diff", "--format", "markdown", "--", "nb/gone.ipynb"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith(
        "Notebook changes from <code>HEAD</code> to <code>working tree</code>.\n\n### <code>nb/gone.ipynb</code> (deleted)"  # noqa: E501 - test data kept on one line
    )


def test_a_renamed_and_edited_notebook_is_diffed_against_its_old_name(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("mv", "nb/moved.ipynb", "nb/renamed.ipynb")
    nbs.write(repo.path / "nb" / "renamed.ipynb", _nb("m = 1", "n = 2", "o = 3", "p = 40"))
    repo.git("add", "-A")
    (item,) = _json(capsys)["notebooks"]
    assert (item["status"], item["old_path"], item["cells"]["modified"]) == (
        "renamed",
        "nb/moved.ipynb",
        1,
    )


def test_ref_forms(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "feature")
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 1", "y = 3"))
    feature = repo.commit_all("feature edit")
    repo.git("checkout", "-q", "main")
    nbs.write(repo.path / "nb" / "gone.ipynb", _nb("print('main moved on')"))
    main_tip = repo.commit_all("main edit")

    assert _statuses(_json(capsys, "HEAD~1")) == {
        "nb/gone.ipynb": "modified"
    }  # REF vs working tree
    assert _statuses(_json(capsys, base, feature)) == {"nb/a.ipynb": "modified"}
    both = _json(capsys, "feature", "main")  # direct, like git diff A B
    assert _statuses(both) == {"nb/a.ipynb": "modified", "nb/gone.ipynb": "modified"}
    assert (both["old"], both["new"]) == ("feature", "main")
    assert _statuses(_json(capsys, "feature..main")) == _statuses(both)
    pull = _json(capsys, "main...feature")  # from the merge base, like a pull request
    assert _statuses(pull) == {"nb/a.ipynb": "modified"}
    assert pull["old"] == "merge base of main and feature"
    assert _statuses(_json(capsys, main_tip, feature, "nb/gone.ipynb")) == {
        "nb/gone.ipynb": "modified"
    }


def test_paths_limit_the_diff(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _change_everything(repo)
    assert set(_statuses(_json(capsys, "nb"))) == {
        "nb/a.ipynb",
        "nb/gone.ipynb",
        "nb/new.ipynb",
        "nb/renamed.ipynb",
    }
    assert set(_statuses(_json(capsys, "HEAD", "paired.ipynb"))) == {"paired.ipynb"}
    os.chdir("nb")
    assert set(_statuses(_json(capsys, "a.ipynb"))) == {"nb/a.ipynb"}


def test_exit_code_like_git(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--exit-code"]) == 0
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 1", "y = 2", outputs=True))  # outputs only
    assert main(["diff", "--exit-code"]) == 0
    out = capsys.readouterr().out
    assert "1 notebook(s) changed only in what this diff ignores" in out and "nb/a.ipynb" in out
    assert main(["diff", "--exit-code", "--outputs"]) == 1
    nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 1"))
    assert main(["diff", "--exit-code"]) == 1


def test_files_form_and_out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = nbs.write(tmp_path / "old.ipynb", _nb("a = 1", "b = 2"))
    new = nbs.write(tmp_path / "new.ipynb", _nb("a = 1", "b = 3", "c = 4"))
    out = tmp_path / "report" / "diff.html"
    out.parent.mkdir()
    assert (
        main(
            [
                "diff",
                "--files",
                str(old),
                str(new),
                "--format",
                "html",
                "--out",
                str(out),
                "--exit-code",
            ]
        )
        == 1
    )
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "+b = 3" in page and "+c = 4" in page
    assert main(["diff", "--files", str(old), str(old), "--exit-code"]) == 0


def test_bad_arguments(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "no-such-ref"]) == 2
    assert "neither a commit nor a path" in capsys.readouterr().err
    assert main(["diff", "--files", "nb/a.ipynb"]) == 2  # argparse: --files takes two
    (repo.path / "nb" / "a.ipynb").write_text("{ not json")
    assert main(["diff"]) == 1
    assert "nb/a.ipynb" in capsys.readouterr().err


def test_outside_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["diff"]) == 1
    assert "not inside a git repository" in capsys.readouterr().err


_PROBE = """
import sys
from nbgate.cli.main import main
code = main(sys.argv[1:])
print("nbdime" in sys.modules, "nbformat" in sys.modules, code)
"""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("nothing", "False False 0"),
        ("outputs", "False False 0"),
        ("source", "True True 1"),
    ],
)
def test_nbdime_is_imported_only_to_compute_a_diff(repo: Repo, change: str, expected: str) -> None:
    if change == "outputs":
        nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 1", "y = 2", outputs=True))
    elif change == "source":
        nbs.write(repo.path / "nb" / "a.ipynb", _nb("x = 2", "y = 2"))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "diff", "--exit-code"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == expected
