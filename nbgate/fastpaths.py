"""The register of nbgate's hand-written fast paths, and the one switch that turns them off.

Where a library is too slow for a hook's hot path, nbgate has its own code
that must give the library's result (a faster JSON parser, a line-by-line
reader for a known YAML layout, kernels forked from a template...). Each
one is listed in :data:`FAST_PATHS` with what it replaces, the equivalence
test that guards it and the benchmark that measures it; the table in
docs/internals.md is generated from it (``python -m nbgate.fastpaths``).

Every fast path asks :func:`enabled` in exactly one function and, when it
is off, does what the library does. ``NBGATE_NO_FAST_PATHS=1`` turns all of
them off, ``NBGATE_NO_FAST_PATHS=yaml-reader,parallel-workers`` only the
ones named: to rule a fast path out when something looks wrong, and so
that CI runs the suite once on the libraries alone. tests/fastpaths_test.py
checks that the register names every ``fastpaths.enabled("...")`` call in
the package and nothing else.
"""

from __future__ import annotations

import os
from typing import NamedTuple

ENV = "NBGATE_NO_FAST_PATHS"


class FastPath(NamedTuple):
    """One hand-written fast path."""

    name: str
    where: str  #: the module holding the fast code (and the one switch check)
    replaces: str  #: the library behaviour it replaces, which is also what runs when it is off
    gain: str  #: measured gain (medians, from the benchmark)
    test: str  #: the equivalence test: fast result == library result
    benchmark: str  #: what measures the gain


FAST_PATHS: tuple[FastPath, ...] = (
    FastPath(
        "notebook-reader",
        "nbgate/notebook.py",
        "the stdlib `json` parser `nbformat.reads` uses (orjson parses instead)",
        "`loads` of 300 notebooks (29 MB): 0.25 -> 0.23 s CPU, the JSON parse alone 0.20 -> 0.08 s; "
        "whole `strip --check`: within noise",
        "tests/notebook_test.py::test_reader_matches_nbformat_reads",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "notebook-writer",
        "nbgate/nbjson.py",
        "`nbformat.writes` (nbformat's JSON writer; importing nbformat costs 0.1 to 1.4 s)",
        "`strip` in place, 300 notebooks: 3.49 -> 1.70 s (CPU 1.36 -> 0.66 s)",
        "tests/notebook_test.py::test_round_trip_is_byte_identical_to_nbformat",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "percent-reader",
        "nbgate/sync/pairing.py",
        "`jupytext.reads` of a `py:percent` twin (importing jupytext and nbformat costs about 1.4 s)",
        "`sync --check`, 300 pairs with magics: 61.8 -> 8.7 s (heavy load)",
        "tests/sync/pairing_test.py::test_fast_path_never_disagrees_with_jupytext",
        "benchmarks/sync.py",
    ),
    FastPath(
        "yaml-reader",
        "nbgate/registry/yamlio.py",
        "`yaml.load` with PyYAML's `CSafeLoader` for every revision file",
        "`registry verify`, 2,000 schedules: 21.4 -> 8.3 s (CPU 4.70 -> 1.81 s)",
        "tests/registry/yamlio_test.py::test_fast_path_result_always_agrees_with_pyyaml_on_mutated_files",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "forked-kernels",
        "nbgate/smoke/forkserver.py",
        "a fresh `ipykernel` process started by jupyter_client for every notebook",
        "`pytest --nbgate`, 20 small notebooks: 6.74 -> 4.07 s",
        "tests/smoke/forkserver_test.py::test_every_outcome_is_judged_the_same_on_forked_kernels",
        "benchmarks/smoke.py",
    ),
    FastPath(
        "lazy-iri-grammar",
        "nbgate/lazyimport.py",
        "jsonschema importing `rfc3987_syntax`, which builds its IRI grammar at import",
        "`import nbformat`: 12.2 -> 1.08 s (CPU 2.41 -> 0.28 s)",
        "tests/lazyimport_test.py::test_iri_formats_still_check_and_then_use_the_real_package",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "parallel-workers",
        "nbgate/parallel.py",
        "a plain loop over the files in one process",
        "`strip` in place, 300 notebooks: 1.97 -> 1.80 s, CPU 0.61 -> 0.64 s (wall time bought with a second core)",
        "tests/parallel_test.py::test_results_come_back_in_input_order_from_several_processes",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "lint-schema-cache",
        "nbgate/lint/schema.py",
        "compiling nbformat's schema with fastjsonschema in every process",
        "`lint` of one notebook: 0.94 -> 0.66 s (CPU 0.21 -> 0.16 s)",
        "tests/lint/schema_test.py::test_same_verdict_as_nbformat",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "libpq-reads",
        "nbgate/production/index/libpq.py",
        "psycopg for `nbgate runs` reads on PostgreSQL (importing psycopg costs 0.3 to 0.9 s)",
        "`runs NAME --limit 20`, 1,000,000 rows: 0.90 -> 0.15 s",
        "tests/production/index_libpq_test.py::test_a_fresh_reader_uses_libpq_and_reads_what_psycopg_reads",
        "benchmarks/index.py",
    ),
    FastPath(
        "stats-summary",
        "nbgate/production/index/sql.py",
        "`runs stats` reading every row of the window and sorting its durations (what `--exact` does)",
        "`runs stats --days 30`, 1,000,000 rows (3.3 runs per schedule and day), SQLite: 19.7 -> 14.3 s at load 15; "
        "on PostgreSQL the rows answer the all-schedules question (6.2 s against 13.6 s from the summary)",
        "tests/production/index_summary_test.py::test_the_summary_matches_the_rows",
        "benchmarks/index.py",
    ),
    FastPath(
        "stats-fleet",
        "nbgate/production/index/sql.py",
        "`runs stats` without a NAME reading every schedule's stats and sorting them to show the worst `--limit`",
        "`runs stats --days 30` (the 20 worst of 10,000 schedules), 1,000,000 rows, whole processes (pip-installed): "
        "PostgreSQL 0.961 -> 0.131 s, SQLite 1.856 -> 0.279 s",
        "tests/production/index_fleet_test.py::test_the_database_ranks_as_python_sorts",
        "benchmarks/index.py",
    ),
)

NAMES = frozenset(path.name for path in FAST_PATHS)


def disabled() -> frozenset[str]:
    """The fast paths ``NBGATE_NO_FAST_PATHS`` turns off (unknown names are ignored)."""
    value = os.environ.get(ENV, "").strip()
    if value in ("", "0"):
        return frozenset()
    if value == "1":
        return NAMES
    return NAMES & {item.strip() for item in value.split(",")}


def enabled(name: str) -> bool:
    """Whether the fast path ``name`` may run (read from the environment at each call)."""
    if name not in NAMES:
        raise KeyError(f"{name!r} is not in nbgate.fastpaths.FAST_PATHS")
    return name not in disabled()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The fast-path table of docs/internals.md."""
    header = (
        "| fast path | where | replaces (and runs instead with the switch) "
        "| measured gain (median, library -> fast) | equivalence test | benchmark |"
    )
    lines = [header, "|---|---|---|---|---|---|"]
    for path in FAST_PATHS:
        cells = (
            f"`{path.name}`",
            f"`{path.where}`",
            path.replaces,
            path.gain,
            f"`{path.test}`",
            f"`{path.benchmark}`",
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
