"""nbgate.strip.transform: the pure strip transform, as a golden table (input, expected, options, reasons)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from nbgate import config, notebook
from nbgate.strip.transform import StripOptions, strip_notebook
from testing import notebooks as nbs
from testing.corpus import generate
from testing.options import strip_options

KERNEL = {"kernelspec": nbs.KERNELSPEC, "language_info": {"name": "python"}}
LANGUAGE_INFO = {
    "name": "python",
    "version": "3.11.7",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "mimetype": "text/x-python",
}


def _nb(cells: list[dict[str, Any]], **metadata: Any) -> dict[str, Any]:
    return nbs.make(cells, metadata=metadata)


def _out(count: int | None = None) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = [nbs.stream("hello\n")]
    if count is not None:
        outputs.append(nbs.result("42", count))
    return outputs


class Case(NamedTuple):
    id: str
    input: dict[str, Any]
    expected: dict[str, Any]
    options: StripOptions
    reasons: tuple[str, ...]


DEFAULT = strip_options()

CASES = [
    Case(
        "already-clean",
        _nb([nbs.markdown("# T"), nbs.code("x = 1", tags=["parameters"])]),
        _nb([nbs.markdown("# T"), nbs.code("x = 1", tags=["parameters"])]),
        DEFAULT,
        (),
    ),
    Case(
        "outputs-and-counts",
        _nb(
            [
                nbs.markdown("# T"),
                nbs.code("print(1)", outputs=_out(3), execution_count=3),
                nbs.code("y"),
            ]
        ),
        _nb([nbs.markdown("# T"), nbs.code("print(1)"), nbs.code("y")]),
        DEFAULT,
        ("outputs in cell 2", "execution counts in cell 2"),
    ),
    Case(
        "count-without-outputs",
        _nb([nbs.code("x = 1", execution_count=1), nbs.code("y", execution_count=2)]),
        _nb([nbs.code("x = 1"), nbs.code("y")]),
        DEFAULT,
        ("execution counts in cells 1, 2",),
    ),
    Case(
        "many-cells-listed-briefly",
        _nb([nbs.code(f"c{i}", outputs=_out(), execution_count=i) for i in range(1, 12)]),
        _nb([nbs.code(f"c{i}") for i in range(1, 12)]),
        DEFAULT,
        (
            "outputs in cells 1, 2, 3, 4, 5, 6, 7, 8 and 3 more",
            "execution counts in cells 1, 2, 3, 4, 5, 6, 7, 8 and 3 more",
        ),
    ),
    Case(
        "keep-output-tag-keeps-outputs-and-counts",
        _nb(
            [
                nbs.code("a", outputs=_out(1), execution_count=1, tags=["keep-output"]),
                nbs.code("b", outputs=_out(2), execution_count=2),
            ]
        ),
        _nb(
            [nbs.code("a", outputs=_out(1), execution_count=1, tags=["keep-output"]), nbs.code("b")]
        ),
        DEFAULT,
        ("outputs in cell 2", "execution counts in cell 2"),
    ),
    Case(
        "custom-keep-output-tag",
        _nb(
            [
                nbs.code("a", outputs=_out(1), execution_count=1, tags=["keep-output"]),
                nbs.code("b", outputs=_out(2), execution_count=2, tags=["show"]),
            ]
        ),
        _nb(
            [
                nbs.code("a", tags=["keep-output"]),
                nbs.code("b", outputs=_out(2), execution_count=2, tags=["show"]),
            ]
        ),
        strip_options(keep_output_tag="show"),
        ("outputs in cell 1", "execution counts in cell 1"),
    ),
    Case(
        "keep-outputs-still-strips-counts",
        _nb(
            [
                nbs.code("a", outputs=_out(4), execution_count=4),
                nbs.code("b", outputs=_out(), execution_count=5),
            ]
        ),
        _nb(
            [
                nbs.code(
                    "a",
                    outputs=[
                        nbs.stream("hello\n"),
                        {**nbs.result("42", 1), "execution_count": None},
                    ],
                ),
                nbs.code("b", outputs=_out()),
            ]
        ),
        strip_options(keep_outputs=True),
        ("execution counts in cells 1, 2",),
    ),
    Case(
        "keep-execution-counts",
        _nb([nbs.code("a", outputs=_out(4), execution_count=4)]),
        _nb([nbs.code("a", execution_count=4)]),
        strip_options(keep_execution_counts=True),
        ("outputs in cell 1",),
    ),
    Case(
        "volatile-cell-metadata",
        _nb(
            [
                nbs.code(
                    "a",
                    metadata={
                        "ExecuteTime": {"end_time": "t"},
                        "collapsed": True,
                        "scrolled": "auto",
                        "tags": ["t"],
                        "jupytext": {"lines_to_next_cell": 2},
                        "nbgate": {"x": 1},
                        "slideshow": {"slide_type": "slide"},
                        "execution": {"a": "b"},
                    },
                ),
                nbs.markdown("m"),
            ]
        ),
        _nb(
            [
                nbs.code(
                    "a",
                    metadata={
                        "tags": ["t"],
                        "jupytext": {"lines_to_next_cell": 2},
                        "nbgate": {"x": 1},
                        "slideshow": {"slide_type": "slide"},
                    },
                ),
                nbs.markdown("m"),
            ]
        ),
        DEFAULT,
        ("cell metadata ExecuteTime, collapsed, execution, scrolled",),
    ),
    Case(
        "dotted-cell-keep-list",
        _nb(
            [
                nbs.code(
                    "a",
                    metadata={
                        "jupyter": {"source_hidden": True, "outputs_hidden": True},
                        "tags": ["x"],
                    },
                )
            ]
        ),
        _nb([nbs.code("a", metadata={"jupyter": {"source_hidden": True}})]),
        strip_options(keep_cell_metadata=("jupyter.source_hidden",)),
        ("cell metadata jupyter.outputs_hidden, tags",),
    ),
    Case(
        "notebook-metadata-keeps-language-info-name",
        _nb(
            [nbs.code("a")],
            language_info=LANGUAGE_INFO,
            widgets={"state": {}},
            toc={"x": 1},
            jupytext={"formats": "ipynb,py:percent"},
            nbgate={"test_parameters": {"n": 1}},
            title="T",
        ),
        _nb(
            [nbs.code("a")],
            language_info={"name": "python"},
            jupytext={"formats": "ipynb,py:percent"},
            nbgate={"test_parameters": {"n": 1}},
            title="T",
        ),
        DEFAULT,
        (
            (
                "notebook metadata language_info.codemirror_mode, language_info.mimetype, "
                "language_info.version, toc, widgets"
            ),
        ),
    ),
    Case(
        "custom-notebook-keep-list",
        _nb([nbs.code("a")], language_info=LANGUAGE_INFO),
        {**_nb([nbs.code("a")]), "metadata": {"language_info": LANGUAGE_INFO}},
        strip_options(keep_notebook_metadata=("language_info",)),
        ("notebook metadata kernelspec",),
    ),
    Case(
        "nested-key-emptied-is-dropped",
        _nb([nbs.code("a")], language_info={"version": "3.11"}),
        {**_nb([nbs.code("a")]), "metadata": {"kernelspec": nbs.KERNELSPEC}},
        DEFAULT,
        ("notebook metadata language_info.version",),
    ),
    Case(
        "trusted-and-signature-always-go",
        _nb([nbs.code("a", metadata={"trusted": True, "tags": ["x"]})], signature="sha256:00"),
        _nb([nbs.code("a", tags=["x"])]),
        strip_options(
            keep_cell_metadata=("tags", "trusted"),
            keep_notebook_metadata=("kernelspec", "language_info", "signature"),
        ),
        ("cell metadata trusted", "notebook metadata signature"),
    ),
    Case(
        "ids-kept-not-renumbered",
        {
            **_nb([nbs.code("a", outputs=_out(), execution_count=1)]),
            "cells": [{**nbs.code("a", outputs=_out(), execution_count=1), "id": "f00d-Cafe"}],
        },
        {**_nb([nbs.code("a")]), "cells": [{**nbs.code("a"), "id": "f00d-Cafe"}]},
        DEFAULT,
        ("outputs in cell 1", "execution counts in cell 1"),
    ),
    Case(
        "no-ids-invented-and-minor-kept",
        nbs.make([nbs.code("a", outputs=_out(), execution_count=1)], minor=2),
        nbs.make([nbs.code("a")], minor=2),
        DEFAULT,
        ("outputs in cell 1", "execution counts in cell 1"),
    ),
    Case(
        "markdown-attachments-kept",
        _nb(
            [
                {
                    **nbs.markdown("![x](attachment:x.png)"),
                    "attachments": {"x.png": {"image/png": "iVBOR"}},
                    "metadata": {"collapsed": False},
                }
            ]
        ),
        _nb(
            [
                {
                    **nbs.markdown("![x](attachment:x.png)"),
                    "attachments": {"x.png": {"image/png": "iVBOR"}},
                }
            ]
        ),
        DEFAULT,
        ("cell metadata collapsed",),
    ),
    Case(
        "raw-cell-untouched",
        _nb([{"cell_type": "raw", "metadata": {"format": "text/x-rst"}, "source": ".. note::"}]),
        _nb([{"cell_type": "raw", "metadata": {}, "source": ".. note::"}]),
        DEFAULT,
        ("cell metadata format",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden(case: Case) -> None:
    original = copy.deepcopy(case.input)
    result = strip_notebook(case.input, case.options)
    assert result.nb == case.expected
    assert result.reasons == case.reasons
    assert result.changed is bool(case.reasons)
    assert case.input == original  # pure: the input is not modified


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_idempotent(case: Case) -> None:
    once = strip_notebook(case.input, case.options).nb
    twice = strip_notebook(once, case.options)
    assert twice.nb == once and twice.reasons == ()
    assert notebook.dumps(twice.nb) == notebook.dumps(once)


def test_idempotent_and_byte_stable_on_the_corpus(tmp_path: Path) -> None:
    for path in generate(tmp_path, 40, seed=3):
        once = strip_notebook(notebook.read(path).nb)
        assert once.changed
        data = notebook.dumps(once.nb)
        again = strip_notebook(notebook.loads(data))
        assert again.reasons == () and notebook.dumps(again.nb) == data


def test_ids_and_minor_versions_survive_the_corpus(tmp_path: Path) -> None:
    for path in generate(tmp_path, 20, seed=5):
        nb = notebook.read(path).nb
        stripped = strip_notebook(nb).nb
        assert stripped["nbformat_minor"] == nb["nbformat_minor"]
        assert [c.get("id") for c in stripped["cells"]] == [c.get("id") for c in nb["cells"]]
        assert [c["source"] for c in stripped["cells"]] == [c["source"] for c in nb["cells"]]


def test_from_config_section() -> None:
    section = {
        **config.defaults("strip"),
        "keep_cell_metadata": ["a"],
        "keep_notebook_metadata": ["b.c"],
        "keep_output_tag": "t",
        "keep_outputs": True,
    }
    options = StripOptions.from_config(section)
    assert options == strip_options(
        keep_cell_metadata=("a",),
        keep_notebook_metadata=("b.c",),
        keep_output_tag="t",
        keep_outputs=True,
    )


def test_every_option_comes_from_the_config_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    section = config.defaults("strip")
    assert set(section) == set(StripOptions._fields)
    unconfigured = config.load(tmp_path, env={})
    assert unconfigured.pyproject is None
    assert (
        strip_options()
        == StripOptions.default()
        == StripOptions.from_config(unconfigured.section("strip"))
    )
    del section["max_output_size"]
    with pytest.raises(KeyError, match="max_output_size"):
        StripOptions.from_config(section)
