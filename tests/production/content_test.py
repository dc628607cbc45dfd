"""Where the promoted bytes come from (no kernels)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.errors import GateError
from nbgate.identity import source_sha256
from nbgate.production.content import promoted_content
from nbgate.production.spec import RunSpec
from testing import notebooks
from testing.git import Repo
from testing.production import default_cells


def _subfolder_project(tmp_path: Path) -> tuple[Repo, Path, RunSpec]:
    """A project in ``repo/analytics`` (like fixtures/demo inside this repository)."""
    repo = Repo(tmp_path / "repo")
    root = repo.path / "analytics"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.nbgate]\n")
    nb = notebooks.make(default_cells())
    notebooks.write(root / "notebooks" / "job.ipynb", nb)
    commit = repo.commit_all()
    # registry paths are relative to the project root, not to the repository root
    spec = RunSpec("job", 1, "active", "notebooks/job.ipynb", source_sha256(nb), commit, {})
    return repo, root, spec


def test_reads_git_at_the_commit_for_a_project_in_a_subfolder(tmp_path: Path) -> None:
    _, root, spec = _subfolder_project(tmp_path)
    promoted = promoted_content(root, spec)
    assert promoted.source == f"git:{spec.commit}" and promoted.note is None
    assert promoted.raw == (root / "notebooks/job.ipynb").read_bytes()
    assert promoted.path == root / "notebooks/job.ipynb"


def test_a_later_commit_does_not_change_what_runs(tmp_path: Path) -> None:
    repo, root, spec = _subfolder_project(tmp_path)
    promoted_bytes = (root / "notebooks/job.ipynb").read_bytes()
    notebooks.write(root / "notebooks/job.ipynb", notebooks.make([notebooks.code("print('v2')")]))
    repo.commit_all("v2")
    promoted = promoted_content(root, spec)
    assert promoted.raw == promoted_bytes
    assert promoted.note is not None and "running the promoted content from commit" in promoted.note


def test_an_unknown_commit_falls_back_to_an_identical_file(tmp_path: Path) -> None:
    _, root, spec = _subfolder_project(tmp_path)
    promoted = promoted_content(root, spec._replace(commit="0" * 40))
    assert promoted.source == "worktree"


def test_an_unknown_commit_and_a_changed_file_refuse(tmp_path: Path) -> None:
    _, root, spec = _subfolder_project(tmp_path)
    notebooks.write(
        root / "notebooks/job.ipynb", notebooks.make([notebooks.code("print('changed')")])
    )
    with pytest.raises(GateError) as caught:
        promoted_content(root, spec._replace(commit="0" * 40))
    message = str(caught.value)
    assert f"promoted source hash {spec.source_sha256[:12]} not found" in message
    assert (
        "analytics/notebooks/job.ipynb at commit 000000000000 is not in this clone's history"
        in message
    )
    assert "the working-tree file has drifted (source hash " in message


def test_output_only_changes_keep_the_identity(tmp_path: Path) -> None:
    """A working-tree copy with outputs (not stripped) is still the promoted notebook."""
    _, root, spec = _subfolder_project(tmp_path)
    cells = default_cells()
    cells[1] = {**cells[1], "outputs": [notebooks.stream("date=... \n")], "execution_count": 3}
    notebooks.write(root / "notebooks/job.ipynb", notebooks.make(cells))
    assert promoted_content(root, spec._replace(commit="0" * 40)).source == "worktree"
