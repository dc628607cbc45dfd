"""The registry's services called directly (no argparse): promote, pause, resume, retire, verify, the gate stage."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nbgate import output
from nbgate.errors import FAILED, OK, GateError, UsageError
from nbgate.gate import FAIL, PASS
from nbgate.registry import report, schedules, stage, store
from nbgate.registry.promote import promote
from testing.registry import Project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    made = Project(tmp_path / "repo")
    monkeypatch.chdir(made.root)
    output.configure(color="never", quiet=False)
    return made


def _states(project: Project) -> list[str]:
    return [r.state for r in store.load_schedule(project.config, "daily").revisions]


def test_promote_then_every_state_change_through_the_service_functions(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stage.run(project.config, ()).status == PASS  # no registry folder yet
    assert (
        promote(
            config=project.config,
            notebook=project.relative,
            name="daily",
            schedule="0 6 * * *",
            params=["limit=5"],
            yes=True,
        )
        == OK
    )
    assert "revision 1" in capsys.readouterr().out
    assert schedules.pause(config=project.config, name="daily") == OK
    assert schedules.resume(config=project.config, name="daily") == OK
    assert schedules.rollback(config=project.config, name="daily", to=1) == OK
    assert schedules.retire(config=project.config, name="daily", yes=True) == OK
    assert _states(project) == ["active", "paused", "active", "active", "retired"]
    out = capsys.readouterr().out
    assert "paused 'daily': revision 2" in out and "retired 'daily': revision 5" in out
    with pytest.raises(GateError):  # a retired schedule cannot be resumed
        schedules.resume(config=project.config, name="daily")
    assert len(_states(project)) == 5

    project.repo.commit_all("promote and retire daily")
    assert report.verify(config=project.config) == OK
    assert stage.run(project.config, ()).status == PASS
    (project.root / "registry" / "daily" / "0002.yaml").unlink()  # a committed revision vanishes
    assert report.verify(config=project.config) == FAILED
    result = stage.run(project.config, ())
    assert result.status == FAIL and any("0002.yaml" in detail for detail in result.details)


def test_retiring_asks_and_refuses_without_a_terminal(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        promote(
            config=project.config,
            notebook=project.relative,
            name="daily",
            schedule="0 6 * * *",
            yes=True,
        )
        == OK
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    with pytest.raises(UsageError, match="--yes"):
        schedules.retire(config=project.config, name="daily")
    assert _states(project) == ["active"]  # nothing written
    assert schedules.list_schedules(config=project.config) == OK
