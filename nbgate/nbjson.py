"""Notebook JSON in nbformat's on-disk layout, written without importing nbformat.

``dumps`` writes the exact bytes ``nbformat.writes`` produces (indent 1,
sorted keys, non-ASCII kept, sources and text outputs split into line lists,
transient keys dropped) plus a trailing newline, as ``nbformat.write`` does.
The fast path serialises with orjson (indent 2, then every line's indentation
halved); where orjson would write something differently (floats such as
``1e-05``, integers beyond 64 bits, lone surrogates) the stdlib writes instead.
With the ``notebook-writer`` fast path off (``nbgate.fastpaths``) nbformat's
own JSON writer does the work. ``any_float`` is shared with the reader
(``nbgate.notebook``), which must spot the same odd numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

from nbgate import fastpaths, jsonsafe, lazyimport

_SPLIT_MIMES = frozenset(("application/javascript", "image/svg+xml"))
_INDENT = re.compile(rb"(\n +)")
_TRANSIENT_NB = frozenset(("orig_nbformat", "orig_nbformat_minor", "signature"))
_SCALARS = (str, int, bool, type(None))
_SKIP_CELL_KEYS = frozenset(("source", "outputs", "attachments", "id", "cell_type"))
_SKIP_OUTPUT_KEYS = frozenset(("text", "traceback"))


class _Halves(dict[bytes, bytes]):
    """``b"\\n" + 2k spaces`` -> ``b"\\n" + k spaces``, computed once per depth."""

    def __missing__(self, key: bytes) -> bytes:
        value = self[key] = key[: 1 + (len(key) - 1) // 2]
        return value


_HALVES = _Halves()


# ------------------------------------------------------------- odd numbers


def is_json_mime(mime: str) -> bool:
    """Whether a mimetype holds JSON (kept as is), not text (split into lines)."""
    return mime == "application/json" or (
        mime.startswith("application/") and mime.endswith("+json")
    )


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


def any_float(nb: Any, test: Callable[[float], bool]) -> bool:
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
            if (
                key not in _SKIP_CELL_KEYS
                and type(value) not in _SCALARS
                and _has_float(value, test)
            ):
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
                        if (type(item) is dict or is_json_mime(mime)) and _has_float(item, test):
                            return True
                elif _has_float(value, test):
                    return True
    return False


# ------------------------------------------------------------- writing


def _split_bundle(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, value in data.items():
        if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_MIMES):
            out[key] = value.splitlines(True)
    return out


def _split(nb: dict[str, Any]) -> dict[str, Any]:
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


def _written_differently(value: float) -> bool:
    """orjson writes some floats unlike ``json.dumps`` (``1e-05`` as ``0.00001``)."""
    return orjson.dumps(value) != repr(value).encode()


def _halve_indent(data: bytes) -> bytes:
    """orjson indents by 2, nbformat by 1: halve every line's indentation."""
    # split + map over a cache is about twice as fast as re.sub with a callback
    parts = _INDENT.split(data)
    parts[1::2] = map(_HALVES.__getitem__, parts[1::2])
    return b"".join(parts)


def _fast(nb: dict[str, Any]) -> bytes:
    """nbformat's layout through orjson (the stdlib for what orjson writes differently)."""
    split = _split(nb)
    if not any_float(split, _written_differently):
        try:
            data = orjson.dumps(split, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            pass  # >64-bit ints, lone surrogates: let the stdlib decide
        else:
            return _halve_indent(data)
    return _stdlib(split)


def _stdlib(split: dict[str, Any]) -> bytes:
    text = json.dumps(split, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
    return jsonsafe.escape_surrogates(text).encode(
        "utf-8"
    )  # a lone surrogate as json.dumps escapes it


def _library(nb: dict[str, Any]) -> bytes:
    """nbformat's own JSON writer (what ``nbformat.writes`` returns, without its schema check).

    nbformat's writer assumes a schema-valid notebook (a stream output
    without ``text`` raises AttributeError); nbgate also writes invalid ones
    (``strip`` does not validate), so those get the same layout from the stdlib.
    """
    nbformat = lazyimport.import_module("nbformat")
    try:
        text = nbformat.v4.nbjson.writes(nbformat.from_dict(nb))
    except (AttributeError, KeyError, TypeError):
        return _stdlib(_split(nb))
    return jsonsafe.escape_surrogates(text).encode(
        "utf-8"
    )  # nbformat.write would fail on a lone surrogate


def dumps(nb: dict[str, Any], crlf: bool = False) -> bytes:
    """Serialise a notebook exactly as ``nbformat.write`` would (as UTF-8 bytes)."""
    data = (_fast(nb) if fastpaths.enabled("notebook-writer") else _library(nb)) + b"\n"
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    return data
