"""jupytext's rules for reading a ``py:percent`` cell, copied line by line for ``nbgate.sync.percent``.

Each function names the jupytext function it mirrors (jupytext 1.19:
``magics.py``, ``stringparser.py``, ``cell_metadata.py``, ``languages.py``)
and does exactly what it does for a Python twin with jupytext's default
options (magics commented, ``.py`` extension). tests/sync/pairing_test.py checks
the tables against jupytext's and fuzzes the whole reader against it.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

# jupytext.magics, for language "python" and comment "#"
_MAGIC_RE = re.compile(r"^\s*(# |#)*(%|%%|%%%)[a-zA-Z]")
_MAGIC_FORCE_ESC_RE = re.compile(r"^\s*(# |#)*(%|%%|%%%)[a-zA-Z](.*)#\s*escape")
_MAGIC_NOT_ESC_RE = re.compile(r"^\s*(# |#)*(%|%%|%%%)[a-zA-Z](.*)#\s*noescape")
_PYTHON_HELP_OR_BASH_CMD = re.compile(r"^\s*(?:(?:# |#)+\s*)?(\?|!)\s*[A-Za-z\.\~\$\\\/\{\}]")
_PYTHON_MAGIC_CMD = re.compile(
    r"^(# |#)*(cat|cd|cp|mv|rm|rmdir|mkdir|copy|ddir|echo|ls|ldir|mkdir|ren|rmdir)"
    r"($|\s$|\s[^=,])"
)
_IPYTHON_MAGIC_HELP = re.compile(r"^\s*(# )*[^\s]*\?\s*$")
_PYTHON_MAGIC_ASSIGN = re.compile(
    r"^(# |#)*\s*([a-zA-Z_][a-zA-Z_$0-9]*)\s*=\s*(%|%%|%%%|!)[a-zA-Z](.*)"
)
_LINE_CONTINUATION_RE = re.compile(r".*\\\s*$")
_ESCAPED_CODE_START = re.compile(r"^(# |#)*(#|# )\+")

# jupytext.cell_metadata
_IS_IDENTIFIER = re.compile(r"^[a-zA-Z_\.]+[a-zA-Z0-9_\.]*$")
_IS_VALID_METADATA_KEY = re.compile(r"^[a-zA-Z0-9_\.@/-]+$")

#: Cell magics jupytext writes as a ``language=`` option, with the comment string jupytext's
#: ``StringParser`` uses for that language (``languages._COMMENT``; None: it has none).
CELL_LANGUAGES: dict[str, str | None] = {
    "R": "#",
    "bash": "#",
    "sh": None,
    "python2": None,
    "python3": None,
    "javascript": "//",
    "js": None,
    "perl": None,
    "html": None,
    "latex": None,
    "markdown": None,
    "pypy": None,
    "ruby": None,
    "script": None,
    "svg": None,
    "sql": None,
    "cython": None,
}


class Strings:
    """``jupytext.stringparser.StringParser``: is the next line inside a string?"""

    def __init__(self, comment: str | None = "#", python: bool = True) -> None:
        self.comment = comment
        self.python = python
        self.single: str | None = None
        self.triple: str | None = None

    def is_quoted(self) -> bool:
        """Whether the next line starts inside a string."""
        return bool(self.single or self.triple)

    def read_line(self, line: str) -> None:
        """Advance over one line."""
        if (
            not self.is_quoted()
            and self.comment is not None
            and line.lstrip().startswith(self.comment)
        ):
            return
        triple_start = -1
        for i, char in enumerate(line):
            if (
                self.single is None
                and self.triple is None
                and self.comment
                and self.comment.startswith(char)
                and line[i:].startswith(self.comment)
            ):
                break
            if char not in ('"', "'"):
                continue
            if line[i - 1 : i] == "\\":
                continue
            if self.single == char:
                self.single = None
                continue
            if self.single is not None:
                continue
            if not self.python:
                continue
            if line[i - 2 : i + 1] == 3 * char and i >= triple_start + 3:
                if self.triple == char:
                    self.triple = None
                    triple_start = i
                    continue
                if self.triple is not None:
                    continue
                self.triple = char
                triple_start = i
                continue
            if self.triple is not None:
                continue
            self.single = char
        if self.python:
            self.single = None


def is_magic(line: str) -> bool:
    """``magics.is_magic(line, "python", explicitly_code=True)``: a (possibly escaped) magic?"""
    if _MAGIC_FORCE_ESC_RE.match(line):
        return True
    if _MAGIC_NOT_ESC_RE.match(line):
        return False
    return bool(
        _MAGIC_RE.match(line)
        or _PYTHON_HELP_OR_BASH_CMD.match(line)
        or _PYTHON_MAGIC_ASSIGN.match(line)
        or _IPYTHON_MAGIC_HELP.match(line)
        or _PYTHON_MAGIC_CMD.match(line)
    )


def unesc(line: str) -> str:
    """``magics.unesc``: uncomment once, keeping the indentation."""
    unindented = line.lstrip()
    indent = line[: len(line) - len(unindented)]
    if unindented.startswith("# "):
        return indent + unindented[2:]
    if unindented.startswith("#"):
        return indent + unindented[1:]
    return line


def uncomment_magic(lines: list[str]) -> list[str]:
    """``magics.uncomment_magic(lines, "python", explicitly_code=True)``."""
    parser = Strings()
    next_is_magic = False
    result = []
    for line in lines:
        new = line
        if not parser.is_quoted() and (next_is_magic or is_magic(line)):
            new = unesc(line)
            next_is_magic = bool(_LINE_CONTINUATION_RE.match(line))
        result.append(new)
        parser.read_line(line)
    return result


def unescape_code_start(lines: list[str]) -> list[str]:
    """``magics.unescape_code_start(lines, ".py", "python")``."""
    parser = Strings()
    result = []
    for line in lines:
        new = line
        if not parser.is_quoted() and _ESCAPED_CODE_START.match(line):
            unescaped = unesc(line)
            if _ESCAPED_CODE_START.match(unescaped):
                new = unescaped
        result.append(new)
        parser.read_line(line)
    return result


def uncomment(lines: list[str]) -> list[str]:
    """``cell_reader.uncomment(lines, "#")``: drop ``# `` or ``#`` at the start of each line."""
    return [line[2:] if line.startswith("# ") else line.removeprefix("#") for line in lines]


# ------------------------------------------------------------- cell options


class NotPlain(Exception):
    """An option value jupytext would read as something that is not plain JSON."""


def _relax_json_loads(text: str) -> Any:
    """``cell_metadata.relax_json_loads(text)`` (without ``catch``): JSON, else a Python literal."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    return ast.literal_eval(text)  # ValueError / SyntaxError (and others) propagate, as in jupytext


def _parse_key_equal_value(text: str) -> dict[str, Any]:
    """``cell_metadata.parse_key_equal_value``."""
    text = text.strip()
    if not text:
        return {}
    last_space_pos = text.rfind(" ")
    if not text.startswith("--") and _IS_IDENTIFIER.match(text[last_space_pos + 1 :]):
        result: dict[str, Any] = {text[last_space_pos + 1 :]: None}
        if last_space_pos > 0:
            result.update(_parse_key_equal_value(text[:last_space_pos]))
        return result
    equal_sign_pos = None
    while True:
        equal_sign_pos = text.rfind("=", None, equal_sign_pos)
        if equal_sign_pos < 0:
            return {"incorrectly_encoded_metadata": text}
        prev_whitespace = text[:equal_sign_pos].rstrip().rfind(" ")
        key = text[prev_whitespace + 1 : equal_sign_pos].strip()
        if not _IS_VALID_METADATA_KEY.match(key):
            continue
        try:
            value = _relax_json_loads(text[equal_sign_pos + 1 :])
        except (ValueError, SyntaxError):
            continue
        metadata = _parse_key_equal_value(text[:prev_whitespace]) if prev_whitespace > 0 else {}
        metadata[key] = value
        return metadata


def options_to_metadata(options: str) -> dict[str, Any]:
    """``DoublePercentScriptCellReader.options_to_metadata`` for the text after ``# %%``.

    Raises ``NotPlain`` for anything this copy does not follow exactly
    (JSON-style options, values Python reads but JSON cannot hold, a
    literal jupytext's ``ast.literal_eval`` would choke on differently).
    """
    text = options.strip()
    first_curly_bracket = text.find("{")
    first_equal_sign = text.find("=")
    if not (first_curly_bracket < 0 or 0 <= first_equal_sign < first_curly_bracket):
        raise NotPlain("JSON options")
    if first_equal_sign >= 0:
        words = text[:first_equal_sign].split(" ")
        while words and not words[-1]:
            words.pop()
        if words:
            words.pop()
    else:
        words = text.split(" ")
    while words and (not words[-1].strip() or words[-1].startswith(".")):
        words.pop()
    title = " ".join(words)
    try:
        metadata = _parse_key_equal_value(text[len(title) :])
    except RecursionError:
        raise NotPlain("too many options") from None
    except Exception as exc:  # noqa: BLE001 - whatever literal_eval raised, jupytext raises too
        raise NotPlain(str(exc)) from None
    for cell_type in ("markdown", "raw", "md"):
        code = f"[{cell_type}]"
        if code in title:
            title = title.replace(code, "").strip()
            metadata["cell_type"] = cell_type
            if cell_type == "md":
                metadata["region_name"] = cell_type
                metadata["cell_type"] = "markdown"
            break
    cell_depth = 0
    while title.startswith("%"):
        cell_depth += 1
        title = title[1:]
    if cell_depth:
        metadata["cell_depth"] = cell_depth
        title = title.strip()
    if title:
        metadata["title"] = title
    if not _plain(metadata):
        raise NotPlain("not JSON")
    return metadata


def _plain(value: Any) -> bool:
    """Whether ``value`` is JSON as nbformat keeps it (no tuples, sets, bytes, NaN...)."""
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    return False


def schema_safe(metadata: dict[str, Any]) -> bool:
    """Whether nbformat's cell schema (which jupytext's reader applies) surely accepts this metadata."""
    tags = metadata.get("tags", [])
    if (
        not isinstance(tags, list)
        or len(set(map(str, tags))) != len(tags)
        or not all(isinstance(t, str) and t and "," not in t for t in tags)
    ):
        return False
    name = metadata.get("name", "x")
    execution = metadata.get("execution", {})
    return (
        isinstance(name, str)
        and re.search(r"^.+$", name) is not None
        and isinstance(metadata.get("jupyter", {}), dict)
        and isinstance(execution, dict)
        and all(isinstance(v, str) for v in execution.values())
        and isinstance(metadata.get("collapsed", False), bool)
        and (isinstance(metadata.get("scrolled", True), bool) or metadata.get("scrolled") == "auto")
        and isinstance(metadata.get("format", ""), str)
    )
