"""The "schedules in this change" report: hostile names stay inert; the smoke step's runs are reused by identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.ci.annotations import annotation
from nbgate.ci.report import markdown_cell, schedules_table
from nbgate.ci.schedules import smoke_tested
from nbgate.config import load
from nbgate.identity import source_sha256
from nbgate.registry.retest import Row
from testing import notebooks as nbs

HOSTILE = "x|y`z`<img src=x onerror=alert(1)>[link](http://evil)\n## heading.ipynb"


def _row(**changes: object) -> Row:
    row = Row(
        "registry/a/0001.yaml",
        "a",
        "promote",
        "nb/a.ipynb",
        "f" * 64,
        "passed",
        1.25,
        ".nbgate/ci/executed/nb/a.ipynb",
        (),
        "ana@laptop at 2024-01-01T00:00:00Z (local: a cache, not proof)",
    )
    return row._replace(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("a|b", "|"),
        ("<script>", "<"),
        ("`code`", "`"),
        ("[x](http://e)", "["),
        ("![i](x)", "!"),
        ("one\ntwo", "\n"),
        ("a &amp; b", "&amp; b"),
    ],
)
def test_markdown_cell_leaves_no_markup(text: str, absent: str) -> None:
    assert absent not in markdown_cell(text)


def test_a_hostile_notebook_name_cannot_add_columns_lines_or_tags() -> None:
    lines = schedules_table(
        [
            _row(notebook=HOSTILE),
            _row(name="b", action="pause", result="not needed", seconds=0.0, artifact=""),
        ]
    )
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 4  # header, rule, two rows: the newline did not start a line
    assert all(line.count("|") == table[0].count("|") for line in table)  # no extra column
    assert "<img" not in "\n".join(lines) and "](http" not in "\n".join(lines)
    assert "✅ passed" in table[2] and "`ffffffffffff`" in table[2] and "1.2s" in table[2]
    assert "not needed" in table[3]


def test_annotations_on_revision_files_escape_the_message() -> None:
    line = annotation(
        "error",
        "registry/bad/0001.yaml: the smoke test failed\n::warning::injected",
        "nbgate schedules",
        Path.cwd(),
    )
    assert line.startswith("::error file=registry/bad/0001.yaml,title=nbgate schedules::")
    assert "\n" not in line and "%0A::warning::injected" in line


def test_smoke_step_results_are_reused_by_identity(tmp_path: Path) -> None:
    # pytest names cases from its rootdir, which may lie above the project ("above/project/nb/ok.ipynb")
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    ok = nbs.write(tmp_path / "nb" / "ok.ipynb", nbs.make([nbs.code("x = 1")]))
    bad = nbs.write(tmp_path / "nb" / "bad.ipynb", nbs.make([nbs.code("raise ValueError")]))
    nbs.write(tmp_path / "skipped.ipynb", nbs.make([nbs.code("y = 2")]))
    folder = tmp_path / ".nbgate" / "ci"
    folder.mkdir(parents=True)
    (folder / "smoke.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">'
        '<testcase classname="above.project.nb.ok.ipynb" name="smoke" time="1.5" />'
        '<testcase classname="nb.bad.ipynb" name="smoke" time="0.7"><failure message="boom">x</failure></testcase>'
        '<testcase classname="skipped.ipynb" name="smoke" time="0"><skipped message="nbgate.skip" /></testcase>'
        "</testsuite></testsuites>"
    )
    (folder / "executed" / "nb").mkdir(parents=True)
    (folder / "executed" / "nb" / "ok.ipynb").write_text("{}")
    found = smoke_tested(load(tmp_path), ["nb/ok.ipynb", "nb/bad.ipynb", "skipped.ipynb"], folder)
    ok_sha, bad_sha = (
        source_sha256(nbs.make([nbs.code(s)])) for s in ("x = 1", "raise ValueError")
    )
    assert set(found) == {
        ok_sha,
        bad_sha,
    }  # a skipped notebook was not executed: the re-test runs it itself
    assert found[ok_sha].outcome == "passed" and found[ok_sha].seconds == 1.5
    assert found[ok_sha].artifact == ".nbgate/ci/executed/nb/ok.ipynb"
    assert found[bad_sha].outcome == "failed" and found[bad_sha].artifact == ""
    assert ok.exists() and bad.exists()
