"""Finding a revision's content by blob id: after squash merges, and in shallow clones (a reason, no traceback)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from nbgate import notebook
from nbgate.identity import source_sha256
from nbgate.registry import content
from testing import notebooks as nbs
from testing.git import Repo


def _nb(text: str) -> dict[str, object]:
    return nbs.make([nbs.code(text)])


def test_found_by_blob_when_the_recorded_commit_is_gone(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    nbs.write(repo.path / "a.ipynb", _nb("x = 1"))
    repo.commit_all("v1")
    blob = repo.git("rev-parse", "HEAD:a.ipynb").strip()
    sha = source_sha256(notebook.read(repo.path / "a.ipynb").nb)
    found = content.find(repo.path, "a.ipynb", sha, blob=blob, commit="0" * 40)
    assert found.nb is not None and found.where == f"blob {blob}" and found.reasons == ()
    # no blob recorded (an older revision) and an unknown commit: reasons, not an exception
    missing = content.find(repo.path, "a.ipynb", sha, commit="0" * 40)
    assert (
        missing.raw is None
        and "a.ipynb at commit 000000000000 is not in this clone's history" in missing.reasons
    )
    # a blob whose content is another notebook: refused by its hash
    nbs.write(repo.path / "b.ipynb", _nb("y = 2"))
    repo.commit_all("b")
    other = repo.git("rev-parse", "HEAD:b.ipynb").strip()
    wrong = content.find(repo.path, "a.ipynb", sha, blob=other)
    assert wrong.raw is None and any("not the revision's" in r for r in wrong.reasons)


def test_a_shallow_clone_says_fetch_depth_0(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    nbs.write(repo.path / "a.ipynb", _nb("x = 1"))
    old = repo.commit_all("v1")
    blob = repo.git("rev-parse", "HEAD:a.ipynb").strip()
    sha = source_sha256(notebook.read(repo.path / "a.ipynb").nb)
    nbs.write(repo.path / "a.ipynb", _nb("x = 2"))
    repo.commit_all("v2")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True
    )
    found = content.find(clone, "a.ipynb", sha, blob=blob, commit=old)
    assert found.raw is None
    assert f"blob {blob[:12]} of a.ipynb is not in this clone" in found.reasons
    assert content.SHALLOW_HINT in found.reasons and "fetch-depth: 0" in content.SHALLOW_HINT
