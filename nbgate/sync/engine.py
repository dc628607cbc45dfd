"""``nbgate sync [--check] [--prefer ipynb|text] [PATHS...]``: keep notebooks and their twins in step.

A pair is in sync when the notebook and its jupytext twin hold the same
inputs (one ``source_sha256``); such a pair is never rewritten. For a pair
out of sync, git says which side changed since HEAD (staged or not,
untracked counts): that side wins, jupytext carries its inputs over, and
the notebook keeps its outputs and cell ids. When both sides changed their
inputs and disagree, nothing is written and the diff is shown; jupytext's
own ``--sync`` would keep the newer file and drop the other's edit.
"""

from __future__ import annotations

import argparse
import functools
import shlex
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar

from nbgate import git, jsonsafe, notebook, output
from nbgate.sync import pairing
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.errors import FAILED, OK, REFUSED, NotebookError
from nbgate.gate import FAIL, PASS, SKIP, StageResult
from nbgate.identity import source_sha256
from nbgate.project import find_notebooks, is_covered
from nbgate.sync import state

IN_SYNC = "in sync"
CREATED = "created"
UPDATED_TWIN = "updated twin"
UPDATED_NOTEBOOK = "updated notebook"
MISSING = "missing twin"
OUT_OF_SYNC = "out of sync"
CONFLICT = "conflict"
UNDECIDED = "undecided"
REFUSED_PAIR = "refused"
ERROR = "error"
_FAILURES = frozenset((MISSING, OUT_OF_SYNC, CONFLICT, UNDECIDED, ERROR))
_T = TypeVar("_T")


class Pair(NamedTuple):
    """A notebook and the path of its text twin."""

    notebook: Path
    twin: Path


class Report(NamedTuple):
    """What sync found (and did) for one pair."""

    pair: Pair
    status: str
    message: str = ""
    diff: str = ""


class _Loaded(NamedTuple):
    """Both sides of a pair as read, with their identities."""

    pair: Pair
    nb: notebook.Loaded
    nb_sha: str
    text: str
    crlf: bool
    text_sha: str


# ------------------------------------------------------------- which pairs


def find_pairs(config: Config, paths: Sequence[str] = ()) -> list[Pair]:
    """The pairs ``paths`` name: notebooks, twins or folders (default: every covered notebook).

    A twin is paired with the covered notebook it belongs to; any other text
    file (pre-commit passes every ``.py``) is not a twin and is skipped.
    """
    spec, folder = str(config["sync.format"]), str(config["sync.folder"])
    pairing.parse_format(spec)  # a bad format is a config error even with nothing to sync
    notebooks: list[Path] = []
    if not paths:
        notebooks = find_notebooks(config)
    else:
        given = [Path(p) for p in paths if Path(p).is_dir() or str(p).endswith(".ipynb")]
        notebooks = find_notebooks(config, given) if given else []
        twins: dict[Path, Path] | None = None
        for name in paths:
            path = Path(name)
            if path.is_dir() or name.endswith(".ipynb"):
                continue
            candidate = pairing.notebook_path(path, spec, folder)
            if candidate is not None:
                if candidate.is_file() and is_covered(candidate, config):
                    notebooks.append(candidate)
                continue
            if twins is None:  # the folder has '..': map every covered notebook's twin
                twins = {pairing.twin_path(nb, spec, folder).resolve(): nb for nb in find_notebooks(config)}
            if path.resolve() in twins:
                notebooks.append(twins[path.resolve()])
    seen: set[Path] = set()
    pairs = []
    for nb in notebooks:
        if nb.resolve() not in seen:
            seen.add(nb.resolve())
            pairs.append(Pair(nb, pairing.twin_path(nb, spec, folder)))
    return pairs


# ------------------------------------------------------------- reading


def _converting(path: Path, spec: str, call: Callable[[], _T]) -> _T:
    """Run a jupytext conversion; its failures name the file instead of crashing."""
    try:
        return call()
    except NotebookError:
        raise
    except Exception as exc:  # jupytext raises many kinds (YAML, format, assertion) on bad text
        raise NotebookError(path, f"jupytext cannot convert it as {spec}: {type(exc).__name__}: {exc}") from None


def _read_text(path: Path) -> tuple[str, bool] | None:
    try:
        raw = jsonsafe.read_regular(path)  # a FIFO twin would block a plain read forever
    except FileNotFoundError:
        return None
    except jsonsafe.ShapeError as exc:
        raise NotebookError(path, str(exc)) from None
    except OSError as exc:
        raise NotebookError(path, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(path, f"not valid UTF-8 (byte {exc.start})") from None
    return text, b"\r\n" in raw[: raw.find(b"\n") + 1]


class _Recorder:
    """Remembers each write in the repository's sync state (see ``nbgate.sync.state``)."""

    def __init__(self) -> None:
        self._repos: dict[Path, tuple[Path, str | None] | None] = {}

    def __call__(self, path: Path, sha: str) -> None:
        folder = path.resolve().parent
        if folder not in self._repos:
            try:
                repo = git.root(folder)
                self._repos[folder] = (repo, git.head(repo))
            except git.NotInRepo:
                self._repos[folder] = None
        found = self._repos[folder]
        if found is None or not path.resolve().is_relative_to(found[0]):
            return
        try:
            state.remember(found[0], found[1], path, sha)
        except (OSError, git.GitError):
            pass  # the record only spares a false conflict later; the sync itself succeeded


def _write_text(path: Path, text: str, crlf: bool) -> None:
    try:
        data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotebookError(path, f"cannot be written as UTF-8 text: the notebook holds a lone surrogate "
                                  f"(\\u{ord(text[exc.start]):04x}), which only JSON can escape") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if jsonsafe.read_regular(path) == data:
                return
        except (FileNotFoundError, jsonsafe.ShapeError):
            pass  # a FIFO in the way: atomic_write replaces it
        atomic_write(path, data)
    except OSError as exc:  # a read-only folder: one line naming the file, not a traceback
        raise NotebookError(path, f"cannot write: {exc.strerror or exc}") from None


def _twin_text(nb: notebook.Loaded, nb_sha: str, twin: Path, spec: str) -> str:
    """The twin jupytext writes for ``nb``, checked to hold exactly the notebook's inputs."""
    text = _converting(nb.path, spec, lambda: pairing.to_text(nb.nb, spec))
    back = _converting(nb.path, spec, lambda: pairing.from_text(text, spec))
    if source_sha256(back) != nb_sha:
        raise NotebookError(nb.path, f"jupytext cannot hold its inputs exactly as {spec} "
                            f"({pairing.first_difference(nb.nb, back)}); {twin} not written")
    return text


# ------------------------------------------------------------- deciding


def _side_changed(repo: Path, head: str | None, changed: set[Path], path: Path, sha: str, is_text: bool,
                  spec: str) -> bool:
    """Whether this side's inputs changed since HEAD (untracked and new files count)."""
    if head is None or path.resolve() not in changed:
        return head is None
    old = git.show(repo, "HEAD", path.resolve().relative_to(repo).as_posix())
    if old is None:
        return True
    try:
        if is_text:
            old_text = old.decode("utf-8")
            old_sha = _converting(path, spec, functools.partial(pairing.text_sha256, old_text, spec))
        else:
            old_sha = source_sha256(notebook.loads(old, path))
    except (NotebookError, UnicodeDecodeError):  # whatever HEAD held, it is not what is there now
        return True
    return old_sha != sha


def _winners(loaded: list[_Loaded], spec: str) -> dict[Path, str]:
    """For each out-of-sync pair: 'ipynb', 'text', CONFLICT, UNDECIDED or REFUSED_PAIR, from git."""
    by_repo: dict[Path, list[_Loaded]] = {}
    verdicts: dict[Path, str] = {}
    roots: dict[Path, Path | None] = {}
    for item in loaded:
        folder = item.pair.notebook.resolve().parent
        if folder not in roots:
            try:
                roots[folder] = git.root(folder)
            except git.NotInRepo:
                roots[folder] = None
        repo = roots[folder]
        if repo is None or not item.pair.twin.resolve().is_relative_to(repo):
            verdicts[item.pair.notebook] = REFUSED_PAIR
            continue
        by_repo.setdefault(repo, []).append(item)
    for repo, items in by_repo.items():
        head = git.head(repo)
        changed = git.changed_since_head(repo, [p for item in items for p in item.pair])
        for item in items:
            # a side holding exactly what nbgate last wrote there (HEAD unchanged) was not edited by the user
            nb_changed = _side_changed(repo, head, changed, item.pair.notebook, item.nb_sha, False, spec) and \
                not state.written_by_nbgate(repo, head, item.pair.notebook, item.nb_sha)
            text_changed = _side_changed(repo, head, changed, item.pair.twin, item.text_sha, True, spec) and \
                not state.written_by_nbgate(repo, head, item.pair.twin, item.text_sha)
            verdicts[item.pair.notebook] = (CONFLICT if nb_changed and text_changed else "ipynb" if nb_changed
                                            else "text" if text_changed else UNDECIDED)
    return verdicts


def _apply(item: _Loaded, winner: str, spec: str, record: _Recorder) -> Report:
    pair = item.pair
    if winner == "ipynb":
        _write_text(pair.twin, _twin_text(item.nb, item.nb_sha, pair.twin, spec), item.crlf)
        record(pair.twin, item.nb_sha)
        return Report(pair, UPDATED_TWIN, f"{_show(pair.twin)}: updated from {_show(pair.notebook)}")
    text_nb = _converting(pair.twin, spec, lambda: pairing.from_text(item.text, spec))
    if winner == "text":
        merged = _converting(pair.twin, spec, lambda: pairing.merge(text_nb, item.nb.nb, spec))
        if source_sha256(merged) != source_sha256(text_nb):
            raise NotebookError(pair.notebook, f"merging {pair.twin} would not carry its inputs exactly "
                                f"({pairing.first_difference(text_nb, merged)}); nothing written")
        notebook.save(item.nb, merged)
        record(pair.notebook, source_sha256(merged))
        return Report(pair, UPDATED_NOTEBOOK, f"{_show(pair.notebook)}: updated from {_show(pair.twin)} "
                      "(outputs and cell ids kept)")
    diff = pairing.inputs_diff(item.nb.nb, text_nb, str(_show(pair.notebook)), str(_show(pair.twin)))
    hint = f"resolve by hand, or pick a side: nbgate sync --prefer ipynb|text {_show(pair.notebook)}"
    if winner == CONFLICT:
        message = f"{_show(pair.notebook)} and {_show(pair.twin)} both changed since HEAD and disagree; " \
                  f"nothing written; {hint}"
    elif winner == UNDECIDED:
        message = f"{_show(pair.notebook)} and {_show(pair.twin)} disagree but neither changed since HEAD; {hint}"
    else:
        message = f"{_show(pair.notebook)}: not in a git repository, so nbgate cannot tell which side " \
                  f"changed; nothing written; pass --prefer ipynb|text"
    return Report(pair, winner, message, diff)


# ------------------------------------------------------------- the command


def run_pairs(config: Config, pairs: Iterable[Pair], *, check: bool, prefer: str | None = None) -> list[Report]:
    """Compare (``check``) or sync each pair; return one report per pair."""
    spec, folder = str(config["sync.format"]), str(config["sync.folder"])
    reports: dict[Path, Report] = {}
    pending: list[_Loaded] = []
    order: list[Path] = []
    record = _Recorder()
    for pair in pairs:
        order.append(pair.notebook)
        try:
            nb = notebook.read(pair.notebook)
            formats = pairing.pairing_conflict(nb.nb, spec, folder)
            if formats is not None:
                reports[pair.notebook] = Report(pair, ERROR, _pairing_message(pair, formats, spec, folder))
                continue
            nb_sha = source_sha256(nb.nb)
            found = _read_text(pair.twin)
            if found is None:
                if check:
                    reports[pair.notebook] = Report(pair, MISSING, f"{_show(pair.notebook)}: twin "
                                                    f"{_show(pair.twin)} is missing")
                else:
                    _write_text(pair.twin, _twin_text(nb, nb_sha, pair.twin, spec), False)
                    record(pair.twin, nb_sha)
                    reports[pair.notebook] = Report(pair, CREATED, f"{_show(pair.twin)}: created from "
                                                    f"{_show(pair.notebook)}")
                continue
            text, crlf = found
            text_sha = _converting(pair.twin, spec, functools.partial(pairing.text_sha256, text, spec))
        except NotebookError as exc:
            reports[pair.notebook] = Report(pair, ERROR, str(exc))
            continue
        if text_sha == nb_sha:
            reports[pair.notebook] = Report(pair, IN_SYNC)
        else:
            pending.append(_Loaded(pair, nb, nb_sha, text, crlf, text_sha))
    if check:
        for item in pending:
            reports[item.pair.notebook] = _out_of_sync(item, spec)
    elif pending:
        winners = {item.pair.notebook: prefer for item in pending} if prefer else _winners(pending, spec)
        for item in pending:
            try:
                reports[item.pair.notebook] = _apply(item, winners[item.pair.notebook], spec, record)
            except NotebookError as exc:
                reports[item.pair.notebook] = Report(item.pair, ERROR, str(exc))
    return [reports[path] for path in order]


def _pairing_message(pair: Pair, formats: str, spec: str, folder: str) -> str:
    switch = shlex.quote(pairing.switch_formats(spec, folder))
    return (f"{_show(pair.notebook)}: jupytext pairs it as {formats!r} (its metadata jupytext.formats), not with "
            f"{_show(pair.twin)} (sync.format = {spec!r}); nothing written; to switch it to nbgate's pairing run: "
            f"jupytext --set-formats {switch} {shlex.quote(str(_show(pair.notebook)))} (or set sync.format "
            "to the pairing you use)")


def _out_of_sync(item: _Loaded, spec: str) -> Report:
    where = ""
    try:
        text_nb = _converting(item.pair.twin, spec, lambda: pairing.from_text(item.text, spec))
        where = f" ({pairing.first_difference(item.nb.nb, text_nb)})"
    except NotebookError as exc:
        return Report(item.pair, ERROR, str(exc))
    return Report(item.pair, OUT_OF_SYNC, f"{_show(item.pair.notebook)}: out of sync with "
                  f"{_show(item.pair.twin)}{where}")


def _show(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def sync(*, config: Config, paths: Sequence[str] = (), check: bool = False, prefer: str | None = None,
         hook: bool = False) -> int:
    """Sync notebooks with their twins, or with ``check`` list pairs out of sync. Returns the exit code.

    With ``hook`` (the pre-commit hook), writing any file fails: the commit
    must not land without the file nbgate just created or updated.
    """
    if not config["sync.enabled"]:
        output.echo("sync is disabled (sync.enabled = false)")
        return OK
    reports = run_pairs(config, find_pairs(config, paths), check=check, prefer=prefer)
    for report in reports:
        if report.status in (CONFLICT, UNDECIDED, REFUSED_PAIR, ERROR):
            output.error(report.message)
        elif report.message:
            output.result(report.message)
        if report.diff:
            output.result(_colour_diff(report.diff))
    counts = {status: sum(1 for r in reports if r.status == status) for status in {r.status for r in reports}}
    changed = counts.get(CREATED, 0) + counts.get(UPDATED_TWIN, 0) + counts.get(UPDATED_NOTEBOOK, 0)
    failed = sum(n for status, n in counts.items() if status in _FAILURES | {REFUSED_PAIR})
    output.echo(f"{len(reports)} pair(s): {counts.get(IN_SYNC, 0)} in sync, "
                + (f"{failed} need syncing" if check else f"{changed} synced, {failed} failed"))
    if counts.get(REFUSED_PAIR):
        return REFUSED
    if hook and changed:
        written = [r.pair.notebook if r.status == UPDATED_NOTEBOOK else r.pair.twin for r in reports
                   if r.status in (CREATED, UPDATED_TWIN, UPDATED_NOTEBOOK)]
        output.error(f"nbgate sync wrote {len(written)} file(s); stage them and commit again: git add "
                     + " ".join(shlex.quote(str(_show(path))) for path in written))
        return FAILED
    return FAILED if failed else OK


def _colour_diff(diff: str) -> str:
    colours = {"+": "green", "-": "red", "@": "cyan"}
    return "\n".join(output.style(line, colours[line[0]]) if line[:1] in colours else line
                     for line in diff.splitlines())


def gate_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """The gate's ``sync`` stage: ``sync --check`` over the project."""
    if not config["sync.enabled"]:
        return StageResult("sync", SKIP, "sync.enabled = false")
    reports = run_pairs(config, find_pairs(config, paths), check=True)
    bad = [r.message for r in reports if r.status != IN_SYNC]
    if bad:
        return StageResult("sync", FAIL, f"{len(bad)} of {len(reports)} pair(s) out of sync or missing a twin",
                           tuple(bad))
    return StageResult("sync", PASS, f"{len(reports)} pair(s) in sync")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate sync``."""
    parser = subparsers.add_parser("sync", help="keep notebooks and their jupytext twins holding the same inputs")
    parser.add_argument("paths", nargs="*", help="notebooks, twins or folders (default: every covered notebook)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 listing pairs out of sync")
    mode.add_argument("--prefer", choices=("ipynb", "text"),
                      help="this side wins for every pair out of sync (git is not asked; works outside git)")
    parser.add_argument("--hook", action="store_true",
                        help="pre-commit mode: exit 1 when a file was created or changed, naming what to git add")
    parser.set_defaults(run=lambda ns, config: sync(config=config, paths=ns.paths, check=ns.check,
                                                    prefer=ns.prefer, hook=ns.hook))
