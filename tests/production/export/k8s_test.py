from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from nbgate.production.export import ExportJob, render
from nbgate.production.export.k8s import MAX_NAME, resource_name
from tests.production.export.conftest import JOBS, OPTIONS


def test_matches_golden(golden: Callable[[str, dict[str, str]], None]) -> None:
    golden("k8s", render("k8s", JOBS, OPTIONS))


def _cronjob(document: dict[str, Any]) -> Any:
    """Deserialise into the kubernetes client's V1CronJob model (validating required fields)."""
    from kubernetes.client import ApiClient

    api = ApiClient()
    try:  # kubernetes >= 35
        return api.deserialize(json.dumps(document), "V1CronJob", "application/json")
    except TypeError:  # older clients take a response object

        class Response:
            data = json.dumps(document)

        return api.deserialize(Response, "V1CronJob")


@pytest.mark.parametrize("job", JOBS, ids=[job.name for job in JOBS])
def test_manifests_are_valid_cronjobs(job: ExportJob) -> None:
    from kubernetes.client import ApiClient

    text = render("k8s", [job], OPTIONS)[f"{resource_name(job.name)}.yaml"]
    document = yaml.safe_load(text)
    cronjob = _cronjob(document)
    # a misspelt or misplaced field would be dropped by the model: the round trip must be lossless
    assert ApiClient().sanitize_for_serialization(cronjob) == document
    spec = cronjob.spec
    pod = spec.job_template.spec.template.spec
    [container] = pod.containers
    assert (cronjob.api_version, cronjob.kind) == ("batch/v1", "CronJob")
    assert (spec.schedule, spec.time_zone) == (job.schedule, job.timezone)
    assert spec.concurrency_policy == ("Forbid" if job.concurrency == 1 else "Allow")
    assert spec.job_template.spec.backoff_limit == job.retries
    assert pod.active_deadline_seconds == (None if job.timeout is None else int(job.timeout) + 60)
    assert pod.restart_policy == "Never"
    assert container.image == OPTIONS.image and container.working_dir == "/srv/analytics"
    assert container.command == [
        "nbgate",
        "run",
        job.name,
        "--date",
        "today",
        "--run-id",
        "$(POD_NAME)",
        "--retries",
        "0",
    ]
    assert container.env[0].value_from.field_ref.field_path == "metadata.name"
    assert cronjob.metadata.annotations["nbgate/owners"] == ",".join(job.owners)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("daily-sales", "nbgate-daily-sales"),
        (
            "hourly_refresh",
            "nbgate-hourly-refresh-",
        ),  # lossy: a hash keeps it apart from "hourly-refresh"
        ("x" * 63, "nbgate-" + "x" * 36 + "-"),
    ],
)
def test_resource_names_are_valid_and_distinct(name: str, expected: str) -> None:
    result = resource_name(name)
    assert result.startswith(expected)
    assert len(result) <= MAX_NAME
    assert result == result.lower() and all(c.isalnum() or c == "-" for c in result)
    assert resource_name("hourly-refresh") != resource_name("hourly_refresh")


def test_no_workdir_means_the_images_own() -> None:
    text = render("k8s", JOBS[:1], OPTIONS._replace(workdir=""))[
        f"{resource_name(JOBS[0].name)}.yaml"
    ]
    assert "workingDir" not in text
    assert (
        _cronjob(yaml.safe_load(text))
        .spec.job_template.spec.template.spec.containers[0]
        .working_dir
        is None
    )
