"""Output checks: fresh outputs of tagged cells against the committed ones."""

from __future__ import annotations

from typing import Any

import pytest

from nbgate.smoke import checks
from testing.notebooks import code, make, result, stream

TAG = [checks.CHECK_TAG]


def _error(name: str, value: str) -> dict[str, Any]:
    return {"output_type": "error", "ename": name, "evalue": value, "traceback": ["\x1b[31mnoise"]}


def _image(data: str) -> dict[str, Any]:
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"image/png": data, "text/plain": "<Figure>"},
    }


def test_render_merges_streams_by_name() -> None:
    outputs = [stream("a\n"), stream("warn\n", "stderr"), stream("b\n"), result("3", 1)]
    assert checks.render(outputs) == ["[stdout]\na\nb\n", "[stderr]\nwarn\n", "[text/plain]\n3"]


@pytest.mark.parametrize(
    ("committed", "fresh", "options", "same"),
    [
        ([stream("x\n")], [stream("x\n")], {}, True),
        ([stream("x\n")], [stream("x"), stream("\n")], {}, True),  # chunking does not matter
        ([stream("x\n")], [stream("y\n")], {}, False),
        ([result("1", 1)], [result("1", 7)], {}, True),  # execution counts do not matter
        ([_error("KeyError", "'a'")], [_error("KeyError", "'a'")], {}, True),
        ([_error("KeyError", "'a'")], [_error("KeyError", "'b'")], {}, False),
        ([_image("AAA")], [_image("BBB")], {}, True),  # images ignored by default
        ([_image("AAA")], [_image("BBB")], {"images": True}, False),
        (
            [stream("took 1.5 s\n")],
            [stream("took 0.25 s\n")],
            {"sanitizers": {r"\d+\.\d+ s": "N s"}},
            True,
        ),
        (
            [stream("at 0x7f00\n")],
            [stream("at 0x1234\n")],
            {"sanitizers": {"0x[0-9a-f]+": "0x"}},
            True,
        ),
        ([], [stream("new\n")], {}, False),
    ],
)
def test_compare(
    committed: list[dict[str, Any]],
    fresh: list[dict[str, Any]],
    options: dict[str, Any],
    same: bool,
) -> None:
    before = make([code("x", tags=TAG, outputs=committed)])
    after = make([code("x", tags=TAG, outputs=fresh)])
    assert (checks.compare(before, after, **options) == []) is same


def test_untagged_cells_are_not_checked() -> None:
    before = make([code("x", outputs=[stream("a\n")])])
    after = make([code("x", outputs=[stream("b\n")])])
    assert checks.compare(before, after) == []


def test_injected_parameters_cell_does_not_shift_cells() -> None:
    before = make(
        [code("p = 1", tags=["parameters"]), code("x", tags=TAG, outputs=[stream("1\n")])]
    )
    after = make(
        [
            code("p = 1", tags=["parameters"]),
            code("p = 2", tags=["injected-parameters"]),
            code("x", tags=TAG, outputs=[stream("1\n")]),
        ]
    )
    assert checks.compare(before, after) == []


def test_mismatch_is_a_readable_diff() -> None:
    before = make([code("a"), code("x", tags=TAG, outputs=[stream("total 10\n")])])
    after = make([code("a"), code("x", tags=TAG, outputs=[stream("total 11\n")])])
    mismatches = checks.compare(before, after)
    assert [m.cell for m in mismatches] == [2]
    text = checks.describe(mismatches)
    assert "cell 2: outputs differ from the committed ones" in text
    assert "-total 10" in text and "+total 11" in text


def test_empty_committed_outputs_get_a_hint() -> None:
    before = make([code("x", tags=TAG)])
    after = make([code("x", tags=TAG, outputs=[stream("1\n")])])
    assert "tag it keep-output" in checks.describe(checks.compare(before, after))


def test_bad_sanitizer() -> None:
    with pytest.raises(ValueError, match="bad regex"):
        checks.compile_sanitizers({"(": "x"})
