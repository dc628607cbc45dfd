"""NBG001's fast validator: same verdicts as nbformat.validate, compiled once, cached on disk."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nbgate.lint import schema
from testing import notebooks as T

Mutation = Callable[[dict[str, Any]], None]


def base(minor: int = 5) -> dict[str, Any]:
    return T.make(
        [
            T.markdown("# title"),
            T.code(
                "print(1)\n1",
                execution_count=1,
                outputs=[
                    T.stream("1\n"),
                    T.result("1", 1),
                    {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}},
                    {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]},
                ],
            ),
            {"cell_type": "raw", "metadata": {}, "source": "raw"},
        ],
        minor=minor,
    )


def output(nb: dict[str, Any], index: int) -> dict[str, Any]:
    result: dict[str, Any] = nb["cells"][1]["outputs"][index]
    return result


CASES: list[tuple[str, int, Mutation]] = [
    ("valid", 5, lambda nb: None),
    ("valid 4.4", 4, lambda nb: None),
    ("valid 4.0", 0, lambda nb: None),
    ("extra notebook metadata", 5, lambda nb: nb["metadata"].update(anything={"x": 1})),
    (
        "kernelspec without display_name",
        5,
        lambda nb: nb["metadata"]["kernelspec"].pop("display_name"),
    ),
    ("execution_count is a string", 5, lambda nb: nb["cells"][1].update(execution_count="1")),
    ("stream without text", 5, lambda nb: output(nb, 0).pop("text")),
    ("stream name not a string", 5, lambda nb: output(nb, 0).update(name=5)),
    ("stream with an extra key", 5, lambda nb: output(nb, 0).update(extra=1)),
    ("execute_result without count", 5, lambda nb: output(nb, 1).pop("execution_count")),
    ("display_data without metadata", 5, lambda nb: output(nb, 2).pop("metadata")),
    ("error without traceback", 5, lambda nb: output(nb, 3).pop("traceback")),
    ("unknown output type", 5, lambda nb: output(nb, 0).update(output_type="weird")),
    ("markdown with outputs", 5, lambda nb: nb["cells"][0].update(outputs=[])),
    ("bad id characters", 5, lambda nb: nb["cells"][0].update(id="bad id!")),
    ("id too long", 5, lambda nb: nb["cells"][0].update(id="a" * 65)),
    ("unknown top-level key", 5, lambda nb: nb.update(extra=1)),
    ("id in 4.4", 4, lambda nb: nb["cells"][0].update(id="abc")),
    ("tags not strings", 5, lambda nb: nb["cells"][0]["metadata"].update(tags=[1])),
    ("future minor, unknown key", 6, lambda nb: nb.update(extra=1)),
    ("future minor, unknown output", 6, lambda nb: output(nb, 0).update(output_type="weird")),
]


@pytest.mark.parametrize(("name", "minor", "mutate"), CASES, ids=[c[0] for c in CASES])
def test_same_verdict_as_nbformat(name: str, minor: int, mutate: Mutation) -> None:
    import nbformat

    nb = base(minor)
    mutate(nb)
    ours = schema.validate(copy.deepcopy(nb))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nbformat.validate(copy.deepcopy(nb))
            theirs_valid = True
        except nbformat.ValidationError:
            theirs_valid = False
    assert (ours == []) == theirs_valid, ours
    if name.startswith("valid"):
        assert ours == []


def test_messages_name_the_problem_and_the_cell() -> None:
    nb = base()
    output(nb, 0).pop("text")
    nb["cells"][0]["outputs"] = []
    assert schema.validate(nb) == [
        schema.Problem(1, "cell must not contain {'outputs'} properties (Jupyter Notebook v4.5)"),
        schema.Problem(
            2, "cell.outputs[0] must contain ['text'] properties (Jupyter Notebook v4.5)"
        ),
    ]


def test_validation_does_not_modify_the_notebook() -> None:
    nb = base()
    del nb["cells"][0]["id"]
    before = copy.deepcopy(nb)
    assert schema.validate(nb) == []
    assert nb == before


@pytest.mark.parametrize("minor", [-1, "5", None])
def test_bad_minor(minor: Any) -> None:
    nb = base()
    nb["nbformat_minor"] = minor
    assert schema.validate(nb)[0].cell is None


@pytest.mark.usefixtures("fast_paths_on")
def test_compiled_code_is_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fastjsonschema

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(schema, "_compiled", {})
    assert schema.validator(4) is not None
    cached = list((tmp_path / "nbgate").glob("schema-*.marshal"))
    assert len(cached) == 1

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("compiled again although the cache holds it")

    monkeypatch.setattr(schema, "_compiled", {})
    monkeypatch.setattr(fastjsonschema, "compile_to_code", refuse)
    assert schema.validate(base(4) | {"cells": []}) == []


@pytest.mark.usefixtures("fast_paths_on")
def test_a_corrupt_or_unwritable_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(schema, "_compiled", {})
    schema.validator(3)
    (cached,) = (tmp_path / "nbgate").glob("schema-*.marshal")
    cached.write_bytes(b"not marshal data")
    monkeypatch.setattr(schema, "_compiled", {})
    nb = base(3)
    assert schema.validate(nb) == []
    assert cached.read_bytes() != b"not marshal data"  # rewritten

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # nbgate/ cannot be created under a file
    monkeypatch.setattr(schema, "_compiled", {})
    assert schema.validate(nb) == []


def test_available() -> None:
    assert schema.fast_validator_available()
