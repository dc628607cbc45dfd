"""nbgate.project: which notebooks a command covers."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate import config
from nbgate.project import find_notebooks, is_covered, matches


@pytest.mark.parametrize(
    ("relative", "patterns", "expected"),
    [
        ("a.ipynb", ["**/*.ipynb"], True),
        ("x/y/a.ipynb", ["**/*.ipynb"], True),
        ("a.py", ["**/*.ipynb"], False),
        ("notebooks/a.ipynb", ["notebooks/*.ipynb"], True),
        ("notebooks/sub/a.ipynb", ["notebooks/*.ipynb"], False),
        ("notebooks/sub/a.ipynb", ["notebooks/**/*.ipynb"], True),
        ("notebooks/sub/a.ipynb", ["notebooks"], True),  # a folder covers what is under it
        ("notebooks/sub/a.ipynb", ["notebooks/"], True),
        ("notebooksx/a.ipynb", ["notebooks"], False),
        ("a1.ipynb", ["a?.ipynb"], True),
        ("a12.ipynb", ["a?.ipynb"], False),
        ("a+b (1).ipynb", ["a+b (1).ipynb"], True),
        ("scratch/a.ipynb", ["docs/**", "scratch/**"], True),
        ("a.ipynb", [], False),
    ],
)
def test_matches(relative: str, patterns: list[str], expected: bool) -> None:
    assert matches(relative, patterns) is expected


def _tree(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def _cfg(root: Path, body: str = "") -> config.Config:
    (root / "pyproject.toml").write_text(f"[tool.nbgate]\n{body}\n")
    return config.load(root, env={})


def _names(paths: list[Path], root: Path) -> list[str]:
    return [p.resolve().relative_to(root.resolve()).as_posix() for p in paths]


def test_no_paths_means_every_covered_notebook_sorted(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        "b.ipynb",
        "a.ipynb",
        "sub/c.ipynb",
        "sub/deeper/d.ipynb",
        "notes.md",
        "x.py",
        ".ipynb_checkpoints/a-checkpoint.ipynb",
        ".git/x.ipynb",
        ".nbgate/runs/r.ipynb",
        "venv/lib/v.ipynb",
        "node_modules/n.ipynb",
        "__pycache__/p.ipynb",
        "sub/.hidden/h.ipynb",
    )
    found = find_notebooks(_cfg(tmp_path))
    assert _names(found, tmp_path) == ["a.ipynb", "b.ipynb", "sub/c.ipynb", "sub/deeper/d.ipynb"]


def test_include_and_exclude(tmp_path: Path) -> None:
    _tree(
        tmp_path, "top.ipynb", "notebooks/a.ipynb", "notebooks/scratch/s.ipynb", "notebooks/b.ipynb"
    )
    cfg = _cfg(
        tmp_path,
        'include = ["notebooks/**/*.ipynb"]\nexclude = ["notebooks/scratch", "**/b.ipynb"]',
    )
    assert _names(find_notebooks(cfg), tmp_path) == ["notebooks/a.ipynb"]


def test_named_files_are_taken_as_given(tmp_path: Path) -> None:
    _tree(tmp_path, "notebooks/a.ipynb", "other/x.ipynb", "other/y.json")
    cfg = _cfg(tmp_path, 'include = ["notebooks/**/*.ipynb"]')
    given = [
        tmp_path / "other" / "x.ipynb",
        tmp_path / "other" / "y.json",
        tmp_path / "missing.ipynb",
    ]
    assert (
        find_notebooks(cfg, given) == given
    )  # pre-commit chose them; missing ones are reported later


def test_named_folders_are_searched_with_the_globs(tmp_path: Path) -> None:
    _tree(tmp_path, "notebooks/a.ipynb", "notebooks/scratch/s.ipynb", "other/x.ipynb")
    cfg = _cfg(tmp_path, 'include = ["notebooks/**/*.ipynb"]\nexclude = ["notebooks/scratch/**"]')
    assert _names(find_notebooks(cfg, [tmp_path / "notebooks"]), tmp_path) == ["notebooks/a.ipynb"]
    assert find_notebooks(cfg, [tmp_path / "other"]) == []


def test_duplicates_are_dropped_keeping_order(tmp_path: Path) -> None:
    _tree(tmp_path, "a.ipynb", "b.ipynb")
    cfg = _cfg(tmp_path)
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    assert find_notebooks(cfg, [b, a, b, tmp_path]) == [b, a]


def test_is_covered_outside_the_root_is_false(tmp_path: Path) -> None:
    _tree(tmp_path, "project/a.ipynb", "elsewhere/b.ipynb")
    cfg = _cfg(tmp_path / "project")
    assert is_covered(tmp_path / "project" / "a.ipynb", cfg)
    assert not is_covered(tmp_path / "elsewhere" / "b.ipynb", cfg)
