"""``nbgate export airflow``: one DAG file per active schedule.

Each DAG has one ``BashOperator`` task running ``nbgate run NAME`` for the
run's logical date, taken in the schedule's timezone. The DAG uses a
``CronTriggerTimetable`` on Airflow 2 and 3 alike, so the logical date is
the day the run is due, as on cron and Kubernetes (Airflow 2's default
``CronDataIntervalTimetable`` would pass the previous day). Airflow owns the
retries (``--retries 0`` on the command), so each attempt is one Airflow try
with its own run id and its own output notebook. Values reach the shell
through ``env`` and quoted variables, never by pasting templated text into
the command. The files import on Airflow 3 (``airflow.sdk``) and Airflow 2.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence

from nbgate.production.export import MARKER, ExportJob, ExportOptions, deadline

_HEADER = f'''{MARKER} airflow` from the schedule registry; do not edit.
"""nbgate schedule {{name}}: ``nbgate run {{name}}`` for each logical date."""

from __future__ import annotations

import datetime

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.operators.bash import BashOperator
# A trigger timetable on both majors: a run's logical date is the moment it is due
# (Airflow 2's default cron timetable would pass the start of the previous interval).
from airflow.timetables.trigger import CronTriggerTimetable
'''

# The logical date in the schedule's own timezone; Airflow 3 may leave
# logical_date unset for manual runs, so fall back to the run's trigger time.
_DATE = "{{{{ (logical_date or dag_run.run_after).in_timezone({tz}).strftime('%Y-%m-%d') }}}}"
# Airflow run ids may hold ':' and '+', which are not valid in nbgate run ids.
_RUN_ID = "airflow-{{ run_id | replace(':', '') | replace('+', '') }}-{{ ti.try_number }}"


def file_name(name: str) -> str:
    """The DAG file of schedule ``name`` (a valid module name)."""
    return "nbgate_" + re.sub(r"\W", "_", name) + ".py"


def _py(value: object) -> str:
    """A Python literal for a str/int/list of str (JSON strings are valid Python)."""
    return json.dumps(value, ensure_ascii=False)


def dag_source(job: ExportJob, options: ExportOptions) -> str:
    """The DAG file text for one schedule."""
    command = " ".join(
        shlex.quote(part) for part in (*shlex.split(options.command), "run", job.name)
    )
    bash = f'{command} --date "$NBGATE_LOGICAL_DATE" --run-id "$NBGATE_AIRFLOW_RUN_ID" --retries 0'
    default_args = [
        f'        "owner": {_py(",".join(job.owners) or "nbgate")},',
        f'        "retries": {int(job.retries)},',
        f'        "retry_delay": datetime.timedelta(seconds={int(job.retry_delay)}),',
    ]
    limit = deadline(job)
    if limit is not None:
        default_args.append(f'        "execution_timeout": datetime.timedelta(seconds={limit}),')
    task = [
        '        task_id="run",',
        f"        bash_command={_py(bash)},",
        "        env={",
        f'            "NBGATE_LOGICAL_DATE": {_py(_DATE.format(tz=repr(job.timezone)))},',
        f'            "NBGATE_AIRFLOW_RUN_ID": {_py(_RUN_ID)},',
        *(
            [
                f'            "NBGATE_RUN_INDEX_URL": {_py("{{ var.value." + options.index_variable + " }}")},'
            ]
            if options.index_variable
            else []
        ),
        "        },",
        "        append_env=True,",
    ]
    if options.workdir:
        task.append(f"        cwd={_py(options.workdir)},")
    lines = [
        _HEADER.format(name=job.name),
        "with DAG(",
        f"    dag_id={_py(job.name)},",
        f"    schedule=CronTriggerTimetable({_py(job.schedule)}, timezone={_py(job.timezone)}),",
        f"    start_date=pendulum.datetime(2024, 1, 1, tz={_py(job.timezone)}),",
        "    catchup=False,",
        f"    max_active_runs={max(int(job.concurrency), 1)},",
        f"    tags={_py(['nbgate', *job.owners])},",
        "    default_args={",
        *default_args,
        "    },",
        ") as dag:",
        "    BashOperator(",
        *task,
        "    )",
        "",
    ]
    return "\n".join(lines)


def render(jobs: Sequence[ExportJob], options: ExportOptions) -> dict[str, str]:
    """One DAG file per schedule."""
    return {file_name(job.name): dag_source(job, options) for job in jobs}
