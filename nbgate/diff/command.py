"""``nbgate diff``: render the diffs of changed notebooks in a format, to the terminal or a file.

Like ``git diff --exit-code``, it can exit 1 when anything differs.
"""

from __future__ import annotations

from collections.abc import Sequence

from nbgate import output
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.diff.files import compute
from nbgate.diff.render import FORMATS, Sides, render
from nbgate.diff.view import SOURCES, DiffOptions
from nbgate.errors import FAILED, OK, UsageError


def diff(
    *,
    config: Config,
    arguments: Sequence[str] = (),
    files: Sequence[str] = (),
    options: DiffOptions = SOURCES,
    fmt: str = "terminal",
    out: str | None = None,
    exit_code: bool = False,
) -> int:
    """Show notebook diffs in ``fmt``; with ``exit_code``, exit 1 when anything differs."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    found, (old_label, new_label) = compute(
        config=config, arguments=arguments, files=files, options=options
    )
    color = out is None and fmt == "terminal" and output.use_color()
    text = render(fmt, found, Sides(old_label, new_label), options, color=color)
    if out is not None:
        atomic_write(out, (text + "\n").encode("utf-8") if text else b"")
        output.echo(
            f"{sum(1 for f in found if f.shown)} notebook(s) differ; {fmt} diff written to {out}"
        )
    elif text:
        output.result(text)
    if exit_code and any(f.shown for f in found):
        return FAILED
    return OK
