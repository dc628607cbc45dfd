"""The conditions ``nbgate promote`` checks, one group of ``Reason``s each.

Where the notebook is, its git status and committed content, ``strip
--check``, the gate's sync and lint stages, and the evidence ledger's record
for its exact content: each helper returns the unmet conditions it found
(empty when none), for ``nbgate.registry.promotion.assess`` to collect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from nbgate import git, notebook
from nbgate.config import Config
from nbgate.errors import NbgateError, NotebookError, UsageError
from nbgate.evidence import read_evidence as read_ledger
from nbgate.gate import FAIL, stage_named
from nbgate.identity import source_sha256
from nbgate.strip.files import check_file
from nbgate.strip.transform import StripOptions

NO_EVIDENCE = "no-evidence"


class Reason(NamedTuple):
    """One unmet condition: a short code and the sentence shown to the user."""

    code: str
    text: str


def read_evidence(config: Config, sha: str) -> dict[str, Any] | None:
    """The ledger's record for ``sha`` (``nbgate.evidence``), or None."""
    return read_ledger(config, sha)


def location(config: Config, path: Path) -> tuple[Path, str, Path]:
    """The notebook resolved, relative to the project root, and its git root (``UsageError`` if unfit)."""
    resolved = path.resolve()
    if resolved.suffix != ".ipynb":
        raise UsageError(f"{path}: not a .ipynb notebook")
    if not resolved.is_file():
        raise UsageError(f"{path}: no such notebook")
    try:
        relative = resolved.relative_to(config.root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{path}: outside the project root {config.root}") from None
    return resolved, relative, git.root(resolved)


def git_reasons(repo: Path, path: Path) -> list[Reason]:
    """Untracked, staged or modified in git: each is a reason to refuse."""
    status = git.status_of(repo, path)
    if status == "untracked":
        return [Reason("untracked", "it is not tracked by git (add and commit it first)")]
    texts = {
        "staged": ["it has staged changes that are not committed"],
        "modified": ["it has unstaged changes (commit or revert them)"],
        "staged+modified": [
            "it has staged changes that are not committed",
            "it has unstaged changes (commit or revert them)",
        ],
    }
    return [Reason(status, text) for text in texts.get(status, [])]


def strip_reasons(config: Config, path: Path) -> list[Reason]:
    """Unreadable, or not strip-clean under the project's strip options."""
    status = check_file(path, StripOptions.from_config(config.section("strip")), write=False)
    if status.error:
        return [Reason("unreadable", status.error)]
    if status.reasons:
        return [
            Reason(
                "strip", f"it is not strip-clean ({'; '.join(status.reasons)}): run `nbgate strip`"
            )
        ]
    return []


def stage_reasons(config: Config, path: Path, name: str, fix: str) -> list[Reason]:
    """Run the gate's ``name`` stage on one notebook; its failure is a reason to refuse."""
    result = stage_named(name).run(config, [str(path)])
    if result.status != FAIL:
        return []
    shown = [d for d in result.details if not d.startswith("warning")][:5]
    detail = ("; ".join(shown) or result.summary).replace("\n", " ")
    return [Reason(name, f"{name} fails: {detail} ({fix})")]


def evidence_reasons(config: Config, sha: str) -> tuple[list[Reason], dict[str, Any] | None]:
    """No usable passing ledger record for content ``sha``; also returns the record found."""
    try:
        record = read_evidence(config, sha)
    except NbgateError as exc:
        return [Reason(NO_EVIDENCE, f"its evidence cannot be used: {exc}")], None
    if record is None:
        return [
            Reason(
                NO_EVIDENCE,
                f"the ledger has no test evidence for its exact content (source_sha256 "
                f"{sha[:12]}): run `pytest --nbgate` on it, or pass --run-tests",
            )
        ], None
    if record.get("outcome") != "passed":
        return [
            Reason(
                "evidence-failed",
                f"its latest smoke test at this exact content did not pass "
                f"(outcome {record.get('outcome')!r} at {record.get('time')})",
            )
        ], record
    return [], record


def head_sha(repo: Path, path: Path) -> tuple[str | None, str | None]:
    """The commit at HEAD and the source hash of the notebook as committed there."""
    commit = git.head(repo)
    if commit is None:
        return None, None
    data = git.show(repo, commit, path.relative_to(repo).as_posix())
    if data is None:
        return commit, None
    try:
        return commit, source_sha256(notebook.loads(data, path))
    except NotebookError:
        return commit, None
