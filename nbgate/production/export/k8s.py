"""``nbgate export k8s``: one ``batch/v1`` CronJob manifest per active schedule.

- ``schedule`` and ``timeZone`` come from the schedule; the container runs
  ``nbgate run NAME --date today``, and ``today`` is taken in the same
  timezone by ``nbgate run``.
- ``concurrencyPolicy`` is ``Forbid`` for concurrency 1, else ``Allow``
  (Kubernetes cannot cap concurrent jobs at a number above one).
- Kubernetes owns the retries: ``backoffLimit`` is the schedule's retries
  and the command passes ``--retries 0``; the pod name is the run id, so
  every attempt keeps its own output. Kubernetes' retry back-off is its own
  (exponential), so the schedule's retry delay is not represented.
- ``activeDeadlineSeconds`` on each pod is the timeout plus a grace period.

The YAML is written from a fixed template (JSON-quoted scalars are valid
YAML), which keeps it deterministic and fast for thousands of schedules.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Sequence

from nbgate.production.export import MARKER, ExportJob, ExportOptions, deadline

#: CronJob names are DNS labels and Kubernetes appends 11 characters to them for jobs.
MAX_NAME = 52


def resource_name(name: str) -> str:
    """A valid, stable CronJob name for schedule ``name``: ``nbgate-<name>``."""
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "schedule"
    full = f"nbgate-{slug}"
    if full != f"nbgate-{name}" or len(full) > MAX_NAME:
        # lossy or too long: a short hash keeps distinct schedules distinct
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        full = f"{full[: MAX_NAME - 9].rstrip('-')}-{digest}"
    return full


def _label(value: str) -> str:
    """A label value (63 characters, alphanumerics at both ends)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", value)[:63].strip("-_.")


def _q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def manifest(job: ExportJob, options: ExportOptions) -> str:
    """The CronJob manifest text for one schedule."""
    name = resource_name(job.name)
    command = [
        *shlex.split(options.command),
        "run",
        job.name,
        "--date",
        "today",
        "--run-id",
        "$(POD_NAME)",
        "--retries",
        "0",
    ]
    labels = [
        "    app.kubernetes.io/managed-by: nbgate",
        f"    nbgate/schedule: {_q(_label(job.name))}",
    ]
    lines = [
        f"{MARKER} k8s` from the schedule registry; do not edit.",
        "apiVersion: batch/v1",
        "kind: CronJob",
        "metadata:",
        f"  name: {name}",
        "  labels:",
        *labels,
        "  annotations:",
        f"    nbgate/schedule-name: {_q(job.name)}",
        f"    nbgate/owners: {_q(','.join(job.owners))}",
        "spec:",
        f"  schedule: {_q(job.schedule)}",
        f"  timeZone: {_q(job.timezone)}",
        f"  concurrencyPolicy: {'Forbid' if job.concurrency <= 1 else 'Allow'}",
        "  jobTemplate:",
        "    spec:",
        f"      backoffLimit: {int(job.retries)}",
        "      template:",
        "        metadata:",
        "          labels:",
        *("        " + label for label in labels),
        "        spec:",
        "          restartPolicy: Never",
    ]
    limit = deadline(job)
    if limit is not None:
        lines.append(f"          activeDeadlineSeconds: {limit}")
    lines += [
        "          containers:",
        "            - name: nbgate",
        f"              image: {_q(options.image)}",
    ]
    if options.workdir:
        lines.append(f"              workingDir: {_q(options.workdir)}")
    lines += [
        f"              command: {_q(command)}",
        "              env:",
        "                - name: POD_NAME",
        "                  valueFrom:",
        "                    fieldRef:",
        "                      fieldPath: metadata.name",
    ]
    if options.index_secret:  # the run index URL (with its password) never appears in the manifest
        lines += [
            "                - name: NBGATE_RUN_INDEX_URL",
            "                  valueFrom:",
            "                    secretKeyRef:",
            f"                      name: {_q(options.index_secret)}",
            f"                      key: {_q(options.index_secret_key)}",
        ]
    lines.append("")
    return "\n".join(lines)


def render(jobs: Sequence[ExportJob], options: ExportOptions) -> dict[str, str]:
    """One ``<cronjob name>.yaml`` per schedule."""
    return {f"{resource_name(job.name)}.yaml": manifest(job, options) for job in jobs}
