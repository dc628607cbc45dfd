"""A fast reader for the common subset of jupytext's ``py:percent`` format.

``percent_sha256`` computes a twin's ``source_sha256`` without importing
jupytext (and nbformat with it, about 1.4 s). It mirrors jupytext's reader
line by line and gives up (returns None) on anything that reader could treat
in a special way: magics and anything like them, escaped or odd cell
markers, strings spanning cell markers, fenced blocks crossing cells, cell
options the reader acts on or nbformat's schema constrains, unusual
headers. So it can only agree with jupytext; tests/pairing_test.py fuzzes
that promise against jupytext itself.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import orjson

from nbgate.identity import source_sha256

# What jupytext's py:percent reader does to a line, over-approximated: any
# match sends the twin to jupytext itself. Sources: jupytext.magics (_MAGIC_RE,
# _PYTHON_HELP_OR_BASH_CMD, _PYTHON_MAGIC_ASSIGN, _PYTHON_MAGIC_CMD,
# _IPYTHON_MAGIC_HELP, _ESCAPED_CODE_START) and the cell marker patterns.
_MAGIC_LIKE = re.compile(
    r"^(?:#|[^\S\n])*(?:[%!?]|[A-Za-z_][\w$]*[^\S\n]*=[^\S\n]*[%!]"
    r"|(?:cat|cd|cp|mv|rm|rmdir|mkdir|copy|ddir|echo|ls|ldir|ren)(?:\s|$)|\S*\?[^\S\n]*$)",
    re.MULTILINE,
)
_ESCAPED_START = re.compile(r"^(?:#|[^\S\n])*#(?:#|[^\S\n])*\+", re.MULTILINE)
_NOT_COMMENT = re.compile(r"^[^#\n]", re.MULTILINE)
_MARKER_LIKE = re.compile(r"\s*#\s*(?:%%|<codecell>|In\[)")
_MARKER = re.compile(r"# %%(?: \[(markdown|raw)\])?((?: .*)?)")
_OPTION_KEY = re.compile(r" ([A-Za-z_][A-Za-z0-9_.-]*)=")
#: Cell options jupytext's reader acts on (cell type, language, active cells) and those
#: options nbformat's schema constrains: left to jupytext too, which validates them.
_READER_OPTIONS = frozenset(("language", "cell_type", "active", "run_control", "magic_args", "title", "cell_depth",
                             "region_name", "jupyter", "execution", "collapsed", "scrolled", "name", "format",
                             "deletable", "editable"))
_JSON = json.JSONDecoder()
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_SEPARATORS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufeff]")
_HEADER_END = re.compile(r"---\s*")
_JUPYTER = re.compile(r"jupyter\s*:\s*")
_JUPYTEXT_KEYS = frozenset(("formats", "text_representation", "notebook_metadata_filter", "cell_metadata_filter"))
_REARRANGED = frozenset(("nbrmd_formats", "nbrmd_format_version", "jupytext_formats", "jupytext_format_version",
                         "main_language", "encoding", "executable"))


def percent_sha256(text: str) -> str | None:
    """``source_sha256`` of a ``py:percent`` twin without jupytext, or None if unsure."""
    text = text.replace("\r\n", "\n")
    if _SEPARATORS.search(text):
        return None  # str.splitlines (which jupytext uses) splits on these too
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    header = _header(lines)
    if header is None:
        return None
    metadata, start = header
    cells = _cells(lines[start:])
    if cells is None:
        return None
    return source_sha256({"metadata": metadata, "cells": cells})


def _uncomment(line: str) -> str:
    return line[2:] if line.startswith("# ") else line.removeprefix("#")


def _header(lines: list[str]) -> tuple[dict[str, Any], int] | None:
    """The YAML header's metadata and the first body line, as jupytext's header reader finds them."""
    if lines and (lines[0].startswith("#!") or any("coding" in line for line in lines[:2])):
        return None
    if not lines or not lines[0].startswith("#") or not _HEADER_END.fullmatch(_uncomment(lines[0])):
        if lines and lines[0].startswith("#") and not _uncomment(lines[0]).strip():
            return None  # jupytext skips such lines while looking for a header
        return {}, 0
    if len(lines) < 2 or not _JUPYTER.fullmatch(_uncomment(lines[1])):
        return None  # root-level YAML would become a raw cell
    end = 2
    while True:
        if end >= len(lines) or not lines[end].startswith("#"):
            return None
        line = _uncomment(lines[end])
        if _HEADER_END.fullmatch(line):
            break
        if line and not line[0].isspace():
            return None
        end += 1
    metadata = _yaml_metadata("\n".join(_uncomment(line) for line in lines[1:end]))
    if metadata is None:
        return None
    start = end + 1
    if start < len(lines) and not _uncomment(lines[start]).strip():
        start += 1
    return metadata, start


@functools.lru_cache(maxsize=64)
def _yaml_cached(block: str) -> bytes | None:
    import yaml

    try:
        loaded = yaml.safe_load(block)
    except yaml.YAMLError:
        return None
    metadata = loaded.get("jupyter") if isinstance(loaded, dict) else None
    if not isinstance(metadata, dict) or _REARRANGED.intersection(metadata):
        return None
    jupytext = metadata.get("jupytext", {})
    kernelspec = metadata.get("kernelspec", {})
    if not isinstance(jupytext, dict) or not isinstance(kernelspec, dict) or not _JUPYTEXT_KEYS.issuperset(jupytext):
        return None
    representation = jupytext.get("text_representation")
    if representation is None:
        if "formats" in jupytext:
            return None  # the formats list could name another py format
    elif not isinstance(representation, dict) or representation.get("extension") != ".py" \
            or representation.get("format_name") != "percent":
        return None
    main = kernelspec.get("language") or "python"
    if not isinstance(main, str) or main.lower() != "python" or not _schema_safe_notebook(metadata):
        return None
    try:
        return orjson.dumps(metadata)
    except TypeError:
        return None  # YAML dates and the like: not plain JSON


def _yaml_metadata(block: str) -> dict[str, Any] | None:
    cached = _yaml_cached(block)
    return None if cached is None else dict(orjson.loads(cached))


def _cells(body: list[str]) -> list[dict[str, Any]] | None:
    """The cells of a py:percent body, or None when jupytext might read it differently."""
    starts = [i for i, line in enumerate(body) if "#" in line and _MARKER_LIKE.match(line)]
    if body and (not starts or starts[0] != 0):
        return None
    cells = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(body)
        marker = _MARKER.fullmatch(body[start])
        options = None if marker is None else _options(marker.group(2))
        if marker is None or options is None:
            return None
        cell_type = marker.group(1) or "code"
        content = body[start + 1:end]
        source = "\n".join(content)
        if _MAGIC_LIKE.search(source):
            return None
        if cell_type == "code":
            if _ESCAPED_START.search(source):
                return None
            if end < len(body) and ('"""' in source or "'''" in source) and _quoted_after(content):
                return None  # jupytext would not see the next marker
        else:
            if _NOT_COMMENT.search(source):
                return None
            if ("```" in source or "~~~" in source) and _fence_crosses(content, body[end:]):
                return None
            source = "\n".join(_uncomment(line) for line in content)
        cells.append({"cell_type": cell_type, "metadata": options, "source": source})
    return cells


def _options(text: str) -> dict[str, Any] | None:
    """Cell options ``key=<json> key=<json>`` after a marker, as jupytext parses them.

    jupytext splits the options from the right at ``=`` signs, so values
    holding an ``=`` could split differently: those go to jupytext.
    """
    options: dict[str, Any] = {}
    position = 0
    while position < len(text):
        key = _OPTION_KEY.match(text, position)
        if key is None:
            return None
        try:
            value, position = _JSON.raw_decode(text, key.end())
        except ValueError:
            return None
        if "=" in text[key.end():position]:
            return None
        options[key.group(1)] = value
    if _READER_OPTIONS.intersection(options):
        return None
    cell_tags = options.get("tags", [])
    if not isinstance(cell_tags, list) or len(set(map(str, cell_tags))) != len(cell_tags) or not all(
            isinstance(t, str) and t and "," not in t and not t.startswith("active-") for t in cell_tags):
        return None  # jupytext's reader validates the notebook: bad tags fail there
    return options


def _schema_safe_notebook(metadata: dict[str, Any]) -> bool:
    """Whether nbformat's schema (which jupytext's reader enforces) surely accepts this metadata."""
    kernelspec = metadata.get("kernelspec", {"name": "", "display_name": ""})
    info = metadata.get("language_info", {"name": ""})
    return (isinstance(kernelspec, dict) and isinstance(kernelspec.get("name"), str)
            and isinstance(kernelspec.get("display_name"), str)
            and isinstance(kernelspec.get("language", ""), str)
            and isinstance(info, dict) and isinstance(info.get("name"), str)
            and all(isinstance(info.get(k, ""), str) for k in ("file_extension", "mimetype", "pygments_lexer"))
            and isinstance(info.get("codemirror_mode", ""), (str, dict))
            and isinstance(metadata.get("title", ""), str) and isinstance(metadata.get("authors", []), list)
            and "orig_nbformat" not in metadata)


def _quoted_after(lines: list[str]) -> bool:
    """Whether jupytext's ``StringParser`` (Python) is inside a string after ``lines``.

    A line-by-line copy of jupytext.stringparser.StringParser.read_line, so
    the fast path sees cell markers exactly where jupytext does.
    """
    single: str | None = None
    triple: str | None = None
    for line in lines:
        if single is None and triple is None and line.lstrip().startswith("#"):
            continue
        triple_start = -1
        for i, char in enumerate(line):
            if single is None and triple is None and char == "#":
                break
            if char not in ('"', "'"):
                continue
            if line[i - 1:i] == "\\":
                continue
            if single == char:
                single = None
                continue
            if single is not None:
                continue
            if line[i - 2:i + 1] == 3 * char and i >= triple_start + 3:
                if triple == char:
                    triple = None
                    triple_start = i
                    continue
                if triple is not None:
                    continue
                triple = char
                triple_start = i
                continue
            if triple is not None:
                continue
            single = char
        single = None
    return triple is not None


def _opening_fence(text: str) -> tuple[str, int] | None:
    match = _FENCE.fullmatch(text)
    if not match or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None
    return match.group(1)[0], len(match.group(1))


def _closes_fence(text: str, fence: tuple[str, int]) -> bool:
    match = _FENCE.fullmatch(text)
    if match is None:
        return False
    return match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1] and not match.group(2).strip()


def _fence_crosses(content: list[str], rest: list[str]) -> bool:
    """Whether jupytext would read a fenced block of this markdown cell past the next marker."""
    texts = [_uncomment(line) for line in content]
    fence: tuple[str, int] | None = None
    for i, text in enumerate(texts):
        if fence is not None:
            if _closes_fence(text, fence):
                fence = None
            continue
        opening = _opening_fence(text)
        if opening is None:
            continue
        if any(_closes_fence(later, opening) for later in texts[i + 1:]):
            fence = opening
        elif any(_closes_fence(_uncomment(later), opening) for later in rest):
            return True
    return False
