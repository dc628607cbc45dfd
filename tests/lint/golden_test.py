"""Golden files for every rule: trigger, clean, suppressed by comment, suppressed by tag.

The table lives in ``testing/lint_cases.py``; each case's notebook and its
exact text report are stored under ``tests/lint/golden/<CODE>/``. Set
``NBGATE_UPDATE_GOLDEN=1`` to rewrite them after a deliberate change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nbgate.cli.main import main
from nbgate.lint import rules
from testing.lint_cases import CASES, GOLDEN, KINDS, NOT_APPLICABLE, Case

UPDATE = bool(os.environ.get("NBGATE_UPDATE_GOLDEN"))


def test_every_rule_has_every_kind() -> None:
    have = {(case.code, case.kind) for case in CASES}
    missing = [
        (code, kind)
        for code in rules()
        for kind in KINDS
        if (code, kind) not in have and (code, kind) not in NOT_APPLICABLE
    ]
    assert missing == []
    assert not set(NOT_APPLICABLE) & have


def test_no_stray_golden_files() -> None:
    expected = {
        f"{case.code}/{case.kind}{suffix}" for case in CASES for suffix in (".ipynb", ".txt")
    }
    stored = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert stored == expected


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_golden(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = GOLDEN / case.code / f"{case.kind}.ipynb"
    report = stored.with_suffix(".txt")
    if UPDATE:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(case.content())
    assert stored.read_bytes() == case.content(), (
        "golden notebook differs from testing/lint_cases.py"
    )

    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    (tmp_path / stored.name).write_bytes(stored.read_bytes())
    monkeypatch.chdir(tmp_path)
    settings = [arg for key, value in case.settings.items() for arg in ("--set", f"{key}={value}")]
    code = main(["--color", "never", *settings, "lint", "--select", case.code, stored.name])
    out = capsys.readouterr().out
    if UPDATE:
        report.write_text(out)
    assert out == report.read_text()

    severity = rules()[case.code].severity
    if case.kind == "trigger":
        assert f": {case.code} " in out
        assert code == (1 if severity == "error" else 0)
    else:
        assert out == "1 notebook(s) clean\n"
        assert code == 0
