"""Read and write notebook files fast, byte-identical to nbformat.

Hooks read and write notebooks on every commit, so this module never imports
nbformat or jsonschema. It parses with orjson into plain dicts (with the
stdlib as a fallback for what orjson rejects), checks the structure nbgate
relies on, and writes atomically, only when the bytes change, in the exact
layout ``nbformat.write`` produces (``nbgate.nbjson``). For any valid v4
notebook ``dumps(read(f).nb)`` equals ``nbformat.writes(nbformat.read(f,
NO_CONVERT)) + "\\n"``. Schema validation belongs to ``lint``, not here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from nbgate import fastpaths, jsonsafe
from nbgate.atomic import atomic_write
from nbgate.errors import NotebookError
from nbgate.nbjson import any_float, is_json_mime
from nbgate.nbjson import dumps as dumps  # noqa: PLC0414 - the writer lives in nbjson; notebook.dumps is its public name

Notebook = dict[str, Any]

SUPPORTED_MAJOR = 4
CELL_TYPES = frozenset(("code", "markdown", "raw"))
_BOM = b"\xef\xbb\xbf"


class Loaded(NamedTuple):
    """A notebook as read from disk: the parsed dict plus what writing needs."""

    path: Path
    nb: Notebook
    raw: bytes
    crlf: bool


# --------------------------------------------------------------------- reading


_BIG = 2.0**63


def _beyond_int64(value: float) -> bool:
    """orjson silently reads an integer beyond 64 bits (``2**70``) as a float this large."""
    return value >= _BIG or value < -_BIG


def _parse(raw: bytes, path: object) -> Any:
    """Parse JSON bytes, explaining failures in one line.

    The ``notebook-reader`` fast path (``nbgate.fastpaths``) parses with
    orjson; the stdlib ``json`` parser, which ``nbformat.reads`` uses, takes
    what orjson refuses or would read differently, and everything when the
    fast path is off.
    """
    if fastpaths.enabled("notebook-reader"):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # orjson refuses NaN, Infinity and lone surrogates; json does not
        else:
            try:
                jsonsafe.check_shape(
                    value, raw
                )  # first: deep values would overflow any_float's recursion
            except jsonsafe.ShapeError as exc:
                raise NotebookError(path, str(exc)) from None
            if not any_float(value, _beyond_int64):  # else the stdlib keeps such integers exact
                return value
    if not raw.strip():
        raise NotebookError(path, "file is empty, not a notebook")
    if raw.startswith(_BOM):
        raise NotebookError(
            path, "starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(
            path, f"not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})"
        ) from None
    try:
        value = jsonsafe.loads_strict(text)
        jsonsafe.check_shape(value, None)
        return value
    except jsonsafe.ShapeError as exc:
        raise NotebookError(path, str(exc)) from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            what = "invalid JSON: file ends early (truncated?)"
        else:
            what = f"invalid JSON: {exc.msg}"
        raise NotebookError(path, what, f"line {exc.lineno}:col {exc.colno}") from None
    except RecursionError:
        # what check_shape says of any value too deep for the stdlib's recursion
        raise NotebookError(path, f"nested more than {jsonsafe.MAX_DEPTH} levels deep") from None


def _join(value: Any) -> Any:
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # not a list of strings: leave it for lint to report
            return value
    return value


def _rejoin_bundle(data: Any) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list) and not is_json_mime(key):
                data[key] = _join(value)


def _check_and_rejoin(nb: Any, path: object) -> Notebook:
    """Check the structure nbgate relies on and rejoin split strings (in place)."""
    if not isinstance(nb, dict):
        raise NotebookError(
            path, f"not a notebook: top level is a JSON {type(nb).__name__}, expected an object"
        )
    major = nb.get("nbformat")
    if "cells" not in nb and major is None:
        raise NotebookError(path, "not a notebook: no 'nbformat' and no 'cells' key")
    if not isinstance(major, int) or isinstance(major, bool):
        raise NotebookError(path, f"not a notebook: 'nbformat' is {major!r}, expected an integer")
    if major != SUPPORTED_MAJOR:
        raise NotebookError(
            path,
            f"nbformat {major} is not supported (only 4); convert it with "
            "'jupyter nbconvert --to notebook --nbformat 4'",
        )
    minor = nb.get("nbformat_minor")
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise NotebookError(path, f"'nbformat_minor' is {minor!r}, expected an integer")
    metadata = nb.get("metadata")
    if not isinstance(metadata, dict):
        raise NotebookError(path, "notebook 'metadata' is missing or not an object")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(path, "'cells' is missing or not a list")
    for index, cell in enumerate(cells, 1):
        where = f"cell {index}"
        if not isinstance(cell, dict):
            raise NotebookError(path, "cell is not an object", where)
        cell_type = cell.get("cell_type")
        if not isinstance(cell_type, str) or cell_type not in CELL_TYPES:
            raise NotebookError(path, f"unknown cell_type {cell_type!r}", where)
        source = cell.get("source")
        if isinstance(source, list):
            try:
                cell["source"] = "".join(source)
            except TypeError:
                raise NotebookError(path, "'source' holds a non-string line", where) from None
        elif not isinstance(source, str):
            raise NotebookError(
                path, "'source' is missing or not a string or list of strings", where
            )
        if not isinstance(cell.get("metadata"), dict):
            raise NotebookError(path, "cell 'metadata' is missing or not an object", where)
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            for bundle in attachments.values():
                _rejoin_bundle(bundle)
        if cell_type != "code":
            continue
        outputs = cell.get("outputs")
        if not isinstance(outputs, list):
            raise NotebookError(path, "code cell has no 'outputs' list", where)
        if "execution_count" not in cell:
            raise NotebookError(path, "code cell has no 'execution_count'", where)
        for output in outputs:
            if not isinstance(output, dict) or not isinstance(output.get("output_type"), str):
                raise NotebookError(path, "output without an 'output_type'", where)
            output_type = output["output_type"]
            if output_type in ("execute_result", "display_data"):
                _rejoin_bundle(output.get("data"))
            elif "text" in output:
                output["text"] = _join(output["text"])
    # nbformat's strip_transient: never stored, dropped on read and write
    metadata.pop("orig_nbformat", None)
    metadata.pop("orig_nbformat_minor", None)
    metadata.pop("signature", None)
    for cell in cells:
        cell["metadata"].pop("trusted", None)
    return nb


def loads(raw: bytes, path: object = "<notebook>") -> Notebook:
    """Parse notebook bytes into a plain dict with sources joined into strings.

    Raises ``NotebookError`` (naming ``path``) for anything that is not a
    v4 notebook nbgate can work on.
    """
    return _check_and_rejoin(_parse(raw, path), path)


def _read_bytes(p: Path) -> bytes:
    try:
        return jsonsafe.read_regular(p)
    except jsonsafe.ShapeError as exc:
        raise NotebookError(p, str(exc)) from None
    except IsADirectoryError:
        raise NotebookError(p, "is a directory, not a notebook") from None
    except FileNotFoundError:
        raise NotebookError(p, "no such file") from None
    except OSError as exc:
        raise NotebookError(p, f"cannot read: {exc.strerror}") from None


def _is_crlf(raw: bytes) -> bool:
    return b"\r\n" in raw[: raw.find(b"\n") + 1] if b"\n" in raw else False


def read(path: str | os.PathLike[str]) -> Loaded:
    """Read a notebook file; see ``loads``. The file is never modified."""
    p = Path(path)
    raw = _read_bytes(p)
    return Loaded(p, loads(raw, p), raw, _is_crlf(raw))


# --------------------------------------------------------------------- writing


def write(path: str | os.PathLike[str], nb: Notebook, *, crlf: bool | None = None) -> bool:
    """Write ``nb`` to ``path`` atomically, only if the bytes change.

    ``crlf=None`` keeps the line endings of the existing file (LF for a new
    one). Returns True when the file was written.
    """
    target = Path(path)
    try:
        old: bytes | None = _read_bytes(target)
    except NotebookError:
        if (
            target.exists()
        ):  # a folder, FIFO or unreadable file; a dangling symlink is written through
            raise
        old = None
    if crlf is None:
        crlf = old is not None and b"\r\n" in old[: old.find(b"\n") + 1]
    data = dumps(nb, crlf=crlf)
    if data == old:
        return False
    _replace(target, data)
    return True


def _replace(target: Path, data: bytes) -> None:
    try:
        atomic_write(target, data)
    except (
        OSError
    ) as exc:  # a read-only file or folder: one line naming the file, never a traceback
        raise NotebookError(target, f"cannot write: {exc.strerror or exc}") from None


def save(loaded: Loaded, nb: Notebook) -> bool:
    """Write ``nb`` back over the file ``loaded`` came from, if it changed."""
    data = dumps(nb, crlf=loaded.crlf)
    if data == loaded.raw:
        return False
    _replace(loaded.path, data)
    return True


# --------------------------------------------------------------------- helpers


def tags(cell: dict[str, Any]) -> list[str]:
    """The cell's tags (an empty list when it has none or they are malformed)."""
    metadata = cell.get("metadata")
    value = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def text(value: Any) -> str:
    """A source or output text as one string (nbformat stores it as a string or a list of lines)."""
    if isinstance(value, list):
        return "".join(str(line) for line in value)
    return str(value)


def language(nb: Notebook) -> str:
    """The notebook's kernel language, ``python`` when it does not say."""
    metadata = nb.get("metadata", {})
    # jupytext records the language of a notebook without kernelspec as main_language
    for holder, key in (
        ("kernelspec", "language"),
        ("language_info", "name"),
        ("jupytext", "main_language"),
    ):
        value = metadata.get(holder, {})
        if isinstance(value, dict) and isinstance(value.get(key), str) and value[key]:
            return str(value[key]).lower()
    return "python"
