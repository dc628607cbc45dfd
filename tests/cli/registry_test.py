from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from nbgate.cli import main as main_module
from nbgate.registry import model, store
from testing.registry import Project

DAILY = ["promote", "reports/daily.ipynb", "--name", "daily", "--schedule", "0 6 * * 1-5", "--yes"]


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    made = Project(tmp_path / "repo")
    monkeypatch.chdir(made.root)
    assert main_module.main(DAILY) == 0
    made.repo.commit_all("promote daily")
    capsys.readouterr()
    return made


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main_module.main(["--color", "never", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def folder(project: Project, name: str = "daily") -> Path:
    return project.root / "registry" / name


def verify(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code, out, err = run(capsys, "registry", "verify", *extra)
    return code, out + err


# ---------------------------------------------------------------- inspecting


def test_list_show_history(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "registry", "pause", "daily")[0] == 0
    code, out, _ = run(capsys, "registry", "list")
    assert code == 0
    assert out.splitlines()[2].split() == [
        "daily",
        "paused",
        "2",
        "reports/daily.ipynb",
        "0",
        "6",
        "*",
        "*",
        "1-5",
        "UTC",
    ]
    code, out, _ = run(capsys, "registry", "show", "daily", "--rev", "1")
    assert code == 0 and "registry/daily/0001.yaml" in out and "action: promote" in out
    assert yaml.safe_load(out.split("\n", 1)[1])["rev"] == 1
    code, out, _ = run(capsys, "registry", "history", "daily")
    assert code == 0 and "pause (of 1)" in out and "nbgate tests <test@example.com>" in out
    code, _, err = run(capsys, "registry", "show", "daily", "--rev", "9")
    assert code == 1 and "has no revision 9 (it has 1-2)" in err
    code, _, err = run(capsys, "registry", "show", "nope")
    assert code == 1 and "no schedule named 'nope'" in err


@pytest.mark.parametrize("name", ["..", "../../etc", "/tmp", "a/b", "UPPER"])
@pytest.mark.parametrize("command", ["show", "history", "pause", "resume", "retire"])
def test_path_traversal_names(
    project: Project, capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    code, _, err = run(capsys, "registry", command, name)
    assert code == 1 and "invalid schedule name" in err
    assert sorted(p.name for p in (project.root / "registry").iterdir()) == ["daily"]


def test_list_reports_a_broken_schedule(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder(project) / "0001.yaml").write_text("name: [\n")
    code, out, err = run(capsys, "registry", "list")
    assert code == 1 and "broken" in out and "0001.yaml: not valid YAML" in err


# ---------------------------------------------------------------- state changes


def test_pause_resume_retire(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "registry", "pause", "daily")
    assert code == 0 and "paused 'daily': revision 2 (registry/daily/0002.yaml)" in out
    code, _, err = run(capsys, "registry", "pause", "daily")
    assert code == 4 and "cannot pause schedule 'daily': it is paused" in err
    assert run(capsys, "registry", "resume", "daily")[0] == 0
    code, _, err = run(capsys, "registry", "resume", "daily")
    assert code == 4 and "it is active" in err
    code, _, err = run(capsys, "registry", "retire", "daily")
    assert code == 2 and "pass --yes" in err
    assert run(capsys, "registry", "retire", "daily", "--yes")[0] == 0
    schedule = store.load_schedule(project.config, "daily")
    assert [r.action for r in schedule.revisions] == ["promote", "pause", "resume", "retire"]
    assert [r.source_rev for r in schedule.revisions] == [None, 1, 2, 3]
    assert {r.source_sha256 for r in schedule.revisions} == {project.sha}
    assert schedule.state == "retired" and store.active_revision(project.config, "daily") is None
    for command in ("resume", "pause", "retire"):
        assert (
            run(capsys, "registry", command, "daily", *(["--yes"] if command == "retire" else []))[
                0
            ]
            == 4
        )
    assert verify(capsys)[0] == 0


def _promote_second(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.edit("print('version 2')")
    assert run(capsys, *DAILY)[0] == 0
    project.repo.commit_all("promote rev 2")


def test_rollback(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    first_sha = project.sha
    _promote_second(project, capsys)
    code, out, err = run(capsys, "registry", "rollback", "daily", "--to", "1")
    assert code == 0, err
    assert f"rolled 'daily' back to revision 1 ({first_sha[:12]}): revision 3" in out
    latest = store.load_schedule(project.config, "daily").latest
    assert (
        latest.action == "rollback" and latest.source_sha256 == first_sha and latest.source_rev == 1
    )
    code, _, err = run(capsys, "registry", "rollback", "daily", "--to", "3")
    assert code == 4 and "already the latest revision" in err
    code, _, err = run(capsys, "registry", "rollback", "daily", "--to", "7")
    assert code == 1 and "has no revision 7" in err


def test_rollback_refused_when_evidence_no_longer_matches(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    first = store.load_schedule(project.config, "daily").latest
    _promote_second(project, capsys)
    # the ledger now says that content fails (a changed environment): rolling back to it is refused
    from testing.registry import write_evidence

    write_evidence(project.root / ".nbgate", first.source_sha256, outcome="failed")
    code, _, err = run(capsys, "registry", "rollback", "daily", "--to", "1")
    assert code == 4 and "the latest smoke test of that content did not pass" in err


def test_rollback_refused_when_the_notebook_is_gone_from_history(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    _promote_second(project, capsys)
    path = folder(project) / "0003.yaml"
    schedule = store.load_schedule(project.config, "daily")
    forged = dataclasses.replace(
        schedule.revisions[0],
        rev=3,
        commit="0" * 40,
        blob="",
        previous_sha256=schedule.files[-1].sha256,
    )
    path.write_bytes(model.dumps(forged))
    assert run(capsys, "registry", "pause", "daily")[0] == 0
    code, _, err = run(capsys, "registry", "rollback", "daily", "--to", "3")
    assert code == 4 and "is not in this clone's history" in err


# ---------------------------------------------------------------- verify


def test_verify_clean_registry(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = verify(capsys)
    assert code == 0 and "registry: 1 schedule(s), 1 revision file(s): ok" in text
    code, out, _ = run(capsys, "registry", "verify", "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []


def test_verify_without_registry_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Project(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    code, text = verify(capsys)
    assert code == 0 and "no registry folder (registry): nothing to verify" in text
    code, out, _ = run(capsys, "gate", "--only", "registry")
    assert code == 0 and "no registry folder" in out


def test_edited_revision_file(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = folder(project) / "0001.yaml"
    path.write_text(path.read_text().replace('schedule: "0 6 * * 1-5"', 'schedule: "0 7 * * 1-5"'))
    code, text = verify(capsys)
    assert code == 1
    assert (
        "registry/daily/0001.yaml: revision file modified since HEAD: revision files are immutable"
        in text
    )
    base = project.repo.git("rev-parse", "HEAD").strip()
    project.repo.commit_all("sneaky edit")
    assert verify(capsys)[0] == 0  # HEAD now has the edit...
    code, text = verify(
        capsys, "--base", base
    )  # ...but a pull request against the old base shows it
    assert code == 1 and f"modified since {base}" in text


def test_deleted_revision_file(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "registry", "pause", "daily")[0] == 0
    project.repo.commit_all("pause")
    (folder(project) / "0001.yaml").unlink()
    code, text = verify(capsys)
    assert code == 1
    assert "0001.yaml: revision file deleted since HEAD" in text
    assert "revision 1 is missing" in text
    project.repo.git("checkout", "--", "registry")
    base = project.repo.git("rev-parse", "HEAD").strip()
    (folder(project) / "0002.yaml").unlink()
    project.repo.commit_all("drop the pause")
    code, text = verify(capsys, "--base", base)
    assert code == 1 and "0002.yaml: revision file deleted since" in text


def test_broken_chain(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    first = store.load_schedule(project.config, "daily").latest
    forged = dataclasses.replace(
        first, rev=2, action="pause", source_rev=1, previous_sha256="0" * 64
    )
    (folder(project) / "0002.yaml").write_bytes(model.dumps(forged))
    code, text = verify(capsys)
    assert (
        code == 1 and "0002.yaml: previous_sha256 does not match the previous revision file" in text
    )


def test_edited_promoted_notebook_is_drift(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.edit("print('hotfix')", commit=False)
    assert verify(capsys)[0] == 0  # unstaged edits are the author's business
    project.repo.git("add", "-A")
    code, text = verify(capsys)  # staged: the commit being made would drift
    assert (
        code == 1
        and "drift: reports/daily.ipynb changed since schedule 'daily' was promoted" in text
    )
    assert "re-promote or revert" in text
    project.repo.commit_all("hotfix without promotion")
    assert verify(capsys)[0] == 1
    code, out, _ = run(capsys, "gate", "--only", "registry")
    assert code == 1 and "drift" in out
    project.add_evidence()
    assert run(capsys, *DAILY)[0] == 0
    assert verify(capsys)[0] == 0


def test_deleted_notebook_is_drift_but_not_for_paused_schedules(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.git("rm", "-q", "reports/daily.ipynb")
    code, text = verify(capsys)
    assert code == 1 and "is not in git any more (deleted or renamed): re-promote or revert" in text
    assert run(capsys, "registry", "pause", "daily")[0] == 0
    assert verify(capsys)[0] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schedule": "0 6 31 2 7x"}, "day of week"),
        ({"timezone": "Mars/Base"}, "unknown timezone 'Mars/Base'"),
        (
            {"evidence": {"source_sha256": "1" * 64, "outcome": "passed"}},
            "its evidence is for other content",
        ),
        (
            {"evidence": {"source_sha256": "SAME", "outcome": "failed"}},
            "its evidence is not a passing run",
        ),
        (
            {"action": "pause", "source_rev": 1, "schedule": "0 1 * * *"},
            "a pause may not change what runs, but schedule differ from revision 1",
        ),
        ({"action": "resume", "source_rev": None}, "a resume must name an earlier source_rev"),
    ],
)
def test_semantic_findings(
    project: Project, capsys: pytest.CaptureFixture[str], change: dict[str, object], message: str
) -> None:
    stored = store.load_schedule(project.config, "daily").files[0]
    data = stored.revision.to_dict()
    data.update(change, rev=2, previous_sha256=stored.sha256)
    if isinstance(data["evidence"], dict) and data["evidence"].get("source_sha256") == "SAME":
        data["evidence"]["source_sha256"] = stored.revision.source_sha256
    (folder(project) / "0002.yaml").write_bytes(model.yamlio.dumps(data))
    code, text = verify(capsys)
    assert code == 1 and message in text


def test_malformed_misnamed_and_stray_files(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder(project) / "0002.yaml").write_text("rev: [\n")
    (folder(project) / "3.yaml").write_text("x: 1\n")
    (project.root / "registry" / "Bad Name").mkdir()
    (folder(project) / ".0004.yaml.1.ab.tmp").write_text("partial")
    code, text = verify(capsys)
    assert code == 1
    assert "registry/daily/0002.yaml: not valid YAML" in text
    assert "registry/daily/3.yaml: not a revision file name" in text
    assert "registry/Bad Name: not a valid schedule name" in text
    assert "left behind by an interrupted promotion" in text
    code, out, _ = run(capsys, "registry", "verify", "--format", "github")
    assert "::error file=registry/daily/0002.yaml,title=nbgate registry::not valid YAML" in out


def test_verify_outside_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from testing.registry import revision

    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    monkeypatch.chdir(tmp_path)
    from nbgate import config as config_module

    store.create_revision(config_module.load(tmp_path, env={}), revision())
    code, text = verify(capsys)
    assert code == 1 and "not in a git repository" in text


def test_bad_base_ref_is_a_usage_error(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = verify(capsys, "--base", "no-such-branch")
    assert code == 2 and "--base 'no-such-branch': not a commit" in text


def test_pull_request_base_ignores_newer_revisions_on_main(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.git("checkout", "-q", "-b", "feature")
    assert run(capsys, "registry", "pause", "daily")[0] == 0
    project.repo.commit_all("pause on feature")
    project.repo.git("checkout", "-q", "main")
    project.add_evidence()
    (project.root / "notes.txt").write_text("main moves on\n")
    project.repo.commit_all("main moves on")
    project.repo.git("checkout", "-q", "feature")
    assert verify(capsys, "--base", "main")[0] == 0


def test_hook_manifest_runs_verify_on_registry_changes(repo_root: Path) -> None:
    hooks = {
        hook["id"]: hook
        for hook in yaml.safe_load((repo_root / ".pre-commit-hooks.yaml").read_text())
    }
    hook = hooks["nbgate-registry"]
    assert hook["entry"] == "nbgate registry verify --hook"
    # every commit: the hook itself decides (fast) whether a registry file or promoted notebook is in it
    assert (
        "files" not in hook
        and hook.get("pass_filenames", True) is True
        and hook["always_run"] is True
    )


# ---------------------------------------------------------------- the pre-commit hook's filter


def test_hook_mode_verifies_only_commits_touching_promoted_work(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.root / "other.py").write_text("x = 1\n")
    project.repo.git("add", "other.py")
    assert verify(capsys, "--hook", "other.py") == (
        0,
        "no registry file and no promoted notebook in this commit: nothing to verify\n",
    )
    data = json.loads(project.notebook.read_text())
    data["cells"][2]["source"] = "print('edited')"
    project.notebook.write_text(json.dumps(data))
    project.repo.git("add", "-A")
    code, text = verify(capsys, "--hook", "other.py", "reports/daily.ipynb")
    assert (
        code == 1
        and "drift: reports/daily.ipynb changed since schedule 'daily' was promoted" in text
    )
    assert (
        verify(capsys, "--hook", "registry/daily/0001.yaml")[0] == 1
    )  # a registry file: full verify


def test_hook_mode_sees_a_staged_deletion(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.repo.git("rm", "-q", "reports/daily.ipynb")
    code, text = verify(capsys, "--hook")  # pre-commit passes no file for a deletion
    assert code == 1 and "is not in git any more" in text


def test_hook_mode_runs_the_full_verify_on_an_unreadable_revision(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder(project) / "0002.yaml").write_text("{not yaml")
    code, text = verify(capsys, "--hook", "unrelated.txt")
    assert code == 1 and "0002.yaml" in text
