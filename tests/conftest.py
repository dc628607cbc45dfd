from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes tens of seconds (builds a virtualenv); still part of the default run"
    )


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may write to the real home directory or see the user's git config."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in list(__import__("os").environ):
        if name.startswith("NBGATE_") or name.startswith("GITHUB_"):
            monkeypatch.delenv(name)


@pytest.fixture
def repo_root() -> Path:
    """This checkout (for the hook manifest, fixtures and the action)."""
    return REPO
