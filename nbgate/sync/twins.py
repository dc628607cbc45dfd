"""Reading and writing a pair's text side through jupytext, with failures that name the file.

A twin is written only when its bytes change, atomically, in its line
endings; every write is remembered in the repository's sync state
(``nbgate.sync.state``) so a later sync knows nbgate, not the user, wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from nbgate import git, jsonsafe, notebook
from nbgate.atomic import atomic_write
from nbgate.errors import NotebookError
from nbgate.identity import source_sha256
from nbgate.sync import pairing, state

_T = TypeVar("_T")


def converting(path: Path, spec: str, call: Callable[[], _T]) -> _T:
    """Run a jupytext conversion; its failures name the file instead of crashing."""
    try:
        return call()
    except NotebookError:
        raise
    except Exception as exc:  # noqa: BLE001 - jupytext raises many kinds (YAML, format, assertion) on bad text
        raise NotebookError(
            path, f"jupytext cannot convert it as {spec}: {type(exc).__name__}: {exc}"
        ) from None


def read_text(path: Path) -> tuple[str, bool] | None:
    """The twin's text and whether it uses CRLF line endings; None when it does not exist."""
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


class Recorder:
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


def write_text(path: Path, text: str, crlf: bool) -> None:
    """Write a twin (atomically, in ``crlf`` line endings) unless it already holds exactly that."""
    try:
        data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotebookError(
            path,
            f"cannot be written as UTF-8 text: the notebook holds a lone surrogate "
            f"(\\u{ord(text[exc.start]):04x}), which only JSON can escape",
        ) from None
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


def twin_text(nb: notebook.Loaded, nb_sha: str, twin: Path, spec: str) -> str:
    """The twin jupytext writes for ``nb``, checked to hold exactly the notebook's inputs."""
    text = converting(nb.path, spec, lambda: pairing.to_text(nb.nb, spec))
    back = converting(nb.path, spec, lambda: pairing.from_text(text, spec))
    if source_sha256(back) != nb_sha:
        raise NotebookError(
            nb.path,
            f"jupytext cannot hold its inputs exactly as {spec} "
            f"({pairing.first_difference(nb.nb, back)}); {twin} not written",
        )
    return text
