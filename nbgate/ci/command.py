"""``nbgate ci``: check the notebooks a pull request changes, and report for review.

What it does, in order:

1. finds the base: ``--base``, else the pull request's base commit from the
   event payload (``GITHUB_EVENT_PATH``), else ``origin/$GITHUB_BASE_REF``,
   else a push event's ``before`` commit; compares from the merge base with
   HEAD (and the working tree, so it also works before a commit);
2. lists the changed notebooks (a changed jupytext twin counts for its
   notebook) and runs every stage of ``nbgate.gate.STAGES`` on them, so
   stages added later are picked up; the ``registry`` stage runs last,
   after the smoke tests have written fresh evidence;
3. runs ``python -m pytest --nbgate <changed notebooks>`` (the smoke tests,
   ``nbgate.ci.smoke``: results read from its JUnit XML; asked for and unable
   to run is a failure) and copies the executed notebooks into the report folder;
4. writes a markdown report (results table, then each notebook's diff) to
   ``$GITHUB_STEP_SUMMARY``, ``::error``/``::warning`` annotations to stdout
   (lint's own ``--format github`` lines when lint is installed), outputs
   to ``$GITHUB_OUTPUT``; ``report.md`` and ``diff.html`` go to the report
   folder (default ``.nbgate/ci``) for an upload step. Outside GitHub
   Actions the report is printed instead.

The Action passes its inputs as ``NBGATE_INPUT_*`` variables (see
``action.yml``); command-line flags win over them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shlex
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nbgate import git, github, notebook, output, progress
from nbgate.ci import smoke
from nbgate.ci.schedules import registry_stage, retest_stage, smoke_tested
from nbgate.config import Config
from nbgate.errors import FAILED, OK, NbgateError, UsageError
from nbgate.gate import FAIL, PASS, SKIP, StageResult
from nbgate.registry.retest import Row
from nbgate.evidence import provenance

FAIL_ON = ("error", "warning")
SUMMARY_LIMIT = github.SUMMARY_LIMIT  # bytes: GitHub rejects a step summary over 1 MiB
TABLE_ROWS = 300  # notebooks listed in the summary's table; all are in diff.html
_MARK = {PASS: "✅ pass", FAIL: "❌ fail", SKIP: "⏭️ skip"}
_FILE = re.compile(r"^(?P<file>[^:\n]+?\.(?:ipynb|py|ya?ml|md|R|jl))(?::(?P<where>[^:\s][^:\n]*))?: (?P<message>.*)$",
                   re.DOTALL)


class Outcome(NamedTuple):
    """One row of the results table, with the time it took."""

    result: StageResult
    seconds: float


# ---------------------------------------------------------------- inputs


def _flag(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{name} = {text!r} is not true or false")


def find_base(repo: Path, base: str | None, env: Mapping[str, str]) -> tuple[str, str]:
    """The base commit and a label for it, from ``base`` or the GitHub environment."""
    candidates: list[tuple[str, str]] = []
    if base:
        candidates.append((base, base))
    else:
        event: dict[str, Any] = {}
        if env.get("GITHUB_EVENT_PATH"):
            try:
                event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                event = {}
        pull = event.get("pull_request") or {}
        base_ref = env.get("GITHUB_BASE_REF") or str((pull.get("base") or {}).get("ref") or "")
        sha = str((pull.get("base") or {}).get("sha") or "")
        if sha:
            candidates.append((sha, f"{base_ref or 'base'} ({sha[:7]})"))
        if base_ref:
            candidates += [(f"origin/{base_ref}", base_ref), (base_ref, base_ref)]
        before = str(event.get("before") or "")
        if before.strip("0"):
            candidates.append((before, f"{before[:7]} (before the push)"))
    for ref, label in candidates:
        try:
            return git.resolve(repo, ref), label
        except git.GitError:
            continue
    if base:
        raise UsageError(f"--base {base!r} is not a commit in this clone (fetch it, or check out with fetch-depth: 0)")
    if candidates:
        raise UsageError(f"the base ({candidates[0][1]}) is not in this clone; check out with fetch-depth: 0")
    raise UsageError("no base to compare with: pass --base REF (or run in a pull_request or push workflow)")


# ---------------------------------------------------------------- running the checks


def _stage(name: str, run: Any, config: Config, paths: Sequence[str]) -> Outcome:
    started = time.perf_counter()
    try:
        result: StageResult = run(config, paths)
    except NbgateError as exc:
        result = StageResult(name, FAIL, str(exc))
    return Outcome(result, time.perf_counter() - started)


def collect_executed(config: Config, notebooks: Sequence[str], folder: Path) -> list[Path]:
    """Copy the executed copy of each notebook (found through its evidence) into ``folder``."""
    from nbgate.identity import source_sha256

    copied = []
    for name in notebooks:
        try:
            sha = source_sha256(notebook.read(config.root / name).nb)
            record = json.loads((config.state_dir / "evidence" / f"{sha}.json").read_text(encoding="utf-8"))
            executed = Path(str(record["output"]["path"]))
        except (NbgateError, OSError, ValueError, KeyError, TypeError):
            continue
        executed = executed if executed.is_absolute() else config.root / executed
        if executed.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, target)
            copied.append(target)
    return copied


# ---------------------------------------------------------------- GitHub's formats


def mask_text(text: str) -> str:
    """``text`` with secrets masked as lint masks them (imported late: the CLI starts without lint)."""
    from nbgate.lint.secrets import mask_text as mask

    return mask(text)


def markdown_cell(text: str) -> str:
    """``text`` (a file name, a message a pull request controls) inert in a markdown table cell."""
    return github.md_text(text)


def annotation(level: str, detail: str, title: str, root: Path) -> str:
    """A ``::error``/``::warning`` line; ``detail`` of the form ``path: message`` becomes a file annotation."""
    detail = mask_text(detail)
    match = _FILE.match(detail)
    if not match:
        return github.annotation(level, detail, title=title)
    name = match["file"]
    try:
        name = Path(os.path.abspath(name)).relative_to(root).as_posix()
    except ValueError:
        pass
    message = f"{match['message']} ({match['where']})" if match["where"] else match["message"]
    return github.annotation(level, message, file=name, title=title)


write_outputs = github.write_outputs


# ---------------------------------------------------------------- the report


def schedules_table(rows: Sequence[Row]) -> list[str]:
    """The "schedules in this change" section: one line per revision file the change adds."""
    if not rows:
        return []
    here = provenance()
    where = here.get("run_url") or f"{here['user']}@{here['host']}"
    lines = ["### Schedules in this change", "",
             (f"Tested here ({markdown_cell(where)}, {here['time']}), at the exact content each revision names; "
              "the evidence a revision was promoted on is shown, not trusted."), "",
             "| schedule | action | notebook | identity | tested here | time | executed notebook | promoted on evidence from |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    marks = {"passed": "✅ passed", "failed": "❌ failed", "not needed": "not needed"}
    for row in rows[:500]:
        lines.append(" | ".join(["", markdown_cell(row.name or row.file), markdown_cell(row.action),
                                 markdown_cell(row.notebook), f"`{row.sha[:12]}`" if row.sha else "",
                                 marks.get(row.result, markdown_cell(row.result)),
                                 f"{row.seconds:.1f}s" if row.seconds else "", markdown_cell(row.artifact),
                                 markdown_cell(row.evidence_from), ""]).strip())
    if len(rows) > 500:
        lines.append(f"\n_... and {len(rows) - 500} more revision file(s)_")
    return [*lines, ""]


def report(outcomes: Sequence[Outcome], files: Sequence[Any], base_label: str, notebooks: Sequence[str],
           *, failed: bool, limit: int = SUMMARY_LIMIT, schedules: Sequence[Row] = ()) -> str:
    """The markdown report: verdict, results table, stage details, then the notebooks' diffs.

    Every user-controlled string is escaped (``github.md_text``); lists, texts
    and the whole report are bounded in bytes (``github.bound``).
    """
    from nbgate.diff.render import markdown_file, markdown_table

    verdict = "❌ failed" if failed else "✅ passed"
    heading = f"{verdict} · compared with {github.md_code(base_label)} · {len(notebooks)} changed notebook(s)"
    lines = ["## nbgate ci", "", heading, "", "| stage | result | summary | time |", "| --- | --- | --- | --- |"]
    for outcome in outcomes:
        result = outcome.result
        lines.append(f"| {result.name} | {_MARK.get(result.status, result.status)} | {github.md_text(result.summary)} | "
                     f"{outcome.seconds:.1f}s |")
    lines.append("")
    sections = ["\n".join(lines) + "\n"]
    for outcome in outcomes:
        if outcome.result.details:
            result = outcome.result
            opening = "<details open>" if result.status == FAIL else "<details>"
            items = [github.md_text(mask_text(detail.splitlines()[0] if detail else detail)) for detail in result.details]
            sections.append("\n".join([f"{opening}<summary>{result.name}: {len(result.details)} item(s)</summary>", "",
                                       *github.md_list(items, more="see report.md in the report folder"),
                                       "", "</details>", ""]) + "\n")
    if schedules:
        sections.append("\n".join(schedules_table(schedules)) + "\n")
    shown = [f for f in files if f.shown]
    if shown:
        table = markdown_table(shown[:TABLE_ROWS])
        more = f"\n\n_… and {len(shown) - TABLE_ROWS} more notebook(s): see diff.html in the report folder._" \
            if len(shown) > TABLE_ROWS else ""
        sections.append("\n".join(["### Notebook changes", "", table + more, ""]) + "\n")
    sections += ["\n".join(markdown_file(file, level=4)) + "\n" for file in shown]
    text = github.bound(sections, limit=limit, pointer="see diff.html and report.md in the report folder")
    return text.rstrip("\n") + "\n"


# ---------------------------------------------------------------- the command


def ci(*, config: Config, base: str | None = None, paths: Sequence[str] = (), run_smoke: bool = True,
       pytest_args: Sequence[str] = (), fail_on: str = "error", report_dir: str | None = None,
       env: Mapping[str, str] | None = None) -> int:
    """Check and report on the notebooks changed since the base; exit 1 when a check fails."""
    from nbgate.diff.changes import Side, changed_entries, changes
    from nbgate.diff.files import file_diffs
    from nbgate.diff.model import DELETED, SOURCES
    from nbgate.diff.render import Sides, to_html

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
    registry_changed = any(os.path.relpath(repo / name, config.root).replace(os.sep, "/").startswith(registry)
                           for _, name, _ in entries)
    folder = Path(report_dir) if report_dir else config.state_dir / "ci"
    folder.mkdir(parents=True, exist_ok=True)

    outcomes, schedules = _checks(config, notebooks, registry_changed=registry_changed, run_smoke=run_smoke,
                                  pytest_args=pytest_args, folder=folder, base=merge)
    annotations, warnings = _annotations(config, repo, outcomes, notebooks)
    failed = any(o.result.status == FAIL for o in outcomes) or (fail_on == "warning" and warnings > 0)
    files = file_diffs(repo, config, found, old, new, SOURCES)
    text = report(outcomes, files, base_label, notebooks, failed=failed, schedules=schedules)
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "diff.html").write_text(to_html(files, Sides(base_label, "this change")) + "\n", encoding="utf-8")

    changed_paths = [c.path for c in found if c.status != DELETED]
    (folder / "changed.json").write_text(json.dumps(changed_paths, indent=1) + "\n", encoding="utf-8")

    in_github = env.get("GITHUB_ACTIONS") == "true"
    if in_github:
        for line in annotations:
            output.result(line)
        output.result(output.table(["stage", "result", "summary"],
                                   [[o.result.name, o.result.status, github.log_text(mask_text(o.result.summary))]
                                    for o in outcomes]))
    else:
        output.result(text.rstrip("\n"))
    if env.get("GITHUB_STEP_SUMMARY"):
        github.append_summary(Path(env["GITHUB_STEP_SUMMARY"]), text)
    if env.get("GITHUB_OUTPUT"):
        changed, _ = github.json_list(changed_paths)  # all of them are in changed.json
        write_outputs(Path(env["GITHUB_OUTPUT"]), {
            "changed": changed,
            "changed-count": str(len(notebooks)),
            "failed": "true" if failed else "false",
            "report": str(folder / "report.md"),
            "report-dir": str(folder),
        })
    output.echo(f"report written to {github.log_text(output.shown_path(folder / 'report.md'))}")
    return FAILED if failed else OK


def _checks(config: Config, notebooks: Sequence[str], *, registry_changed: bool, run_smoke: bool,
            pytest_args: Sequence[str], folder: Path, base: str) -> tuple[list[Outcome], tuple[Row, ...]]:
    """Run the gate's stages on ``notebooks``, the smoke tests, then the registry checks against ``base``.

    The registry is verified against the merge base (so no committed revision
    is edited or deleted), and every schedule the change makes runnable is
    re-tested at its exact content (``nbgate.registry.retest``), reusing the
    smoke step's runs of the same identity.
    """
    from nbgate.gate import STAGES

    outcomes: list[Outcome] = []
    late = []
    shown = progress.Progress("nbgate ci", len(STAGES) + int(registry_changed))
    for stage in STAGES:
        if stage.name == "smoke":
            continue  # run below through pytest, with the Action's pytest arguments
        if stage.name == "registry":
            late.append(stage)  # after the smoke tests: it verifies against fresh evidence
        elif notebooks:
            shown.step(f"{stage.name} ({len(notebooks)} notebook(s))")
            outcomes.append(_stage(stage.name, stage.run, config, notebooks))
        else:
            outcomes.append(Outcome(StageResult(stage.name, SKIP, "no changed notebooks"), 0.0))
    started = time.perf_counter()
    smoked = False
    if not run_smoke:
        smoke_result = StageResult("smoke", SKIP, "smoke tests turned off")
    elif not notebooks:
        smoke_result = StageResult("smoke", SKIP, "no changed notebooks")
    else:
        shown.step(f"smoke ({len(notebooks)} notebook(s))")
        smoke_result = smoke.run(config, notebooks, pytest_args, folder)
        executed = folder / "executed"
        if executed.is_dir():
            shutil.rmtree(executed)
        collect_executed(config, notebooks, executed)
        smoked = smoke_result.status != SKIP
    outcomes.append(Outcome(smoke_result, time.perf_counter() - started))
    schedules: tuple[Row, ...] = ()
    for _ in late:
        if notebooks or registry_changed:
            shown.step("registry")
            started = time.perf_counter()
            outcomes.append(Outcome(registry_stage(config, base), time.perf_counter() - started))
        else:
            outcomes.append(Outcome(StageResult("registry", SKIP, "no registry or notebook changes"), 0.0))
        if registry_changed:
            shown.step("schedules (re-test)")
            started = time.perf_counter()
            tested = smoke_tested(config, notebooks, folder) if smoked else {}
            result, schedules = retest_stage(config, base, folder=folder, tested=tested, pytest_args=pytest_args)
            outcomes.append(Outcome(result, time.perf_counter() - started))
    shown.close()
    return outcomes, schedules


def _annotations(config: Config, repo: Path, outcomes: Sequence[Outcome],
                 notebooks: Sequence[str]) -> tuple[list[str], int]:
    """The annotation lines and how many warnings they hold."""
    lines: list[str] = []
    lint_done = False
    lint_ran = any(o.result.name == "lint" and o.result.status != SKIP for o in outcomes)
    if lint_ran:
        from nbgate.lint.files import collect, render

        reported, _ = collect(config, notebooks, locate=True)
        text = render(reported, "github", config.root)
        lines += text.splitlines() if text else []
        lint_done = True
    for outcome in outcomes:
        result = outcome.result
        if (result.name == "lint" and lint_done) or result.status == SKIP:
            continue
        level = "error" if result.status == FAIL else "warning"
        lines += [annotation(level, detail, f"nbgate {result.name}", repo) for detail in result.details]
    return lines, sum(1 for line in lines if line.startswith("::warning"))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate ci``."""
    parser = subparsers.add_parser("ci", help="check the notebooks changed since a base ref and write a review report")
    parser.add_argument("--base", metavar="REF", help="compare with REF (default: the pull request's base)")
    parser.add_argument("--paths", nargs="+", metavar="PATH", help="only notebooks under these paths")
    parser.add_argument("--no-smoke", action="store_true", help="do not run the smoke tests")
    parser.add_argument("--pytest-args", metavar="ARGS", help="extra pytest arguments for the smoke tests, one string: --pytest-args='-n 2'")
    parser.add_argument("--fail-on", choices=FAIL_ON, help="fail on errors only (default) or on warnings too")
    parser.add_argument("--report-dir", metavar="DIR", help="where report.md, diff.html and executed notebooks go "
                                                            "(default: .nbgate/ci)")
    parser.set_defaults(run=_run)


def _run(ns: argparse.Namespace, config: Config) -> int:
    env = os.environ
    paths = ns.paths if ns.paths else shlex.split(env.get("NBGATE_INPUT_PATHS", ""))
    pytest_args = ns.pytest_args if ns.pytest_args is not None else env.get("NBGATE_INPUT_PYTEST_ARGS", "")
    run_smoke = False if ns.no_smoke else _flag(env.get("NBGATE_INPUT_SMOKE", "true"), "smoke")
    return ci(config=config, base=ns.base or env.get("NBGATE_INPUT_BASE_REF") or None, paths=paths,
              run_smoke=run_smoke, pytest_args=shlex.split(pytest_args),
              fail_on=ns.fail_on or env.get("NBGATE_INPUT_FAIL_ON") or "error", report_dir=ns.report_dir, env=env)
