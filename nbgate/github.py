"""Everything nbgate writes for GitHub Actions, escaped and bounded in one place.

A pull request controls file names, notebook content and config, so every
value that reaches GitHub goes through here:

- workflow commands (``::error file=...,line=...,title=...::message``): data
  and properties escaped as GitHub's toolkit escapes them (``%``, CR, LF,
  and ``:``/``,`` in properties), every part bounded in length;
- ``$GITHUB_OUTPUT``: ``name<<delimiter`` blocks with a random delimiter per
  value, as ``@actions/core`` does; a name or value holding the delimiter, a
  bad name or an oversized value is refused, never written;
- the step summary: user text becomes inert markdown and HTML (``md_text``,
  ``md_code``), long texts and lists are cut with a pointer to the report
  folder, and the whole summary stays below GitHub's 1 MiB limit, counted in
  bytes (``bound``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

#: GitHub refuses a step summary over 1 MiB (bytes); stay well below it.
SUMMARY_LIMIT = 900_000
#: Longest annotation message (characters, before escaping); the rest points to the report.
MESSAGE_LIMIT = 4_000
#: Longest annotation title / file property (characters).
PROPERTY_LIMIT = 500
#: Largest value written to ``$GITHUB_OUTPUT`` (bytes); GitHub caps all of a job's outputs at 1 MiB.
OUTPUT_LIMIT = 64_000
#: Longest user text shown in one place of the summary (characters).
TEXT_LIMIT = 500

CUT = "… (cut: see the full report)"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
# control characters, line separators, bidirectional overrides and lone surrogates: shown escaped
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# every ASCII character markdown (GitHub's: math, mentions, strikethrough) or HTML gives a meaning to,
# as a numeric character reference ("(", ")", ".", ":" mean something only after a "[" or "<")
_MARKUP = re.compile(r"[!\"#$&'*<>@\[\\\]_`|~]")
# and first: list items, thematic breaks, setext underlines (when the text starts a line)
_LEADING = re.compile(r"^[-+=]")


# ---------------------------------------------------------------- bounds


def clip(text: str, limit: int, marker: str = CUT) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``marker`` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)] + marker


def clip_bytes(text: str, limit: int, marker: str = CUT) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary), ending in ``marker`` when cut."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    room = max(limit - len(marker.encode()), 0)
    return data[:room].decode("utf-8", "ignore") + marker


def size(text: str) -> int:
    """The size of ``text`` in UTF-8 bytes, which is what GitHub's limits count."""
    return len(text.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------- workflow commands


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    title: str | None = None,
) -> str:
    """One ``::error``/``::warning``/``::notice`` line, every part escaped and bounded."""
    if level not in ("error", "warning", "notice"):
        raise ValueError(f"unknown annotation level {level!r}")
    props = []
    if file:
        props.append(f"file={escape_property(clip(file, PROPERTY_LIMIT))}")
        if line is not None and line > 0:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(clip(title, PROPERTY_LIMIT))}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(clip(message, MESSAGE_LIMIT))}"


def log_text(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Free text for the job log: one line (control characters shown as ``\\n``/``\\uXXXX``), bounded.

    The runner reads every log line that starts with ``::`` as a workflow
    command, so user text printed to the log must never start a new line.
    """
    return _CONTROL.sub(_visible, clip(text, limit))


# ---------------------------------------------------------------- $GITHUB_OUTPUT


def output_block(
    name: str, value: str, *, delimiter: str | None = None, limit: int = OUTPUT_LIMIT
) -> str:
    """``name<<delimiter\\nvalue\\ndelimiter\\n``; refuses what could add or corrupt an output."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"output name {name!r} is not a plain identifier")
    if size(value) > limit:
        raise ValueError(
            f"output {name}: value of {size(value)} bytes is over the {limit}-byte limit"
        )
    delimiter = delimiter or f"ghadelimiter_{uuid.uuid4()}"
    if delimiter in value:
        raise ValueError(f"output {name}: the value holds the delimiter")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(path: Path, values: Mapping[str, str], *, limit: int = OUTPUT_LIMIT) -> None:
    """Append ``values`` to a ``$GITHUB_OUTPUT`` file; nothing is written if any value is refused."""
    text = "".join(output_block(name, value, limit=limit) for name, value in values.items())
    with path.open("a", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(text)


def json_list(items: Sequence[str], *, limit: int = OUTPUT_LIMIT) -> tuple[str, bool]:
    """A JSON list of the first ``items`` that fit in ``limit`` bytes, and whether any were left out."""
    import json

    parts: list[str] = []
    used = 2
    for item in items:
        part = json.dumps(item)  # ASCII only: its length is its size
        if used + len(part) + 2 > limit:
            return "[" + ", ".join(parts) + "]", True
        parts.append(part)
        used += len(part) + 2
    return "[" + ", ".join(parts) + "]", False


# ---------------------------------------------------------------- the step summary


def _visible(match: re.Match[str]) -> str:
    char = match[0]
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\u{ord(char):04x}")


def md_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` as inert markdown and HTML: no heading, table cell, link, tag or line break can come out.

    Control characters (newlines too) are shown as ``\\n``/``\\uXXXX``; every
    ASCII character with a meaning in markdown or HTML becomes a numeric
    character reference, which renders as itself in text, table cells and
    HTML blocks alike. Cut to ``limit`` characters first.
    """
    text = _MARKUP.sub(_reference, _CONTROL.sub(_visible, clip(text, limit)))
    return _LEADING.sub(_reference, text)


def _reference(match: re.Match[str]) -> str:
    return f"&#{ord(match[0])};"


def md_code(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` in a monospace ``<code>`` element, as inert as ``md_text`` (safe in table cells)."""
    return f"<code>{md_text(text, limit)}</code>"


def md_list(
    items: Sequence[str], *, limit: int = 200, more: str = "see the report folder"
) -> list[str]:
    """Markdown list lines for already-escaped ``items``, at most ``limit`` of them, then how many were left out."""
    lines = [f"- {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"- … and {len(items) - limit} more: {more}")
    return lines


def bound(
    sections: Iterable[str],
    *,
    limit: int = SUMMARY_LIMIT,
    pointer: str = "the rest is in the report folder",
) -> str:
    """Join markdown ``sections`` while they fit in ``limit`` bytes; say how many were left out.

    A section that does not fit is left out whole (a cut one could leave a
    code fence or ``<details>`` open), and the later ones are still tried.
    """
    note_room = 200 + size(pointer)
    text, used, omitted = [], 0, 0
    for section in sections:
        cost = size(section)
        if used + cost + note_room > limit:
            omitted += 1
            continue
        text.append(section)
        used += cost
    if omitted:
        text.append(
            f"\n_{omitted} section(s) left out to keep this summary under GitHub's size limit: {pointer}._\n"
        )
    return "".join(text)


def append_summary(path: Path, text: str, *, limit: int = SUMMARY_LIMIT) -> None:
    """Append ``text`` to ``$GITHUB_STEP_SUMMARY``, cut in bytes so the step never passes ``limit``."""
    with path.open("a", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(
            clip_bytes(
                text, limit, "\n\n_summary cut at GitHub's size limit: see the report folder._\n"
            )
        )
