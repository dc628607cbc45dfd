"""A notebook and its jupytext twin: paths, conversion, "same inputs", merging.

Pure functions over notebook dicts and text; the caller does the file I/O.
jupytext (and nbformat, which it imports, about 1.4 s) is imported inside
the functions that convert. ``quick_text_sha256`` hashes a ``py:percent``
twin without jupytext where ``nbgate.sync.percent`` can prove it reads the file
exactly as jupytext would; everything else goes through jupytext.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from nbgate import fastpaths
from nbgate.errors import ConfigError
from nbgate.identity import content_cells, normalise_source, source_sha256
from nbgate.notebook import Notebook, language, tags
from nbgate.notebook import text as notebook_text
from nbgate.sync.percent import percent_sha256


class TwinFormat(NamedTuple):
    """A jupytext format: ``py:percent`` is extension ``.py``, name ``percent``."""

    spec: str
    extension: str
    name: str


def parse_format(spec: str) -> TwinFormat:
    """Check a ``sync.format`` value such as ``py:percent`` or ``md:myst``."""
    ext, _, name = spec.strip().lstrip(".").partition(":")
    if (
        not re.fullmatch(r"[A-Za-z0-9_+-]+", ext)
        or ext.lower() == "ipynb"
        or (name and not name.isidentifier())
    ):
        raise ConfigError(
            f"sync.format = {spec!r} is not a jupytext text format such as 'py:percent'"
        )
    return TwinFormat(f"{ext}:{name}" if name else ext, "." + ext, name)


def twin_path(notebook: Path, spec: str, folder: str = "") -> Path:
    """Where the twin of ``notebook`` lives: ``folder`` is relative to the notebook's folder."""
    fmt = parse_format(spec)
    return Path(os.path.normpath(notebook.parent / folder / (notebook.stem + fmt.extension)))


def notebook_path(twin: Path, spec: str, folder: str = "") -> Path | None:
    """The notebook whose twin would be ``twin``, when ``folder`` can be walked back (no ``..``)."""
    fmt = parse_format(spec)
    if twin.suffix != fmt.extension:
        return None
    parts = [p for p in Path(folder).parts if p not in ("", ".")]
    if ".." in parts:
        return None
    parent = twin.parent
    for part in reversed(parts):
        if parent.name != part:
            return None
        parent = parent.parent
    return parent / (twin.stem + ".ipynb")


# ------------------------------------------------------------- conversion


def _node(nb: Notebook) -> Any:
    import nbformat

    from_dict: Any = nbformat.from_dict  # untyped
    return from_dict(copy.deepcopy(nb))


def _plain(node: Any) -> Notebook:
    try:
        result: Notebook = orjson.loads(orjson.dumps(node))
    except (
        TypeError,
        orjson.JSONEncodeError,
    ):  # a lone surrogate: orjson refuses it, json does not
        result = json.loads(json.dumps(node))
    return result


def to_text(nb: Notebook, spec: str) -> str:
    """The notebook's text twin, written by jupytext."""
    import jupytext

    text: str = jupytext.writes(_node(nb), fmt=parse_format(spec).spec)
    return text


def from_text(text: str, spec: str) -> Notebook:
    """The notebook jupytext reads from a twin's text (inputs only), as a plain dict."""
    import jupytext

    return _plain(jupytext.reads(text, fmt=parse_format(spec).spec))


def text_sha256(text: str, spec: str) -> str:
    """``source_sha256`` of the notebook a twin's text holds (fast path first)."""
    quick = quick_text_sha256(text, spec)
    return quick if quick is not None else source_sha256(from_text(text, spec))


#: Metadata jupytext's reader adds by itself; a merge keeps the notebook's own.
_READER_NOTEBOOK_KEYS = ("text_representation", "main_language")
_READER_CELL_KEYS = ("lines_to_next_cell", "lines_to_end_of_cell_marker")


def merge(text_nb: Notebook, nb: Notebook, spec: str) -> Notebook:
    """``nb`` with the inputs of ``text_nb`` (read from its twin).

    jupytext's ``combine_inputs_with_outputs`` matches cells and keeps the
    notebook's outputs, ids and the metadata the text does not show. On top
    of that, cells whose inputs did not change keep their exact source (a
    trailing newline jupytext drops), the reader's layout hints are not added
    to cells that never had them, and a 4.4 notebook never gets cell ids.
    """
    from jupytext.combine import combine_inputs_with_outputs, map_outputs_to_inputs

    source, outputs = _node(text_nb), _node(nb)
    mapping = map_outputs_to_inputs(source.cells, outputs.cells)
    merged = _plain(combine_inputs_with_outputs(source, outputs, fmt=parse_format(spec).spec))
    minor = nb.get("nbformat_minor", 0)
    used = {
        cell.get("id") for cell, j in zip(merged["cells"], mapping, strict=False) if j is not None
    }
    for cell, j in zip(merged["cells"], mapping, strict=False):
        original = nb["cells"][j] if j is not None else None
        for key in _READER_CELL_KEYS:
            if original is None or key not in original.get("metadata", {}):
                cell["metadata"].pop(key, None)
        if original is not None and _same_cell(cell, original):
            cell["source"] = original["source"]
        if minor < 5:
            cell.pop("id", None)
        elif original is None:
            while cell.get("id") in used or "id" not in cell:
                cell["id"] = os.urandom(4).hex()
            used.add(cell["id"])
    old, new = nb["metadata"].get("jupytext", {}), merged["metadata"].get("jupytext")
    if isinstance(new, dict) and isinstance(old, dict):
        for key in _READER_NOTEBOOK_KEYS:
            if key in old:
                new[key] = old[key]
            else:
                new.pop(key, None)
        if not new and "jupytext" not in nb["metadata"]:
            del merged["metadata"]["jupytext"]
    return merged


def _same_cell(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(
        a.get("cell_type") == b.get("cell_type")
        and normalise_source(a.get("source", "")) == normalise_source(b.get("source", ""))
    )


# ------------------------------------------------------------- comparing


def inputs_listing(nb: Notebook) -> list[str]:
    """The inputs ``source_sha256`` covers, as lines for a readable diff."""
    lines = [f"# kernel language: {language(nb)}"]
    for cell in content_cells(nb):
        marker = "# %%" if cell.get("cell_type") == "code" else f"# %% [{cell.get('cell_type')}]"
        cell_tags = sorted(set(tags(cell)))
        if cell_tags:
            marker += " tags=" + orjson.dumps(cell_tags).decode().replace('","', '", "')
        lines += ["", marker, *normalise_source(notebook_text(cell.get("source", ""))).split("\n")]
    return lines


def inputs_diff(a: Notebook, b: Notebook, a_name: str, b_name: str) -> str:
    """A unified diff of the two notebooks' inputs ('' when they are the same)."""
    diff = difflib.unified_diff(
        inputs_listing(a), inputs_listing(b), a_name, b_name, lineterm="", n=2
    )
    return "\n".join(diff)


def first_difference(a: Notebook, b: Notebook) -> str:
    """Where two notebooks' inputs first differ, in words."""
    if language(a) != language(b):
        return f"kernel language {language(a)!r} vs {language(b)!r}"
    cells_a, cells_b = content_cells(a), content_cells(b)
    for number, (x, y) in enumerate(zip(cells_a, cells_b, strict=False), 1):
        if not _same_cell(x, y):
            return f"cell {number} differs"
        if sorted(set(tags(x))) != sorted(set(tags(y))):
            return f"cell {number}: tags differ"
    return f"{len(cells_a)} vs {len(cells_b)} cells"


_QUICK_FORMATS = frozenset(("py:percent",))


def quick_text_sha256(text: str, spec: str) -> str | None:
    """``source_sha256`` of a twin without jupytext (``py:percent`` only), or None if unsure.

    With the ``percent-reader`` fast path off (``nbgate.fastpaths``) every twin goes to jupytext.
    """
    if parse_format(spec).spec not in _QUICK_FORMATS or not fastpaths.enabled("percent-reader"):
        return None
    return percent_sha256(text)


# ------------------------------------------------------------- jupytext's own pairing


def _format_items(formats: Any) -> list[str] | None:
    if isinstance(formats, str):
        return [item.strip() for item in formats.split(",") if item.strip()]
    if isinstance(formats, list) and all(isinstance(item, str) for item in formats):
        return [item.strip() for item in formats]
    return None


def _names_twin(item: str, fmt: TwinFormat, folder: str) -> bool:
    """Whether one entry of ``jupytext.formats`` (``py:percent``, ``scripts//py:percent``) is nbgate's twin."""
    prefix, _, short = item.rpartition("/")
    ext, _, name = short.partition(":")
    if "." in ext.lstrip(".") or ext.lstrip(".") != fmt.extension.lstrip(".") or name != fmt.name:
        return False  # another format, or a suffix such as '.pct.py' that nbgate does not write
    if prefix and (not prefix.endswith("/") or prefix.endswith("//") or prefix.startswith("/")):
        return False  # a file-name prefix ('x/py'), or a root-relative pairing ('scripts///py'): jupytext's own
    return os.path.normpath(prefix[:-1] or ".") == os.path.normpath(folder or ".")


def pairing_conflict(nb: Notebook, spec: str, folder: str = "") -> str | None:
    """The notebook's ``jupytext.formats`` when it pairs the notebook otherwise than nbgate (None if it agrees).

    jupytext carries that metadata into every twin it writes; a ``.py`` twin
    whose header says ``formats: ipynb,md`` is then rejected by jupytext
    itself, so nbgate refuses such a pair instead of writing it.
    """
    jupytext = nb.get("metadata", {}).get("jupytext")
    if not isinstance(jupytext, dict) or "formats" not in jupytext:
        return None
    formats = jupytext["formats"]
    items = _format_items(formats)
    fmt = parse_format(spec)
    if items is not None and any(_names_twin(item, fmt, folder) for item in items):
        return None
    return (
        formats
        if isinstance(formats, str)
        else ",".join(map(str, formats))
        if isinstance(formats, list)
        else repr(formats)
    )


def switch_formats(spec: str, folder: str = "") -> str:
    """The ``jupytext --set-formats`` value that pairs a notebook the way nbgate does."""
    twin = f"{folder.rstrip('/')}//{parse_format(spec).spec}" if folder else parse_format(spec).spec
    return f"ipynb,{twin}"
