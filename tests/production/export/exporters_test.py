"""``nbgate.production.export``: dispatch, determinism and the output-folder sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.production.export import KINDS, MARKER, ExportJob, deadline, render, sync
from tests.production.export.conftest import JOBS, OPTIONS


@pytest.mark.parametrize("kind", KINDS)
def test_output_is_deterministic_and_sorted(kind: str) -> None:
    first = render(kind, JOBS, OPTIONS)
    assert render(kind, list(reversed(JOBS)), OPTIONS) == first
    for text in first.values():
        assert text.startswith(MARKER) and text.endswith("\n")
        assert "2026" not in text and "T0" not in text  # no timestamps


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown export format 'nomad'"):
        render("nomad", JOBS, OPTIONS)


@pytest.mark.parametrize(("timeout", "expected"), [(None, None), (600.0, 660), (0.5, 61)])
def test_deadline_leaves_nbgate_time_to_write_the_output(
    timeout: float | None, expected: int | None
) -> None:
    assert deadline(ExportJob("a", "* * * * *", timeout=timeout)) == expected


def test_sync_writes_changes_removes_stale_generated_files_only(tmp_path: Path) -> None:
    out = tmp_path / "dags"
    first = sync(out, {"a.py": f"{MARKER} x\n1\n", "b.py": f"{MARKER} x\n2\n"})
    assert first.written == ("a.py", "b.py") and not first.removed
    (out / "mine.py").write_text("# a hand-written DAG\n")
    before = (out / "a.py").stat().st_mtime_ns
    second = sync(out, {"a.py": f"{MARKER} x\n1\n"})
    assert (second.written, second.removed, second.unchanged) == ((), ("b.py",), ("a.py",))
    assert (out / "a.py").stat().st_mtime_ns == before  # unchanged files are not rewritten
    assert sorted(p.name for p in out.iterdir()) == ["a.py", "mine.py"]


def test_sync_check_writes_nothing(tmp_path: Path) -> None:
    result = sync(tmp_path / "out", {"crontab": f"{MARKER} cron\n"}, check=True)
    assert result.written == ("crontab",)
    assert not (tmp_path / "out").exists()
