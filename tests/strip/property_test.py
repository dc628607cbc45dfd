"""Property: any JSON nbformat accepts survives ``nbgate strip`` with every source and id intact.

Hypothesis builds notebooks whose strings may hold anything JSON can carry,
lone surrogates included (``"\\ud83d"``: valid JSON, invalid UTF-8), in every
string position: sources (as strings or line lists), ids, tags, metadata keys
and values, outputs. Whatever nbformat reads, strip must write as valid
UTF-8 that ``json.loads`` and nbformat both read back to the same sources,
ids, cell types and kept metadata; stripping again changes nothing; and the
bytes are exactly ``nbformat.writes`` of the result (escaped as ``json.dumps``
escapes).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nbgate import notebook
from nbgate.jsonsafe import escape_surrogates
from nbgate.strip.files import check_file
from testing.options import strip_options

nbformat = pytest.importorskip("nbformat")

# every code point, surrogates included (hypothesis leaves category Cs out by default)
TEXT = st.text(st.characters(codec=None, categories=None), max_size=12)
LINE_TEXT = st.text(
    st.characters(codec=None, categories=None, exclude_characters="\r\n"), max_size=8
)
IDS = st.from_regex(r"\A[a-zA-Z0-9_-]{1,20}\Z", fullmatch=True) | TEXT.filter(bool)
SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def sources(draw: st.DrawFn) -> str | list[str]:
    lines = draw(st.lists(st.tuples(LINE_TEXT, st.sampled_from(["\n", "\r\n", ""])), max_size=4))
    text = "".join(a + b for a, b in lines)
    return text.splitlines(True) if draw(st.booleans()) else text


def _outputs() -> st.SearchStrategy[list[dict[str, Any]]]:
    stream = st.builds(
        lambda name, text: {"output_type": "stream", "name": name, "text": text},
        st.sampled_from(["stdout", "stderr"]),
        sources(),
    )
    result = st.builds(
        lambda text, count, md: {
            "output_type": "execute_result",
            "execution_count": count,
            "data": {"text/plain": text},
            "metadata": md,
        },
        sources(),
        st.integers(1, 99) | st.none(),
        st.dictionaries(TEXT, JSON, max_size=2),
    )
    return st.lists(stream | result, max_size=2)


@st.composite
def cells(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["code", "markdown", "raw"]))
    metadata: dict[str, Any] = draw(st.dictionaries(TEXT, JSON, max_size=2))
    if draw(st.booleans()):
        metadata["tags"] = draw(st.lists(TEXT, max_size=3))
    if draw(st.booleans()):
        metadata["nbgate"] = draw(st.dictionaries(TEXT, JSON, max_size=2))
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": draw(IDS),
        "metadata": metadata,
        "source": draw(sources()),
    }
    if kind == "code":
        cell["outputs"] = draw(_outputs())
        cell["execution_count"] = draw(st.integers(1, 99) | st.none())
    return cell


@st.composite
def notebooks(draw: st.DrawFn) -> dict[str, Any]:
    metadata: dict[str, Any] = draw(st.dictionaries(TEXT, JSON, max_size=3))
    if draw(st.booleans()):
        metadata["title"] = draw(TEXT)
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": metadata,
        "cells": draw(st.lists(cells(), max_size=4)),
    }


def _same_text(value: str) -> str:
    """``value`` as UTF-16 sees it: a high and a low lone surrogate side by side are one character."""
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _joined(source: str | list[str]) -> str:
    return _same_text(source if isinstance(source, str) else "".join(source))


def _nbformat_reads(text: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # nbformat warns (does not refuse) on ids and keys it dislikes
        return nbformat.reads(text, as_version=nbformat.NO_CONVERT)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(nb=notebooks(), ascii_only=st.booleans(), indent=st.sampled_from([None, 1, 2]))
def test_strip_keeps_every_source_and_id(
    tmp_path: Path, nb: dict[str, Any], ascii_only: bool, indent: int | None
) -> None:
    text = json.dumps(nb, ensure_ascii=ascii_only, indent=indent)
    text = escape_surrogates(
        text
    )  # the file on disk must be UTF-8: surrogates can only be there escaped
    try:
        accepted = _nbformat_reads(text)
    except Exception:  # noqa: BLE001 - nbformat refuses with many kinds of exception
        assume(False)
        return
    path = tmp_path / "x.ipynb"
    path.write_bytes(text.encode("utf-8"))

    status = check_file(path, strip_options(), write=True)
    assert status.error is None, status.error
    raw = path.read_bytes()
    written = raw.decode("utf-8")  # strict: no surrogate ever reaches the file unescaped

    # json.loads sees exactly what was there; nbformat sees what it saw in the original, except that
    # it replaces duplicate ids on read with random ones
    repaired = [c.get("id") for c in accepted.cells] != [c["id"] for c in nb["cells"]]
    for back, before in (
        (json.loads(written)["cells"], nb["cells"]),
        (_nbformat_reads(written).cells, accepted.cells),
    ):
        assert [c["cell_type"] for c in back] == [c["cell_type"] for c in before]
        if before is nb["cells"] or not repaired:
            assert [_same_text(c["id"]) for c in back] == [_same_text(c["id"]) for c in before]
        assert [_joined(c["source"]) for c in back] == [_joined(c["source"]) for c in before]
        assert [c["metadata"].get("tags") for c in back] == [
            c["metadata"].get("tags") for c in before
        ]
        assert [c["metadata"].get("nbgate") for c in back] == [
            c["metadata"].get("nbgate") for c in before
        ]
    assert json.loads(written)["metadata"].get("title") == nb["metadata"].get("title")

    # exactly nbformat's bytes (surrogates escaped as json.dumps escapes them), where nbformat repairs nothing
    if not repaired:
        assert raw == (escape_surrogates(nbformat.writes(_nbformat_reads(written))) + "\n").encode(
            "utf-8"
        )
    # stripping again changes nothing
    assert notebook.dumps(notebook.read(path).nb) == raw
    again = check_file(path, strip_options(), write=True)
    assert again.error is None and not again.reasons and path.read_bytes() == raw
