"""Which ``--date`` each engine passes for the same due run (issue 12.7), with a real Apache Airflow.

    AIRFLOW_PYTHON=/path/to/venv/bin/python python benchmarks/airflow_dates.py

Renders the Airflow DAGs for a weekday 06:00 Europe/Berlin schedule, loads
them with Airflow's own DagBag in the interpreter ``AIRFLOW_PYTHON`` names
(Airflow 2 or 3, installed in its own virtualenv: it is too heavy for the
suite's environment), asks the DAG's timetable for the first run due after
Monday noon, and prints that run's due time and the date each engine passes
to ``nbgate run --date``: cron and Kubernetes pass ``today`` in the
schedule's timezone at the moment the run is due; Airflow passes its logical
date. Exits 1 when Airflow's date differs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from nbgate.production.export import ExportJob, ExportOptions, render, sync

_LOAD = r"""
import json, sys, pendulum, airflow
try:
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3
    bag = DagBag(dag_folder=sys.argv[1])
except ImportError:
    from airflow.models.dagbag import DagBag  # Airflow 2
    bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
from airflow.timetables.base import TimeRestriction
dag = bag.dags["weekday"]
info = dag.timetable.next_dagrun_info(last_automated_data_interval=None, restriction=TimeRestriction(
    earliest=pendulum.datetime(2024, 3, 4, 12, 0, tz="UTC"), latest=None, catchup=True))
tz = "Europe/Berlin"
print(json.dumps({"airflow": airflow.__version__, "timetable": type(dag.timetable).__name__,
                  "due": info.run_after.in_timezone(tz).isoformat(),
                  "logical": info.logical_date.in_timezone(tz).strftime("%Y-%m-%d")}))
"""


def main() -> int:
    python = os.environ.get("AIRFLOW_PYTHON")
    if not python:
        print("set AIRFLOW_PYTHON to an interpreter with Apache Airflow", file=sys.stderr)
        return 2
    job = ExportJob("weekday", "0 6 * * 1-5", "Europe/Berlin")
    with tempfile.TemporaryDirectory() as folder:
        dags = Path(folder) / "dags"
        sync(dags, render("airflow", [job], ExportOptions.default()._replace(workdir="/srv/app")))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(AIRFLOW_HOME=str(Path(folder) / "home"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
        done = subprocess.run(
            [python, "-c", _LOAD, str(dags)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
    if done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    found = json.loads(done.stdout.strip().splitlines()[-1])
    due_day = found["due"][:10]
    rows = [
        ("cron", "--date today", due_day),
        ("k8s", "--date today", due_day),
        (f"airflow {found['airflow']} ({found['timetable']})", "logical date", found["logical"]),
    ]
    print(
        f"schedule 0 6 * * 1-5 Europe/Berlin; first run due after Monday 2024-03-04 12:00 UTC: {found['due']}"
    )
    print(f"{'engine':<48} {'passes':<14} --date")
    for engine, how, date in rows:
        print(f"{engine:<48} {how:<14} {date}")
    same = found["logical"] == due_day
    print("one date on every engine:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
