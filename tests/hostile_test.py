"""Hostile input across every command: exit code, one-line message, file unchanged, and no hang.

Each case puts one hostile thing named ``x.ipynb`` (or a hostile folder) into
a real git project and runs ``strip``, ``strip --check``, ``lint``,
``sync --check``, ``diff --files`` and ``gate`` on it as real processes, each
under a wall-clock bound so a hang fails the test instead of stalling it.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from nbgate import notebook
from nbgate.errors import NotebookError
from nbgate.jsonsafe import escape_surrogates
from testing import notebooks as nbs
from testing.bad_notebooks import BAD_INPUTS

REPO = Path(__file__).resolve().parents[1]
BOUND = 120.0  # seconds: generous on a loaded 2-core machine; a hang never finishes at all
COMMANDS = {
    "strip": ["strip", "x.ipynb"],
    "strip-check": ["strip", "--check", "x.ipynb"],
    "lint": ["lint", "x.ipynb"],
    "sync-check": ["sync", "--check", "x.ipynb"],
    "diff": ["diff", "--files", ".ref/ok.ipynb", "x.ipynb"],
    "gate": ["gate"],
}
_BY_ID = {case.id: case for case in BAD_INPUTS}


class Case(NamedTuple):
    """A hostile thing at ``x.ipynb`` and the message fragment every command must print."""

    id: str
    make: Callable[[Path], None]
    message: str


def _bytes(case_id: str) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(_BY_ID[case_id].data)


def _surrogate_json(nb: dict[str, object]) -> bytes:
    return (
        escape_surrogates(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)) + "\n"
    ).encode()


def _surrogate_in_cell_type(path: Path) -> None:
    nb = nbs.make([nbs.code("x = 1")])
    nb["cells"][0]["cell_type"] = "code\ud83d"
    path.write_bytes(_surrogate_json(nb))


CASES = [
    Case("duplicate-cells-key", _bytes("duplicate-cells-key"), "duplicate JSON key 'cells'"),
    Case("duplicate-key-spaced", _bytes("duplicate-key-spaced"), "duplicate JSON key 'metadata'"),
    Case(
        "duplicate-metadata-key", _bytes("duplicate-key-in-cell-metadata"), "duplicate JSON key 'a'"
    ),
    Case("nested-500", _bytes("nested-500-deep"), "nested more than 100 levels deep"),
    Case("nested-990", _bytes("nested-990-deep"), "nested more than 100 levels deep"),
    Case(
        "nested-990-stdlib",
        _bytes("nested-990-deep-stdlib-path"),
        "nested more than 100 levels deep",
    ),
    Case("cell-type-list", _bytes("cell-type-list"), "unknown cell_type ['code']"),
    Case("cell-type-dict", _bytes("cell-type-dict"), "unknown cell_type {'a': 1}"),
    Case("cell-type-surrogate", _surrogate_in_cell_type, "unknown cell_type 'code\\ud83d'"),
    Case("truncated", _bytes("truncated"), "file ends early"),
    Case("bom", _bytes("utf8-bom"), "byte order mark"),
    Case("folder", lambda path: path.mkdir(), "is a directory, not a notebook"),
    Case("fifo", os.mkfifo, "not a regular file (a FIFO)"),
    Case("symlink-loop", lambda path: path.symlink_to(path.name), "levels of symbolic links"),
]


def _snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root`` (but .git and nbgate's state) with its bytes or kind."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".nbgate", ".ref")]
        for name in (*files, *dirs):
            path = Path(folder, name)
            mode = os.lstat(path).st_mode
            found[str(path.relative_to(root))] = (
                path.read_bytes() if stat.S_ISREG(mode) else stat.filemode(mode)
            )
    return found


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.nbgate]\n")
    (
        root / ".ref"
    ).mkdir()  # hidden: no command walks it, so the gate's smoke stage has no kernel to start
    nbs.write(root / ".ref" / "ok.ipynb", nbs.make([nbs.code("x = 1", tags=["parameters"])]))
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", *argv], cwd=root, check=True, env=env)
    return root


def _nbgate(root: Path, argv: list[str]) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nbgate", *argv],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=BOUND,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"nbgate {' '.join(argv)} hung (no exit within {BOUND:.0f} s)")
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_notebook(tmp_path: Path, case: Case, command: str) -> None:
    if case.id == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    root = _project(tmp_path)
    case.make(root / "x.ipynb")
    before = _snapshot(root)
    code, out, seconds = _nbgate(root, COMMANDS[command])
    assert code == 1, out  # documented: 1 = a notebook could not be read (never 3, never 0)
    assert "Traceback" not in out and "unexpected error" not in out, out
    lines = [line for line in out.splitlines() if case.message in line]
    assert lines and all("x.ipynb" in line for line in lines), (
        out
    )  # one line names the file and says why
    assert _snapshot(root) == before  # nothing written, moved or left behind
    assert seconds < BOUND


def _lone_surrogates() -> dict[str, object]:
    """A valid notebook (nbformat reads it) with an escaped lone surrogate in every string position."""
    s = "\ud83d"
    nb = nbs.make(
        [
            nbs.code(f"x = '{s}'", tags=["parameters", f"t{s}"], metadata={"nbgate": {f"k{s}": s}}),
            nbs.markdown(f"# h{s}"),
        ],
        metadata={"title": f"t{s}"},
    )
    nb["cells"][0]["id"] = f"a{s}"
    for cell in nb["cells"]:
        cell["source"] = cell["source"].splitlines(
            True
        )  # nbformat's layout, so strip has nothing to do
    return nb


@pytest.mark.parametrize("command", list(COMMANDS))
def test_lone_surrogates_never_crash(tmp_path: Path, command: str) -> None:
    root = _project(tmp_path)
    target = root / "x.ipynb"
    target.write_bytes(_surrogate_json(_lone_surrogates()))
    before = _snapshot(root)
    code, out, seconds = _nbgate(root, COMMANDS[command])
    assert "Traceback" not in out and "unexpected error" not in out, out
    # strip keeps them (the file is already in nbformat's layout); the others report, never crash
    expected = {"strip": 0, "strip-check": 0, "diff": 0}.get(command, 1)
    assert code == expected, out
    assert _snapshot(root) == before
    target.read_bytes().decode("utf-8")  # still valid UTF-8
    assert seconds < BOUND


def test_strip_writes_lone_surrogates_escaped(tmp_path: Path) -> None:
    root = _project(tmp_path)
    nb = _lone_surrogates()
    nb["cells"][0]["outputs"] = [nbs.stream("o\ud83d\n")]
    nb["cells"][0]["execution_count"] = 3
    nb["metadata"]["volatile\ud83d"] = 1
    (root / "x.ipynb").write_bytes(_surrogate_json(nb))
    code, out, _ = _nbgate(root, ["strip", "x.ipynb"])
    assert code == 0 and "x.ipynb: stripped" in out and "volatile\\ud83d" in out, out
    written = (root / "x.ipynb").read_bytes()
    del nb["metadata"]["volatile\ud83d"]
    nb["cells"][0]["outputs"], nb["cells"][0]["execution_count"] = [], None
    assert written == _surrogate_json(nb)  # exactly json.dumps' escapes, valid UTF-8


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A project whose folder cannot be written (chattr +i as root, who ignores permission bits)."""
    root = _project(tmp_path)
    nbs.write(
        root / "x.ipynb",
        nbs.make([nbs.code("print(1)", outputs=[nbs.stream("1\n")], execution_count=1)]),
    )
    if os.geteuid() == 0:
        if (
            shutil.which("chattr") is None
            or subprocess.run(["chattr", "+i", str(root)], check=False).returncode
        ):
            pytest.skip("running as root without chattr +i: cannot make a read-only folder")
        try:
            yield root
        finally:
            subprocess.run(["chattr", "-i", str(root)], check=True)
    else:
        root.chmod(0o555)
        try:
            yield root
        finally:
            root.chmod(0o755)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["strip", "x.ipynb"], "x.ipynb: cannot write"),
        (["sync", "x.ipynb"], "x.py: cannot write"),
        (["gate", "--skip", "registry"], "cannot write or read"),
    ],
)
def test_read_only_folder(read_only: Path, command: list[str], message: str) -> None:
    before = _snapshot(read_only)
    code, out, seconds = _nbgate(read_only, command)
    assert code == 1, out
    assert "Traceback" not in out and message in out, out
    assert _snapshot(read_only) == before and seconds < BOUND


def test_a_walk_reports_every_hostile_entry(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "dir.ipynb").mkdir()
    os.mkfifo(root / "fifo.ipynb")
    code, out, _ = _nbgate(root, ["strip", "--check"])
    assert code == 1, out
    assert (
        "dir.ipynb: is a directory, not a notebook" in out
        and "fifo.ipynb: not a regular file (a FIFO)" in out
    )
    (root / "sub").mkdir()
    (root / "sub" / "loop.ipynb").symlink_to("loop.ipynb")
    code, out, _ = _nbgate(root, ["lint"])
    assert code == 1 and "loop.ipynb: is a symlink loop" in out and "Traceback" not in out, out


def test_diff_of_a_symlink_loop_in_the_working_tree(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "loop.ipynb").symlink_to("loop.ipynb")
    code, out, _ = _nbgate(root, ["diff"])
    assert code == 1 and "loop.ipynb: is a symlink loop" in out and "Traceback" not in out, out


def test_notebook_write_never_opens_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.ipynb")
    with pytest.raises(NotebookError, match="not a regular file"):
        notebook.write(tmp_path / "x.ipynb", nbs.make([]))
