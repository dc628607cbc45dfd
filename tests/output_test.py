"""nbgate.output: colour modes, --quiet, warnings and errors, tables."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from nbgate import output


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    output.configure()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("mode", "env", "tty", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": ""}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"TERM": "dumb"}, True, False),
    ],
)
def test_use_color(
    monkeypatch: pytest.MonkeyPatch, mode: str, env: dict[str, str], tty: bool, expected: bool
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    output.configure(color=mode)
    assert output.use_color(_Tty() if tty else io.StringIO()) is expected


def test_configure_rejects_unknown_colour_modes() -> None:
    with pytest.raises(ValueError, match="auto, always or never"):
        output.configure(color="sometimes")


def test_style_and_strip_ansi() -> None:
    output.configure(color="always")
    styled = output.style("ok", "green", "bold")
    assert styled == "\x1b[32;1mok\x1b[0m"
    assert output.strip_ansi(styled) == "ok"
    output.configure(color="never")
    assert output.style("ok", "green") == "ok"


def test_quiet_hides_echo_but_not_results_or_errors(capsys: pytest.CaptureFixture[str]) -> None:
    output.configure(color="never", quiet=True)
    output.echo("progress")
    output.echo("forced", always=True)
    output.result("finding")
    output.warn("careful")
    output.error("broken")
    captured = capsys.readouterr()
    assert captured.out == "forced\nfinding\n"
    assert captured.err == "warning: careful\nerror: broken\n"


def test_echo_when_not_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    output.configure(color="never")
    output.echo("progress")
    assert capsys.readouterr().out == "progress\n"


def test_table_aligns_columns_ignoring_colour_codes() -> None:
    output.configure(color="always")
    rows = [
        ["strip", output.style("PASS", "green"), "3 clean"],
        ["lint", output.style("FAIL", "red"), "2"],
    ]
    lines = output.strip_ansi(output.table(["stage", "result", "summary"], rows)).splitlines()
    assert lines == [
        "stage  result  summary",
        "-----  ------  -------",
        "strip  PASS    3 clean",
        "lint   FAIL    2",
    ]
