"""``nbgate.git``: every helper against a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate import git
from testing.git import Repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "r")
    (repo.path / "a.txt").write_text("a\n")
    (repo.path / "sub").mkdir()
    (repo.path / "sub" / "b.txt").write_text("b\n")
    repo.commit_all("first")
    return repo


def test_root_from_a_file_a_folder_and_a_missing_path(repo: Repo) -> None:
    assert git.root(repo.path / "sub" / "b.txt") == repo.path.resolve()
    assert git.root(repo.path / "sub") == repo.path.resolve()
    assert git.root(repo.path / "sub" / "not" / "there.txt") == repo.path.resolve()


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    with pytest.raises(git.NotInRepo, match="not inside a git repository"):
        git.root(tmp_path / "plain")


def test_head_and_resolve(tmp_path: Path, repo: Repo) -> None:
    sha = repo.git("rev-parse", "HEAD").strip()
    assert git.head(repo.path) == sha
    assert git.resolve(repo.path, "main") == sha
    with pytest.raises(git.GitError):
        git.resolve(repo.path, "no-such-ref")
    assert git.head(Repo(tmp_path / "empty").path) is None


def test_changed_since_head_staged_unstaged_untracked(repo: Repo) -> None:
    root = repo.path.resolve()
    assert git.changed_since_head(repo.path) == set()
    (repo.path / "a.txt").write_text("changed\n")
    (repo.path / "sub" / "b.txt").write_text("staged\n")
    repo.git("add", "sub/b.txt")
    (repo.path / "sub" / "new.txt").write_text("new\n")
    assert git.changed_since_head(repo.path) == {
        root / "a.txt",
        root / "sub" / "b.txt",
        root / "sub" / "new.txt",
    }
    assert git.changed_since_head(repo.path, [repo.path / "a.txt"]) == {root / "a.txt"}
    assert git.changed_since_head(repo.path, []) == set()


def test_changed_since_head_ignores_touched_but_identical_files(repo: Repo) -> None:
    (repo.path / "a.txt").write_text("a\n")  # new mtime, same bytes
    assert git.changed_since_head(repo.path) == set()


def test_changed_since_head_without_commits(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "fresh")
    (repo.path / "x.txt").write_text("x")
    assert git.changed_since_head(repo.path) == {(repo.path / "x.txt").resolve()}


def test_status_of_every_state(repo: Repo) -> None:
    (repo.path / "new.txt").write_text("n")
    assert git.status_of(repo.path, repo.path / "a.txt") == "clean"
    assert git.status_of(repo.path, repo.path / "new.txt") == "untracked"
    (repo.path / "a.txt").write_text("1\n")
    assert git.status_of(repo.path, repo.path / "a.txt") == "modified"
    repo.git("add", "a.txt")
    assert git.status_of(repo.path, repo.path / "a.txt") == "staged"
    (repo.path / "a.txt").write_text("2\n")
    assert git.status_of(repo.path, repo.path / "a.txt") == "staged+modified"
    assert git.is_tracked(repo.path, repo.path / "a.txt")
    assert not git.is_tracked(repo.path, repo.path / "new.txt")


def test_show(repo: Repo) -> None:
    (repo.path / "a.txt").write_text("working tree\n")
    assert git.show(repo.path, "HEAD", "a.txt") == b"a\n"
    assert git.show(repo.path, "HEAD", "sub/b.txt") == b"b\n"
    assert git.show(repo.path, "HEAD", "missing.txt") is None


def test_changed_between_and_merge_base(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "feature")
    (repo.path / "a.txt").write_text("a2\n")
    repo.git("mv", "sub/b.txt", "sub/c.txt")
    (repo.path / "d.txt").write_text("d\n")
    repo.commit_all("feature")
    changes = sorted(git.changed_between(repo.path, "main", "feature"))
    assert changes == [("A", "d.txt", None), ("M", "a.txt", None), ("R", "sub/c.txt", "sub/b.txt")]
    (repo.path / "d.txt").unlink()
    assert ("D", "d.txt", None) in git.changed_between(repo.path, "HEAD")
    assert git.merge_base(repo.path, "main", "feature") == base


def test_index_and_blobs(repo: Repo) -> None:
    blobs = git.index_blobs(repo.path)
    assert sorted(blobs) == ["a.txt", "sub/b.txt"]
    contents = git.read_blobs(repo.path, [blobs["a.txt"], blobs["sub/b.txt"], "0" * 40])
    assert contents == {blobs["a.txt"]: b"a\n", blobs["sub/b.txt"]: b"b\n"}
    assert git.read_blobs(repo.path, []) == {}


def test_identity_and_untracked(repo: Repo) -> None:
    assert git.identity(repo.path) == "nbgate tests <test@example.com>"
    (repo.path / "sub" / "u.txt").write_text("u")
    (repo.path / ".gitignore").write_text("*.log\n")
    (repo.path / "x.log").write_text("ignored")
    assert sorted(git.untracked(repo.path)) == [".gitignore", "sub/u.txt"]
