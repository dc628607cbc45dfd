"""``nbgate ci``'s smoke stage: ``python -m pytest --nbgate`` on the changed notebooks, read back as data.

A fresh process, so kernels, xdist and the project's pytest configuration
work as in ``pytest --nbgate``. Results come from pytest's JUnit XML file,
never from its terminal text (whose banners and summaries are no findings);
the terminal text only goes to ``smoke.log`` for people. Asked for and
unable to run (pytest missing, a usage error, a changed notebook that was
not collected) is a failure, never a skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

from nbgate import progress
from nbgate.ci import PROGRESS_ENV
from nbgate.config import Config
from nbgate.gate import FAIL, PASS, SKIP, StageResult

NAME = "smoke"
INSTALL_HINT = "install nbgate's ci extra where nbgate ci runs: pip install 'nbgate[ci]'"
_EXIT = {2: "interrupted", 3: "an internal error", 4: "a usage error", 5: "no test collected"}
ORDER = ("passed", "failed", "error", "skipped")


def plugin_args() -> list[str] | None:
    """How to load the nbgate pytest plugin, or None when pytest or the plugin is missing."""
    if (
        importlib.util.find_spec("pytest") is None
        or importlib.util.find_spec("nbgate.plugin") is None
    ):
        return None
    from importlib.metadata import entry_points

    registered = any(ep.value.startswith("nbgate.plugin") for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", "nbgate.plugin"]


def run(
    config: Config, notebooks: Sequence[str], pytest_args: Sequence[str], report_dir: Path
) -> StageResult:
    """Smoke-test ``notebooks`` (relative to the project root); ``smoke.xml`` and ``smoke.log`` go to ``report_dir``."""
    plugin = plugin_args()
    if plugin is None:
        return StageResult(
            NAME,
            FAIL,
            "cannot run: pytest is not installed",
            (
                (
                    f"smoke tests were asked for but pytest is not installed; {INSTALL_HINT} "
                    "(or turn smoke off: smoke: false / --no-smoke)"
                ),
            ),
        )
    junit = report_dir / "smoke.xml"
    feed = report_dir / "smoke.progress"
    for stale in (junit, feed):
        stale.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *plugin,
        "-p",
        "nbgate.ci.pytest_progress",
        "--nbgate",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "--",
        *notebooks,
    ]
    # pytest_args go before "--" so a notebook named like an option stays a path
    command[command.index("--") : command.index("--")] = list(pytest_args)
    log = report_dir / "smoke.log"
    with progress.task("smoke", len(notebooks)) as shown, log.open("w", encoding="utf-8") as handle:
        env = {**os.environ, PROGRESS_ENV: str(feed)}
        process = subprocess.Popen(
            command,
            cwd=config.root,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        _follow(process, feed, shown)
    return read_results(
        junit,
        notebooks,
        process.returncode,
        sharded=any("--nbgate-shard" in a for a in pytest_args),
    )


def _follow(process: subprocess.Popen[bytes], feed: Path, shown: progress.Progress) -> None:
    """Wait for ``process``, turning the progress feed's lines into progress events."""
    position = 0
    while True:
        finished = process.poll() is not None
        try:
            with feed.open("rb") as handle:
                handle.seek(position)
                data = handle.read()
        except OSError:
            data = b""
        complete = data[: data.rfind(b"\n") + 1]
        position += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            try:
                record = json.loads(line)
                label = str(record["node"]).split("::", 1)[0]
            except (ValueError, KeyError, TypeError):
                continue
            if record.get("event") == "start":
                shown.begin(label)
            else:
                shown.finish(label, str(record.get("outcome", "")))
        if finished:
            return
        time.sleep(0.2)


def _mangled(path: str) -> str:
    """pytest's JUnit ``classname`` for ``path::smoke``."""
    return path.replace("/", ".").removesuffix(".py")


def read_results(
    junit: Path, notebooks: Sequence[str], returncode: int, *, sharded: bool = False
) -> StageResult:
    """The stage result from pytest's JUnit XML (``notebooks`` as given to pytest)."""
    if returncode == 5 and sharded:
        return StageResult(NAME, SKIP, "no changed notebook in this shard")
    try:
        root = ElementTree.parse(junit).getroot()
    except (OSError, ElementTree.ParseError):
        reason = _EXIT.get(returncode, f"exit status {returncode}")
        return StageResult(
            NAME,
            FAIL,
            f"pytest stopped with {reason}",
            (f"pytest stopped with {reason} and wrote no results; see smoke.log",),
        )
    by_class = {_mangled(name): name for name in notebooks}
    counts: Counter[str] = Counter()
    details: list[str] = []
    seen: set[str] = set()
    for case in root.iter("testcase"):
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        path = (
            properties.get("nbgate_notebook")
            or by_class.get(case.get("classname") or "")
            or by_class.get(case.get("name") or "")
            or (case.get("classname") or case.get("name") or "?")
        )
        seen.add(path)
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            counts["failed" if problem.tag == "failure" else "error"] += 1
            text = (problem.get("message") or problem.text or problem.tag).strip()
            first = text.splitlines()[0] if text else problem.tag
            details.append(f"{path}: {first.removeprefix(path + ': ').removeprefix(path + ', ')}")
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    missing = [] if sharded else [name for name in notebooks if name not in seen]
    details += [
        f"{name}: not smoke-tested: pytest --nbgate did not collect it (check [tool.nbgate] include/exclude "
        "and the project's pytest configuration)"
        for name in missing
    ]
    summary = ", ".join(f"{counts[key]} {key}" for key in ORDER if counts[key]) or "no notebook ran"
    if missing:
        summary += f", {len(missing)} not collected"
    if returncode not in (0, 1) and not details:
        details.append(
            f"pytest stopped with {_EXIT.get(returncode, f'exit status {returncode}')}; see smoke.log"
        )
    bad = counts["failed"] + counts["error"] + len(missing)
    return StageResult(
        NAME,
        FAIL if bad or returncode not in (0, 1, 5) or not seen else PASS,
        summary,
        tuple(details),
    )
