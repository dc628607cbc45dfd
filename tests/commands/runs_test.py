from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbgate import config as config_module
from nbgate.main import main
from nbgate.production.index import RunIndex


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunIndex:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    runs = RunIndex(config_module.load(tmp_path, env={}).state_dir / "runs.db")
    ok = runs.start(name="sales", rev=2, date="2024-05-01", run_id="r1", attempt=1,
                    output=str(tmp_path / ".nbgate/runs/sales/r1.ipynb"), source="git:abc",
                    source_sha256="x", parameters={"n": 1})
    runs.finish(ok, status="succeeded", duration=3.21)
    bad = runs.start(name="sales", rev=2, date="2024-05-02", run_id="r2", attempt=1,
                     output="s3://bucket/sales/r2.ipynb", source="git:abc", source_sha256="x", parameters={})
    runs.finish(bad, status="failed", duration=1.5, error="cell 4 (In [4]): KeyError: 'region'")
    runs.refused(name="cleanup", rev=1, date="2024-05-02", run_id="r3", error="cleanup is paused (rev 1)")
    return runs


def test_table_lists_newest_first_and_points_failed_runs_to_their_output(
        index: RunIndex, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--color", "never", "runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["started", "(UTC)", "name", "rev", "date", "run", "id", "status", "time", "output",
                                "error"]
    assert [line.split()[2:4] for line in lines[2:]] == [["cleanup", "1"], ["sales", "2"], ["sales", "2"]]
    assert "refused" in lines[2] and "cleanup is paused (rev 1)" in lines[2]
    assert "failed" in lines[3] and "s3://bucket/sales/r2.ipynb" in lines[3] and "KeyError: 'region'" in lines[3]
    assert "succeeded" in lines[4] and "3.2s" in lines[4] and ".nbgate/runs/sales/r1.ipynb" in lines[4]


def test_filters_and_json(index: RunIndex, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "sales", "--status", "failed", "--format", "json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert {k: record[k] for k in ("name", "run_id", "status", "output", "error", "duration")} == {
        "name": "sales", "run_id": "r2", "status": "failed", "output": "s3://bucket/sales/r2.ipynb",
        "error": "cell 4 (In [4]): KeyError: 'region'", "duration": 1.5,
    }
    assert main(["runs", "--limit", "1", "--format", "json"]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == ["r3"]
    assert main(["runs", "nosuch"]) == 0
    assert capsys.readouterr().out == "no runs of nosuch\n"


def test_no_index_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["runs", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not (tmp_path / ".nbgate").exists()


def test_bad_status_is_a_usage_error(index: RunIndex, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--status", "exploded"]) == 2
    assert "invalid choice" in capsys.readouterr().err
