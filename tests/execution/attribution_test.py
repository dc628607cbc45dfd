"""Cell markers, notebook execution metadata and which cell an error belongs to (pure)."""

from __future__ import annotations

import pytest

from nbgate.execution.attribution import (
    CellPolicy,
    cell_policy,
    checked,
    declared,
    first_error,
    may_raise,
)
from testing.notebooks import code, make, markdown


def _error(ename: str, evalue: str, line: int = 1, count: int = 3) -> dict[str, object]:
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": [
            "\x1b[0;31m---\x1b[0m",
            f"Cell In[{count}], line {line}",
            f"{ename}: {evalue}",
        ],
    }


@pytest.mark.parametrize(
    ("cell", "policy"),
    [
        (code("1"), CellPolicy()),
        (code("1", tags=["raises-exception"]), CellPolicy(raises=True)),
        (code("1", tags=["nbval-raises-exception"]), CellPolicy(raises=True)),
        (code("# NBVAL_RAISES_EXCEPTION\n1"), CellPolicy(raises=True)),
        (code("x = 1  # NBVAL_SKIP"), CellPolicy()),  # a marker is a whole comment line
        (code("  ##  NBVAL_SKIP  \n1"), CellPolicy(skip=True)),
        (code("1", tags=["nbgate-skip-cell"]), CellPolicy(skip=True)),
        (code("1", tags=["nbval-check-output"]), CellPolicy(check=True)),
        # comments override tags (nbval's precedence), and within one kind the last marker wins
        (code("# NBVAL_IGNORE_OUTPUT\n1", tags=["nbval-check-output"]), CellPolicy(check=False)),
        (code("# NBVAL_IGNORE_OUTPUT\n# NBVAL_CHECK_OUTPUT\n1"), CellPolicy(check=True)),
        (code("1", tags=["nbgate-check-output", "nbval-ignore-output"]), CellPolicy(check=False)),
    ],
)
def test_cell_policy(cell: dict[str, object], policy: CellPolicy) -> None:
    assert cell_policy(cell) == policy


def test_checked_by_mode() -> None:
    plain, tagged = code("1"), code("1", tags=["nbgate-check-output"])
    ignored, skipped = (
        code("# NBVAL_IGNORE_OUTPUT\n1"),
        code("1", tags=["nbval-skip", "nbval-check-output"]),
    )
    assert [checked(c, "tagged") for c in (plain, tagged, ignored, skipped)] == [
        False,
        True,
        False,
        False,
    ]
    assert [checked(c, "all") for c in (plain, tagged, ignored, skipped)] == [
        True,
        True,
        False,
        False,
    ]
    assert not checked(markdown("x"), "all")


@pytest.mark.parametrize(
    ("execution", "expected"),
    [
        ({}, (None, None)),
        ({"timeout": 5}, (5.0, None)),
        ({"timeout": -1}, (0.0, None)),
        ({"timeout": None}, (0.0, None)),
        ({"allow_errors": True}, (None, True)),
    ],
)
def test_declared(execution: dict[str, object], expected: tuple[object, object]) -> None:
    assert tuple(declared(make([], metadata={"execution": execution}))) == expected


@pytest.mark.parametrize(
    "execution", [{"timeout": "10"}, {"timeout": True}, {"allow_errors": "yes"}]
)
def test_declared_wrong_type_names_the_key(execution: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"metadata\.execution\."):
        declared(make([], metadata={"execution": execution}))


def test_first_error_skips_allowed_cells_and_finds_the_line() -> None:
    cells = [
        markdown("# t"),
        code("1/0", tags=["raises-exception"], outputs=[_error("ZeroDivisionError", "x")]),
        code("import sys\nsys.exit(0)", outputs=[_error("SystemExit", "0")]),
        code("# NBVAL_SKIP\nboom()", outputs=[_error("NameError", "committed long ago")]),
        code(
            "a\nb\nplot()",
            execution_count=3,
            outputs=[_error("RuntimeError", "cannot draw", line=3)],
        ),
    ]
    found = first_error(cells)
    assert found is not None
    assert (found.position, found.ename, found.evalue, found.line) == (
        4,
        "RuntimeError",
        "cannot draw",
        3,
    )
    assert first_error(cells, allow_errors=True) is None
    assert may_raise(cells[1]) and not may_raise(cells[3])
