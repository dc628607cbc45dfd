"""The read guard: duplicate keys found exactly (cheap path and slow path), depth, lone surrogates, FIFOs."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import orjson
import pytest

from nbgate import jsonsafe, notebook
from nbgate.errors import NotebookError
from testing import notebooks as nbs


def _check(raw: bytes) -> None:
    jsonsafe.check_shape(orjson.loads(raw), raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b'{"a" : 1, "a"\n: 2}',
        b'{"x": "{\\"a\\": 1}", "a": 1, "a": 2}',  # escaped quotes in a value must not hide the duplicate
        b'{"k\\\\": 1, "k\\\\": 2}',  # a key ending in a backslash
        b'{"\\u0061": 1, "a": 2}',  # the same key spelled two ways
        b'[{"a": [], "b": {"c": 1, "c": 1}}]',
    ],
)
def test_duplicates_are_found(raw: bytes) -> None:
    with pytest.raises(jsonsafe.ShapeError, match="duplicate JSON key"):
        _check(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "b": 2}',
        b'{"source": ["x = {\\"a\\": 1, \\"a\\": 2}\\n"], "t": ": \\":"}',  # duplicates inside a string are text
        b'{"a": ":", "b": "\\\\\\":"}',
        b'{"k\\\\": 1, "k": 2}',
    ],
)
def test_no_false_duplicates(raw: bytes) -> None:
    _check(raw)


def test_the_cheap_count_is_exact_for_nbformat_layout() -> None:
    nb = nbs.make(
        [nbs.code('d = {"a": 1}', outputs=[nbs.result("{'a': 1}", 1)], execution_count=1)]
    )
    raw = notebook.dumps(nb)
    keys, _ = jsonsafe._keys_and_depth(orjson.loads(raw))
    assert jsonsafe._key_bound(raw) == keys  # so no second parse for ordinary notebooks


def test_depth_limit_is_exact() -> None:
    ok = "[" * (jsonsafe.MAX_DEPTH - 1) + "]" * (jsonsafe.MAX_DEPTH - 1)
    jsonsafe.check_shape(json.loads('{"a": ' + ok + "}"), None)
    deep = "[" * jsonsafe.MAX_DEPTH + "]" * jsonsafe.MAX_DEPTH
    with pytest.raises(jsonsafe.ShapeError, match="nested more than 100 levels"):
        jsonsafe.check_shape(json.loads('{"a": ' + deep + "}"), None)


def test_dumps_bytes_escapes_lone_surrogates_like_json() -> None:
    value = {"k\ud83d": ["\udc00", "ok \u00e9 \U0001f600"]}
    data = jsonsafe.dumps_bytes(value, sort_keys=True)
    data.decode("utf-8")
    assert json.loads(data) == value
    assert (
        data
        == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("\ud83d", "\\ud83d")
        .replace("\udc00", "\\udc00")
        .encode()
    )


def test_read_regular_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "x.ipynb"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        try:
            notebook.read(fifo)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            result.append(exc)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "reading a FIFO blocked"
    assert isinstance(result[0], NotebookError) and "not a regular file (a FIFO)" in str(result[0])
