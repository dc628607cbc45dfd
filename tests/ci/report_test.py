"""``nbgate ci``'s report and annotations: escaped, masked and bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbgate.ci.annotations import annotation
from nbgate.ci.checks import Outcome
from nbgate.ci.report import report
from nbgate.diff.model import MODIFIED, FileDiff, diff_notebooks
from nbgate.gate import FAIL, PASS, SKIP, StageResult
from testing import notebooks as nbs


def _nb(*sources: str) -> dict[str, Any]:
    return nbs.make([nbs.code("n = 1", tags=["parameters"]), *(nbs.code(s) for s in sources)])


@pytest.mark.parametrize(
    ("level", "detail", "expected"),
    [
        (
            "error",
            "nb/a.ipynb: outputs in cell 2",
            "::error file=nb/a.ipynb,title=nbgate x::outputs in cell 2",
        ),
        (
            "error",
            "nb/a.ipynb:cell 3: NBG101 bad",
            "::error file=nb/a.ipynb,title=nbgate x::NBG101 bad (cell 3)",
        ),
        (
            "warning",
            "no file here: 100%\nline two",
            "::warning title=nbgate x::no file here: 100%25%0Aline two",
        ),
        ("error", "dir,x/a b.ipynb: y", "::error file=dir%2Cx/a b.ipynb,title=nbgate x::y"),
    ],
)
def test_annotation(level: str, detail: str, expected: str, tmp_path: Path) -> None:
    assert annotation(level, detail, "nbgate x", tmp_path) == expected


def test_report_leaves_out_diffs_beyond_the_size_limit() -> None:
    big = [
        FileDiff(f"n{k}.ipynb", MODIFIED, diff_notebooks(_nb("a" * 300), _nb("b" * 300)))
        for k in range(5)
    ]
    outcomes = [
        Outcome(StageResult("strip", PASS, "ok"), 0.1),
        Outcome(StageResult("lint", FAIL, "a|b", ("x",)), 0),
        Outcome(StageResult("smoke", SKIP, "off"), 0),
    ]
    text = report(outcomes, big, "main", ["n0.ipynb"], failed=True, limit=2500)
    assert "| lint | ❌ fail | a&#124;b | 0.0s |" in text
    assert (
        "#### <code>n0.ipynb</code> (modified)" in text and "n4.ipynb</code> (modified)" not in text
    )
    assert (
        "section(s) left out to keep this summary under GitHub's size limit: see diff.html" in text
    )
    assert len(text) < 2700
