"""nbgate.parameters: the parameters cell, and one value rule for every entry point."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from nbgate import config, parameters
from nbgate.errors import UsageError
from nbgate.parameters import UNKNOWN, ParameterTypeError
from nbgate.production.spec import merge_parameters
from nbgate.registry.promotion import Request, _parameters
from nbgate.smoke.params import ParameterError, resolve
from testing import notebooks

CELL = """\
flag = False
n = 1
x = 0.5
s = "a"
xs = []
d = {}
z = None
c = compute()
"""


def _nb(metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return notebooks.make(
        [
            notebooks.markdown("# t"),
            notebooks.code(CELL, tags=["parameters"]),
            notebooks.code("print(1)"),
        ],
        metadata=metadata,
    )


def test_declared_defaults_from_the_parameters_cell() -> None:
    source = 'region = "us"\nlimit: int = 10\nflags = []\ncomputed = len("abc")\na = b = 3\nk += 1\nimport os\n'
    nb = notebooks.make([notebooks.code("x = 1"), notebooks.code(source, tags=["parameters"])])
    assert parameters.declared(nb) == {
        "region": "us",
        "limit": 10,
        "flags": [],
        "computed": UNKNOWN,
        "a": 3,
        "b": 3,
        "k": UNKNOWN,
    }
    assert parameters.declared(notebooks.make([notebooks.code("x = 1")])) is None
    assert parameters.names(notebooks.make([notebooks.code("x = 1")])) is None


def test_a_parameters_cell_with_magics_is_read_by_papermill_and_typed() -> None:
    nb = notebooks.make(
        [
            notebooks.code(
                "%matplotlib inline\nalpha = 0.5\nname = 'x'\nwhen = today()", tags=["parameters"]
            )
        ]
    )
    assert parameters.declared(nb) == {"alpha": 0.5, "name": "x", "when": UNKNOWN}


def test_a_tagged_markdown_cell_is_not_the_parameters_cell() -> None:
    nb = notebooks.make(
        [
            notebooks.markdown("a = 1", tags=["parameters"]),
            notebooks.code("b = 2", tags=["parameters"]),
        ]
    )
    assert parameters.names(nb) == ["b"]


# The same text, and the value every entry point must hand to the notebook.
TABLE: list[tuple[str, str, Any]] = [
    ("flag", "True", True),
    ("flag", "true", True),
    ("flag", "False", False),
    ("flag", "false", False),
    ("n", "3", 3),
    ("n", " -2 ", -2),
    ("x", "2", 2.0),
    ("x", "1e3", 1000.0),
    ("x", "0.25", 0.25),
    ("s", "True", "True"),
    ("s", "10", "10"),
    ("s", " spaced ", " spaced "),
    ("s", "", ""),
    ("xs", "(1,2)", [1, 2]),
    ("xs", "[1, 2]", [1, 2]),
    ("xs", '["a"]', ["a"]),
    ("d", '{"k": 1}', {"k": 1}),
    ("d", "{'k': (1,)}", {"k": [1]}),
    ("z", "null", None),
    ("z", "None", None),
    ("z", "3", 3),
    ("z", "abc", "abc"),
    ("z", "true", True),
    ("c", "(1,2)", [1, 2]),
    ("c", "true", True),
    ("c", "2024-01-01", "2024-01-01"),
    ("c", "[1, 2]", [1, 2]),
]

BAD: list[tuple[str, str]] = [
    ("flag", "yes"),
    ("flag", "1"),
    ("n", "1.5"),
    ("n", "True"),
    ("n", "ten"),
    ("x", "abc"),
    ("xs", "abc"),
    ("xs", '{"a": 1}'),
    ("d", "[1]"),
]


def _cli(name: str, text: str) -> Any:
    """``pytest --nbgate-param``: split as the plugin does, typed when the notebook is prepared."""
    cli = parameters.split_assignments([f"{name}={text}"], "--nbgate-param")
    return resolve(_nb(), config_parameters={}, cli_parameters=cli).parameters[name]


def _metadata(name: str, text: str) -> Any:
    nb = _nb({"nbgate": {"test_parameters": {name: text}}})
    return resolve(nb, config_parameters={}, cli_parameters={}).parameters[name]


def _config(name: str, text: str, folder: Path) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "p"\n\n[tool.nbgate.smoke]\nparameters = {{ {name} = "{escaped}" }}\n',
        encoding="utf-8",
    )
    smoke = config.load(folder, env={}).section("smoke")
    return resolve(_nb(), config_parameters=smoke["parameters"], cli_parameters={}).parameters[name]


def _promote(name: str, text: str) -> Any:
    request = Request(
        notebook=Path("nb.ipynb"),
        name="job",
        parameters=parameters.split_assignments([f"{name}={text}"]),
    )
    typed, problems = _parameters(request, None, _nb())
    assert problems == []
    return typed[name]


def _run(name: str, text: str) -> Any:
    overrides = parameters.split_assignments([f"{name}={text}"])
    return merge_parameters(
        {}, overrides, dt.date(2024, 1, 2).isoformat(), parameters.declared(_nb())
    )[name]


@pytest.mark.parametrize(("name", "text", "expected"), TABLE)
def test_the_same_text_is_the_same_value_at_every_entry_point(
    name: str, text: str, expected: Any, tmp_path: Path
) -> None:
    values = {
        "--nbgate-param": _cli(name, text),
        "metadata": _metadata(name, text),
        "config": _config(name, text, tmp_path),
        "promote --param": _promote(name, text),
        "run --param": _run(name, text),
    }
    for entry, value in values.items():
        assert value == expected and type(value) is type(expected), (entry, value)


@pytest.mark.parametrize(("name", "text"), BAD)
def test_a_value_that_cannot_take_its_defaults_type_is_refused_everywhere(
    name: str, text: str, tmp_path: Path
) -> None:
    default_type = parameters.type_name(parameters.declared(_nb())[name])
    expected = f"parameter '{name}': {text!r} is not a valid {default_type}"
    for call in (_cli, _metadata, lambda n, t: _config(n, t, tmp_path)):
        with pytest.raises(ParameterError, match=expected.replace("(", r"\(").replace("[", r"\[")):
            call(name, text)
    for call in (_promote, _run):
        with pytest.raises(ParameterTypeError) as info:
            call(name, text)
        assert expected in str(info.value)
        assert isinstance(info.value, UsageError)  # exit 2


@pytest.mark.parametrize(
    ("value", "default", "ok"),
    [
        (1, 2, True),
        (1.5, 2, False),
        (1, 2.0, True),
        (True, 2, False),
        (1, True, False),
        (False, True, True),
        ("x", "y", True),
        (1, "y", False),
        ([1], [], True),
        ([1], (), True),
        ({}, [], False),
        ({"a": 1}, {}, True),
        ("anything", None, True),
        ([1], UNKNOWN, True),
    ],
)
def test_already_typed_values_are_checked_against_the_default(
    value: Any, default: Any, ok: bool
) -> None:
    assert (parameters.problem("p", value, default) is None) is ok


def test_an_int_for_a_float_default_becomes_a_float() -> None:
    value = parameters.check("x", 2, 0.5)
    assert value == 2.0 and isinstance(value, float)


def test_long_values_are_not_echoed_in_full() -> None:
    with pytest.raises(ParameterTypeError) as info:
        parameters.coerce("n", "9" * 50 + "x" * 10_000, 1)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("item", ["novalue", "1x=2", "=3", "a b=1"])
def test_bad_assignments(item: str) -> None:
    with pytest.raises(UsageError, match=r"--param .*expected NAME=VALUE"):
        parameters.split_assignments([item])


def test_assignments_keep_raw_text_and_later_wins() -> None:
    assert parameters.split_assignments(["a=1", "b= x ", "a=2=3"]) == {"a": "2=3", "b": " x "}


def test_undefined_names_list_the_defined_ones() -> None:
    with pytest.raises(
        ParameterError, match=r"typo not defined .*\(it defines: flag, n, x, s, xs, d, z, c\)"
    ):
        resolve(_nb(), config_parameters={}, cli_parameters={"typo": "1"})
    with pytest.raises(
        UsageError, match=r"--param typo: .*\(it defines: flag, n, x, s, xs, d, z, c\)"
    ):
        merge_parameters({}, {"typo": "1"}, "2024-01-01", parameters.declared(_nb()))
