"""nbgate.identity: one identity for a notebook, its stripped copy, its papermill output and its twin."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jupytext
import papermill
import pytest

from nbgate import notebook
from nbgate.identity import canonical, normalise_source, source_sha256
from nbgate.strip.transform import strip_notebook
from testing import notebooks as nbs


def _source_notebook(*, fail: bool = False) -> dict[str, Any]:
    cells = [
        nbs.markdown("# Daily report\n\nAdds things up."),
        nbs.code("x = 1\nlabel = 'a'", tags=["parameters"]),
        nbs.code("total = x * 2\nprint(total)"),
        nbs.code("raise ValueError('boom')" if fail else "assert total == 2 * x", tags=["check"]),
        nbs.code("print('done', label)"),
    ]
    return nbs.make(cells, metadata={"language_info": {"name": "python", "version": "3.11.7"}})


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """A notebook and its real papermill outputs: a passing run and a failing run."""
    folder = tmp_path_factory.mktemp("papermill")
    result = {}
    for name, fail in (("ok", False), ("failed", True)):
        source = nbs.write(folder / f"{name}.ipynb", _source_notebook(fail=fail))
        output = folder / f"{name}.out.ipynb"
        try:
            papermill.execute_notebook(
                str(source),
                str(output),
                parameters={"x": 21, "label": "b"},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
            )
        except papermill.PapermillExecutionError:
            assert fail
        else:
            assert not fail
        result[name] = notebook.read(source).nb
        result[f"{name}.out"] = notebook.read(output).nb
    return result


def test_papermill_output_has_the_source_identity(executed: dict[str, dict[str, Any]]) -> None:
    out = executed["ok.out"]
    tags = [t for cell in out["cells"] for t in notebook.tags(cell)]
    assert "injected-parameters" in tags  # papermill really added its cell
    assert any(cell.get("outputs") for cell in out["cells"])
    assert source_sha256(out) == source_sha256(executed["ok"])


def test_failed_papermill_output_with_error_cells_has_the_source_identity(
    executed: dict[str, dict[str, Any]],
) -> None:
    out = executed["failed.out"]
    tags = [t for cell in out["cells"] for t in notebook.tags(cell)]
    assert "papermill-error-cell-tag" in tags  # papermill's "An Exception was encountered" cells
    assert any(
        o.get("output_type") == "error" for cell in out["cells"] for o in cell.get("outputs", ())
    )
    assert source_sha256(out) == source_sha256(executed["failed"])
    assert source_sha256(out) != source_sha256(executed["ok"])


def test_stripped_copy_has_the_same_identity(executed: dict[str, dict[str, Any]]) -> None:
    # the source notebook with the executed outputs, as a user would save it after running it in Jupyter
    out = executed["ok.out"]
    with_outputs = copy.deepcopy(executed["ok"])
    ran = [cell for cell in out["cells"] if "injected-parameters" not in notebook.tags(cell)]
    for cell, fresh in zip(with_outputs["cells"], ran, strict=False):
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = fresh["outputs"], fresh["execution_count"]
    assert any(cell.get("outputs") for cell in with_outputs["cells"])
    stripped = strip_notebook(with_outputs).nb
    assert not any(cell.get("outputs") for cell in stripped["cells"])
    assert source_sha256(stripped) == source_sha256(with_outputs) == source_sha256(executed["ok"])


def test_stripping_an_output_notebook_makes_its_injected_cell_count(
    executed: dict[str, dict[str, Any]],
) -> None:
    # strip drops metadata.papermill: the file is no longer an output notebook, its injected cell is content
    out = executed["ok.out"]
    stripped = strip_notebook(out).nb
    assert "papermill" not in stripped["metadata"]
    assert source_sha256(stripped) != source_sha256(out)


def test_a_tagged_cell_in_a_source_notebook_is_content() -> None:
    nb = _source_notebook()
    tagged = copy.deepcopy(nb)
    tagged["cells"].append(nbs.code("import os; os.remove('/data')", tags=["injected-parameters"]))
    assert source_sha256(tagged) != source_sha256(nb)
    errored = copy.deepcopy(nb)
    errored["cells"].insert(0, nbs.code("print('x')", tags=["papermill-error-cell-tag"]))
    assert source_sha256(errored) != source_sha256(nb)
    # with papermill's metadata the same cells are papermill's additions
    tagged["metadata"]["papermill"] = {"parameters": {}}
    assert source_sha256(tagged) == source_sha256(nb)


def test_the_kernelspec_name_is_part_of_the_identity() -> None:
    nb = _source_notebook()
    other = copy.deepcopy(nb)
    other["metadata"]["kernelspec"]["name"] = "python3-gpu"
    assert source_sha256(other) != source_sha256(nb)
    shown = copy.deepcopy(nb)
    shown["metadata"]["kernelspec"]["display_name"] = "Another label"
    assert source_sha256(shown) == source_sha256(nb)


def test_jupytext_py_percent_twin_has_the_same_identity(tmp_path: Path) -> None:
    nb = _source_notebook()
    path = nbs.write(tmp_path / "nb.ipynb", nb)
    twin = tmp_path / "nb.py"
    jupytext.write(jupytext.read(path), twin, fmt="py:percent")
    assert "# %%" in twin.read_text()
    back = notebook.loads(jupytext.writes(jupytext.read(twin), fmt="ipynb").encode())
    assert source_sha256(back) == source_sha256(nb)


def _set_source(index: int, text: str) -> Callable[[dict[str, Any]], None]:
    def change(nb: dict[str, Any]) -> None:
        nb["cells"][index]["source"] = text

    return change


def _set(index: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(nb: dict[str, Any]) -> None:
        nb["cells"][index][key] = value

    return change


def _set_tags(index: int, tags: list[str]) -> Callable[[dict[str, Any]], None]:
    def change(nb: dict[str, Any]) -> None:
        nb["cells"][index]["metadata"]["tags"] = tags

    return change


def _set_metadata(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(nb: dict[str, Any]) -> None:
        nb["metadata"][key] = value

    return change


def _drop_cell(index: int) -> Callable[[dict[str, Any]], None]:
    def change(nb: dict[str, Any]) -> None:
        del nb["cells"][index]

    return change


def _swap_cells(nb: dict[str, Any]) -> None:
    cells = nb["cells"]
    cells[2], cells[4] = cells[4], cells[2]


CHANGES_IDENTITY = {
    "one-source-character": _set_source(2, "total = x * 3\nprint(total)"),
    "leading-whitespace": _set_source(2, " total = x * 2\nprint(total)"),
    "code-to-markdown": _set(2, "cell_type", "markdown"),
    "markdown-to-raw": _set(0, "cell_type", "raw"),
    "tag-added": _set_tags(2, ["new"]),
    "tag-removed": _set_tags(1, []),
    "tag-renamed": _set_tags(3, ["checks"]),
    "cell-removed": _drop_cell(4),
    "cells-reordered": _swap_cells,
    "kernel-language": _set_metadata(
        "kernelspec", {"name": "ir", "language": "R", "display_name": "R"}
    ),
}

KEEPS_IDENTITY = {
    "crlf-line-endings": _set_source(2, "total = x * 2\r\nprint(total)"),
    "trailing-whitespace": _set_source(2, "total = x * 2\nprint(total)\n\n   \n"),
    "tag-order-and-duplicates": _set_tags(3, ["check", "check"]),
    "outputs": _set(2, "outputs", [nbs.stream("2\n")]),
    "execution-count": _set(2, "execution_count", 7),
    "cell-id": _set(2, "id", "other-id"),
    "cell-metadata": lambda nb: nb["cells"][2]["metadata"].update(
        {"collapsed": True, "ExecuteTime": {}}
    ),
    "notebook-metadata": _set_metadata("widgets", {"state": {}}),
    "papermill-output-cell": lambda nb: (
        nb["cells"].insert(2, nbs.code("x = 5", tags=["injected-parameters"])),
        nb["metadata"].update({"papermill": {"parameters": {"x": 5}}}),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES_IDENTITY.values()), ids=list(CHANGES_IDENTITY))
def test_a_content_change_changes_the_identity(change: Callable[[dict[str, Any]], None]) -> None:
    nb = _source_notebook()
    other = copy.deepcopy(nb)
    change(other)
    assert other != nb
    assert source_sha256(other) != source_sha256(nb)


@pytest.mark.parametrize("change", list(KEEPS_IDENTITY.values()), ids=list(KEEPS_IDENTITY))
def test_a_non_content_change_keeps_the_identity(change: Callable[[dict[str, Any]], None]) -> None:
    nb = _source_notebook()
    other = copy.deepcopy(nb)
    change(other)
    assert other != nb
    assert source_sha256(other) == source_sha256(nb)


def test_crlf_file_and_lf_file_share_one_identity(tmp_path: Path) -> None:
    nb = _source_notebook()
    lf = nbs.write(tmp_path / "lf.ipynb", nb)
    crlf = tmp_path / "crlf.ipynb"
    crlf.write_bytes(lf.read_bytes().replace(b"\n", b"\r\n").replace(b"\\n", b"\\r\\n"))
    loaded = notebook.read(crlf)
    assert loaded.crlf and "\r\n" in loaded.nb["cells"][2]["source"]
    assert source_sha256(loaded.nb) == source_sha256(notebook.read(lf).nb)


def test_identity_is_64_hex_digits_and_stable() -> None:
    digest = source_sha256(_source_notebook())
    assert len(digest) == 64 and int(digest, 16) >= 0
    # The canonical encoding is versioned; changing it invalidates all evidence, so pin it.
    assert canonical(nbs.make([nbs.code("x = 1 ", tags=["b", "a", "b"])])) == (
        b'["nbgate-source-v2","python","python3",[["code","x = 1",["a","b"]]]]'
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a\r\nb\r\n", "a\nb"),
        ("a\rb", "a\nb"),
        ("  a  \n\n\t", "  a"),
        ("", ""),
    ],
)
def test_normalise_source(source: str, expected: str) -> None:
    assert normalise_source(source) == expected
