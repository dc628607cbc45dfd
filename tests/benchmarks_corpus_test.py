"""benchmarks/corpus.py: deterministic, realistic, and clean when asked."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import jupytext

from nbgate import notebook
from nbgate.identity import source_sha256
from nbgate.strip.transform import strip_notebook
from testing.corpus import generate


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 6, seed=1)
    second = generate(tmp_path / "b", 6, seed=1)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = generate(tmp_path / "c", 6, seed=2)
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    # notebook k does not depend on how many are generated
    assert generate(tmp_path / "d", 3, seed=1)[2].read_bytes() == first[2].read_bytes()


def test_dirty_notebooks_look_like_a_working_session(tmp_path: Path) -> None:
    nbs = [notebook.read(p).nb for p in generate(tmp_path, 20)]
    for nb in nbs:
        assert 20 <= len(nb["cells"]) <= 40
        assert {c["cell_type"] for c in nb["cells"]} == {"markdown", "code"}
        assert strip_notebook(nb).changed
    outputs = [o for nb in nbs for c in nb["cells"] for o in c.get("outputs", ())]
    kinds = {o["output_type"] for o in outputs}
    assert {"stream", "execute_result", "display_data"} <= kinds
    pngs = [
        base64.b64decode(o["data"]["image/png"])
        for o in outputs
        if "image/png" in o.get("data", {})
    ]
    assert len({len(png) for png in pngs}) > 5  # varied sizes
    for png in pngs:  # real PNGs: signature, IHDR, a decompressible IDAT
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        (length,) = struct.unpack(">I", png[33:37])
        assert png[37:41] == b"IDAT"
        assert len(zlib.decompress(png[41 : 41 + length])) == height * (1 + 3 * width)
    assert any("<table" in o["data"].get("text/html", "") for o in outputs if "data" in o)


def test_clean_corpus_is_exactly_what_strip_writes(tmp_path: Path) -> None:
    for dirty, clean in zip(
        generate(tmp_path / "dirty", 10),
        generate(tmp_path / "clean", 10, dirty=False),
        strict=False,
    ):
        assert notebook.dumps(strip_notebook(notebook.read(dirty).nb).nb) == clean.read_bytes()


def test_size_is_about_100_kb_per_dirty_notebook(tmp_path: Path) -> None:
    size = sum(p.stat().st_size for p in generate(tmp_path, 30))
    assert 60_000 * 30 < size < 160_000 * 30


def test_pair_writes_twins_in_sync(tmp_path: Path) -> None:
    for path in generate(tmp_path, 4, pair=True, dirty=False):
        twin = path.with_suffix(".py")
        assert twin.read_text().startswith("# ---")
        back = notebook.loads(jupytext.writes(jupytext.read(twin), fmt="ipynb").encode())
        assert source_sha256(back) == source_sha256(notebook.read(path).nb)
        assert notebook.read(path).nb["metadata"]["jupytext"] == {"formats": "ipynb,py:percent"}


def test_magics_corpus_has_typical_magics_and_options_and_the_fast_path_reads_it(
    tmp_path: Path,
) -> None:
    from nbgate.sync import pairing

    plain = generate(tmp_path / "plain", 3, dirty=False)
    paths = generate(tmp_path / "magics", 8, dirty=False, pair=True, magics=True)
    # the same notebooks, with magics and options added
    assert [notebook.read(p).nb["cells"][0]["source"] for p in plain] == [
        notebook.read(p).nb["cells"][0]["source"] for p in paths[:3]
    ]
    for path in paths:
        nb = notebook.read(path).nb
        text = "\n".join("".join(c["source"]) for c in nb["cells"])
        for magic in ("%matplotlib inline", "!pip install", "%%time", "%load_ext autoreload"):
            assert magic in text
        twin = path.with_suffix(".py").read_text()
        assert "# %matplotlib inline" in twin and "slideshow=" in twin
        # the fast path reads every twin, and agrees with jupytext
        assert pairing.quick_text_sha256(twin, "py:percent") == source_sha256(nb)
        assert source_sha256(jupytext.read(path.with_suffix(".py"))) == source_sha256(nb)
