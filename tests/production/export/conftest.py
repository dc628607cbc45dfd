from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from nbgate.production.export import ExportJob
from testing.options import export_options

GOLDEN = Path(__file__).with_name("golden")
#: ``UPDATE_GOLDENS=1 pytest tests/production/export`` rewrites the golden files.
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"

JOBS = (
    # given out of order on purpose: exports are sorted by name
    ExportJob(
        "month-end",
        "30 2 1 * *",
        "America/New_York",
        retries=1,
        retry_delay=60.0,
        timeout=600.0,
        concurrency=1,
        owners=("finance-team",),
    ),
    ExportJob(
        "daily-sales",
        "0 6 * * *",
        "Europe/Berlin",
        retries=2,
        retry_delay=300.0,
        timeout=3600.0,
        concurrency=1,
        owners=("alice", "bob"),
    ),
    ExportJob(
        "hourly_refresh",
        "15 * * * *",
        "UTC",
        retries=0,
        retry_delay=0.0,
        timeout=None,
        concurrency=3,
    ),
)
OPTIONS = export_options(
    command="nbgate",
    workdir="/srv/analytics",
    image="registry.example.com/analytics:1.4",
    lock_dir=".nbgate/locks",
)


@pytest.fixture
def golden() -> Callable[[str, dict[str, str]], None]:
    """Compare rendered files with ``golden/<kind>/`` (or rewrite them with UPDATE_GOLDENS=1)."""

    def check(kind: str, files: dict[str, str]) -> None:
        folder = GOLDEN / kind
        if UPDATE:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.iterdir():
                old.unlink()
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
        expected = {
            path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())
        }
        assert sorted(files) == sorted(expected)
        for name, text in files.items():
            assert text == expected[name], f"{kind}/{name} differs from its golden file"

    return check
