"""Rule behaviour beyond the golden files: edge cases per rule, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from nbgate.lint import LintOptions, lint_notebook, rules
from nbgate.lint.context import parse_ipython
from nbgate.lint.registry import Finding
from nbgate.strip.transform import strip_notebook
from testing import notebooks as T
from testing.options import strip_options


def run(nb: dict[str, Any], *codes: str, size: int = 1000, **options: Any) -> list[Finding]:
    base = LintOptions.default()
    enabled = (
        frozenset(c for c in rules() if any(c.startswith(p) for p in codes))
        if codes
        else base.enabled
    )
    return lint_notebook(nb, size, base._replace(enabled=enabled, **options))


def where(findings: list[Finding]) -> list[tuple[str, int | None, int | None]]:
    return [(f.code, f.cell, f.line) for f in findings]


def params(source: str = "x = 1") -> dict[str, Any]:
    return T.code(source, tags=["parameters"])


# ----------------------------------------------------------------- registry


def test_registry_codes_families_and_metadata() -> None:
    table = rules()
    assert list(table) == sorted(table)
    for code, rule in table.items():
        assert rule.code == code and rule.name and rule.summary and rule.example
        assert rule.severity in ("error", "warning")
        assert (
            rule.family
            == {
                "0": "validity",
                "1": "hygiene",
                "2": "scheduling",
                "3": "secrets",
                "4": "complexity",
            }[code[3]]
        )
    assert len({r.name for r in table.values()}) == len(table)
    assert {c[:4] for c in table} == {"NBG0", "NBG1", "NBG2", "NBG3", "NBG4"}


def test_clean_notebook_has_no_findings() -> None:
    nb = T.make(
        [
            T.markdown("# Sales"),
            params("date = '2024-01-01'"),
            T.code("import pandas as pd\nprint(date)"),
        ]
    )
    assert run(nb) == []


def test_findings_are_sorted_by_cell_then_line() -> None:
    nb = T.make([T.code("%pip install x\ninput()"), T.code("  ")])
    assert where(run(nb)) == [
        ("NBG201", None, None),
        ("NBG204", 1, 1),
        ("NBG203", 1, 2),
        ("NBG105", 2, None),
    ]


# ----------------------------------------------------------------- 0xx


def test_schema_reports_every_bad_cell_and_the_notebook() -> None:
    nb = T.make(
        [
            params(),
            T.code("a", outputs=[{"output_type": "stream", "name": "stdout"}]),
            T.markdown("m"),
        ]
    )
    nb["cells"][2]["outputs"] = []
    nb["metadata"]["kernelspec"] = {"name": "python3"}
    found = run(nb, "NBG001")
    assert where(found) == [("NBG001", None, None), ("NBG001", 2, None), ("NBG001", 3, None)]
    assert "display_name" in found[0].message
    assert "outputs[0] must contain ['text']" in found[1].message
    assert "outputs" in found[2].message


def test_missing_ids_are_nbg003_not_nbg001() -> None:
    nb = T.make([params(), T.code("y = 2")])
    del nb["cells"][1]["id"]
    assert where(run(nb, "NBG0")) == [("NBG003", 2, None)]


def test_ids_in_44_are_schema_errors_and_absent_ids_fine() -> None:
    nb = T.make([params()], minor=4)
    assert run(nb, "NBG0") == []
    nb["cells"][0]["id"] = "abc"
    assert where(run(nb, "NBG0")) == [("NBG001", 1, None)]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["a", "b", "c"], []),
        (["a", "b", "a"], [("NBG002", 3, None)]),
        (["a", "a", "a"], [("NBG002", 2, None), ("NBG002", 3, None)]),
    ],
)
def test_duplicate_ids(ids: list[str], expected: list[tuple[str, int, None]]) -> None:
    nb = T.make([params(), T.code("b = 1"), T.code("c = 1")])
    for cell, cell_id in zip(nb["cells"], ids, strict=False):
        cell["id"] = cell_id
    assert where(run(nb, "NBG002")) == expected


# ----------------------------------------------------------------- 1xx


@pytest.mark.parametrize(
    ("options", "tags", "expected"),
    [
        ({}, [], ["NBG101", "NBG102"]),
        ({}, ["keep-output"], []),
        ({"keep_output_tag": "show"}, ["keep-output"], ["NBG101", "NBG102"]),
        ({"keep_output_tag": "show"}, ["show"], []),
        ({"keep_outputs": True}, [], []),
        ({"keep_execution_counts": True}, [], ["NBG101"]),
    ],
)
def test_strip_policy(options: dict[str, Any], tags: list[str], expected: list[str]) -> None:
    nb = T.make([params(), T.code("1", tags=tags, execution_count=1, outputs=[T.result("1", 1)])])
    assert [f.code for f in run(nb, "NBG10", **options)] == expected


@pytest.mark.parametrize(
    "cell",
    [
        T.code("1", execution_count=4),
        T.code("1", outputs=[T.stream("x")]),
        T.code("1", outputs=[T.result("1", 2)]),
        T.code("1", execution_count=3, outputs=[T.result("1", 3)], tags=["keep-output"]),
        T.code("1", execution_count=3, outputs=[T.result("1", 3)], metadata={"collapsed": True}),
    ],
)
def test_strip_policy_agrees_with_strip(cell: dict[str, Any]) -> None:
    nb = T.make([params(), cell])
    reasons = strip_notebook(nb, strip_options()).reasons
    codes = {f.code for f in run(nb, "NBG101", "NBG102")}
    assert ("NBG101" in codes) == any(r.startswith("outputs") for r in reasons)
    assert ("NBG102" in codes) == any(r.startswith("execution counts") for r in reasons)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 2, 3], []),
        ([1, None, 2], []),
        ([3, 1, 2], [2]),
        ([1, 1, 2], [2]),
        ([5, 4, 3], [2, 3]),
    ],
)
def test_execution_order(counts: list[int | None], expected: list[int]) -> None:
    cells = [T.code(str(i), execution_count=n, tags=["keep-output"]) for i, n in enumerate(counts)]
    assert [f.cell for f in run(T.make(cells), "NBG103")] == expected


def test_execution_order_only_counts_kept_cells() -> None:
    cells = [
        T.code("a", execution_count=5, tags=["keep-output"]),
        T.code("b", execution_count=1),
        T.code("c", execution_count=6, tags=["keep-output"]),
    ]
    assert run(T.make(cells), "NBG103") == []
    assert [f.cell for f in run(T.make(cells), "NBG103", keep_outputs=True)] == [2]


def test_output_size_counts_each_output() -> None:
    nb = T.make(
        [T.code("p", tags=["keep-output"], outputs=[T.stream("x" * 50), T.stream("y" * 500)])]
    )
    found = run(nb, "NBG104", size=10_000, max_output_bytes=300)
    assert [(f.cell, "output 2" in f.message) for f in found] == [(1, True)]
    assert run(nb, "NBG104", size=10_000, max_output_bytes=1000) == []


@pytest.mark.parametrize(
    ("cell", "empty"),
    [
        (T.code(""), True),
        (T.code(" \n\t\n"), True),
        (T.markdown(""), True),
        (T.code("# just a comment"), False),
        (T.markdown("text"), False),
    ],
)
def test_empty_cells(cell: dict[str, Any], empty: bool) -> None:
    assert bool(run(T.make([cell]), "NBG105")) == empty


# ----------------------------------------------------------------- 2xx


def test_parameters_tag_on_markdown_is_reported() -> None:
    found = run(T.make([T.markdown("x", tags=["parameters"])]), "NBG201")
    assert len(found) == 1 and "markdown" in found[0].message


@pytest.mark.parametrize(
    ("source", "bad_lines"),
    [
        ("x = 1", []),
        ("x = -1.5\ny = 'a'\nz = None\nflag = True", []),
        ("regions = ['eu', 'us']\nlimits = {'a': 1, 'b': (2, 3)}\ncodes = {1, 2}", []),
        ("# comment\nx: int = 3  # help text\n\ny: 'str' = 'a'", []),
        ("x = [\n    1,\n    2,\n]", []),
        ("x = y = 1", [1]),
        ("a, b = 1, 2", [1]),
        ("x = f(1)", [1]),
        ("x = 1 + 2", [1]),
        ("x = [i for i in range(3)]", [1]),
        ("import os\nx = 1", [1]),
        ("x: int", [1]),
        ("x = 1\nprint(x)", [2]),
        ("url = 'https://example.com/?a=b'", [1]),  # papermill splits on '='
        ("x = f'{1}'", [1]),
        ("x = (", [1]),  # syntax error
        ("%load_ext foo\nx = 1", [1]),
    ],
)
def test_parameters_literal(source: str, bad_lines: list[int]) -> None:
    found = run(T.make([params(source)]), "NBG202")
    assert [f.line for f in found] == bad_lines


def test_parameters_only_first_tagged_cell_and_python_only() -> None:
    nb = T.make([params("x = 1"), params("y = f()")])
    assert run(nb, "NBG202") == []
    r_nb = T.make(
        [params("x <- Sys.Date()")],
        metadata={"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}},
    )
    assert run(r_nb, "NBG202") == []


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("name = input('name? ')", [1]),
        ("import getpass\npw = getpass.getpass()", [2]),
        ("from getpass import getpass\npw = getpass()", [2]),
        ("x = 1\nif x:\n    y = input()", [3]),
        ("# input() is not used here\nx = 'input()'", []),
        ("user = getpass.getuser()", []),
        ("data.input(3)\ninput_size = 3", []),
        ("%time x = input()\ny = 1", [1]),
        ("%%time\nx = input()", [2]),
        ("x = !ls\nname = input()", [2]),
        ("%%bash\nread -p name", []),
    ],
)
def test_interactive_input(source: str, lines: list[int]) -> None:
    found = run(T.make([params(), T.code(source)]), "NBG203")
    assert [f.line for f in found] == lines


def test_interactive_input_falls_back_to_text_when_not_python() -> None:
    found = run(T.make([params(), T.code("x = (\nname = input()")]), "NBG203")
    assert [f.line for f in found] == [2]


@pytest.mark.parametrize(
    ("line", "hit"),
    [
        ("!pip install pandas", True),
        ("%pip install -q pandas==2.2", True),
        ("  !pip3 install x", True),
        ("%conda install -y numpy", True),
        ("!mamba install numpy", True),
        ("!python -m pip install x", True),
        ("!uv pip install x", True),
        ("out = !pip install x", True),
        ("# !pip install pandas", False),
        ("print('pip install x')", False),
        ("!pip list", False),
        ("%pip uninstall x", False),
    ],
)
def test_install(line: str, hit: bool) -> None:
    assert bool(run(T.make([params(), T.code(line)]), "NBG204")) == hit


@pytest.mark.parametrize(
    ("line", "paths"),
    [
        ("pd.read_csv('/Users/alice/data.csv')", ["/Users/alice/data.csv"]),
        ('open("/home/bob/x.txt")', ["/home/bob/x.txt"]),
        ("p = r'C:\\Users\\carol\\data.csv'", ["C:\\Users\\carol\\data.csv"]),
        ("p = 'D:/data/x.csv'", ["D:/data/x.csv"]),
        ("p = 'file:///home/dan/x'", ["/home/dan/x"]),
        ("url = 'https://example.com/home/page'", []),
        ("p = 'data/home/x.csv'", []),
        ("p = './home/x'", []),
        ("x = {'a':1}", []),
        ("# see /Users/alice/notes.txt", []),
        ("p = Path.home() / 'x'", []),
    ],
)
def test_absolute_local_paths(line: str, paths: list[str]) -> None:
    found = run(T.make([params(), T.code(line)]), "NBG205")
    assert [f.message.split("'")[1].replace("\\\\", "\\") for f in found] == paths


@pytest.mark.parametrize(
    ("line", "hit"),
    [
        ("%run helpers.ipynb", True),
        ("%run -i ./lib/setup.ipynb", True),
        ("%run 'my notes.ipynb'", True),
        ("%run helpers.ipynb.py", False),
        ('%run "other.ipynb"', True),
        ("%run helpers.py", False),
        ("# %run helpers.ipynb", False),
    ],
)
def test_run_notebook(line: str, hit: bool) -> None:
    assert bool(run(T.make([params(), T.code(line)]), "NBG206")) == hit


@pytest.mark.parametrize(
    ("source", "parses"),
    [
        ("x = 1", True),
        ("%matplotlib inline\nx = 1", True),
        ("df?\nx = 1", True),
        ("files = !ls\n", True),
        ("msg = ('%s'\n       % x)", True),
        ("def f(:\n", False),
    ],
)
def test_parse_ipython(source: str, parses: bool) -> None:
    assert (parse_ipython(source) is not None) == parses


# ----------------------------------------------------------------- 4xx


def test_complexity_limits_are_strict_greater_than() -> None:
    nb = T.make([params(), T.code("a\nb\nc")])
    assert (
        run(nb, "NBG4", size=100, max_cells=2, max_lines_per_cell=3, max_notebook_bytes=100) == []
    )
    found = run(nb, "NBG4", size=101, max_cells=1, max_lines_per_cell=2, max_notebook_bytes=100)
    assert where(found) == [("NBG401", None, None), ("NBG403", None, None), ("NBG402", 2, None)]
