"""Map a finding's cell and source line to a line of the ``.ipynb`` file.

GitHub annotations and SARIF regions point at lines of the file as stored,
not at cells. nbformat's layout (indent 1, sorted keys, one JSON string per
source line) makes the mapping exact: cells are the objects opened by a
line ``  {`` inside `` "cells": [``, and a cell's ``"source": [`` key is
followed by its source lines, one per file line. For a file in another
layout (minified JSON, say) the mapping is unknown and callers use line 1.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class SourceKey(NamedTuple):
    """Where a cell's ``"source"`` key is (1-based file line) and whether its lines follow it."""

    line: int
    listed: bool


# a literal "\n" first lets the regex engine skip between lines at memchr speed
_MARKS = re.compile(rb'\n(?:(  \{)\r?\n|   "source": (\[?)| \])')


def source_keys(raw: bytes, cells: int) -> list[SourceKey] | None:
    """One ``SourceKey`` per cell, or None when the file is not in nbformat's layout."""
    if not raw.startswith((b'{\n "cells": [', b'{\r\n "cells": [')):
        return None  # sorted keys put "cells" first; anything else is another layout
    keys: list[SourceKey] = []
    opened = 0
    line = 1
    last = 0
    for match in _MARKS.finditer(raw):
        line += raw.count(b"\n", last, match.start()) + 1  # the match starts at a line's "\n"
        last = match.start() + 1
        if match.group(1):
            opened += 1
        elif match.group(2) is not None:
            if opened == len(keys) + 1:
                keys.append(SourceKey(line, match.group(2) == b"["))
        else:
            break  # " ]" closes the cells list
    return keys if len(keys) == cells == opened else None


def file_line(keys: list[SourceKey] | None, cell: int | None, line: int | None) -> int:
    """The 1-based line of the file to point at (line 1 when unknown or for the whole notebook)."""
    if keys is None or cell is None or not 1 <= cell <= len(keys):
        return 1
    key = keys[cell - 1]
    if line is not None and key.listed:
        return key.line + line
    return key.line
