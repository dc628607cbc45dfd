"""``nbgate.diff.model`` and ``nbgate.diff.render``: goldens on nbdime's own test notebooks, then the details.

The golden files under ``tests/resources/diff/`` were generated once and
reviewed by eye; regenerate them (and review the git diff) with
``python -m tests.diff.model_test``.
"""

from __future__ import annotations

import html.parser
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbgate import notebook
from nbgate.diff.align import _increasing, nbdime_diff
from nbgate.diff.model import (
    ADDED,
    DELETED,
    MODIFIED,
    REMOVED,
    DiffOptions,
    FileDiff,
    diff_notebooks,
    same,
    view,
)
from nbgate.diff.render import Sides, hunk_lines, markdown, render, terminal, to_html, to_json
from testing import notebooks as nbs

GOLDEN = Path(__file__).resolve().parents[1] / "resources" / "diff"
_SPEC = importlib.util.find_spec("nbdime")
assert _SPEC is not None and _SPEC.submodule_search_locations
NBDIME_FILES = Path(next(iter(_SPEC.submodule_search_locations))) / "tests" / "files"

SOURCES = DiffOptions()
EVERYTHING = DiffOptions(outputs=True, metadata=True, ids=True)

#: (golden name, old file, new file or None for a deleted notebook, options)
CASES: list[tuple[str, str | None, str | None, DiffOptions]] = [
    ("multilevel", "multilevel-test-base.ipynb", "multilevel-test-local.ipynb", SOURCES),
    (
        "multilevel-outputs",
        "multilevel-test-base.ipynb",
        "multilevel-test-local.ipynb",
        DiffOptions(outputs=True),
    ),
    ("foo", "foo--1.ipynb", "foo--2.ipynb", SOURCES),
    (
        "src-and-output",
        "src-and-output--1.ipynb",
        "src-and-output--2.ipynb",
        DiffOptions(outputs=True),
    ),
    ("cellids", "cellids--base.ipynb", "cellids--local.ipynb", SOURCES),
    ("cellids-ids", "cellids--base.ipynb", "cellids--local.ipynb", DiffOptions(ids=True)),
    ("markdown-only", "markdown-only--1.ipynb", "markdown-only--2.ipynb", SOURCES),
    ("multi-cell", "multi_cell_nb.ipynb", "multi_cell_nb--cellchange.ipynb", SOURCES),
    (
        "single-cell-everything",
        "single_cell_nb.ipynb",
        "single_cell_nb--changed_source_output_ec.ipynb",
        EVERYTHING,
    ),
    (
        "single-cell-metadata",
        "single_cell_nb.ipynb",
        "single_cell_nb--changed_metadata.ipynb",
        EVERYTHING,
    ),
    ("unicode", "unicode--1.ipynb", "unicode--2.ipynb", SOURCES),
    ("attachment", "attachment.ipynb", "attachment--change_attachment.ipynb", SOURCES),
    ("apap", "apap.ipynb", "apap--1.ipynb", SOURCES),
    ("added", None, "multi_cell_nb.ipynb", SOURCES),
    ("deleted", "markdown-only--1.ipynb", None, SOURCES),
]


def _read(name: str | None) -> dict[str, Any] | None:
    return None if name is None else notebook.read(NBDIME_FILES / name).nb


def _file_diff(old: str | None, new: str | None, options: DiffOptions) -> FileDiff:
    status = ADDED if old is None else DELETED if new is None else MODIFIED
    path = f"nbdime/{new or old}"
    return FileDiff(path, status, diff_notebooks(_read(old), _read(new), options))


def _renderings(old: str | None, new: str | None, options: DiffOptions) -> dict[str, str]:
    files = [_file_diff(old, new, options)]
    sides = Sides(old or "(none)", new or "(none)")
    return {"md": markdown(files, sides) + "\n", "txt": terminal(files, sides) + "\n"}


@pytest.mark.parametrize(("name", "old", "new", "options"), CASES, ids=[case[0] for case in CASES])
@pytest.mark.parametrize("suffix", ["md", "txt"])
def test_golden_renderings(
    name: str, old: str | None, new: str | None, options: DiffOptions, suffix: str
) -> None:
    expected = GOLDEN / f"{name}.{suffix}"
    assert expected.is_file(), f"missing golden {expected}; run python -m tests.diff.model_test"
    assert _renderings(old, new, options)[suffix] == expected.read_text(encoding="utf-8")


def test_goldens_cover_added_removed_and_modified_cells() -> None:
    seen = {
        cell.status
        for _, old, new, options in CASES
        for cell in (_file_diff(old, new, options).diff or diff_notebooks(None, None)).cells
    }
    assert seen == {ADDED, REMOVED, MODIFIED}


# ---------------------------------------------------------------- the diff itself


def _edited_pair(cells: int = 60) -> tuple[dict[str, Any], dict[str, Any]]:
    """A notebook with ids and outputs, and a copy with edits, new outputs, deletions and insertions."""
    old = nbs.make(
        [
            nbs.code(f"v{k} = {k}\nprint(v{k})", outputs=[nbs.stream(f"{k}\n")], execution_count=k)
            if k % 4
            else nbs.markdown(f"## part {k}")
            for k in range(cells)
        ]
    )
    new = json.loads(json.dumps(old))
    for k in range(1, cells, 7):
        new["cells"][k]["source"] += "  # edited"
    for k in range(2, cells, 5):
        if new["cells"][k]["cell_type"] == "code":
            new["cells"][k]["outputs"] = [nbs.stream("changed\n")]
    for k in (50, 30, 3):
        del new["cells"][k]
    for k in (10, 40):
        new["cells"].insert(k, {**nbs.code(f"inserted_{k}()"), "id": f"new-{k}"})
    return old, new


_PAIRS = [(old, new) for _, old, new, _ in CASES if old and new]


@pytest.mark.parametrize(
    "options", [SOURCES, DiffOptions(outputs=True), EVERYTHING], ids=["sources", "outputs", "all"]
)
def test_anchored_diff_equals_nbdime_on_the_whole_lists(options: DiffOptions) -> None:
    pairs = [(_read(old), _read(new)) for old, new in _PAIRS] + [_edited_pair()]
    for a, b in pairs:
        assert a is not None and b is not None
        anchored = json.dumps(nbdime_diff(a, b, options), sort_keys=True)
        assert anchored == json.dumps(nbdime_diff(a, b, options, anchored=False), sort_keys=True)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], []),
        ([(0, 0), (1, 1), (2, 2)], [(0, 0), (1, 1), (2, 2)]),
        ([(0, 2), (1, 0), (2, 1), (3, 3)], [(1, 0), (2, 1), (3, 3)]),
        ([(0, 4), (1, 1), (2, 2), (3, 0), (4, 3)], [(1, 1), (2, 2), (4, 3)]),
    ],
)
def test_increasing_run(pairs: list[tuple[int, int]], expected: list[tuple[int, int]]) -> None:
    assert _increasing(pairs) == expected


def test_nothing_to_show_when_only_ignored_parts_changed() -> None:
    a = nbs.make([nbs.code("x = 1", outputs=[nbs.stream("1\n")], execution_count=1)])
    b = nbs.make(
        [
            nbs.code(
                "x = 1",
                outputs=[nbs.stream("2\n")],
                execution_count=7,
                metadata={"collapsed": True},
            )
        ]
    )
    b["cells"][0]["id"] = "renamed"
    assert same(a, b, SOURCES)
    assert not diff_notebooks(a, b).changed
    full = diff_notebooks(a, b, EVERYTHING)
    (cell,) = full.cells
    assert cell.status == MODIFIED
    # nbdime pairs outputs approximately: one short stream for another is a removal plus an addition
    assert cell.details == (
        "execution count: 1 -> 7",
        "id: cell-0 -> renamed",
        "metadata: +collapsed",
        "outputs: 1 added, 1 removed (stream)",
    )


def test_tag_changes_are_always_shown() -> None:
    a = nbs.make([nbs.code("x = 1")])
    b = nbs.make([nbs.code("x = 1", tags=["parameters"])])
    (cell,) = diff_notebooks(a, b).cells
    assert cell.details == ("metadata: +tags",)


def test_view_keeps_ids_for_alignment_but_not_for_comparison() -> None:
    nb = nbs.make([nbs.code("x", outputs=[nbs.stream("x")], execution_count=3)])
    assert view(nb, SOURCES)["cells"][0] == {
        "cell_type": "code",
        "source": "x",
        "metadata": {},
        "id": "cell-0",
        "outputs": [],
        "execution_count": None,
    }
    assert "id" not in view(nb, SOURCES, keep_ids=False)["cells"][0]
    assert view(nb, EVERYTHING)["cells"][0]["outputs"] == [nbs.stream("x")]


def test_a_long_cell_shows_hunks_with_context_and_headers() -> None:
    old = "\n".join(f"line {k}" for k in range(1, 21))
    new = old.replace("line 5\n", "line five\n").replace("line 16\n", "")
    (cell,) = diff_notebooks(nbs.make([nbs.code(old)]), nbs.make([nbs.code(new)])).cells
    hunks = hunk_lines(cell.lines)
    assert [(h.old_start, h.old_count, h.new_start, h.new_count) for h in hunks] == [
        (2, 7, 2, 7),
        (13, 7, 13, 6),
    ]
    text = terminal(
        [
            FileDiff(
                "x.ipynb",
                MODIFIED,
                diff_notebooks(nbs.make([nbs.code(old)]), nbs.make([nbs.code(new)])),
            )
        ],
        Sides("a", "b"),
    )
    assert "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6" in text
    assert "@@ -13,7 +13,6 @@" in text


def test_removed_lines_come_before_added_ones_within_a_block() -> None:
    a = nbs.make([nbs.code("a = 1\nb = 2\nc = 3")])
    b = nbs.make([nbs.code("a = 10\nb = 20\nc = 3")])
    (cell,) = diff_notebooks(a, b).cells
    assert cell.lines == (
        ("-", "a = 1"),
        ("-", "b = 2"),
        ("+", "a = 10"),
        ("+", "b = 20"),
        (" ", "c = 3"),
    )


def test_hunk_lines_of_an_unchanged_cell_is_empty() -> None:
    assert hunk_lines([(" ", "x"), (" ", "y")]) == []


def test_added_and_deleted_notebooks() -> None:
    nb = nbs.make([nbs.markdown("# t"), nbs.code("")])
    added = diff_notebooks(None, nb)
    assert [(c.status, c.new_index, c.details) for c in added.cells] == [
        (ADDED, 0, ()),
        (ADDED, 1, ("empty cell",)),
    ]
    deleted = diff_notebooks(nb, None)
    assert [(c.status, c.old_index) for c in deleted.cells] == [(REMOVED, 0), (REMOVED, 1)]
    assert (deleted.old_cells, deleted.new_cells) == (2, 0)


def test_notebook_metadata_only_with_metadata() -> None:
    a = nbs.make([nbs.code("x")])
    b = nbs.make(
        [nbs.code("x")],
        metadata={"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}},
    )
    assert not diff_notebooks(a, b).changed
    assert diff_notebooks(a, b, DiffOptions(metadata=True)).metadata == ("metadata: ~kernelspec",)


# ---------------------------------------------------------------- renderers


def _sample() -> list[FileDiff]:
    a = nbs.make([nbs.markdown("# Title"), nbs.code("x = 1\nprint(x)")])
    b = nbs.make([nbs.markdown("# Title"), nbs.code("x = 2\nprint(x)"), nbs.code("s = '<b>&```'")])
    return [FileDiff("dir/a&b.ipynb", MODIFIED, diff_notebooks(a, b))]


def test_terminal_colours_only_when_asked() -> None:
    files = _sample()
    plain = terminal(files, Sides("HEAD", "working tree"))
    coloured = terminal(files, Sides("HEAD", "working tree"), color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31m-x = 1\x1b[0m" in coloured and "\x1b[32m+x = 2\x1b[0m" in coloured


def test_markdown_fences_outlast_backticks_in_sources() -> None:
    text = markdown(_sample(), Sides("HEAD", "working tree"))
    assert "````diff\n+s = '<b>&```'\n````" in text


def test_json_holds_nbdime_diff_and_counts() -> None:
    document = json.loads(to_json(_sample(), Sides("HEAD", "wt"), SOURCES))
    (item,) = document["notebooks"]
    assert item["cells"] == {"added": 1, "removed": 0, "modified": 1, "old": 2, "new": 3}
    (entry,) = item["diff"]
    assert (entry["op"], entry["key"]) == ("patch", "cells")
    assert {op["op"] for op in entry["diff"]} == {"patch", "addrange"}
    assert document["options"] == {"outputs": False, "metadata": False, "ids": False}


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]


def test_html_is_one_self_contained_escaped_page() -> None:
    page = to_html(_sample(), Sides("HEAD", "<wt>"))
    parser = _Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert all(link.startswith("#") for link in parser.links)
    assert "+s = &#x27;&lt;b&gt;&amp;```&#x27;" in page and "&lt;wt&gt;" in page


def test_render_rejects_unknown_format() -> None:
    with pytest.raises(ValueError):
        render("pdf", [], Sides("a", "b"), SOURCES)


@pytest.mark.usefixtures("fast_paths_on")
def test_nbdime_import_defers_the_slow_iri_checker() -> None:
    code = (
        "import sys\nfrom nbgate.diff.align import load_nbdime\nload_nbdime()\n"
        "assert 'nbdime' in sys.modules and 'jsonschema' in sys.modules\n"
        "assert 'lark' not in sys.modules\n"
        "import jsonschema\nassert jsonschema.Draft4Validator({'type': 'object'}).is_valid({})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _regenerate() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, old, new, options in CASES:
        for suffix, text in _renderings(old, new, options).items():
            (GOLDEN / f"{name}.{suffix}").write_text(text, encoding="utf-8")
    print(f"wrote {2 * len(CASES)} goldens to {GOLDEN}")


if __name__ == "__main__":
    _regenerate()
