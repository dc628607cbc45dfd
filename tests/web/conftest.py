from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.web import Demo, make_demo, serving
from tests.production.conftest import _moto, s3  # noqa: F401 - the moto S3 fixtures


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo project with real runs (built once per session: each run starts a kernel)."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for name in list(os.environ):
            if name.startswith("NBGATE_"):
                patch.delenv(name)
        yield make_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def server(demo: Demo) -> Iterator[str]:
    """``nbgate serve`` on a free loopback port over the demo project; its base URL."""
    with serving(demo.project.root) as url:
        yield url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests leave their screenshots (``NBGATE_ARTIFACTS`` or ``tmp/artifacts/serve``)."""
    folder = Path(
        os.environ.get("NBGATE_ARTIFACTS")
        or Path(__file__).parents[2] / "tmp" / "artifacts" / "serve"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
