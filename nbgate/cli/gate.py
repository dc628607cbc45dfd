"""``nbgate gate [PATH]``: run every gate stage over a project; one summary table."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from nbgate import output, progress
from nbgate.config import Config
from nbgate.errors import FAILED, OK
from nbgate.gate import FAIL, PASS, STAGES, StageResult

_MARK = {PASS: ("PASS", "green"), FAIL: ("FAIL", "red"), "skip": ("skip", "dim")}


def gate(*, config: Config, paths: Sequence[str] = (), only: Sequence[str] = (), skip: Sequence[str] = ()) -> int:
    """Run the stages (all, or ``only``, minus ``skip``); print details and a table."""
    rows = []
    failed = False
    chosen = [stage for stage in STAGES if not ((only and stage.name not in only) or stage.name in skip)]
    shown = progress.Progress("nbgate gate", len(chosen))
    for stage in chosen:
        shown.step(stage.name)
        started = time.perf_counter()
        try:
            result: StageResult = stage.run(config, paths)
        except BaseException:
            shown.close()
            raise
        seconds = time.perf_counter() - started
        failed = failed or result.status == FAIL
        for detail in result.details:
            output.result(f"[{result.name}] {detail}")
        word, colour = _MARK.get(result.status, (result.status, "dim"))
        rows.append([result.name, output.style(word, colour), result.summary, f"{seconds:.2f}s"])
    shown.close()
    output.result("")
    output.result(output.table(["stage", "result", "summary", "time"], rows))
    return FAILED if failed else OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate gate``."""
    parser = subparsers.add_parser("gate", help="run every gate stage over a project and print a summary")
    parser.add_argument("path", nargs="?", help="project folder (default: the current one)")
    parser.add_argument("--only", action="append", default=[], metavar="STAGE", help="run only this stage")
    parser.add_argument("--skip", action="append", default=[], metavar="STAGE", help="skip this stage")
    parser.set_defaults(run=_run, project_dir=lambda ns: ns.path)


def _run(ns: argparse.Namespace, config: Config) -> int:
    return gate(config=config, paths=[ns.path] if ns.path else [], only=ns.only, skip=ns.skip)
