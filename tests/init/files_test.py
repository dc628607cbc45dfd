"""``nbgate.init.files``: how an addition is glued onto a file, and the writers that never clobber."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.init.files import (
    CREATED,
    KEPT,
    REPLACED,
    UNCHANGED,
    UPDATED,
    append,
    gitignore_step,
    glue,
    write_new,
)


@pytest.mark.parametrize(
    ("old", "blank_line", "expected"),
    [
        ("", True, ""),
        ("", False, ""),
        ("a\n\n", True, ""),
        ("a\n\n", False, ""),
        ("a\n", False, ""),
        ("a\n", True, "\n"),
        ("a", True, "\n\n"),
        ("a", False, "\n"),
    ],
)
def test_glue(old: str, blank_line: bool, expected: str) -> None:
    assert glue(old, blank_line=blank_line) == expected


def test_append_keeps_the_text_and_adds_once(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[project]  # kept\nname = 'x'")
    append(path, path.read_text(), "[tool.nbgate]\n", blank_line=True)
    assert path.read_text() == "[project]  # kept\nname = 'x'\n\n[tool.nbgate]\n"


def test_write_new_never_replaces_other_content_without_force(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "file.yml"
    assert write_new(path, "ours\n", force=False).action == CREATED
    assert write_new(path, "ours\n", force=False).action == UNCHANGED
    path.write_text("theirs\n")
    step = write_new(path, "ours\n", force=False)
    assert step.action == KEPT and "--force" in step.note and path.read_text() == "theirs\n"
    assert write_new(path, "ours\n", force=True).action == REPLACED and path.read_text() == "ours\n"


@pytest.mark.parametrize(
    ("before", "action", "after"),
    [
        (None, CREATED, "# nbgate's local state: runs, evidence, ci reports\n.nbgate/\n"),
        ("build/\n.nbgate\n", UNCHANGED, "build/\n.nbgate\n"),
        ("build/", UPDATED, "build/\n.nbgate/\n"),
    ],
)
def test_gitignore_step(tmp_path: Path, before: str | None, action: str, after: str) -> None:
    if before is not None:
        (tmp_path / ".gitignore").write_text(before)
    assert gitignore_step(tmp_path, ".nbgate").action == action
    assert (tmp_path / ".gitignore").read_text() == after
