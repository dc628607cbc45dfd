"""Files that are not notebooks nbgate can read, and what it must say about each.

``BAD_INPUTS`` is a table of (case id, file bytes, fragment of the expected
one-line message). The message must also name the file. Shared by the
notebook reader's tests and the ``strip`` command's exit-code tests.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from nbgate import notebook
from testing import notebooks as nbs


class BadInput(NamedTuple):
    """One bad file: its bytes and a fragment of the error message."""

    id: str
    data: bytes
    message: str


def _good(cells: list[dict[str, Any]] | None = None) -> bytes:
    return notebook.dumps(nbs.make(cells or [nbs.markdown("# Title"), nbs.code("x = 1")]))


def _dirty() -> bytes:
    """A notebook in nbformat's layout with outputs (bad bytes can hide inside them)."""
    cell = nbs.code(
        "print('hi')", outputs=[nbs.stream("hi\n"), nbs.result("1", 1)], execution_count=1
    )
    return notebook.dumps(nbs.make([nbs.markdown("# Title"), cell, nbs.code("y = 2")]))


def _v3() -> bytes:
    return json.dumps(
        {
            "metadata": {},
            "nbformat": 3,
            "nbformat_minor": 0,
            "worksheets": [{"cells": [], "metadata": {}}],
        }
    ).encode()


def _no_outputs() -> bytes:
    nb = nbs.make([nbs.markdown("# T"), nbs.code("x = 1")])
    del nb["cells"][1]["outputs"]
    return json.dumps(nb, indent=1).encode()


def _duplicate_cells() -> bytes:
    """The cells, then an empty ``cells``: a JSON reader keeping the last key sees no cells at all."""
    good = _good()
    return good[:-2] + b',\n "cells": []\n}\n'


def _deep(depth: int) -> bytes:
    """A notebook whose cell metadata nests ``depth`` arrays."""
    return _good().replace(
        b'"metadata": {},\n   "outputs"',
        b'"metadata": {"deep": ' + b"[" * depth + b"]" * depth + b'},\n   "outputs"',
        1,
    )


_DIRTY = _dirty()
_OUTPUT_AT = _DIRTY.index(b'"text": [') + len(b'"text": [')

BAD_INPUTS: tuple[BadInput, ...] = (
    BadInput("invalid-json", b'{"cells": [}, "nbformat": 4}', "invalid JSON"),
    BadInput("empty-file", b"", "file is empty"),
    BadInput("only-whitespace", b" \n\n", "file is empty"),
    BadInput("truncated", _good()[:-40], "file ends early"),
    BadInput("truncated-in-outputs", _DIRTY[: _OUTPUT_AT + 5], "file ends early"),
    BadInput("utf8-bom", b"\xef\xbb\xbf" + _good(), "byte order mark"),
    BadInput(
        "non-utf8",
        _good([nbs.markdown("caf\u00e9")]).replace("caf\u00e9".encode(), b"caf\xe9"),
        "not valid UTF-8",
    ),
    BadInput("non-utf8-in-outputs", _DIRTY.replace(b"hi\\n", b"h\xffi\\n"), "not valid UTF-8"),
    BadInput(
        "conflict-markers-in-outputs",
        _DIRTY.replace(b'     "name": "stdout",\n', b'<<<<<<< HEAD\n     "name": "stdout",\n', 1),
        "invalid JSON",
    ),
    BadInput("json-array", b"[1, 2, 3]\n", "not a notebook"),
    BadInput("json-string", b'"cells"\n', "not a notebook"),
    BadInput("json-object-not-notebook", b'{"name": "x", "version": 1}\n', "not a notebook"),
    BadInput("nbformat-3", _v3(), "nbformat 3 is not supported"),
    BadInput("code-cell-without-outputs", _no_outputs(), "cell 2: code cell has no 'outputs' list"),
    BadInput("duplicate-cells-key", _duplicate_cells(), "duplicate JSON key 'cells'"),
    BadInput(
        "duplicate-key-in-cell-metadata",
        _good().replace(
            b'"metadata": {},\n   "outputs"', b'"metadata": {"a": 1, "a": 2},\n   "outputs"', 1
        ),
        "duplicate JSON key 'a'",
    ),
    BadInput(
        "duplicate-key-spaced",
        b'{"nbformat" : 4, "nbformat_minor" : 5, "metadata" : {}, "cells" : [], "metadata" : {}}',
        "duplicate JSON key 'metadata'",
    ),
    BadInput(
        "duplicate-key-stdlib-path",
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": NaN}, "cells": [], "cells": []}',
        "duplicate JSON key 'cells'",
    ),
    BadInput("nested-500-deep", _deep(500), "nested more than 100 levels deep"),
    BadInput("nested-990-deep", _deep(990), "nested more than 100 levels deep"),
    BadInput(
        "nested-990-deep-stdlib-path",
        _deep(990).replace(b'"nbformat": 4', b'"x": NaN, "nbformat": 4'),
        "nested",
    ),
    BadInput(
        "cell-type-list",
        _good().replace(b'"cell_type": "code"', b'"cell_type": ["code"]'),
        "cell 2: unknown cell_type ['code']",
    ),
    BadInput(
        "cell-type-dict",
        _good().replace(b'"cell_type": "code"', b'"cell_type": {"a": 1}'),
        "cell 2: unknown cell_type {'a': 1}",
    ),
)
