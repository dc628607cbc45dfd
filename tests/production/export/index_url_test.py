"""Exported jobs find the shared run index: a Kubernetes Secret, an Airflow Variable, the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from nbgate.cli.main import main
from nbgate.production.export import render
from nbgate.production.export.k8s import resource_name
from tests.production.export.conftest import JOBS, OPTIONS
from tests.production.export.k8s_test import _cronjob


def test_k8s_takes_the_url_from_a_secret() -> None:
    options = OPTIONS._replace(index_secret="nbgate-run-index", index_secret_key="database-url")
    job = JOBS[1]
    text = render("k8s", [job], options)[f"{resource_name(job.name)}.yaml"]
    document = yaml.safe_load(text)
    [container] = _cronjob(document).spec.job_template.spec.template.spec.containers
    [pod_name, url] = container.env
    assert pod_name.name == "POD_NAME"
    assert url.name == "NBGATE_RUN_INDEX_URL" and url.value is None
    assert (url.value_from.secret_key_ref.name, url.value_from.secret_key_ref.key) == (
        "nbgate-run-index",
        "database-url",
    )
    # without a Secret the manifest is exactly as before (goldens unchanged)
    assert (
        "NBGATE_RUN_INDEX_URL"
        not in render("k8s", [job], OPTIONS)[f"{resource_name(job.name)}.yaml"]
    )


def test_airflow_takes_the_url_from_a_variable() -> None:
    options = OPTIONS._replace(index_variable="nbgate_run_index_secret")
    source = render("airflow", [JOBS[1]], options)["nbgate_daily_sales.py"]
    ast.parse(source)
    assert '"NBGATE_RUN_INDEX_URL": "{{ var.value.nbgate_run_index_secret }}"' in source
    assert (
        "NBGATE_RUN_INDEX_URL" not in render("airflow", [JOBS[1]], OPTIONS)["nbgate_daily_sales.py"]
    )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("index_secret", "Bad_Name"),
        ("index_secret", 'x"\\n        - name: EVIL'),
        ("index_secret_key", "a key"),
        ("index_variable", "x }}{{ 7*7"),
        ("index_variable", "a.b"),
    ],
)
def test_names_the_engines_cannot_take_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
) -> None:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    (tmp_path / "pyproject.toml").write_text(f'[tool.nbgate.export]\n{option} = "{escaped}"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["export", "k8s", "--allow-defaults"]) == 2
    err = capsys.readouterr().err
    assert f"export.{option} = " in err and "not a" in err and len(err.strip().splitlines()) == 1
