"""nbstripout's keep markers and options in ``nbgate strip``, checked against nbstripout itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbgate.cli.main import main
from nbgate.strip.transform import StripError, strip_notebook
from testing import notebooks as nbs
from testing.options import strip_options

OUT = [nbs.stream("hello\n"), nbs.result("42", 3)]


def _cell(source: str, *, tags: list[str] | None = None, **metadata: Any) -> dict[str, Any]:
    return nbs.code(source, tags=tags, outputs=list(OUT), execution_count=3, metadata=metadata)


def _marked() -> dict[str, Any]:
    return nbs.make(
        [
            _cell("plain = 1"),
            _cell("by_metadata = 1", keep_output=True),
            _cell("by_nbstripout_tag = 1", tags=["keep_output"]),
            _cell("by_nbgate_tag = 1", tags=["keep-output"]),
            _cell("metadata_false = 1", keep_output=False),
            _cell("init = 1", init_cell=True),
        ]
    )


def _kept(nb: dict[str, Any]) -> list[bool]:
    return [bool(cell.get("outputs")) for cell in nb["cells"]]


def test_keep_markers_match_nbstripout(tmp_path: Path) -> None:
    """The same cells keep their outputs under nbgate strip and under nbstripout."""
    if shutil.which("nbstripout") is None and not _has_module("nbstripout"):
        pytest.skip("nbstripout (the bench extra) is not installed")
    path = tmp_path / "n.ipynb"
    nbs.write(path, _marked())
    subprocess.run([sys.executable, "-m", "nbstripout", str(path)], check=True, timeout=120)
    theirs = json.loads(path.read_text(encoding="utf-8"))
    ours = strip_notebook(_marked()).nb
    # cell 4 carries nbgate's own tag, which nbstripout does not know; every other decision is the same
    assert _kept(theirs) == [False, True, True, False, False, True]
    assert _kept(ours) == [False, True, True, True, False, True]
    for cell in ours["cells"]:  # the markers themselves survive, so the next strip decides the same
        original = next(c for c in _marked()["cells"] if c["source"] == cell["source"])
        for key in ("keep_output", "init_cell"):
            assert cell["metadata"].get(key) == original["metadata"].get(key)


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_notebook_metadata_keep_output_keeps_every_cell_but_clears_counts() -> None:
    nb = nbs.make([_cell("a = 1"), _cell("b = 2")], metadata={"keep_output": True})
    result = strip_notebook(nb)
    assert _kept(result.nb) == [True, True]
    assert [c["execution_count"] for c in result.nb["cells"]] == [None, None]
    assert result.nb["metadata"]["keep_output"] is True
    assert _kept(strip_notebook(nb, strip_options(nbstripout_markers=False)).nb) == [False, False]


def test_markers_off_only_the_configured_tag_counts() -> None:
    result = strip_notebook(_marked(), strip_options(nbstripout_markers=False))
    assert _kept(result.nb) == [False, False, False, True, False, True]
    assert "keep_output" not in result.nb["cells"][1]["metadata"]


def test_init_cells_option_strips_them() -> None:
    assert _kept(strip_notebook(_marked(), strip_options(init_cells=True)).nb)[5] is False


@pytest.mark.parametrize("tag", ["keep_output", "keep-output"])
def test_contradiction_is_an_error_naming_the_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tag: str
) -> None:
    nb = nbs.make([nbs.markdown("# T"), _cell("x = 1", tags=[tag], keep_output=False)])
    with pytest.raises(StripError) as caught:
        strip_notebook(nb)
    assert caught.value.number == 2
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.nbgate]\n")
    path = tmp_path / "c.ipynb"
    nbs.write(path, nb)
    before = path.read_bytes()
    for argv in (["strip", "c.ipynb"], ["strip", "--check", "c.ipynb"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert (
            err.startswith("error: c.ipynb:cell 2: cell metadata says keep_output: false")
            and err.count("\n") == 1
        )
    assert path.read_bytes() == before


def test_drop_empty_and_tagged_cells() -> None:
    nb = nbs.make(
        [
            nbs.markdown("# T"),
            nbs.code("  \n"),
            nbs.markdown(""),
            nbs.code("x = 1", tags=["scratch"]),
            nbs.code("y = 2", tags=["other"]),
        ]
    )
    result = strip_notebook(
        nb, strip_options(drop_empty_cells=True, drop_tagged_cells=("scratch", "tmp"))
    )
    assert [c["source"] for c in result.nb["cells"]] == ["# T", "y = 2"]
    assert result.reasons[:2] == (
        "cell 4 tagged scratch, tmp (strip.drop_tagged_cells)",
        "empty cells 2, 3 (strip.drop_empty_cells)",
    )
    assert [c["id"] for c in result.nb["cells"]] == [nb["cells"][0]["id"], nb["cells"][4]["id"]]
    assert not strip_notebook(
        result.nb, strip_options(drop_empty_cells=True, drop_tagged_cells=("scratch",))
    ).changed


def test_max_output_size_keeps_small_outputs_without_counts() -> None:
    big = nbs.stream("x" * 500)
    nb = nbs.make([nbs.code("x", outputs=[big, nbs.result("42", 7)], execution_count=7)])
    result = strip_notebook(
        nb, strip_options(max_output_size=200)
    )  # the result is ~110 bytes, the stream ~560
    outputs = result.nb["cells"][0]["outputs"]
    assert outputs == [{**nbs.result("42", 7), "execution_count": None}]
    assert result.nb["cells"][0]["execution_count"] is None
    assert result.reasons == ("outputs in cell 1", "execution counts in cell 1")


def test_options_come_from_config_and_lint_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nbgate.strip]\nmax_output_size = 200\ndrop_tagged_cells = ["scratch"]\n'
    )
    nb = nbs.make(
        [
            nbs.code(
                "x = 1", tags=["parameters"], outputs=[nbs.stream("small\n")], execution_count=None
            ),
            _cell("y = 1", keep_output=True),
            nbs.code("z", tags=["scratch"]),
        ]
    )
    nbs.write(tmp_path / "a.ipynb", nb)
    assert (
        main(["lint", "--select", "NBG101", "a.ipynb"]) == 0
    )  # small and marked outputs are kept: nothing to flag
    capsys.readouterr()
    assert main(["strip", "a.ipynb"]) == 0
    out = capsys.readouterr().out
    assert "cell 3 tagged scratch" in out
    written = json.loads((tmp_path / "a.ipynb").read_text(encoding="utf-8"))
    assert [bool(c["outputs"]) for c in written["cells"]] == [True, True]
