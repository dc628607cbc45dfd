"""nbgate.fastpaths: the register cannot drift from the code, the docs or the tests, and the switch works."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from nbgate import fastpaths
from nbgate.cli.main import main
from testing.corpus import generate

REPO = Path(__file__).resolve().parent.parent
_CALL = re.compile(r"""fastpaths\.enabled\(\s*["']([^"']+)["']\s*\)""")


def _switch_calls() -> dict[str, list[Path]]:
    """Every ``fastpaths.enabled("name")`` in the package, by name."""
    calls: dict[str, list[Path]] = {}
    for path in sorted((REPO / "nbgate").rglob("*.py")):
        if path.name == "fastpaths.py":
            continue  # its docstring shows the call
        for name in _CALL.findall(path.read_text(encoding="utf-8")):
            calls.setdefault(name, []).append(path.relative_to(REPO))
    return calls


def test_the_register_lists_every_fast_path_that_reads_the_switch() -> None:
    calls = _switch_calls()
    assert set(calls) == fastpaths.NAMES
    for path in fastpaths.FAST_PATHS:
        # one switch check per fast path, in the module the register names
        assert [p.as_posix() for p in calls[path.name]] == [path.where], path.name


def test_nothing_else_reads_the_environment_variable() -> None:
    for path in sorted((REPO / "nbgate").rglob("*.py")):
        if path.name == "fastpaths.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not ("NO_FAST_PATHS" in line and ("environ" in line or "getenv" in line)), (
                path,
                line,
            )


@pytest.mark.parametrize("path", fastpaths.FAST_PATHS, ids=lambda p: p.name)
def test_each_fast_path_names_an_equivalence_test_and_a_benchmark_that_exist(
    path: fastpaths.FastPath,
) -> None:
    file, _, test = path.test.partition("::")
    assert (REPO / file).is_file(), path.test
    assert re.search(
        rf"^def {re.escape(test)}\(", (REPO / file).read_text(encoding="utf-8"), re.MULTILINE
    ), path.test
    assert (REPO / path.benchmark).is_file(), path.benchmark
    assert path.replaces and re.search(r"\d", path.gain), path


def test_the_docs_table_is_generated_from_the_register() -> None:
    page = (REPO / "docs" / "internals.md").read_text(encoding="utf-8")
    assert fastpaths.markdown() in page, "regenerate it: python -m nbgate.fastpaths"


@pytest.mark.parametrize(
    ("value", "off"),
    [
        ("", set()),
        ("0", set()),
        ("1", set(fastpaths.NAMES)),
        ("yaml-reader", {"yaml-reader"}),
        (" yaml-reader, parallel-workers ,no-such-path", {"yaml-reader", "parallel-workers"}),
    ],
)
def test_the_switch(monkeypatch: pytest.MonkeyPatch, value: str, off: set[str]) -> None:
    monkeypatch.setenv(fastpaths.ENV, value)
    assert {name for name in fastpaths.NAMES if not fastpaths.enabled(name)} == off


def test_an_unknown_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match=r"not in nbgate.fastpaths"):
        fastpaths.enabled("no-such-path")


def _strip_and_lint(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[dict[str, bytes], object]:
    """Strip the notebooks in ``folder`` in place and lint them: the files written and the findings."""
    monkeypatch.chdir(folder)
    assert main(["strip", "."]) == 0
    capsys.readouterr()
    main(["lint", "--format", "json", "."])
    findings = json.loads(capsys.readouterr().out)
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.ipynb"))}, findings


def test_strip_and_lint_give_the_same_files_and_findings_with_every_fast_path_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end on a realistic corpus (magics, images, tables, CRLF): reader, writer, workers, schema cache."""
    corpus = tmp_path / "corpus"
    paths = generate(corpus, 30, seed=5, dirty=True, magics=True)
    for path in paths[::3]:
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    results = []
    for value in ("", "1"):
        monkeypatch.setenv(fastpaths.ENV, value)
        copy = shutil.copytree(corpus, tmp_path / f"run{value or 'fast'}")
        results.append(_strip_and_lint(copy, monkeypatch, capsys))
    (fast_files, fast_findings), (library_files, library_findings) = results
    assert fast_files == library_files
    assert any(b"\r\n" in data for data in fast_files.values())
    assert fast_findings == library_findings


def test_the_ci_subset_without_fast_paths_exists_and_holds_the_equivalence_tests() -> None:
    listed = (REPO / ".ci" / "no-fast-paths-tests").read_text(encoding="utf-8").split()
    assert listed and all((REPO / item).exists() for item in listed), listed
    assert "tests/fastpaths_test.py" in listed
    for path in fastpaths.FAST_PATHS:
        if path.name == "forked-kernels":
            continue  # its tests force forking on; the pool and smoke-stage tests run spawned kernels instead
        file = path.test.partition("::")[0]
        assert any(file == item or file.startswith(item.rstrip("/") + "/") for item in listed), (
            path.name
        )
    assert "tests/smoke/stage_test.py" in listed
