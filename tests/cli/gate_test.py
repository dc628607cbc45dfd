"""``nbgate gate [PATH]``: every stage over a project, one summary table, exit 0/1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nbgate import notebook
from nbgate.cli.main import main
from nbgate.gate import STAGES
from testing import notebooks as nbs
from testing.git import Repo

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"


def _table(out: str) -> dict[str, list[str]]:
    """The summary table's rows by stage name."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("stage "))
    return {row.split()[0]: row.split() for row in lines[start + 2 :] if row.strip()}


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """The demo project, committed in its own git repository (stages read history)."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns(".nbgate", "output", "__pycache__"))
    Repo(target).commit_all("demo")
    return target


def test_strip_is_a_stage() -> None:
    assert STAGES[0].name == "strip"


def test_demo_passes_the_whole_gate(capsys: pytest.CaptureFixture[str], demo_copy: Path) -> None:
    code = main(["--color", "never", "gate", str(demo_copy)])
    out = capsys.readouterr().out
    rows = _table(out)
    assert code == 0, out
    assert rows and all(row[1] in ("PASS", "skip") for row in rows.values()), out
    assert rows["strip"][1] == "PASS"


def test_demo_passes_the_strip_stage(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--color", "never", "gate", str(DEMO), "--only", "strip"])
    out = capsys.readouterr().out
    assert code == 0
    assert list(_table(out)) == ["strip"]
    assert _table(out)["strip"][1:4] == ["PASS", "3", "notebook(s)"]


def test_a_dirty_notebook_fails_the_gate(
    capsys: pytest.CaptureFixture[str], demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(demo_copy)  # paths are printed relative to the current folder
    path = demo_copy / "notebooks" / "daily_sales.ipynb"
    nb = notebook.read(path).nb
    nb["cells"][2]["outputs"] = [nbs.stream("hello\n")]
    nb["cells"][2]["execution_count"] = 4
    notebook.write(path, nb)
    before = path.read_bytes()
    code = main(["--color", "never", "gate", str(demo_copy), "--only", "strip"])
    out = capsys.readouterr().out
    assert code == 1
    row = _table(out)["strip"]
    assert row[1] == "FAIL" and " ".join(row[2:6]) == "1 of 3 need"
    assert (
        "[strip] notebooks/daily_sales.ipynb: outputs in cell 3; execution counts in cell 3" in out
    )
    assert path.read_bytes() == before  # the gate checks, it never writes


def test_an_unreadable_notebook_fails_the_gate(
    capsys: pytest.CaptureFixture[str], demo_copy: Path
) -> None:
    (demo_copy / "notebooks" / "broken.ipynb").write_text("{")
    code = main(["--color", "never", "gate", str(demo_copy), "--only", "strip"])
    out = capsys.readouterr().out
    assert code == 1
    assert "1 unreadable" in out and "broken.ipynb" in out and "FAIL" in out


def test_skip_leaves_a_stage_out(capsys: pytest.CaptureFixture[str], demo_copy: Path) -> None:
    # --only keeps the run cheap (no kernels); --skip wins over --only
    main(
        [
            "--color",
            "never",
            "gate",
            str(demo_copy),
            "--only",
            "strip",
            "--only",
            "lint",
            "--skip",
            "strip",
        ]
    )
    assert list(_table(capsys.readouterr().out)) == ["lint"]


def test_gate_on_a_missing_folder_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["gate", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_gate_colours_the_result_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--color", "always", "gate", str(DEMO), "--only", "strip"])
    assert "\x1b[32mPASS\x1b[0m" in capsys.readouterr().out
