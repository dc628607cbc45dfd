"""``nbgate registry list|show|history|pause|resume|rollback|retire|verify``: the schedule registry.

Each state change writes a new revision file (nothing is edited); ``verify``
is the ``nbgate-registry`` pre-commit hook and the gate's ``registry`` stage.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nbgate import github, output
from nbgate.config import Config
from nbgate.errors import FAILED, OK

if TYPE_CHECKING:
    from nbgate.gate import StageResult
    from nbgate.registry.store import RevisionFile

FORMATS = ("text", "json", "github")


def _where(config: Config, stored: RevisionFile) -> str:
    from nbgate.registry.verify import relative

    return relative(stored.path, config.root)


def list_schedules(*, config: Config) -> int:
    """One row per schedule: state, latest revision, notebook, cron, timezone."""
    from nbgate.errors import RegistryError
    from nbgate.registry import store

    rows = []
    failed = False
    for name in store.list_schedules(config):
        try:
            schedule = store.load_schedule(config, name)
        except RegistryError as exc:
            output.error(str(exc))
            rows.append([name, output.style("broken", "red"), "", "", "", ""])
            failed = True
            continue
        latest = schedule.latest
        colour = {"active": "green", "paused": "yellow"}.get(schedule.state, "dim")
        rows.append([name, output.style(schedule.state, colour), str(latest.rev), latest.notebook,
                     latest.schedule, latest.timezone])
    if not rows:
        output.result(f"no schedules in {store.registry_dir(config)}")
    else:
        output.result(output.table(["name", "state", "rev", "notebook", "schedule", "timezone"], rows))
    return FAILED if failed else OK


def show(*, config: Config, name: str, rev: int | None = None) -> int:
    """Print a revision file (the latest by default) as stored, and where its evidence came from."""
    from nbgate.registry import store
    from nbgate.evidence import describe_provenance

    schedule = store.load_schedule(config, name)
    stored = schedule.get(rev) if rev is not None else schedule.files[-1]
    output.echo(output.style(f"# {_where(config, stored)}  (state after it: {stored.revision.state}; "
                             f"sha256 {stored.sha256[:12]})", "dim"))
    output.result(stored.path.read_text(encoding="utf-8").rstrip("\n"))
    output.echo(output.style(f"# evidence: {stored.revision.evidence.get('outcome')!r}, made by "
                             f"{describe_provenance(stored.revision.evidence)}", "dim"))
    return OK


def history(*, config: Config, name: str) -> int:
    """One row per revision of ``name``, oldest first."""
    from nbgate.registry import store

    schedule = store.load_schedule(config, name)
    rows = [[str(r.rev), r.action + (f" (of {r.source_rev})" if r.source_rev else ""), r.state,
             r.source_sha256[:12], r.schedule, r.promoted_by, r.promoted_at] for r in schedule.revisions]
    output.result(output.table(["rev", "action", "state", "source", "schedule", "by", "at"], rows))
    return OK


def change(*, config: Config, name: str, action: str, yes: bool = True) -> int:
    """Pause, resume or retire ``name`` with a new revision (retiring asks first unless ``yes``)."""
    from nbgate.cli.promote import confirm
    from nbgate.registry import actions

    actions.check(config, name, action)  # a bad name or state is reported before asking anything
    if action == "retire" and not confirm(f"retire {name!r} for good (it cannot be resumed)?", yes):
        output.result("not retired")
        return OK

    stored = actions.change_state(config, name, action)
    past = {"pause": "paused", "resume": "resumed", "retire": "retired"}[action]
    output.result(f"{past} {name!r}: revision {stored.revision.rev} ({_where(config, stored)})")
    return OK


def rollback(*, config: Config, name: str, to: int) -> int:
    """Make revision ``to`` active again (its evidence must still match its notebook)."""
    from nbgate.registry import actions

    stored = actions.rollback(config, name, to)
    revision = stored.revision
    output.result(f"rolled {name!r} back to revision {to} ({revision.source_sha256[:12]}): "
                  f"revision {revision.rev} ({_where(config, stored)})")
    return OK


def _retest_findings(config: Config, base: str | None) -> list[tuple[str, str]]:
    """``--retest``: smoke-test, from git, every runnable revision added since ``base`` (default HEAD)."""
    from nbgate import git
    from nbgate.errors import UsageError
    from nbgate.registry import retest as retester

    repo = git.root(config.root)
    try:
        since = git.resolve(repo, base or "HEAD")
    except git.GitError:
        raise UsageError(f"--base {base!r}: not a commit in this repository") from None
    since = git.merge_base(repo, since) or since
    found = retester.retest(config, since, folder=config.state_dir / "retest")
    for row in found.rows:
        if row.action in retester.RUNNABLE:
            output.echo(f"{row.file}: {row.name} {row.action} {row.notebook} ({row.sha[:12]}): {row.result}"
                        + (f" in {row.seconds:.1f}s" if row.seconds else ""))
    return [(str(config.root / file), problem) for file, problem in found.findings()]


def verify(*, config: Config, base: str | None = None, fmt: str = "text", retest: bool = False, hook: bool = False,
           paths: Sequence[str] = ()) -> int:
    """Check the registry (and with ``retest``, re-test added revisions at their content); exit 1 on any finding.

    With ``hook`` (the pre-commit hook, given the staged ``paths``), verify
    only when the commit touches the registry or a promoted notebook or twin.
    """
    import json

    from nbgate.registry import verify as verifier

    if hook:
        from nbgate.registry.hook import relevant

        if not relevant(config, paths):
            output.echo("no registry file and no promoted notebook in this commit: nothing to verify")
            return OK

    report = verifier.verify(config, base)
    if retest:
        extra = tuple(verifier.Finding(path, message) for path, message in _retest_findings(config, base))
        report = report._replace(findings=report.findings + extra)
    where = verifier.relative(report.registry, config.root)
    if fmt == "json":
        output.result(json.dumps(verifier.as_dict(report, config.root), indent=2))
        return FAILED if report.findings else OK
    for note in report.notes:
        output.warn(note)
    for finding in report.findings:
        path = verifier.relative(Path(finding.path), config.root) if finding.path else where
        if fmt == "github":
            output.result(github.annotation("error", finding.message, file=str(path), title="nbgate registry"))
        else:
            output.result(f"{output.style(path, 'bold')}: {finding.message}")
    if not report.exists:
        output.echo(f"no registry folder ({where}): nothing to verify")
        return OK
    count = len(report.findings)
    summary = f"{where}: {report.schedules} schedule(s), {report.files} revision file(s)"
    if count:
        output.result(f"{summary}: {count} finding(s)")
        return FAILED
    output.echo(f"{summary}: ok")
    return OK


def stage(config: Config, paths: Sequence[str], base: str | None = None) -> StageResult:
    """The gate's ``registry`` stage: ``verify`` against ``base`` (default HEAD); passes without a registry.

    ``nbgate ci`` passes the merge base, so committed revisions may not change or vanish in a pull request.
    """
    from nbgate.gate import FAIL, PASS, StageResult
    from nbgate.registry import verify as verifier

    report = verifier.verify(config, base)
    where = verifier.relative(report.registry, config.root)
    if not report.exists:
        return StageResult("registry", PASS, f"no registry folder ({where})")
    if report.findings:
        details = tuple(f"{verifier.relative(Path(f.path), config.root) if f.path else where}: {f.message}"
                        for f in report.findings)
        return StageResult("registry", FAIL, f"{len(report.findings)} finding(s) in {report.files} revision file(s)",
                           details)
    against = " against the base" if base else ""
    return StageResult("registry", PASS, f"{report.schedules} schedule(s), {report.files} revision file(s) "
                                         f"verified{against}")


def _rev(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a revision number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: revisions start at 1")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate registry`` and its subcommands."""
    parser = subparsers.add_parser("registry", help="list, inspect, pause, resume, roll back, retire and verify "
                                                    "production schedules")
    commands = parser.add_subparsers(dest="registry_command", metavar="SUBCOMMAND")
    commands.required = True

    sub = commands.add_parser("list", help="every schedule with its state and latest revision")
    sub.set_defaults(run=lambda ns, config: list_schedules(config=config))

    sub = commands.add_parser("show", help="print a revision file")
    sub.add_argument("name")
    sub.add_argument("--rev", type=_rev, metavar="N", help="revision number (default: the latest)")
    sub.set_defaults(run=lambda ns, config: show(config=config, name=ns.name, rev=ns.rev))

    sub = commands.add_parser("history", help="every revision of a schedule")
    sub.add_argument("name")
    sub.set_defaults(run=lambda ns, config: history(config=config, name=ns.name))

    for action, text in (("pause", "stop running a schedule (new revision)"),
                         ("resume", "run a paused schedule again (new revision)"),
                         ("retire", "end a schedule for good (new revision)")):
        sub = commands.add_parser(action, help=text)
        sub.add_argument("name")
        if action == "retire":
            sub.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
        sub.set_defaults(run=lambda ns, config, action=action: change(
            config=config, name=ns.name, action=action, yes=getattr(ns, "yes", True)))

    sub = commands.add_parser("rollback", help="make an earlier revision's notebook and settings active again")
    sub.add_argument("name")
    sub.add_argument("--to", type=_rev, required=True, metavar="N", help="the revision to return to")
    sub.set_defaults(run=lambda ns, config: rollback(config=config, name=ns.name, to=ns.to))

    sub = commands.add_parser("verify", help="check schemas, the hash chain, immutability and drift (exit 1 on "
                                             "findings)")
    sub.add_argument("--base", metavar="REF", help="no revision file may have changed since REF's merge base with "
                                                   "HEAD (default: HEAD)")
    sub.add_argument("--format", choices=FORMATS, default="text", dest="fmt", help="report format")
    sub.add_argument("--retest", action="store_true", help="also smoke-test, from git, every promote/resume/rollback "
                                                           "revision added since --base (what `nbgate ci` does)")
    sub.add_argument("--hook", action="store_true", help="pre-commit mode: verify only when PATHS (the staged "
                     "files) or a staged deletion touch the registry, a promoted notebook or its twin")
    sub.add_argument("paths", nargs="*", metavar="PATHS", help="with --hook: the files being committed")
    sub.set_defaults(run=lambda ns, config: verify(config=config, base=ns.base, fmt=ns.fmt, retest=ns.retest,
                                                   hook=ns.hook, paths=ns.paths))
