"""nbgate.cli.main: dispatch, --version, python -m nbgate, and errors mapped to exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nbgate
from nbgate import errors
from nbgate.cli.main import COMMANDS, build_parser, main
from nbgate.strip import command as strip_command
from testing import notebooks as nbs

#: Importing any of these costs 0.1 to 1.4 s; the hooks' start-up must not pay for them.
HEAVY = (
    "nbformat",
    "jsonschema",
    "fastjsonschema",
    "jupytext",
    "papermill",
    "nbclient",
    "jupyter_client",
    "nbdime",
    "requests",
    "yaml",
    "testbook",
    "zmq",
    "IPython",
    "croniter",
    "boto3",
)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"nbgate {nbgate.__version__}\n"


@pytest.mark.parametrize(
    "argv",
    [[sys.executable, "-m", "nbgate", "--version"], ["nbgate", "--version"]],
    ids=["python-m", "console-script"],
)
def test_entry_points(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout == f"nbgate {nbgate.__version__}\n"


def test_python_m_passes_the_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{")
    done = subprocess.run(
        [sys.executable, "-m", "nbgate", "strip", "--check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1 and "invalid JSON" in done.stderr


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["strip", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["--color", "purple", "strip"], "invalid choice: 'purple'"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: nbgate") and fragment in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    assert parser.prog == "nbgate"
    for name in COMMANDS:
        assert main([name, "--help"]) == 0, name
        assert capsys.readouterr().out.startswith(f"usage: nbgate {name}")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.NbgateError("plain"), 1),
        (errors.NotebookError("x.ipynb", "broken", "cell 2"), 1),
        (errors.ConfigError("bad config"), 2),
        (errors.UsageError("bad usage"), 2),
        (errors.GateError("refused"), 4),
        (errors.RegistryError("bad registry"), 1),
        (errors.ExecutionError("kernel died"), 1),
    ],
)
def test_known_errors_are_one_line_with_their_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    error: errors.NbgateError,
    code: int,
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(strip_command, "scan", fail)
    assert main(["--color", "never", "strip"]) == code
    assert capsys.readouterr().err == f"error: {error}\n"


def test_notebook_error_names_file_and_cell() -> None:
    assert str(errors.NotebookError("a.ipynb", "code cell has no 'outputs' list", "cell 3")) == (
        "a.ipynb:cell 3: code cell has no 'outputs' list"
    )


def test_unexpected_exception_exits_3_with_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("deep inside")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(strip_command, "scan", boom)
    assert main(["--color", "never", "strip"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected error (a bug in nbgate)")
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError: deep inside" in err


def test_keyboard_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(strip_command, "scan", interrupted)
    assert main(["strip"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_broken_pipe_is_quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def closed(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(strip_command, "scan", closed)
    assert main(["strip"]) == 0


def test_hook_start_up_imports_nothing_heavy(tmp_path: Path) -> None:
    nb = nbs.write(tmp_path / "a.ipynb", nbs.make([nbs.code("x = 1")]))
    script = (
        "import sys\n"
        "from nbgate.cli.main import main\n"
        f"code = main(['strip', '--check', {str(nb)!r}])\n"
        "import json\n"
        f"print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert json.loads(done.stdout.splitlines()[-1]) == [0, []]


def test_only_the_named_command_module_is_imported() -> None:
    """A hook's start-up must not pay for every other command's imports."""
    import subprocess
    import sys

    code = (
        "import sys; from nbgate.cli.main import main; main(['--color', 'never', 'config', '--format', 'json']);"
        "loaded = sorted(m for m in sys.modules if m.startswith('nbgate.cli.') and m != 'nbgate.cli.main');"
        "print(loaded, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "['nbgate.cli.config']"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from nbgate.cli.main import COMMANDS, main

    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for name in COMMANDS:
        assert f"    {name} " in text


def test_global_options_work_after_the_command_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    other = tmp_path / "other.toml"
    other.write_text("[tool.nbgate.strip]\nkeep_outputs = true\n")
    cells = [nbs.code("print(1)", outputs=[nbs.stream("1\n")], execution_count=1)]
    nbs.write(tmp_path / "sub" / "a.ipynb", nbs.make(cells))
    (tmp_path / "sub" / "here").mkdir()
    monkeypatch.chdir(tmp_path / "sub" / "here")

    assert main(["strip", "--check"]) == 1
    assert (
        capsys.readouterr().out
        == "../a.ipynb: needs stripping: outputs in cell 1; execution counts in cell 1\n"
    )
    for argv in (
        ["strip", "--check", "--set", "strip.keep_outputs=true"],
        [
            "--set",
            "strip.keep_execution_counts=true",
            "strip",
            "--check",
            "--set",
            "strip.keep_outputs=true",
        ],
        ["strip", "--check", "--config", str(other), "--set", "strip.keep_execution_counts=true"],
    ):
        code = main(argv)
        out = capsys.readouterr().out
        expected = (
            "" if "strip.keep_execution_counts=true" in argv else "execution counts in cell 1\n"
        )
        assert (code, out.partition(": needs stripping: ")[2]) == (
            1 if expected else 0,
            expected,
        ), argv
    assert main(["strip", "-q", "--color", "never"]) == 0
    assert (
        capsys.readouterr().out
        == "../a.ipynb: stripped: outputs in cell 1; execution counts in cell 1\n"
    )
    assert main(["strip", "--color", "sometimes"]) == 2
