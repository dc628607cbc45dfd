"""``nbgate export cron``: one crontab for every active schedule.

Each entry is preceded by ``CRON_TZ=<timezone>`` (cronie and other cron
daemons that support it evaluate the following entries in that zone) and
runs ``nbgate run NAME --date today`` in the project folder; ``today`` is
taken in the schedule's timezone by ``nbgate run``. cron has no retries, so
``nbgate run`` retries itself with the schedule's retries and delay. A
schedule with concurrency 1 runs under ``flock -n``, so a run still going
when the next one is due makes the next one skip instead of overlapping.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from nbgate.production.export import MARKER, ExportJob, ExportOptions

FILE_NAME = "crontab"


def _cron_escape(command: str) -> str:
    # cron turns an unescaped % into a newline
    return command.replace("%", "\\%")


def entry(job: ExportJob, options: ExportOptions) -> list[str]:
    """The comment, ``CRON_TZ`` and command lines of one schedule."""
    run = " ".join(
        shlex.quote(p) for p in (*shlex.split(options.command), "run", job.name, "--date", "today")
    )
    if job.concurrency <= 1:
        lock = shlex.quote(f"{options.lock_dir}/{job.name}.lock")
        run = f"mkdir -p {shlex.quote(options.lock_dir)} && flock -n {lock} {run}"
    if options.workdir:
        run = f"cd {shlex.quote(options.workdir)} && {run}"
    owners = f" (owners: {', '.join(job.owners)})" if job.owners else ""
    return [
        f"# {job.name}{owners}",
        f"CRON_TZ={job.timezone}",
        f"{job.schedule} {_cron_escape(run)}",
        "",
    ]


def render(jobs: Sequence[ExportJob], options: ExportOptions) -> dict[str, str]:
    """The crontab text under ``crontab``."""
    lines = [
        f"{MARKER} cron` from the schedule registry; do not edit.",
        "# Install with `crontab crontab`; CRON_TZ needs a cron that supports it (cronie, systemd-cron).",
        "SHELL=/bin/sh",
        "",
    ]
    for job in jobs:
        lines += entry(job, options)
    return {FILE_NAME: "\n".join(lines)}
