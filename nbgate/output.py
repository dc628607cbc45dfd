"""All user-facing text goes through here: colour, ``--quiet``, tables.

Library code never prints; commands call ``echo``/``warn``/``error`` and
``table``. ``configure`` is called once by ``main`` with the global flags.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

COLORS = {
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "bold": "1",
    "dim": "2",
}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _State:
    color: str = "auto"
    quiet: bool = False


_state = _State()


def configure(color: str = "auto", quiet: bool = False) -> None:
    """Set the colour mode (``auto``, ``always``, ``never``) and quietness."""
    if color not in ("auto", "always", "never"):
        raise ValueError(f"colour must be auto, always or never, not {color!r}")
    _state.color = color
    _state.quiet = quiet


def is_quiet() -> bool:
    """Whether ``--quiet`` is on."""
    return _state.quiet


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` as the user should see it: relative to the current folder (``../`` allowed, like git).

    Absolute only when the two share nothing but the filesystem root (or a drive on Windows).
    """
    absolute = os.path.abspath(path)
    here = os.getcwd()
    try:
        if os.path.dirname(os.path.commonpath([absolute, here])) == os.path.commonpath(
            [absolute, here]
        ):
            return absolute  # only "/" in common
        return Path(os.path.relpath(absolute, here)).as_posix()
    except ValueError:  # different drives
        return absolute


def use_color(stream: TextIO | None = None) -> bool:
    """Whether to colour text written to ``stream`` (stdout by default)."""
    if _state.color == "always":
        return True
    if _state.color == "never" or "NO_COLOR" in os.environ:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def style(text: str, *names: str, stream: TextIO | None = None) -> str:
    """Wrap ``text`` in ANSI colour codes when colour is on."""
    if not names or not use_color(stream):
        return text
    codes = ";".join(COLORS[name] for name in names)
    return f"\x1b[{codes}m{text}\x1b[0m"


def strip_ansi(text: str) -> str:
    """Remove ANSI escape sequences."""
    return _ANSI.sub("", text)


def printable(text: str) -> str:
    """``text`` with each lone surrogate (from a notebook's ``"\\ud83d"``) shown as its escape: UTF-8 cannot hold it."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo(text: str = "", *, always: bool = False) -> None:
    """Print a line to stdout (suppressed by ``--quiet`` unless ``always``)."""
    if _state.quiet and not always:
        return
    sys.stdout.write(printable(text) + "\n")


def result(text: str) -> None:
    """Print a result line (findings, reports): shown even with ``--quiet``."""
    sys.stdout.write(printable(text) + "\n")


def warn(text: str) -> None:
    """Print a warning to stderr."""
    sys.stderr.write(style("warning:", "yellow", stream=sys.stderr) + " " + printable(text) + "\n")


def error(text: str) -> None:
    """Print an error to stderr (never suppressed)."""
    sys.stderr.write(
        style("error:", "red", "bold", stream=sys.stderr) + " " + printable(text) + "\n"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Format a plain-text table with aligned columns (ANSI-aware widths)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(strip_ansi(cell)))

    def line(cells: Sequence[str]) -> str:
        padded = [cell + " " * (widths[i] - len(strip_ansi(cell))) for i, cell in enumerate(cells)]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
