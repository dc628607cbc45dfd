from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbgate import fastpaths
from testing.postgres import Server

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: takes tens of seconds (builds a virtualenv); still part of the default run",
    )


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test may write to the real home directory or see the user's git config."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in list(__import__("os").environ):
        if (name.startswith("NBGATE_") and name != fastpaths.ENV) or name.startswith("GITHUB_"):
            monkeypatch.delenv(
                name
            )  # NBGATE_NO_FAST_PATHS stays: CI runs a subset with the fast paths off


@pytest.fixture
def fast_paths_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """For a test of a fast path itself: every fast path on, even in a run with ``NBGATE_NO_FAST_PATHS``."""
    monkeypatch.delenv(fastpaths.ENV, raising=False)


@pytest.fixture
def repo_root() -> Path:
    """This checkout (for the hook manifest, fixtures and the action)."""
    return REPO


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """A real PostgreSQL server for this test session (testing/postgres.py)."""
    server = Server()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty run index URL on each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index' / 'runs.db'}"
    server: Server = request.getfixturevalue("pg_server")
    return server.create_database(f"t_{uuid.uuid4().hex[:16]}")
