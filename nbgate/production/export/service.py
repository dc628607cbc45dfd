"""``nbgate export``: render the active schedules for an engine, to stdout or a synchronised folder.

Without ``--out`` the crontab, or the CronJob manifests as one multi-document
YAML stream, go to stdout (``| crontab -``, ``| kubectl apply -f -``);
Airflow needs ``--out`` (one DAG file per schedule). With ``--out`` the
folder is synchronised: changed files are rewritten, generated files of
schedules no longer active are removed, other files are left alone.
``--check`` writes nothing and exits 1 when the folder is out of date.
"""

from __future__ import annotations

import re
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import FAILED, OK, ConfigError, UsageError
from nbgate.production.export import ExportOptions, deployment, render, sync
from nbgate.production.export.jobs import export_jobs

#: Kubernetes Secret names (DNS subdomains) and keys; Airflow Variable names usable as ``var.value.NAME``.
_NAMES = {
    "export.index_secret": (
        re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\Z"),
        "a Kubernetes Secret name",
    ),
    "export.index_secret_key": (re.compile(r"[-._A-Za-z0-9]{1,253}\Z"), "a Secret key"),
    "export.index_variable": (
        re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,249}\Z"),
        "an Airflow Variable name (letters, digits, _)",
    ),
}


def _index_names(config: Config) -> dict[str, str]:
    """Where exported jobs find the run index URL; refuses names the engines cannot take safely."""
    values = {}
    for option, (pattern, what) in _NAMES.items():
        value = str(config[option])
        if value and not pattern.match(value):
            raise ConfigError(f"{option} = {value[:80]!r}: not {what}")
        values[option.split(".", 1)[1]] = value
    return values


def export(
    *,
    config: Config,
    kind: str,
    out: str | None = None,
    check: bool = False,
    allow_defaults: bool = False,
) -> int:
    """Render the active schedules as ``kind``; write them to ``out`` or stdout."""
    missing = deployment.unset(kind, config.sources)
    if missing and not allow_defaults:
        raise UsageError(deployment.refusal(kind, missing))

    workdir = str(config["export.workdir"]) or ("" if kind == "k8s" else str(config.root))
    options = ExportOptions.from_config(config.values, workdir=workdir, **_index_names(config))
    jobs = export_jobs(config)
    files = render(kind, jobs, options)
    if out is None:
        if check:
            raise UsageError("--check needs --out DIR (the folder to compare)")
        if kind == "airflow":
            raise UsageError("airflow exports one DAG file per schedule: give --out DIR")
        output.result(
            ("---\n" if kind == "k8s" else "")
            .join(files[name] for name in sorted(files))
            .rstrip("\n")
        )
        return OK
    folder = Path(out)
    result = sync(folder, files, check=check)
    verb = ("would write", "would remove") if check else ("wrote", "removed")
    for name in result.written:
        output.result(f"{verb[0]} {folder / name}")
    for name in result.removed:
        output.result(f"{verb[1]} {folder / name}")
    output.echo(
        f"{len(jobs)} active schedule(s); {len(result.written)} file(s) written, "
        f"{len(result.removed)} removed, {len(result.unchanged)} unchanged"
        + (" (check: nothing written)" if check else "")
    )
    return FAILED if check and (result.written or result.removed) else OK
