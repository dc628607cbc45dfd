"""A fast reader for the common subset of jupytext's ``py:percent`` format.

``percent_sha256`` computes a twin's ``source_sha256`` without importing
jupytext (and nbformat with it, about 1.4 s). It follows jupytext's reader
line by line (``nbgate.sync.percent_rules`` copies the rules it needs:
magics commented or not, escaped cell starts, cell options such as
``language="html"``, ``.class``, ``run_control={"frozen": true}`` or a
slideshow key, a root-level YAML header) and gives up (returns None) on
what it does not copy: ``active`` cells, JSON-style options, strings open
across a cell marker, fenced blocks crossing cells, unusual headers or
jupytext options. So it can only agree with jupytext; tests/sync/pairing_test.py
fuzzes that promise against jupytext itself. It is the ``percent-reader``
fast path of ``nbgate.fastpaths``; ``nbgate.sync.pairing.quick_text_sha256``
asks the switch (``NBGATE_NO_FAST_PATHS``) before calling it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from nbgate.identity import source_sha256
from nbgate.sync import percent_rules as rules

_NOT_COMMENT = re.compile(r"^[^#\n]", re.MULTILINE)
# DoublePercentScriptCellReader.start_code_re and alternative_start_code_re: the lines that start a cell
_START = re.compile(r"\s*#\s*%%(%*)\s(.*)")
_ALTERNATIVE_START = re.compile(r"\s*#\s*(%%|<codecell>|In\[[0-9 ]*\]:?)\s*")
_MARKER = re.compile(r"# %%( .*)?")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_SEPARATORS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufeff]")
_HEADER_END = re.compile(r"---\s*")
_JUPYTER = re.compile(r"jupyter\s*:\s*")
_LEFTSPACE = re.compile(r"\s")
_JUPYTEXT_KEYS = frozenset(
    ("formats", "text_representation", "notebook_metadata_filter", "cell_metadata_filter")
)
_REARRANGED = frozenset(
    (
        "nbrmd_formats",
        "nbrmd_format_version",
        "jupytext_formats",
        "jupytext_format_version",
        "main_language",
        "encoding",
        "executable",
    )
)
_CELL_TYPES = frozenset(("code", "markdown", "raw"))
_DOCSTRINGS = tuple(prefix + quote for prefix in ("", "r", "R") for quote in ('"""', "'''"))


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
    metadata, start, header_cell = header
    cells = _cells(lines[start:])
    if cells is None:
        return None
    return source_sha256(
        {"metadata": metadata, "cells": ([header_cell] if header_cell else []) + cells}
    )


def _uncomment(line: str) -> str:
    return line[2:] if line.startswith("# ") else line.removeprefix("#")


def _header(lines: list[str]) -> tuple[dict[str, Any], int, dict[str, Any] | None] | None:
    """``header.header_to_metadata_and_cell``: metadata, first body line, the root-level YAML's raw cell."""
    if lines and (lines[0].startswith("#!") or any("coding" in line for line in lines[:2])):
        return None
    header: list[str] = []
    jupyter: list[str] = []
    in_jupyter = started = ended = False
    end = -1
    for end, line in enumerate(lines):  # noqa: B007 - the loop variable is read after the loop
        if not line.startswith("#"):
            break
        line = _uncomment(line)
        if _HEADER_END.fullmatch(line):
            if not started:
                started = True
                continue
            ended = True
            break
        if not started and line.strip():
            break
        if _JUPYTER.fullmatch(line):
            in_jupyter = True
        elif line and not _LEFTSPACE.match(line):
            in_jupyter = False
        (jupyter if in_jupyter else header).append(line)
    if not ended:
        return {}, 0, None
    metadata: dict[str, Any] = {}
    if jupyter:
        loaded = _yaml_metadata("\n".join(jupyter))
        if loaded is None:
            return None
        metadata = loaded
    start = end + 1
    if start < len(lines) and not _uncomment(lines[start]).strip():
        start += 1
    cell: dict[str, Any] | None = None
    if header:
        cell = {"cell_type": "raw", "metadata": {}, "source": "\n".join(["---", *header, "---"])}
    return metadata, start, cell


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
    if (
        not isinstance(jupytext, dict)
        or not isinstance(kernelspec, dict)
        or not _JUPYTEXT_KEYS.issuperset(jupytext)
    ):
        return None
    representation = jupytext.get("text_representation")
    if representation is None:
        if "formats" in jupytext:
            return None  # the formats list could name another py format
    elif (
        not isinstance(representation, dict)
        or representation.get("extension") != ".py"
        or representation.get("format_name") != "percent"
    ):
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
    starts = [
        i
        for i, line in enumerate(body)
        if "#" in line and (_START.fullmatch(line) or _ALTERNATIVE_START.fullmatch(line))
    ]
    if body and (not starts or starts[0] != 0):
        return None
    cells = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(body)
        marker = _MARKER.fullmatch(body[start])
        if marker is None:
            return None
        try:
            metadata = rules.options_to_metadata(marker.group(1) or "")
        except rules.NotPlain:
            return None
        cell = _cell(metadata, body[start], body[start + 1 : end], body[end:])
        if cell is None:
            return None
        cells.append(cell)
    return cells


def _cell(
    metadata: dict[str, Any], marker: str, content: list[str], rest: list[str]
) -> dict[str, Any] | None:
    """One cell as ``DoublePercentScriptCellReader.read`` and ``set_main_and_cell_language`` make it."""
    cell_tags = metadata.get("tags", [])
    if (
        "active" in metadata
        or not rules.schema_safe(metadata)
        or any(t.startswith("active-") for t in cell_tags)
    ):
        return (
            None  # active cells are not copied; the schema check happens in jupytext's reader too
        )
    language = metadata.pop("language", None) or None
    cell_type = metadata.pop("cell_type", "code")
    run_control = metadata.get("run_control", {})
    if (
        not isinstance(run_control, dict)
        or cell_type not in _CELL_TYPES
        or not isinstance(language, (str, type(None)))
    ):
        return None
    frozen = run_control.get("frozen") is True
    if language == "python":
        language = None
    if language is not None and (
        language not in rules.CELL_LANGUAGES or cell_type != "code" or frozen
    ):
        return None
    comment = rules.CELL_LANGUAGES[language] if language else "#"
    if rest and _quoted_after([marker, *content], comment, language != "R"):
        return None  # jupytext would not see the next marker
    source = "\n".join(content)
    if cell_type != "code" or frozen:
        if cell_type != "code" and _NOT_COMMENT.search(source):
            return None
        if frozen and source.strip().startswith(_DOCSTRINGS):
            return None  # an inactive cell holding only a string becomes its content (cell_marker)
        if (
            cell_type != "code"
            and ("```" in source or "~~~" in source)
            and _fence_crosses(content, rest)
        ):
            return None
        if frozen:
            lines = rules.uncomment(content)
        else:
            lines = rules.uncomment(rules.uncomment_magic(content))
    elif language is not None:
        magic_args = metadata.get("magic_args")
        if magic_args is not None and not isinstance(magic_args, str):
            return None
        lines = [
            f"%%{language}" + (f" {magic_args}" if "magic_args" in metadata else ""),
            *rules.uncomment(content),
        ]
    else:
        lines = rules.unescape_code_start(rules.uncomment_magic(content))
    return {"cell_type": cell_type, "metadata": metadata, "source": "\n".join(lines)}


def _schema_safe_notebook(metadata: dict[str, Any]) -> bool:
    """Whether nbformat's schema (which jupytext's reader enforces) surely accepts this metadata."""
    kernelspec = metadata.get("kernelspec", {"name": "", "display_name": ""})
    info = metadata.get("language_info", {"name": ""})
    return (
        isinstance(kernelspec, dict)
        and isinstance(kernelspec.get("name"), str)
        and isinstance(kernelspec.get("display_name"), str)
        and isinstance(kernelspec.get("language", ""), str)
        and isinstance(info, dict)
        and isinstance(info.get("name"), str)
        and all(
            isinstance(info.get(k, ""), str)
            for k in ("file_extension", "mimetype", "pygments_lexer")
        )
        and isinstance(info.get("codemirror_mode", ""), (str, dict))
        and isinstance(metadata.get("title", ""), str)
        and isinstance(metadata.get("authors", []), list)
        and "orig_nbformat" not in metadata
    )


def _quoted_after(lines: list[str], comment: str | None = "#", python: bool = True) -> bool:
    """Whether jupytext's ``StringParser`` is inside a string after ``lines``."""
    parser = rules.Strings(comment, python)
    for line in lines:
        parser.read_line(line)
    return parser.is_quoted()


def _opening_fence(text: str) -> tuple[str, int] | None:
    match = _FENCE.fullmatch(text)
    if not match or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None
    return match.group(1)[0], len(match.group(1))


def _closes_fence(text: str, fence: tuple[str, int]) -> bool:
    match = _FENCE.fullmatch(text)
    if match is None:
        return False
    return (
        match.group(1)[0] == fence[0]
        and len(match.group(1)) >= fence[1]
        and not match.group(2).strip()
    )


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
        if any(_closes_fence(later, opening) for later in texts[i + 1 :]):
            fence = opening
        elif any(_closes_fence(_uncomment(later), opening) for later in rest):
            return True
    return False
