"""``nbgate strip [--check]``: exit codes, messages, bad input, what gets written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from nbgate import notebook
from nbgate.cli.main import main
from nbgate.strip import files as strip_files
from nbgate.strip.transform import strip_notebook
from testing import notebooks as nbs
from testing.bad_notebooks import BAD_INPUTS, BadInput
from testing.corpus import generate
from testing.options import strip_options

REPO = Path(__file__).resolve().parents[2]


def _dirty() -> dict[str, Any]:
    return nbs.make(
        [
            nbs.markdown("# T"),
            nbs.code(
                "print(1)",
                outputs=[nbs.stream("1\n")],
                execution_count=1,
                metadata={"ExecuteTime": {"start_time": "x"}},
            ),
        ]
    )


def _clean() -> dict[str, Any]:
    return nbs.make([nbs.markdown("# T"), nbs.code("print(1)")])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project (with a pyproject) as the working directory."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--color", "never", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------- bad input


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.id for case in BAD_INPUTS])
@pytest.mark.parametrize("check", [False, True], ids=["strip", "check"])
def test_bad_input_is_reported_and_left_alone(
    project: Path, capsys: pytest.CaptureFixture[str], case: BadInput, check: bool
) -> None:
    path = project / "bad.ipynb"
    path.write_bytes(case.data)
    before = path.stat().st_mtime_ns
    code, _, err = _run(capsys, "strip", *(["--check"] if check else []), "bad.ipynb")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bad.ipynb") and case.message in lines[0]
    assert path.read_bytes() == case.data and path.stat().st_mtime_ns == before
    assert sorted(os.listdir(project)) == ["bad.ipynb", "pyproject.toml"]


@pytest.mark.parametrize("check", [False, True], ids=["strip", "check"])
def test_missing_file(project: Path, capsys: pytest.CaptureFixture[str], check: bool) -> None:
    code, _, err = _run(capsys, "strip", *(["--check"] if check else []), "missing.ipynb")
    assert code == 1 and err == "error: missing.ipynb: no such file\n"
    assert not (project / "missing.ipynb").exists()


def test_a_folder_named_like_a_notebook_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project / "folder.ipynb"
    folder.mkdir()
    code, _out, err = _run(capsys, "strip", "folder.ipynb")  # never silently "0 of 0 stripped"
    assert code == 1 and err == "error: folder.ipynb: is a directory, not a notebook\n"
    status = strip_files.check_file(folder, strip_options(), write=True)
    assert status.error == f"{folder}: is a directory, not a notebook" and folder.is_dir()


def test_bad_file_does_not_stop_the_others(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(project / "a.ipynb", _dirty())
    (project / "b.ipynb").write_bytes(b"{")
    nbs.write(project / "c.ipynb", _dirty())
    code, out, err = _run(capsys, "strip", "a.ipynb", "b.ipynb", "c.ipynb")
    assert code == 1
    assert "b.ipynb" in err and "a.ipynb: stripped" in out and "c.ipynb: stripped" in out
    assert "2 of 3 notebook(s) stripped" in out
    assert (project / "b.ipynb").read_bytes() == b"{"


def test_a_write_failure_is_reported_not_a_crash(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = nbs.write(project / "a.ipynb", _dirty())
    before = path.read_bytes()

    def refuse(src: Any, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)  # root ignores file modes, so refuse at the rename
    code, _, err = _run(capsys, "strip", "a.ipynb")
    assert code == 1 and "error: a.ipynb: cannot write: Permission denied" in err
    assert path.read_bytes() == before
    assert sorted(os.listdir(project)) == ["a.ipynb", "pyproject.toml"]


# ------------------------------------------------------------- check and strip


def test_check_lists_each_dirty_file_and_why_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(project / "dirty.ipynb", _dirty())
    nbs.write(project / "clean.ipynb", _clean())
    layout = project / "layout.ipynb"
    layout.write_bytes(
        notebook.dumps(_clean()).replace(b'\n "', b'\n  "')
    )  # clean content, other indent
    stamps = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in project.glob("*.ipynb")}
    code, out, err = _run(capsys, "strip", "--check", "dirty.ipynb", "clean.ipynb", "layout.ipynb")
    assert code == 1 and err == ""
    assert out.splitlines() == [
        "dirty.ipynb: needs stripping: outputs in cell 2; execution counts in cell 2; cell metadata ExecuteTime",
        "layout.ipynb: needs stripping: not in nbformat's layout (whitespace, key order, transient keys)",
    ]
    assert {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in project.glob("*.ipynb")
    } == stamps


def test_strip_fixes_then_check_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nbs.write(project / "dirty.ipynb", _dirty())
    clean = nbs.write(project / "clean.ipynb", _clean())
    clean_stamp = clean.stat().st_ino, clean.stat().st_mtime_ns
    code, out, _ = _run(capsys, "strip", "dirty.ipynb", "clean.ipynb")
    assert code == 0  # strip fixed it; pre-commit sees the change and fails the commit itself
    assert out.splitlines()[-1] == "1 of 2 notebook(s) stripped"
    assert (clean.stat().st_ino, clean.stat().st_mtime_ns) == clean_stamp
    assert notebook.read(project / "dirty.ipynb").nb == strip_notebook(_dirty()).nb
    assert _run(capsys, "strip", "--check", "dirty.ipynb", "clean.ipynb") == (0, "", "")
    code, out, _ = _run(capsys, "strip", "dirty.ipynb")
    assert code == 0 and out.strip() == "0 of 1 notebook(s) stripped"


def test_quiet_keeps_results_and_drops_the_summary(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nbs.write(project / "dirty.ipynb", _dirty())
    code, out, _ = _run(capsys, "--quiet", "strip", "dirty.ipynb")
    assert (
        code == 0 and out.startswith("dirty.ipynb: stripped:") and "notebook(s) stripped" not in out
    )


def test_no_paths_strips_the_covered_notebooks(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text("[tool.nbgate]\ninclude = ['notebooks/**/*.ipynb']\n")
    nbs.write(project / "notebooks" / "a.ipynb", _dirty())
    nbs.write(project / "notebooks" / "sub" / "b.ipynb", _dirty())
    outside = nbs.write(project / "scratch" / "c.ipynb", _dirty())
    checkpoint = nbs.write(
        project / "notebooks" / ".ipynb_checkpoints" / "a-checkpoint.ipynb", _dirty()
    )
    code, out, _ = _run(capsys, "strip", "--check")
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == [
        "notebooks/a.ipynb",
        "notebooks/sub/b.ipynb",
    ]  # relative to the current folder, though found by a walk
    assert _run(capsys, "strip")[0] == 0
    assert _run(capsys, "strip", "--check") == (0, "", "")
    assert strip_notebook(notebook.read(outside).nb).changed  # not covered: untouched
    assert strip_notebook(notebook.read(checkpoint).nb).changed


def test_keep_outputs_flag_and_config(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = nbs.write(project / "a.ipynb", _dirty())
    assert _run(capsys, "strip", "--keep-outputs", "a.ipynb")[0] == 0
    cell = notebook.read(path).nb["cells"][1]
    assert cell["outputs"] == [nbs.stream("1\n")] and cell["execution_count"] is None
    (project / "pyproject.toml").write_text("[tool.nbgate.strip]\nkeep_outputs = true\n")
    assert _run(capsys, "strip", "--check", "a.ipynb")[0] == 0
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    assert _run(capsys, "strip", "--check", "a.ipynb")[0] == 1


def test_crlf_notebook_stays_crlf(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "crlf.ipynb"
    path.write_bytes(notebook.dumps(_dirty(), crlf=True))
    assert _run(capsys, "strip", "crlf.ipynb")[0] == 0
    assert path.read_bytes() == notebook.dumps(strip_notebook(_dirty()).nb, crlf=True)


def test_keep_output_cells_survive_byte_for_byte(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = nbs.code(
        "plot()",
        execution_count=7,
        tags=["keep-output"],
        outputs=[
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"text/plain": "line 1\nline 2\n", "image/png": "iVBORw0KGgo="},
            }
        ],
    )
    nb = nbs.make([kept, nbs.code("x", outputs=[nbs.stream("drop me\n")], execution_count=8)])
    path = nbs.write(project / "a.ipynb", nb)
    assert _run(capsys, "strip", "a.ipynb")[0] == 0
    cells = notebook.read(path).nb["cells"]
    assert (
        cells[0] == nb["cells"][0]
        and cells[1]["outputs"] == []
        and cells[1]["execution_count"] is None
    )


# ------------------------------------------------- many files: fork + fast read


def test_many_files_in_worker_processes_match_one_by_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dirty = project / "dirty"
    paths = generate(dirty, 40, seed=11)
    expected = [
        strip_files.check_file(p.relative_to(project), strip_options(), write=False) for p in paths
    ]
    wanted = [notebook.dumps(strip_notebook(notebook.read(p).nb).nb) for p in paths]
    code, out, _ = _run(capsys, "strip", "--check", "dirty")
    assert code == 1
    assert out.splitlines() == [
        f"{s.path}: needs stripping: {'; '.join(s.reasons)}" for s in expected
    ]
    code, out, _ = _run(capsys, "strip", *(str(p) for p in paths))
    assert code == 0 and out.splitlines()[-1] == "40 of 40 notebook(s) stripped"
    assert [p.read_bytes() for p in paths] == wanted
    assert sorted(os.listdir(dirty)) == sorted(p.name for p in paths)  # no temp files left
