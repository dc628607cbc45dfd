"""Mapping cells and source lines to lines of the .ipynb file."""

from __future__ import annotations

import json

import pytest

from nbgate import notebook
from nbgate.lint.locate import file_line, source_keys
from testing import notebooks as T

NB = T.make(
    [
        T.code(
            "a = 1\nb = 2\nc = 3", outputs=[T.stream("x\ny\n")], metadata={"source": "nested key"}
        ),
        T.markdown(""),
        T.code(
            "q",
            outputs=[
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"application/json": {"source": ["not", "a", "cell"]}},
                }
            ],
        ),
    ],
    metadata={"authors": [{"name": "A"}]},
)


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize(
    ("cell", "line", "text"),
    [
        (1, 1, '"a = 1\\n",'),
        (1, 3, '"c = 3"'),
        (1, None, '"source": ['),
        (2, None, '"source": []'),
        (3, 1, '"q"'),
    ],
)
def test_maps_to_the_source_line(crlf: bool, cell: int, line: int | None, text: str) -> None:
    raw = notebook.dumps(NB, crlf=crlf)
    keys = source_keys(raw, 3)
    lines = raw.decode().splitlines()
    assert lines[file_line(keys, cell, line) - 1].strip() == text


def test_notebook_level_and_unknown_layouts_point_at_line_1() -> None:
    raw = notebook.dumps(NB)
    assert file_line(source_keys(raw, 3), None, None) == 1
    assert source_keys(json.dumps(json.loads(raw)).encode(), 3) is None  # one line, no indentation
    assert source_keys(raw, 4) is None  # the cell count must agree
    assert file_line(None, 2, 1) == 1
    assert file_line(source_keys(raw, 3), 9, 1) == 1
