from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nbgate.production.export import render, sync
from tests.production.export.conftest import JOBS, OPTIONS


def test_matches_golden(golden: Callable[[str, dict[str, str]], None]) -> None:
    golden("airflow", render("airflow", JOBS, OPTIONS))


def _dag_kwargs(source: str) -> dict[str, Any]:
    """The literal keyword arguments of the ``DAG(...)`` call, read with ``ast``."""
    tree = ast.parse(source)
    [call] = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "DAG"
    ]
    result: dict[str, Any] = {}
    for keyword in call.keywords:
        try:
            result[str(keyword.arg)] = ast.literal_eval(keyword.value)
        except ValueError:
            result[str(keyword.arg)] = ast.unparse(keyword.value)
    return result


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "daily-sales",
            {
                "dag_id": "daily-sales",
                "schedule": "CronTriggerTimetable('0 6 * * *', timezone='Europe/Berlin')",
                "catchup": False,
                "max_active_runs": 1,
                "tags": ["nbgate", "alice", "bob"],
                "start_date": "pendulum.datetime(2024, 1, 1, tz='Europe/Berlin')",
            },
        ),
        (
            "hourly_refresh",
            {
                "dag_id": "hourly_refresh",
                "schedule": "CronTriggerTimetable('15 * * * *', timezone='UTC')",
                "max_active_runs": 3,
                "tags": ["nbgate"],
                "start_date": "pendulum.datetime(2024, 1, 1, tz='UTC')",
            },
        ),
    ],
)
def test_dag_files_parse_with_ast(name: str, expected: dict[str, Any]) -> None:
    files = render("airflow", JOBS, OPTIONS)
    kwargs = _dag_kwargs(files[f"nbgate_{name.replace('-', '_')}.py"])
    assert {key: kwargs[key] for key in expected} == expected
    for source in files.values():
        compile(source, "dag.py", "exec")


def test_one_date_rule_on_every_engine() -> None:
    """Issue 12.7: Airflow 2 and 3 both get a trigger timetable, so ``--date`` is the day the run is due,
    as cron and Kubernetes pass it (``--date today`` in the schedule's timezone)."""
    for source in render("airflow", JOBS, OPTIONS).values():
        tree = ast.parse(source)
        imports = [
            (node.module, alias.name)
            for node in tree.body
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        ]
        assert (
            "airflow.timetables.trigger",
            "CronTriggerTimetable",
        ) in imports  # outside the try: both majors
        assert "CronDataIntervalTimetable" not in source and "data_interval" not in source
        schedule = _dag_kwargs(source)["schedule"]
        assert schedule.startswith("CronTriggerTimetable(") and "timezone=" in schedule
    for job in JOBS:
        assert job.schedule in render("cron", [job], OPTIONS)["crontab"]


def _airflow_python() -> str | None:
    """An interpreter with Apache Airflow: this one, or ``AIRFLOW_PYTHON``."""
    if importlib.util.find_spec("airflow") is not None:
        return sys.executable
    return os.environ.get("AIRFLOW_PYTHON") or None


# Loads the folder with Airflow's own DagBag and renders the task's templated
# env for a scheduled run, in a subprocess: importing Airflow configures
# logging and settings process-wide, which must not leak into other tests.
_LOAD = r"""
import json, sys, types
import pendulum
try:
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3
    bag = DagBag(dag_folder=sys.argv[1])
except ImportError:
    from airflow.models.dagbag import DagBag  # Airflow 2
    bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
from airflow.timetables.base import TimeRestriction
result = {"errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": {}}
monday = pendulum.datetime(2024, 3, 4, 12, 0, tz="UTC")
when = pendulum.datetime(2024, 3, 9, 23, 30, tz="UTC")  # 10 March in Berlin, 9 March in New York
for dag_id, dag in sorted(bag.dags.items()):
    task = dag.tasks[0]
    timetable = dag.timetable
    context = {"logical_date": when, "dag_run": types.SimpleNamespace(run_after=when),
               "run_id": "scheduled__2024-03-09T23:30:00+00:00", "ti": types.SimpleNamespace(try_number=2)}
    result["dags"][dag_id] = {
        "schedule": getattr(timetable, "expression", None) or getattr(timetable, "_expression", None),
        "timezone": str(getattr(timetable, "timezone", None) or getattr(timetable, "_timezone", None)),
        "max_active_runs": dag.max_active_runs, "catchup": dag.catchup, "tags": sorted(dag.tags),
        "owner": task.owner, "retries": task.retries, "retry_delay": task.retry_delay.total_seconds(),
        "execution_timeout": task.execution_timeout.total_seconds() if task.execution_timeout else None,
        "bash_command": task.bash_command, "cwd": task.cwd, "env": task.render_template(task.env, context),
        "timetable": type(timetable).__name__,
        "next_logical_date": timetable.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(earliest=monday, latest=None, catchup=True)).logical_date.isoformat(),
    }
print(json.dumps(result))
"""


def test_real_airflow_loads_the_dags(tmp_path: Path) -> None:
    python = _airflow_python()
    if python is None:
        pytest.skip(
            "Apache Airflow is not installed (set AIRFLOW_PYTHON to an interpreter that has it)"
        )
    dags = tmp_path / "dags"
    sync(dags, render("airflow", JOBS, OPTIONS))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    }
    done = subprocess.run(
        [python, "-c", _LOAD, str(dags)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["errors"] == {}
    assert sorted(loaded["dags"]) == ["daily-sales", "hourly_refresh", "month-end"]
    daily = loaded["dags"]["daily-sales"]
    assert {
        k: daily[k]
        for k in (
            "schedule",
            "timezone",
            "max_active_runs",
            "catchup",
            "tags",
            "owner",
            "retries",
            "retry_delay",
            "execution_timeout",
            "cwd",
        )
    } == {
        "schedule": "0 6 * * *",
        "timezone": "Europe/Berlin",
        "max_active_runs": 1,
        "catchup": False,
        "tags": ["alice", "bob", "nbgate"],
        "owner": "alice,bob",
        "retries": 2,
        "retry_delay": 300.0,
        "execution_timeout": 3660.0,
        "cwd": "/srv/analytics",
    }
    # the logical date is taken in the schedule's timezone; the run id is a valid nbgate run id
    assert daily["env"] == {
        "NBGATE_LOGICAL_DATE": "2024-03-10",
        "NBGATE_AIRFLOW_RUN_ID": "airflow-scheduled__2024-03-09T2330000000-2",
    }
    assert daily["bash_command"] == (
        'nbgate run daily-sales --date "$NBGATE_LOGICAL_DATE" '
        '--run-id "$NBGATE_AIRFLOW_RUN_ID" --retries 0'
    )
    # one date rule: the run due Tuesday 06:00 in Berlin has Tuesday as its logical date (Airflow 2's
    # default CronDataIntervalTimetable would say Monday)
    assert daily["timetable"] == "CronTriggerTimetable"
    assert daily["next_logical_date"].startswith("2024-03-05T05:00:00")  # 06:00 in Berlin, in UTC
    month_end = loaded["dags"]["month-end"]
    assert (month_end["timezone"], month_end["env"]["NBGATE_LOGICAL_DATE"]) == (
        "America/New_York",
        "2024-03-09",
    )
    hourly = loaded["dags"]["hourly_refresh"]
    assert (hourly["max_active_runs"], hourly["execution_timeout"], hourly["owner"]) == (
        3,
        None,
        "nbgate",
    )
