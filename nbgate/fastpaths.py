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
        "notebook-reader", "nbgate/notebook.py",
        "the stdlib `json` parser `nbformat.reads` uses (orjson parses instead)",
        "`strip --check`, 300 clean notebooks: 0.48 -> 0.22 s",
        "tests/notebook_test.py::test_reader_matches_nbformat_reads",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "notebook-writer", "nbgate/nbjson.py",
        "`nbformat.writes` (nbformat's JSON writer; importing nbformat costs 0.1 to 1.4 s)",
        "`strip` in place, 300 notebooks: 1.66 -> 0.43 s",
        "tests/notebook_test.py::test_round_trip_is_byte_identical_to_nbformat",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "percent-reader", "nbgate/sync/pairing.py",
        "`jupytext.reads` of a `py:percent` twin (importing jupytext and nbformat costs about 1.4 s)",
        "`sync --check`, 300 pairs with magics: 61.8 -> 8.7 s",
        "tests/sync/pairing_test.py::test_fast_path_never_disagrees_with_jupytext",
        "benchmarks/sync.py",
    ),
    FastPath(
        "yaml-reader", "nbgate/registry/yamlio.py",
        "`yaml.load` with PyYAML's `CSafeLoader` for every revision file",
        "`registry verify`, 2,000 schedules: 2.11 -> 0.93 s",
        "tests/registry/yamlio_test.py::test_fast_path_result_always_agrees_with_pyyaml_on_mutated_files",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "forked-kernels", "nbgate/smoke/forkserver.py",
        "a fresh `ipykernel` process started by jupyter_client for every notebook",
        "`pytest --nbgate`, 20 small notebooks: 6.74 -> 4.07 s",
        "tests/smoke/forkserver_test.py::test_every_outcome_is_judged_the_same_on_forked_kernels",
        "benchmarks/smoke.py",
    ),
    FastPath(
        "lazy-iri-grammar", "nbgate/lazyimport.py",
        "jsonschema importing `rfc3987_syntax`, which builds its IRI grammar at import",
        "`import nbformat`: 1.46 -> 0.42 s",
        "tests/lazyimport_test.py::test_iri_formats_still_check_and_then_use_the_real_package",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "parallel-workers", "nbgate/parallel.py",
        "a plain loop over the files in one process",
        "`strip` in place, 300 notebooks: 0.62 -> 0.43 s (2 cores)",
        "tests/parallel_test.py::test_results_come_back_in_input_order_from_several_processes",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "lint-schema-cache", "nbgate/lint/schema.py",
        "compiling nbformat's schema with fastjsonschema in every process",
        "`lint` of one notebook: 0.55 -> 0.21 s",
        "tests/lint/schema_test.py::test_same_verdict_as_nbformat",
        "benchmarks/fastpaths.py",
    ),
    FastPath(
        "libpq-reads", "nbgate/production/index/libpq.py",
        "psycopg for `nbgate runs` reads on PostgreSQL (importing psycopg costs 0.3 to 0.9 s)",
        "`runs NAME --limit 20`, 1,000,000 rows: 0.90 -> 0.15 s",
        "tests/production/index_libpq_test.py::test_a_fresh_reader_uses_libpq_and_reads_what_psycopg_reads",
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
    lines = [
        "| fast path | where | replaces (and runs instead with the switch) | measured gain (median, library -> fast) "
        "| equivalence test | benchmark |",
        "|---|---|---|---|---|---|",
    ]
    for path in FAST_PATHS:
        cells = (f"`{path.name}`", f"`{path.where}`", path.replaces, path.gain, f"`{path.test}`",
                 f"`{path.benchmark}`")
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
