"""Issue 12.9: NBG101/NBG102 once per notebook with the cell list; NBG001 on a 4.4 notebook with ids says how to fix."""

from __future__ import annotations

from nbgate.lint import LintOptions, lint_notebook
from testing import notebooks as T


def _lint(nb: dict[str, object], *codes: str) -> list[tuple[str, int | None, str]]:
    options = LintOptions.default()._replace(enabled=frozenset(codes))
    return [(f.code, f.cell, f.message) for f in lint_notebook(nb, 100, options)]


def _dirty(number: int) -> dict[str, object]:
    return T.code(
        f"x = {number}", outputs=[T.stream("x\n"), T.stream("y\n")], execution_count=number
    )


def test_one_finding_per_notebook_lists_the_cells() -> None:
    cells = [T.markdown("# t"), *(_dirty(k) for k in range(1, 41)), T.code("clean = 1"), _dirty(50)]
    found = _lint(T.make(cells), "NBG101", "NBG102")
    assert found == [
        (
            "NBG101",
            2,
            "82 output(s) committed in cells 2-41, 43; strip policy removes them (run `nbgate strip`)",
        ),
        (
            "NBG102",
            2,
            "execution counts committed in cells 2-41, 43; strip policy clears them (run `nbgate strip`)",
        ),
    ]


def test_suppressed_cells_are_left_out_of_the_list() -> None:
    quiet = T.code("x = 0  # nbgate: ignore[NBG101]", outputs=[T.stream("x\n")], execution_count=1)
    found = _lint(T.make([quiet, _dirty(2), _dirty(3)]), "NBG101", "NBG102")
    assert found == [
        (
            "NBG102",
            1,
            "execution counts committed in cells 1-3; strip policy clears them (run `nbgate strip`)",
        ),
        (
            "NBG101",
            2,
            "4 output(s) committed in cells 2-3; strip policy removes them (run `nbgate strip`)",
        ),
    ]
    only = T.code("x = 0  # nbgate: ignore[NBG1]", outputs=[T.stream("x\n")], execution_count=1)
    assert _lint(T.make([only]), "NBG101", "NBG102") == []


def test_ids_on_a_4_4_notebook_get_a_fix_hint() -> None:
    nb = T.make([T.code("x = 1")])
    nb["nbformat_minor"] = 4
    [(code, cell, message)] = _lint(nb, "NBG001")
    assert (code, cell) == ("NBG001", 1)
    assert "must not contain {'id'}" in message and 'set "nbformat_minor": 5' in message
