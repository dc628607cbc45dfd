"""Test parameters: parsing ``k=v``, precedence, and the undefined-parameter error."""

from __future__ import annotations

from typing import Any

import pytest

from nbgate.parameters import names as defined_parameters
from nbgate.smoke.params import ParameterError, resolve
from testing.notebooks import code, make, markdown


def _nb(params: str | None, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    cells = [markdown("# t")]
    if params is not None:
        cells.append(code(params, tags=["parameters"]))
    cells.append(code("print(1)"))
    return make(cells, metadata=metadata)


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("a = 1\nb: int = 2\nc += 1", ["a", "b", "c"]),
        ("x, (y, z) = 1, (2, 3)\nw = v = 0", ["x", "y", "z", "w", "v"]),
        ("# only a comment", []),
        ("import os\nif True:\n    hidden = 1\nshown = 2", ["shown"]),
    ],
)
def test_defined_parameters_python(source: str, names: list[str]) -> None:
    assert defined_parameters(_nb(source)) == names


def test_defined_parameters_none_without_cell() -> None:
    assert defined_parameters(_nb(None)) is None


def test_defined_parameters_magic_falls_back_to_papermill() -> None:
    # ast cannot parse a magic; papermill's translator inspection still finds the names
    assert defined_parameters(_nb("%matplotlib inline\nalpha = 0.5\nbeta = 'x'")) == [
        "alpha",
        "beta",
    ]


def test_precedence_config_metadata_cli_explicit() -> None:
    nb = _nb(
        "a = 0\nb = 0\nc = 0\nd = 0",
        metadata={"nbgate": {"test_parameters": {"b": 2, "c": 2, "d": 2}}},
    )
    resolved = resolve(
        nb,
        config_parameters={"a": 1, "b": 1, "c": 1, "d": 1},
        cli_parameters={"c": 3, "d": 3},
        explicit={"d": 4},
    )
    assert resolved.parameters == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_config_parameters_are_offered_not_imposed() -> None:
    nb = _nb("keep_days = 30")
    assert resolve(nb, config_parameters={"sample": True}, cli_parameters={}).parameters == {}


@pytest.mark.parametrize("source", ["cli", "metadata", "explicit"])
def test_undefined_explicit_parameter_lists_defined_ones(source: str) -> None:
    metadata = {"nbgate": {"test_parameters": {"typo": 1}}} if source == "metadata" else None
    nb = _nb("alpha = 1\nbeta = 2", metadata=metadata)
    with pytest.raises(ParameterError) as info:
        resolve(
            nb,
            config_parameters={},
            cli_parameters={"typo": 1} if source == "cli" else {},
            explicit={"typo": 1} if source == "explicit" else None,
            where="x.ipynb",
        )
    assert (
        str(info.value)
        == "x.ipynb: parameter(s) typo not defined in the 'parameters' cell (it defines: alpha, beta)"
    )


def test_parameter_for_notebook_without_parameters_cell() -> None:
    with pytest.raises(ParameterError, match="no cell tagged 'parameters'"):
        resolve(_nb(None), config_parameters={}, cli_parameters={"n": 1})
    assert resolve(_nb(None), config_parameters={"n": 1}, cli_parameters={}).parameters == {}
