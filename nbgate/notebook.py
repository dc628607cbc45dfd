"""Read and write notebook JSON fast, byte-identical to nbformat.

Hooks read and write notebooks on every commit, so this module never imports
nbformat or jsonschema. It parses with orjson into plain dicts (with the
stdlib as a fallback for what orjson rejects) and writes the exact layout
``nbformat.write`` produces: indent 1, sorted keys, non-ASCII kept, sources
split into line lists, a trailing newline. For any valid v4 notebook
``dumps(read(f).nb)`` equals ``nbformat.writes(nbformat.read(f, NO_CONVERT))
+ "\\n"``. Schema validation belongs to ``lint``, not here.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from nbgate import jsonsafe
from nbgate.atomic import atomic_write
from nbgate.errors import NotebookError

Notebook = dict[str, Any]

SUPPORTED_MAJOR = 4
CELL_TYPES = frozenset(("code", "markdown", "raw"))
_BOM = b"\xef\xbb\xbf"
_SPLIT_MIMES = frozenset(("application/javascript", "image/svg+xml"))
_INDENT = re.compile(rb"(\n +)")


class _Halves(dict[bytes, bytes]):
    """``b"\\n" + 2k spaces`` -> ``b"\\n" + k spaces``, computed once per depth."""

    def __missing__(self, key: bytes) -> bytes:
        value = self[key] = key[: 1 + (len(key) - 1) // 2]
        return value


_HALVES = _Halves()


class Loaded(NamedTuple):
    """A notebook as read from disk: the parsed dict plus what writing needs."""

    path: Path
    nb: Notebook
    raw: bytes
    crlf: bool


# --------------------------------------------------------------------- reading


_BIG = 2.0**63
_SCALARS = (str, int, bool, type(None))
_SKIP_CELL_KEYS = frozenset(("source", "outputs", "attachments", "id", "cell_type"))
_SKIP_OUTPUT_KEYS = frozenset(("text", "traceback"))


def _has_float(value: Any, test: Callable[[float], bool]) -> bool:
    """Whether ``test`` holds for any float inside ``value`` (strings are never entered)."""
    kind = type(value)
    if kind is float:
        return test(value)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return False
    for item in value:  # a plain loop: this runs over every notebook read and written
        if type(item) not in _SCALARS and _has_float(item, test):
            return True
    return False


def _any_float(nb: Any, test: Callable[[float], bool]) -> bool:
    """Whether ``test`` holds for a float anywhere a notebook can hold numbers.

    Only metadata, JSON mimetypes and unknown keys can; sources, text
    outputs, tracebacks and images are strings and are skipped, which keeps
    the walk cheap. Tolerates malformed notebooks (reading calls it before
    the structure is checked).
    """
    if not isinstance(nb, dict):
        return False
    for key, value in nb.items():
        if key != "cells" and _has_float(value, test):
            return True
    cells = nb.get("cells")
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        for key, value in cell.items():
            if key not in _SKIP_CELL_KEYS and type(value) not in _SCALARS and _has_float(value, test):
                return True
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else ():
            if not isinstance(output, dict):
                continue
            for key, value in output.items():
                if key in _SKIP_OUTPUT_KEYS or type(value) in _SCALARS:
                    continue
                if key == "data" and isinstance(value, dict):
                    # text mimetypes are strings or lists of strings; JSON ones hold numbers
                    for mime, item in value.items():
                        if (type(item) is dict or _is_json_mime(mime)) and _has_float(item, test):
                            return True
                elif _has_float(value, test):
                    return True
    return False


def _beyond_int64(value: float) -> bool:
    """orjson silently reads an integer beyond 64 bits (``2**70``) as a float this large."""
    return value >= _BIG or value < -_BIG


def _parse(raw: bytes, path: object) -> Any:
    """Parse JSON bytes, explaining failures in one line."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass  # orjson refuses NaN, Infinity and lone surrogates; json does not
    else:
        try:
            jsonsafe.check_shape(value, raw)  # first: deep values would overflow _any_float's recursion
        except jsonsafe.ShapeError as exc:
            raise NotebookError(path, str(exc)) from None
        if not _any_float(value, _beyond_int64):  # else the stdlib keeps such integers exact
            return value
    if not raw.strip():
        raise NotebookError(path, "file is empty, not a notebook")
    if raw.startswith(_BOM):
        raise NotebookError(path, "starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(path, f"not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})") from None
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
        raise NotebookError(path, "invalid JSON: nested too deeply") from None


def _join(value: Any) -> Any:
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # not a list of strings: leave it for lint to report
            return value
    return value


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _rejoin_bundle(data: Any) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list) and not _is_json_mime(key):
                data[key] = _join(value)


def _check_and_rejoin(nb: Any, path: object) -> Notebook:
    """Check the structure nbgate relies on and rejoin split strings (in place)."""
    if not isinstance(nb, dict):
        raise NotebookError(path, f"not a notebook: top level is a JSON {type(nb).__name__}, expected an object")
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
            raise NotebookError(path, "'source' is missing or not a string or list of strings", where)
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


def _split_bundle(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, value in data.items():
        if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_MIMES):
            out[key] = value.splitlines(True)
    return out


def _split(nb: Notebook) -> Notebook:
    """Shallow copy of ``nb`` with nbformat's ``split_lines`` and ``strip_transient``."""
    metadata = {k: v for k, v in nb.get("metadata", {}).items() if k not in _TRANSIENT_NB}
    cells = []
    for cell in nb.get("cells", []):
        new = dict(cell)
        source = cell.get("source")
        if isinstance(source, str):
            new["source"] = source.splitlines(True)
        cell_md = cell.get("metadata")
        if isinstance(cell_md, dict) and "trusted" in cell_md:
            new["metadata"] = {k: v for k, v in cell_md.items() if k != "trusted"}
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            new["attachments"] = {k: _split_bundle(v) for k, v in attachments.items()}
        if cell.get("cell_type") == "code" and isinstance(cell.get("outputs"), list):
            outputs = []
            for output in cell["outputs"]:
                output_type = output.get("output_type")
                if output_type in ("execute_result", "display_data") and "data" in output:
                    output = {**output, "data": _split_bundle(output["data"])}
                elif output_type == "stream" and isinstance(output.get("text"), str):
                    output = {**output, "text": output["text"].splitlines(True)}
                outputs.append(output)
            new["outputs"] = outputs
        cells.append(new)
    return {**nb, "metadata": metadata, "cells": cells}


_TRANSIENT_NB = frozenset(("orig_nbformat", "orig_nbformat_minor", "signature"))


def _written_differently(value: float) -> bool:
    """orjson writes some floats unlike ``json.dumps`` (``1e-05`` as ``0.00001``)."""
    return orjson.dumps(value) != repr(value).encode()


def _halve_indent(data: bytes) -> bytes:
    """orjson indents by 2, nbformat by 1: halve every line's indentation."""
    # split + map over a cache is about twice as fast as re.sub with a callback
    parts = _INDENT.split(data)
    parts[1::2] = map(_HALVES.__getitem__, parts[1::2])
    return b"".join(parts)


def dumps(nb: Notebook, crlf: bool = False) -> bytes:
    """Serialise a notebook exactly as ``nbformat.write`` would (as UTF-8 bytes)."""
    split = _split(nb)
    data: bytes | None = None
    if not _any_float(split, _written_differently):
        try:
            data = orjson.dumps(split, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            data = None  # >64-bit ints, lone surrogates: let the stdlib decide
        if data is not None:
            data = _halve_indent(data)
    if data is None:
        text = json.dumps(split, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
        data = jsonsafe.escape_surrogates(text).encode("utf-8")  # a lone surrogate as json.dumps escapes it
    data += b"\n"
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    return data


def write(path: str | os.PathLike[str], nb: Notebook, *, crlf: bool | None = None) -> bool:
    """Write ``nb`` to ``path`` atomically, only if the bytes change.

    ``crlf=None`` keeps the line endings of the existing file (LF for a new
    one). Returns True when the file was written.
    """
    target = Path(path)
    try:
        old: bytes | None = _read_bytes(target)
    except NotebookError:
        if target.exists():  # a folder, FIFO or unreadable file; a dangling symlink is written through
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
    except OSError as exc:  # a read-only file or folder: one line naming the file, never a traceback
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
    for holder, key in (("kernelspec", "language"), ("language_info", "name"), ("jupytext", "main_language")):
        value = metadata.get(holder, {})
        if isinstance(value, dict) and isinstance(value.get(key), str) and value[key]:
            return str(value[key]).lower()
    return "python"
