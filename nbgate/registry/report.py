"""``nbgate registry verify``: check the registry (and re-test added revisions) and print the findings.

Text, JSON or GitHub annotations; exit 1 on any finding. With ``hook`` it
is the ``nbgate-registry`` pre-commit hook, which verifies only when the
commit touches the registry or a promoted notebook.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from nbgate import git, github, output
from nbgate.config import Config
from nbgate.errors import FAILED, OK, UsageError
from nbgate.registry import retest as retester
from nbgate.registry import verify as verifier
from nbgate.registry.hook import relevant

FORMATS = ("text", "json", "github")


def _retest_findings(config: Config, base: str | None) -> list[tuple[str, str]]:
    """``--retest``: smoke-test, from git, every runnable revision added since ``base`` (default HEAD)."""
    repo = git.root(config.root)
    try:
        since = git.resolve(repo, base or "HEAD")
    except git.GitError:
        raise UsageError(f"--base {base!r}: not a commit in this repository") from None
    since = git.merge_base(repo, since) or since
    found = retester.retest(config, since, folder=config.state_dir / "retest")
    for row in found.rows:
        if row.action in retester.RUNNABLE:
            output.echo(
                f"{row.file}: {row.name} {row.action} {row.notebook} ({row.sha[:12]}): {row.result}"
                + (f" in {row.seconds:.1f}s" if row.seconds else "")
            )
    return [(str(config.root / file), problem) for file, problem in found.findings()]


def verify(
    *,
    config: Config,
    base: str | None = None,
    fmt: str = "text",
    retest: bool = False,
    hook: bool = False,
    paths: Sequence[str] = (),
) -> int:
    """Check the registry (and with ``retest``, re-test added revisions at their content); exit 1 on any finding.

    With ``hook`` (the pre-commit hook, given the staged ``paths``), verify
    only when the commit touches the registry or a promoted notebook or twin.
    """
    if hook and not relevant(config, paths):
        output.echo("no registry file and no promoted notebook in this commit: nothing to verify")
        return OK

    report = verifier.verify(config, base)
    if retest:
        extra = tuple(
            verifier.Finding(path, message) for path, message in _retest_findings(config, base)
        )
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
            output.result(
                github.annotation("error", finding.message, file=str(path), title="nbgate registry")
            )
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
