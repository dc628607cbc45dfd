from __future__ import annotations

from typing import Any

import pytest

from nbgate.errors import UsageError
from nbgate.registry import params
from testing import notebooks

CELL = '''\
region = "us"
limit: int = 10
ratio = 0.5
flags = []
options = {"a": 1}
enabled = True
nothing = None
computed = len("abc")
a = b = 3
import os
'''


def test_defaults_from_the_parameters_cell() -> None:
    nb = notebooks.make([notebooks.code("x = 1"), notebooks.code(CELL, tags=["parameters"])])
    found = params.defaults(nb)
    assert found == {"region": "us", "limit": 10, "ratio": 0.5, "flags": [], "options": {"a": 1}, "enabled": True,
                     "nothing": None, "computed": params.UNKNOWN, "a": 3, "b": 3}
    assert params.defaults(notebooks.make([notebooks.code("x = 1")])) is None
    assert params.defaults(notebooks.make([notebooks.code("%magic\nx = 1", tags=["parameters"])])) == {}


@pytest.mark.parametrize(("text", "default", "value"), [
    ("10", 1, 10), ("10", "s", "10"), ("1.5", 1.0, 1.5), ("true", False, True), ("True", False, True),
    ('["a", 1]', [], ["a", 1]), ("('a',)", [], ["a"]), ('{"k": 2}', {}, {"k": 2}), ("null", None, None),
    ("eu-west", 1, "eu-west"), ("2024-01-01", params.UNKNOWN, "2024-01-01"), ("", "s", ""),
])
def test_typed_value(text: str, default: Any, value: Any) -> None:
    assert params.typed_value(text, default) == value
    assert type(params.typed_value(text, default)) is type(value)


@pytest.mark.parametrize(("value", "default", "ok"), [
    (1, 2, True), (1.5, 2, False), (1, 2.0, True), (True, 2, False), (1, True, False), (False, True, True),
    ("x", "y", True), (1, "y", False), ([1], [], True), ([1], (), True), ({}, [], False), ({"a": 1}, {}, True),
    ("anything", None, True), ([1], params.UNKNOWN, True),
])
def test_type_problem(value: Any, default: Any, ok: bool) -> None:
    assert (params.type_problem("p", value, default) is None) is ok


def test_check_types_and_names() -> None:
    typed, problems = params.check({"limit": 3, "ratio": 2, "typo": "x"}, {"limit": 1, "ratio": 0.5})
    assert typed == {"limit": 3, "ratio": 2.0, "typo": "x"} and isinstance(typed["ratio"], float)
    assert problems == ["parameter 'typo' is not defined in the parameters cell (it defines: limit, ratio)"]
    assert params.check({}, None) == ({}, [])
    assert "no cell tagged 'parameters'" in params.check({"a": 1}, None)[1][0]


@pytest.mark.parametrize("item", ["novalue", "1x=2", "=3", "a b=1"])
def test_bad_items(item: str) -> None:
    with pytest.raises(UsageError, match="expected NAME=VALUE"):
        params.parse_items([item])


def test_items_keep_raw_text_and_later_wins() -> None:
    assert params.parse_items(["a=1", "b= x ", "a=2=3"]) == {"a": "2=3", "b": " x "}
