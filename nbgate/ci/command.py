"""``nbgate ci``: check the notebooks a pull request changes, and report for review.

What it does, in order:

1. finds the base (``nbgate.ci.base``) and compares from its merge base with
   HEAD (and the working tree, so it also works before a commit);
2. lists the changed notebooks (a changed jupytext twin counts for its
   notebook; renames followed) and runs the checks (``nbgate.ci.checks``):
   every gate stage, the smoke tests through pytest (results read from its
   JUnit XML; asked for and unable to run is a failure), then the registry
   against the merge base and the re-test of every schedule the change adds;
3. writes a markdown report (``nbgate.ci.report``) to
   ``$GITHUB_STEP_SUMMARY``, ``::error``/``::warning`` annotations
   (``nbgate.ci.annotations``) to stdout, outputs to ``$GITHUB_OUTPUT``, all
   through ``nbgate.github``; ``report.md``, ``diff.html`` and
   ``changed.json`` go to the report folder (default ``.nbgate/ci``) for an
   upload step. Outside GitHub Actions the report is printed instead.

The Action passes its inputs as ``NBGATE_INPUT_*`` variables
(``nbgate.ci.inputs``); command-line flags win over them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from nbgate import git, github, output
from nbgate.ci import inputs
from nbgate.ci.annotations import annotation_lines
from nbgate.ci.base import find_base
from nbgate.ci.checks import Outcome, run_checks
from nbgate.ci.inputs import FAIL_ON
from nbgate.ci.report import report
from nbgate.config import Config
from nbgate.diff.changes import Side, changed_entries, changes
from nbgate.diff.files import file_diffs
from nbgate.diff.model import DELETED, SOURCES
from nbgate.diff.render import Sides, to_html
from nbgate.errors import FAILED, OK, UsageError
from nbgate.gate import FAIL
from nbgate.lint.secrets import mask_text


def from_action(
    *,
    config: Config,
    base: str | None = None,
    paths: Sequence[str] = (),
    no_smoke: bool = False,
    pytest_args: str | None = None,
    fail_on: str | None = None,
    report_dir: str | None = None,
) -> int:
    """``nbgate ci`` with these flags, each falling back to the Action's ``NBGATE_INPUT_*`` variable."""
    given = inputs.resolve(
        os.environ,
        base=base,
        paths=paths,
        no_smoke=no_smoke,
        pytest_args=pytest_args,
        fail_on=fail_on,
    )
    return ci(
        config=config,
        base=given.base,
        paths=given.paths,
        run_smoke=given.run_smoke,
        pytest_args=given.pytest_args,
        fail_on=given.fail_on,
        report_dir=report_dir,
        env=os.environ,
    )


def ci(
    *,
    config: Config,
    base: str | None = None,
    paths: Sequence[str] = (),
    run_smoke: bool = True,
    pytest_args: Sequence[str] = (),
    fail_on: str = "error",
    report_dir: str | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Check and report on the notebooks changed since the base; exit 1 when a check fails."""
    env = os.environ if env is None else env
    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r}: choose error or warning")
    repo = git.root(config.root)
    base_commit, base_label = find_base(repo, base, env)
    merge = git.merge_base(repo, base_commit, "HEAD")
    if merge is None:
        raise UsageError(f"{base_label} and HEAD share no history")
    old, new = Side(base_label, merge), Side("working tree", None)
    entries = changed_entries(repo, old, new)
    found = changes(repo, config, old, new, paths=paths, entries=entries)
    notebooks = [os.path.relpath(repo / c.path, config.root) for c in found if c.status != DELETED]
    registry = str(config["registry.path"]).strip("/") + "/"
    registry_changed = any(
        os.path.relpath(repo / name, config.root).replace(os.sep, "/").startswith(registry)
        for _, name, _ in entries
    )
    folder = Path(report_dir) if report_dir else config.state_dir / "ci"
    folder.mkdir(parents=True, exist_ok=True)

    outcomes, schedules = run_checks(
        config,
        notebooks,
        registry_changed=registry_changed,
        run_smoke=run_smoke,
        pytest_args=pytest_args,
        folder=folder,
        base=merge,
    )
    lines, warnings = annotation_lines(config, repo, outcomes, notebooks)
    failed = any(o.result.status == FAIL for o in outcomes) or (
        fail_on == "warning" and warnings > 0
    )
    files = file_diffs(repo, config, found, old=old, new=new, options=SOURCES)
    text = report(outcomes, files, base_label, notebooks, failed=failed, schedules=schedules)
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "diff.html").write_text(
        to_html(files, Sides(base_label, "this change")) + "\n", encoding="utf-8"
    )
    changed_paths = [c.path for c in found if c.status != DELETED]
    (folder / "changed.json").write_text(
        json.dumps(changed_paths, indent=1) + "\n", encoding="utf-8"
    )
    _publish(env, text, lines, outcomes, changed_paths=changed_paths, failed=failed, folder=folder)
    return FAILED if failed else OK


def _publish(
    env: Mapping[str, str],
    text: str,
    lines: Sequence[str],
    outcomes: Sequence[Outcome],
    *,
    changed_paths: Sequence[str],
    failed: bool,
    folder: Path,
) -> None:
    """Print the annotations and results (or the report outside GitHub); write the step summary and outputs."""
    if env.get("GITHUB_ACTIONS") == "true":
        for line in lines:
            output.result(line)
        output.result(
            output.table(
                ["stage", "result", "summary"],
                [
                    [o.result.name, o.result.status, github.log_text(mask_text(o.result.summary))]
                    for o in outcomes
                ],
            )
        )
    else:
        output.result(text.rstrip("\n"))
    if env.get("GITHUB_STEP_SUMMARY"):
        github.append_summary(Path(env["GITHUB_STEP_SUMMARY"]), text)
    if env.get("GITHUB_OUTPUT"):
        changed, _ = github.json_list(changed_paths)  # all of them are in changed.json
        github.write_outputs(
            Path(env["GITHUB_OUTPUT"]),
            {
                "changed": changed,
                "changed-count": str(len(changed_paths)),
                "failed": "true" if failed else "false",
                "report": str(folder / "report.md"),
                "report-dir": str(folder),
            },
        )
    output.echo(f"report written to {github.log_text(output.shown_path(folder / 'report.md'))}")
