"""``nbgate export`` over a real registry (written with the registry store)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nbgate.cli.main import main
from testing.production import Project, add_revision, make_project, promote


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    made = make_project(tmp_path / "project")
    promote(made, "sales", schedule="0 6 * * *", timezone="Europe/Berlin", owners=("alice",))
    promote(made, "refresh", schedule="*/15 * * * *", execution={"concurrency": 2})
    promote(made, "old")
    add_revision(made.config(), "old", action="pause")
    monkeypatch.chdir(made.root)
    return made


def test_cron_to_stdout_has_only_active_schedules(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "cron", "--allow-defaults"]) == 0
    text = capsys.readouterr().out
    assert "nbgate run sales --date today" in text and "nbgate run refresh --date today" in text
    assert " old " not in text
    assert f"cd {project.root} && " in text  # the project root when export.workdir is not set
    assert text.index("# refresh") < text.index("# sales")


def test_k8s_to_stdout_is_one_yaml_stream(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--set", "export.image=example.com/nb:2", "export", "k8s"]) == 0
    documents = list(yaml.safe_load_all(capsys.readouterr().out))
    assert [d["metadata"]["name"] for d in documents] == ["nbgate-refresh", "nbgate-sales"]
    assert [d["spec"]["concurrencyPolicy"] for d in documents] == ["Allow", "Forbid"]
    container = documents[1]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "example.com/nb:2" and "workingDir" not in container


def test_airflow_needs_a_folder(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "airflow", "--allow-defaults"]) == 2
    assert "give --out DIR" in capsys.readouterr().err


def test_out_folder_follows_the_registry(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dags = tmp_path / "dags"
    assert main(["export", "airflow", "--allow-defaults", "--out", str(dags)]) == 0
    assert sorted(p.name for p in dags.iterdir()) == ["nbgate_refresh.py", "nbgate_sales.py"]
    assert main(["export", "airflow", "--allow-defaults", "--out", str(dags), "--check"]) == 0
    capsys.readouterr()

    add_revision(project.config(), "refresh", action="pause")
    assert main(["export", "airflow", "--allow-defaults", "--out", str(dags), "--check"]) == 1
    assert f"would remove {dags / 'nbgate_refresh.py'}" in capsys.readouterr().out
    assert (dags / "nbgate_refresh.py").exists()
    assert main(["export", "airflow", "--allow-defaults", "--out", str(dags)]) == 0
    assert sorted(p.name for p in dags.iterdir()) == ["nbgate_sales.py"]


def test_broken_registry_fails_the_export(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project.root / "registry/sales/0001.yaml").write_text("schema: 1\nname: sales\n")
    assert main(["export", "cron", "--allow-defaults"]) == 1
    assert "0001.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kind", "keys"),
    [
        ("cron", "export.command, export.workdir"),
        ("airflow", "export.command, export.workdir"),
        ("k8s", "export.image"),
    ],
)
def test_deployment_keys_at_their_defaults_are_refused(
    project: Project, tmp_path: Path, kind: str, keys: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["export", kind, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"export {kind}: {keys} not set" in err and "--allow-defaults" in err
    assert not out.exists()


def test_init_writes_the_deployment_and_export_uses_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "init",
                "--workdir",
                "/srv/app",
                "--command",
                "/opt/venv/bin/nbgate",
                "--image",
                "registry.example/app:1",
            ]
        )
        == 0
    )
    assert "[tool.nbgate.export]" in (project.root / "pyproject.toml").read_text()
    capsys.readouterr()
    assert main(["export", "cron"]) == 0
    text = capsys.readouterr().out
    assert "cd /srv/app && " in text and " /opt/venv/bin/nbgate run sales --date today" in text
    assert main(["export", "k8s"]) == 0
    assert 'image: "registry.example/app:1"' in capsys.readouterr().out
    assert (
        main(["init", "--workdir", "/elsewhere"]) == 0
    )  # an existing table is kept, never overwritten
    assert "/elsewhere" not in (project.root / "pyproject.toml").read_text()
