"""Re-test every schedule a change makes runnable: the pull request, not a laptop, is the proof.

For every revision file added since the base whose action makes a schedule
run (promote, resume, rollback):

* the notebook is read **from git** by the revision's blob id (its commit a
  hint), and must hash to the revision's ``source_sha256``;
* that exact content is smoke-tested here, with its test parameters, through
  the pytest plugin (``python -m pytest --nbgate``), once per distinct
  identity however many revisions point at it, and not at all when the
  caller's own smoke run already executed that identity;
* the revision's production parameters are type-checked against that
  content's parameters cell;
* the revision's ``evidence`` block must name the same ``source_sha256``;
  its outcome is not trusted: this run's outcome decides.

Pause and retire revisions need no test. Each failed condition becomes a
finding on the revision file. The local evidence ledger is never read: its
records can be edited by hand; this module writes its own into a fresh state
folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nbgate import git, notebook, parameters
from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.evidence import describe_provenance
from nbgate.registry import content, model, store

#: Actions after which the schedule runs: their content must pass here.
RUNNABLE = (model.PROMOTE, model.RESUME, model.ROLLBACK)
PASSED, FAILED, NOT_RUN, NOT_NEEDED = "passed", "failed", "not run", "not needed"


class Tested(NamedTuple):
    """One identity's smoke test in this run."""

    outcome: str  # passed, failed, error, timeout, ... or "not run"
    seconds: float
    artifact: str  # the executed notebook ('' when none)
    detail: str = ""


class Row(NamedTuple):
    """One revision added by the change: a line of the "schedules in this change" table."""

    file: str  # the revision file, relative to the project root
    name: str
    action: str
    notebook: str
    sha: str
    result: str  # passed / failed / not needed
    seconds: float
    artifact: str
    problems: tuple[str, ...]  # each failed condition, in words
    evidence_from: str = (
        ""  # where the evidence the revision was promoted on was made (not trusted)
    )


class Retest(NamedTuple):
    """Everything the re-test found."""

    rows: tuple[Row, ...]
    executed: int  # smoke runs this module started (distinct identities not already tested)

    @property
    def failed(self) -> bool:
        """Whether any condition failed."""
        return any(row.problems for row in self.rows)

    def findings(self) -> list[tuple[str, str]]:
        """``(revision file, failed condition)`` pairs."""
        return [(row.file, problem) for row in self.rows for problem in row.problems]


class _Target(NamedTuple):
    file: str
    revision: model.Revision | None
    problem: str


def added_revisions(config: Config, repo: Path, since: str) -> list[_Target]:
    """Revision files added since ``since`` (committed, staged, or not yet tracked), oldest name first."""
    registry = store.registry_dir(config).resolve()
    try:
        prefix = registry.relative_to(repo).as_posix() + "/"
    except ValueError:
        return []
    names = [
        path for status, path, _ in git.changed_between(repo, since) if status in ("A", "C", "R")
    ]
    names += git.untracked(repo)
    targets: list[_Target] = []
    for name in sorted(set(names)):
        if not name.startswith(prefix):
            continue
        parts = name[len(prefix) :].split("/")
        if len(parts) != 2 or store.revision_number(parts[1]) is None:
            continue
        path = repo / name
        where = os.path.relpath(path, config.root).replace(os.sep, "/")
        try:
            with open(path, "rb") as handle:
                revision = model.loads(handle.read(model.MAX_BYTES + 1), where)
        except OSError as exc:
            targets.append(
                _Target(where, None, f"cannot read the revision file: {exc.strerror or exc}")
            )
        except NbgateError as exc:
            targets.append(_Target(where, None, str(exc).removeprefix(where + ": ")))
        else:
            targets.append(_Target(where, revision, ""))
    return targets


def parameter_problems(nb: notebook.Notebook, values: Mapping[str, Any]) -> list[str]:
    """Why ``values`` cannot be the production parameters of ``nb``: undefined names and wrong types."""
    return parameters.problems(values, parameters.declared(nb))


def _materialize(
    config: Config, relative: str, raw: bytes, sha: str, folder: Path
) -> tuple[Path, bool]:
    """A file holding exactly ``raw`` where it runs like the notebook: the notebook itself if identical.

    Otherwise a hidden sibling (same folder, so relative data paths still
    work) that the caller removes after the run; ``True`` means temporary.
    """
    path = config.root / relative
    try:
        if path.is_file() and path.read_bytes() == raw:
            return path, False
    except OSError:
        pass
    folder_of = path.parent
    if not folder_of.is_dir() or not folder_of.resolve().is_relative_to(config.root.resolve()):
        folder_of = folder  # never write outside the project (a symlinked folder in a pull request)
    temp = folder_of / f".nbgate-retest-{sha[:12]}-{path.name}"
    temp.write_bytes(raw)
    return temp, True


def _run_pytest(
    config: Config, files: Sequence[Path], pytest_args: Sequence[str], folder: Path
) -> Path:
    """Run the pytest plugin on ``files`` with a fresh state folder; that folder."""
    state = folder / "retest-state"
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *plugin_args(),
        "--nbgate",
        "-p",
        "no:cacheprovider",
        "-q",
        *[str(f) for f in files],
        *pytest_args,
    ]
    done = subprocess.run(
        command,
        cwd=config.root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NBGATE_STATE_DIR": str(state.resolve()), "COLUMNS": "400"},
    )
    (folder / "retest.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return state


def plugin_args() -> list[str]:
    """``-p nbgate.plugin`` unless the plugin is registered through its entry point."""
    from importlib.metadata import entry_points

    registered = any(ep.value.startswith("nbgate.plugin") for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", "nbgate.plugin"]


def _collect(
    config: Config, state: Path, wanted: Mapping[str, str], folder: Path
) -> dict[str, Tested]:
    """Each identity's fresh evidence (from this run's own state folder) and its executed notebook."""
    found: dict[str, Tested] = {}
    for sha, relative in wanted.items():
        try:
            record = json.loads((state / "evidence" / f"{sha}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found[sha] = Tested(
                NOT_RUN,
                0.0,
                "",
                "the smoke test did not run (skipped, or pytest failed: see retest.log)",
            )
            continue
        artifact = ""
        executed = Path(str((record.get("output") or {}).get("path") or ""))
        executed = executed if executed.is_absolute() else config.root / executed
        if executed.is_file():
            target = folder / "executed" / sha[:12] / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, target)
            artifact = os.path.relpath(target, config.root).replace(os.sep, "/")
        outcome = str(record.get("outcome"))
        found[sha] = Tested(outcome, float(record.get("duration") or 0.0), artifact)
    return found


def retest(
    config: Config,
    since: str,
    *,
    folder: Path,
    tested: Mapping[str, Tested] | None = None,
    pytest_args: Sequence[str] = (),
) -> Retest:
    """Re-test every runnable revision added since ``since``; ``tested`` holds identities already run here."""
    repo = git.root(config.root)
    targets = added_revisions(config, repo, since)
    found: dict[str, content.Found] = {}
    where: dict[str, str] = {}
    for target in targets:
        revision = target.revision
        if revision is None or revision.action not in RUNNABLE or revision.source_sha256 in found:
            continue
        try:
            inside = content.inside_repo(config.root, repo, revision.notebook)
        except ValueError:
            found[revision.source_sha256] = content.Found(
                None, None, "", ("the notebook is outside the repository",)
            )
            continue
        found[revision.source_sha256] = content.find(
            repo, inside, revision.source_sha256, blob=revision.blob, commit=revision.commit
        )
        where[revision.source_sha256] = revision.notebook
    done = dict(tested or {})
    to_run = {
        sha: where[sha] for sha, item in found.items() if item.raw is not None and sha not in done
    }
    executed = 0
    if to_run:
        folder.mkdir(parents=True, exist_ok=True)
        files: list[tuple[Path, bool]] = []
        try:
            for sha, relative in to_run.items():
                raw = found[sha].raw
                assert raw is not None
                files.append(_materialize(config, relative, raw, sha, folder))
            started = time.perf_counter()
            state = _run_pytest(config, [path for path, _ in files], pytest_args, folder)
            elapsed = time.perf_counter() - started
        finally:
            for path, temporary in files:
                if temporary:
                    path.unlink(missing_ok=True)
        fresh = _collect(config, state, to_run, folder)
        executed = len(to_run)
        if len(to_run) == 1:  # one run: its wall time is the honest "time"
            fresh = {
                sha: item._replace(seconds=max(item.seconds, elapsed))
                for sha, item in fresh.items()
            }
        done.update(fresh)
    rows = [_row(target, found, done) for target in targets]
    return Retest(tuple(rows), executed)


def _row(target: _Target, found: Mapping[str, content.Found], done: Mapping[str, Tested]) -> Row:
    revision = target.revision
    if revision is None:
        return Row(target.file, "", "", "", "", FAILED, 0.0, "", (target.problem,))
    base = Row(
        target.file,
        revision.name,
        revision.action,
        revision.notebook,
        revision.source_sha256,
        NOT_NEEDED,
        0.0,
        "",
        (),
        describe_provenance(revision.evidence),
    )
    if revision.action not in RUNNABLE:
        return base
    problems: list[str] = []
    item = found[revision.source_sha256]
    if item.nb is None:
        problems.append(
            f"its notebook content (source_sha256 {revision.source_sha256[:12]}) cannot be read from "
            f"git: {'; '.join(item.reasons)}"
        )
    else:
        problems += [
            f"production parameters: {p}" for p in parameter_problems(item.nb, revision.parameters)
        ]
    evidence_sha = revision.evidence.get("source_sha256")
    if evidence_sha != revision.source_sha256:
        problems.append(
            f"its evidence block names other content (evidence source_sha256 {str(evidence_sha)[:12]}, "
            f"revision {revision.source_sha256[:12]})"
        )
    tested = done.get(revision.source_sha256)
    if tested is not None and tested.outcome != PASSED:
        detail = f": {tested.detail}" if tested.detail else ""
        problems.append(
            f"the smoke test of its content in this run did not pass (outcome {tested.outcome}){detail}"
        )
    result = PASSED if not problems else FAILED
    return base._replace(
        result=result,
        seconds=tested.seconds if tested else 0.0,
        artifact=tested.artifact if tested else "",
        problems=tuple(problems),
    )
