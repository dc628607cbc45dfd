"""A pytest plugin ``nbgate ci`` loads (``-p nbgate.ci.pytest_progress``) to follow its smoke run live.

It appends one JSON line per item start and finish to the file named by
``NBGATE_PROGRESS_FILE``; ``nbgate ci`` tails that file to draw progress.
Only the controlling process writes (under xdist the workers' reports reach
it), so lines never interleave. Results are *not* read from here: they come
from the JUnit XML file.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from nbgate.ci import PROGRESS_ENV as ENV


def _write(config: pytest.Config, record: dict[str, Any]) -> None:
    target = os.environ.get(ENV)
    if not target or hasattr(config, "workerinput"):
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    except OSError:
        pass  # progress is a convenience; never fail a run over it


class _Feed:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        _write(self.config, {"event": "start", "node": nodeid})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            _write(
                self.config, {"event": "finish", "node": report.nodeid, "outcome": report.outcome}
            )


def pytest_configure(config: pytest.Config) -> None:
    """Register the feed when ``nbgate ci`` asked for one."""
    if os.environ.get(ENV):
        config.pluginmanager.register(_Feed(config), "nbgate-ci-progress")
