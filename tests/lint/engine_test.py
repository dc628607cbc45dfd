"""Per-cell suppression by comment and tag, and notebook-level findings."""

from __future__ import annotations

from typing import Any

import pytest

from nbgate.lint import LintOptions, lint_notebook
from testing import notebooks as T

# cell 1 (parameters) triggers NBG202 on line 2; cell 2 triggers NBG203 (line 1) and NBG204 (line 2)
PARAMS = "x = 1\ny = f()"
CODE = "name = input()\n%pip install x"


def codes(
    params_extra: str = "",
    code_extra: str = "",
    params_tags: tuple[str, ...] = (),
    code_tags: tuple[str, ...] = (),
    markdown: str | None = None,
) -> list[tuple[str, int | None]]:
    cells: list[dict[str, Any]] = [
        T.code(PARAMS + params_extra, tags=["parameters", *params_tags]),
        T.code(CODE + code_extra, tags=list(code_tags)),
    ]
    if markdown is not None:
        cells.append(T.markdown(markdown))
    options = LintOptions.default()
    found = lint_notebook(
        T.make(cells), 100, options._replace(enabled=options.enabled - {"NBG101", "NBG102"})
    )
    return [(f.code, f.cell) for f in found]


ALL = [("NBG202", 1), ("NBG203", 2), ("NBG204", 2)]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ALL),
        ({"code_extra": "\n# nbgate: ignore[NBG203]"}, [("NBG202", 1), ("NBG204", 2)]),
        ({"code_extra": "  # nbgate: ignore[NBG203,NBG204]"}, [("NBG202", 1)]),
        ({"code_extra": "\n# nbgate: ignore[NBG203, nbg204]"}, [("NBG202", 1)]),
        ({"code_extra": "\n#nbgate:ignore[NBG2]"}, [("NBG202", 1)]),
        ({"code_extra": "\n# NBGATE: IGNORE"}, [("NBG202", 1)]),
        (
            {"code_extra": "\n# nbgate: ignore[NBG202]"},
            ALL,
        ),  # a cell only suppresses its own findings
        ({"params_extra": "  # nbgate: ignore[NBG202]"}, [("NBG203", 2), ("NBG204", 2)]),
        ({"code_extra": "\n# nbgate: ignore[NBG999]"}, ALL),
        ({"code_extra": "\n# nbgate: ignore[]"}, ALL),
        ({"code_extra": "\nprint('nbgate: ignore')"}, ALL),  # not a comment
        ({"code_tags": ("nbgate-ignore-NBG203",)}, [("NBG202", 1), ("NBG204", 2)]),
        ({"code_tags": ("nbgate-ignore-NBG203", "nbgate-ignore-NBG204")}, [("NBG202", 1)]),
        ({"code_tags": ("nbgate-ignore-nbg2",)}, [("NBG202", 1)]),
        ({"code_tags": ("nbgate-ignore",)}, [("NBG202", 1)]),
        ({"params_tags": ("nbgate-ignore",)}, [("NBG203", 2), ("NBG204", 2)]),
        ({"code_tags": ("nbgate-ignored",)}, ALL),
    ],
)
def test_cell_suppressions(kwargs: dict[str, Any], expected: list[tuple[str, int]]) -> None:
    assert codes(**kwargs) == expected


def notebook_level(
    extra: str = "", tags: tuple[str, ...] = (), markdown: str | None = None
) -> list[str]:
    cells = [T.code("x = 1" + extra, tags=list(tags))]  # no parameters cell: NBG201
    if markdown is not None:
        cells.append(T.markdown(markdown))
    options = LintOptions.default()
    return [
        f.code
        for f in lint_notebook(T.make(cells), 10_000, options._replace(max_notebook_bytes=10))
    ]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ["NBG201", "NBG403"]),
        ({"extra": "  # nbgate: ignore[NBG201]"}, ["NBG403"]),
        ({"tags": ("nbgate-ignore-NBG201",)}, ["NBG403"]),
        ({"tags": ("nbgate-ignore-NBG4",)}, ["NBG201"]),
        ({"markdown": "<!-- nbgate: ignore[NBG201,NBG403] -->"}, []),
        # a bare ignore covers its own cell only, never the whole notebook
        ({"extra": "  # nbgate: ignore"}, ["NBG201", "NBG403"]),
        ({"tags": ("nbgate-ignore",)}, ["NBG201", "NBG403"]),
    ],
)
def test_notebook_level_suppressions(kwargs: dict[str, Any], expected: list[str]) -> None:
    assert notebook_level(**kwargs) == expected


def test_disabled_rules_are_not_reported_and_checkers_skip() -> None:
    nb = T.make([T.code("name = input()", execution_count=1)])
    options = LintOptions.default()
    assert [
        f.code for f in lint_notebook(nb, 10, options._replace(enabled=frozenset({"NBG102"})))
    ] == ["NBG102"]
    assert lint_notebook(nb, 10, options._replace(enabled=frozenset())) == []


def test_engine_does_not_modify_the_notebook() -> None:
    import copy

    nb = T.make([T.code("x = 1", tags=["parameters"]), T.code("print(1)", outputs=[T.stream("1")])])
    del nb["cells"][1]["id"]
    before = copy.deepcopy(nb)
    lint_notebook(nb, 10, LintOptions.default())
    assert nb == before
