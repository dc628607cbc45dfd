"""Reads of a PostgreSQL index through libpq (no psycopg import) match reads through psycopg."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbgate import fastpaths
from nbgate.production.index import FAILED, SCHEMA_VERSION, SUCCEEDED, libpq, open_url
from nbgate.production.index.postgres import PostgresIndex
from testing.postgres import Server


def _installed() -> bool:
    """Whether libpq can be loaded here, whatever ``NBGATE_NO_FAST_PATHS`` says."""
    saved = os.environ.pop(fastpaths.ENV, None)
    try:
        return libpq.library() is not None
    finally:
        if saved is not None:
            os.environ[fastpaths.ENV] = saved


pytestmark = pytest.mark.skipif(
    not _installed(), reason="libpq is not installed (psycopg serves reads)"
)

_READ = """
import json, sys
from pathlib import Path
from nbgate.production.index import open_url
index = open_url(sys.argv[1], Path("."))
rows = [r.as_json() for r in index.list(limit=50)] + [s.as_json() for s in index.stats(name="a's \\"job\\"")]
print(json.dumps({"rows": rows, "psycopg": "psycopg" in sys.modules}))
"""


@pytest.mark.usefixtures("fast_paths_on")
def test_a_fresh_reader_uses_libpq_and_reads_what_psycopg_reads(
    pg_server: Server, tmp_path: Path
) -> None:
    url = pg_server.create_database("libpq_reads")
    writer = open_url(url, tmp_path)
    for n in range(7):
        key = f"k{n}"
        writer.start(
            key=key,
            name='a\'s "job"' if n % 2 else "plain",
            rev=n,
            date="2024-05-01",
            run_id=f"r{n}",
            attempt=1,
            output=f"/out/{n}.ipynb",
            source="git:abc",
            source_sha256="0" * 64,
            parameters={"n": n, "text": "é ? $1"},
            started=f"2024-05-01T02:00:0{n}.000Z",
        )
        if n < 6:
            writer.finish(
                key,
                status=FAILED if n == 3 else SUCCEEDED,
                duration=n * 1.5,
                error="boom" if n == 3 else None,
            )
    expected = [r.as_json() for r in writer.list(limit=50)] + [
        s.as_json() for s in writer.stats(name='a\'s "job"')
    ]
    done = subprocess.run(
        [sys.executable, "-c", _READ, url], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["psycopg"] is False
    assert seen["rows"] == json.loads(json.dumps(expected))
    assert (
        len(seen["rows"]) == 8 and abs(seen["rows"][-1]["p50"] - 4.5) <= 0.09
    )  # the summary's p50, within 2 %


def test_an_index_without_schema_is_created_through_psycopg(
    pg_server: Server, tmp_path: Path
) -> None:
    url = pg_server.create_database("libpq_empty")
    index = open_url(url, tmp_path)
    assert isinstance(index, PostgresIndex)
    assert index.list() == [] and index.version() == SCHEMA_VERSION


def test_no_fast_paths_switches_libpq_reads_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbgate.production.index import libpq

    monkeypatch.setenv("NBGATE_NO_FAST_PATHS", "1")
    assert libpq.library() is None  # reads then go through psycopg, as writes do


@pytest.mark.usefixtures("fast_paths_on")
def test_a_server_error_carries_its_sqlstate(pg_server: Server) -> None:
    """The schema check tells "no nbgate table yet" (42P01) from any other error by its code."""
    connection = libpq.Connection(pg_server.create_database("libpq_codes"), timeout=10)
    try:
        with pytest.raises(libpq.LibpqError, match="nbgate_schema") as missing:
            connection.query("SELECT MAX(version) FROM nbgate_schema")
        assert missing.value.sqlstate == "42P01" and not missing.value.connecting
        with pytest.raises(libpq.LibpqError) as broken:
            connection.query("SELEC 1")
        assert broken.value.sqlstate == "42601"  # syntax_error
        assert connection.query("SELECT $1::int + 1", [41]) == [(42,)]  # still usable
    finally:
        connection.close()
