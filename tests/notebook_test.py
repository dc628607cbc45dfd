"""nbgate.notebook: byte-identical to nbformat, strict about bad input, atomic writes."""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.validator import get_validator

from nbgate import notebook
from nbgate.atomic import atomic_write
from nbgate.errors import NotebookError
from testing import notebooks as nbs
from testing.bad_notebooks import BAD_INPUTS
from testing.corpus import generate

REPO = Path(__file__).resolve().parent.parent


# ------------------------------------------------------- round trip vs nbformat


def _package_root(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


SOURCES = {
    "nbdime": _package_root("nbdime"),
    "papermill": _package_root("papermill"),
    "fixtures": REPO / "fixtures",
}
SHIPPED = [
    (origin, path) for origin, root in SOURCES.items() for path in sorted(root.rglob("*.ipynb"))
]


def _invalid_reason(path: Path) -> str | None:
    """Why nbformat itself would not call this file a valid v4 notebook (None if it is valid)."""
    try:
        raw = json.loads(path.read_bytes())
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        return "not nbformat 4"
    # Validate a copy of the raw JSON: nbformat.read repairs some files first
    # (it invents missing cell ids), and then could not be compared byte for byte.
    validator = get_validator(version=4, version_minor=raw.get("nbformat_minor", 0))
    errors = list(validator.iter_errors(copy.deepcopy(raw)))
    return f"not valid v4 per nbformat's schema: {errors[0].message[:120]}" if errors else None


REASONS = {path: _invalid_reason(path) for _, path in SHIPPED}


def _param(origin: str, path: Path) -> Any:
    reason = REASONS[path]
    marks = [pytest.mark.skip(reason=f"excluded: {reason}")] if reason else []
    return pytest.param(
        path, id=f"{origin}/{path.relative_to(SOURCES[origin]).as_posix()}", marks=marks
    )


def _nbformat_bytes(path: Path, crlf: bool) -> bytes:
    expected = (nbformat.writes(nbformat.read(path, as_version=nbformat.NO_CONVERT)) + "\n").encode(
        "utf-8"
    )
    return expected.replace(b"\n", b"\r\n") if crlf else expected


@pytest.mark.parametrize("path", [_param(origin, path) for origin, path in SHIPPED])
def test_round_trip_is_byte_identical_to_nbformat(path: Path) -> None:
    loaded = notebook.read(path)
    assert notebook.dumps(loaded.nb, crlf=loaded.crlf) == _nbformat_bytes(path, loaded.crlf)


def test_round_trip_covers_enough_shipped_notebooks() -> None:
    compared = {
        origin: sum(1 for o, p in SHIPPED if o == origin and REASONS[p] is None)
        for origin in SOURCES
    }
    # nbdime 4.0 ships 60-odd test notebooks, papermill 2.6+ about 20; losing them would hide regressions
    assert compared["nbdime"] >= 50, compared
    assert compared["papermill"] >= 15, compared
    assert compared["fixtures"] >= 3, compared
    assert sum(compared.values()) >= 80, compared


@pytest.mark.parametrize("dirty", [True, False], ids=["dirty", "clean"])
def test_corpus_round_trip_is_byte_identical_to_nbformat(tmp_path: Path, dirty: bool) -> None:
    paths = generate(tmp_path, 30, seed=7, dirty=dirty)
    for path in paths:
        expected = _nbformat_bytes(path, crlf=False)
        assert path.read_bytes() == expected, path.name  # the generator writes nbformat's layout
        assert notebook.dumps(notebook.read(path).nb) == expected, path.name


def _realistic_corpus(tmp_path: Path) -> list[Path]:
    """Notebooks with magics, images, HTML tables and non-ASCII text; some with CRLF line endings."""
    paths = generate(tmp_path / "magics", 12, seed=11, dirty=True, magics=True)
    paths += generate(tmp_path / "plain", 6, seed=3, dirty=True)
    extra = nbs.make(
        [
            nbs.markdown("# Données: étape 1 ✓ 日本語"),
            nbs.code("print('naïve café')", outputs=[nbs.stream("naïve café \U0001f600\n")]),
        ]
    )
    paths.append(tmp_path / "unicode.ipynb")
    paths[-1].write_bytes(notebook.dumps(extra))
    for path in paths[::4]:  # a quarter of them with Windows line endings
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return paths


def test_reader_matches_nbformat_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook-reader fast path (orjson) == the stdlib parser == ``nbformat.reads``, on a realistic corpus."""
    paths = _realistic_corpus(tmp_path)
    assert any(b"\r\n" in p.read_bytes() for p in paths) and any(
        b"image/png" in p.read_bytes() for p in paths
    )
    for path in paths:
        raw = path.read_bytes()
        monkeypatch.delenv("NBGATE_NO_FAST_PATHS", raising=False)
        fast = notebook.loads(raw)
        monkeypatch.setenv("NBGATE_NO_FAST_PATHS", "notebook-reader")
        library = notebook.loads(raw)
        expected = json.loads(
            json.dumps(nbformat.reads(raw.decode("utf-8"), as_version=nbformat.NO_CONVERT))
        )
        assert fast == library == expected, path.name


def test_writer_matches_nbformat_writes_with_the_switch_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """notebook-writer on and off write the same bytes, LF and CRLF alike, and they are nbformat's."""
    for path in _realistic_corpus(tmp_path):
        loaded = notebook.read(path)
        monkeypatch.delenv("NBGATE_NO_FAST_PATHS", raising=False)
        fast = notebook.dumps(loaded.nb, crlf=loaded.crlf)
        monkeypatch.setenv("NBGATE_NO_FAST_PATHS", "notebook-writer")
        library = notebook.dumps(loaded.nb, crlf=loaded.crlf)
        assert fast == library == _nbformat_bytes(path, loaded.crlf), path.name


def test_the_library_writer_fallback_writes_schema_invalid_notebooks_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nbformat's writer raises on a stream output without ``text``; strip must still write such a file."""
    nb = nbs.make([nbs.code("print(1)", outputs=[{"output_type": "stream", "name": "stdout"}])])
    monkeypatch.delenv("NBGATE_NO_FAST_PATHS", raising=False)
    fast = notebook.dumps(nb)
    monkeypatch.setenv("NBGATE_NO_FAST_PATHS", "notebook-writer")
    assert notebook.dumps(nb) == fast
    assert notebook.loads(fast)["cells"][0]["outputs"] == [
        {"output_type": "stream", "name": "stdout"}
    ]


def _via_file(
    tmp_path: Path, nb: dict[str, Any], *, indent: int | None = 2, sort: bool = False
) -> Path:
    """Write ``nb`` the way some other tool might (different indent, key order)."""
    path = tmp_path / "odd.ipynb"
    path.write_text(
        json.dumps(nb, indent=indent, sort_keys=sort, ensure_ascii=True), encoding="utf-8"
    )
    return path


EDGE_VALUES = {
    "small-float": 1e-05,
    "big-float": 1e16,
    "huge-float": 1.5e300,
    "negative-zero": -0.0,
    "plain-float": 0.1,
    "big-int": 2**70,
    "negative-big-int": -(2**64) - 1,
    "int64-max": 2**63 - 1,
    "nan": math.nan,
    "infinity": math.inf,
    "non-ascii": "h\u00e9llo \u2713 \u65e5\u672c \U0001f600",
    "control-chars": "tab\there\x00nul\x1fend",
    "line-separator": "a\u2028b",
}


@pytest.mark.parametrize("value", list(EDGE_VALUES.values()), ids=list(EDGE_VALUES))
def test_edge_values_match_nbformat(tmp_path: Path, value: Any) -> None:
    output = {
        "output_type": "display_data",
        "metadata": {"v": value},
        "data": {"application/json": {"v": [value]}, "text/plain": "x"},
    }
    nb = nbs.make(
        [nbs.code("x", outputs=[output], metadata={"v": value})],
        metadata={"v": value, "w": [1, value]},
    )
    path = _via_file(tmp_path, nb)
    assert notebook.dumps(notebook.read(path).nb) == _nbformat_bytes(path, crlf=False)


SOURCES_TO_SPLIT = {
    "lf": "a\nb\n",
    "no-final-newline": "a\nb",
    "crlf-inside": "a\r\nb\r\n",
    "lone-cr": "a\rb",
    "form-feed-and-u2028": "a\x0cb\u2028c\x85d",
    "empty": "",
    "only-newlines": "\n\n\n",
}


@pytest.mark.parametrize("source", list(SOURCES_TO_SPLIT.values()), ids=list(SOURCES_TO_SPLIT))
def test_sources_and_outputs_split_like_nbformat(tmp_path: Path, source: str) -> None:
    outputs = [
        nbs.stream(source),
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "text/html": source,
                "image/svg+xml": source,
                "application/javascript": source,
                "image/png": source,
            },
        },
    ]
    nb = nbs.make([nbs.markdown(source), nbs.code(source, outputs=outputs)])
    path = _via_file(tmp_path, nb, indent=None)
    assert notebook.dumps(notebook.read(path).nb) == _nbformat_bytes(path, crlf=False)


def test_unsorted_keys_and_other_indents_are_normalised_like_nbformat(tmp_path: Path) -> None:
    nb = nbs.make(
        [nbs.code("x = 1", outputs=[nbs.result("1", 1)], execution_count=1)],
        metadata={"z": 1, "a": {"y": 2, "b": 3}},
    )
    for indent in (None, 0, 2, 4):
        path = _via_file(tmp_path, nb, indent=indent)
        assert notebook.dumps(notebook.read(path).nb) == _nbformat_bytes(path, crlf=False)


def test_transient_keys_are_dropped_like_nbformat(tmp_path: Path) -> None:
    cell = nbs.code("x", metadata={"trusted": True, "tags": ["a"]})
    nb = nbs.make([cell], metadata={"signature": "sha256:abc", "orig_nbformat": 3})
    path = _via_file(tmp_path, nb, indent=1, sort=True)
    data = notebook.dumps(notebook.read(path).nb)
    assert data == _nbformat_bytes(path, crlf=False)
    assert b"trusted" not in data and b"signature" not in data and b"orig_nbformat" not in data


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    nb = nbs.make([nbs.markdown("# T\nline two"), nbs.code("x = 1\ny = 2")])
    path = tmp_path / "crlf.ipynb"
    path.write_bytes(notebook.dumps(nb).replace(b"\n", b"\r\n"))
    loaded = notebook.read(path)
    assert loaded.crlf
    assert notebook.dumps(loaded.nb, crlf=True) == loaded.raw
    assert notebook.write(path, loaded.nb) is False  # crlf=None keeps the file's line endings
    loaded.nb["cells"][0]["source"] = "# Changed"
    assert notebook.write(path, loaded.nb) is True
    data = path.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_loads_joins_split_strings() -> None:
    nb = nbs.make([nbs.code("a\nb", outputs=[nbs.stream("x\ny\n")])])
    loaded = notebook.loads(notebook.dumps(nb))
    cell = loaded["cells"][0]
    assert cell["source"] == "a\nb"
    assert cell["outputs"][0]["text"] == "x\ny\n"


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.id for case in BAD_INPUTS])
def test_bad_input_raises_notebook_error_naming_the_file(tmp_path: Path, case: Any) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_bytes(case.data)
    with pytest.raises(NotebookError) as info:
        notebook.read(path)
    assert str(info.value).startswith(str(path))
    assert case.message in str(info.value)
    assert path.read_bytes() == case.data


def test_read_reports_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match="is a directory"):
        notebook.read(tmp_path)
    with pytest.raises(NotebookError, match="no such file"):
        notebook.read(tmp_path / "missing.ipynb")


# --------------------------------------------------------------- atomic writes


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def test_write_only_when_content_changes(tmp_path: Path) -> None:
    nb = nbs.make([nbs.code("x = 1")])
    path = nbs.write(tmp_path / "nb.ipynb", nb)
    before = _stamp(path)
    assert notebook.write(path, nb) is False
    assert notebook.save(notebook.read(path), notebook.read(path).nb) is False
    assert _stamp(path) == before
    nb["cells"][0]["source"] = "x = 2"
    assert notebook.write(path, nb) is True
    assert _stamp(path)[0] != before[0]  # replaced by rename, not rewritten in place
    assert notebook.read(path).nb["cells"][0]["source"] == "x = 2"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444])
def test_atomic_write_keeps_permission_bits(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"old")
    path.chmod(mode)
    atomic_write(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["nb.ipynb"]


def test_atomic_write_of_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.ipynb", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.ipynb").stat().st_mode) == 0o640


def test_atomic_write_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.ipynb"
    real.write_bytes(b"old")
    link = tmp_path / "link.ipynb"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_failed_write_leaves_target_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "folder.ipynb"
    target.mkdir()
    (target / "inside").write_text("x")
    with pytest.raises(OSError):
        atomic_write(target, b"data")
    assert sorted(os.listdir(tmp_path)) == ["folder.ipynb"]
    assert (target / "inside").read_text() == "x"


def test_many_writes_leave_no_temp_files(tmp_path: Path) -> None:
    nb = nbs.make([nbs.code("x = 0")])
    path = nbs.write(tmp_path / "nb.ipynb", nb)
    for i in range(1, 20):
        nb["cells"][0]["source"] = f"x = {i}"
        assert notebook.write(path, nb)
    assert sorted(os.listdir(tmp_path)) == ["nb.ipynb"]


# ------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"kernelspec": {"language": "R"}}, "r"),
        ({"language_info": {"name": "julia"}}, "julia"),
        ({"kernelspec": {"language": ""}, "language_info": {"name": "scala"}}, "scala"),
        ({}, "python"),
        ({"kernelspec": "broken"}, "python"),
    ],
)
def test_language(metadata: dict[str, Any], expected: str) -> None:
    assert notebook.language({"metadata": metadata}) == expected


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"tags": ["a", "b"]}, ["a", "b"]),
        ({"tags": ["a", 3]}, ["a"]),
        ({"tags": "a"}, []),
        ({}, []),
    ],
)
def test_tags(metadata: dict[str, Any], expected: list[str]) -> None:
    assert notebook.tags({"metadata": metadata}) == expected
