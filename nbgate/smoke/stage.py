"""``nbgate gate``'s smoke stage: smoke-run every covered notebook, in process.

In process rather than through ``python -m pytest --nbgate``: the stage runs
exactly the plugin's code path (``SmokeSession``: same parameters, pool,
outcome rules, outputs and evidence) without depending on the project's own
pytest configuration (its ``addopts``, conftest files and other plugins), and
it gets structured results for the summary table instead of parsing pytest's
output. One process fewer also means one pytest start-up fewer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from nbgate import progress
from nbgate.config import Config
from nbgate.errors import NbgateError
from nbgate.gate import FAIL, PASS, SKIP, StageResult
from nbgate.project import find_notebooks
from nbgate.smoke.session import SmokeSession

ORDER = ("passed", "failed", "error", "timeout", "dead-kernel", "xfailed", "xpassed", "skipped")


def smoke_stage(config: Config, paths: Sequence[str]) -> StageResult:
    """Every covered notebook runs green with its test parameters."""
    notebooks = find_notebooks(config, paths)
    if not notebooks:
        return StageResult("smoke", SKIP, "no notebooks")
    counts: Counter[str] = Counter()
    details: list[str] = []
    session = SmokeSession(config)
    try:
        prepared = []
        for path in notebooks:
            try:
                prepared.append(session.prepare(path))
            except NbgateError as exc:
                counts["error"] += 1
                details.append(str(exc))
        session.expect(prepared)
        with progress.task("smoke", len(prepared)) as shown:
            for item in prepared:
                if item.skip:
                    counts["skipped"] += 1
                    continue
                shown.begin(item.relpath)
                result = session.run(item)
                shown.finish(item.relpath, result.outcome)
                if item.xfail:
                    counts["xfailed" if result.outcome != "passed" else "xpassed"] += 1
                    continue
                counts[result.outcome] += 1
                if result.failure is not None:
                    where = (
                        f"{item.relpath}, cell {result.failure.cell}"
                        if result.failure.cell
                        else item.relpath
                    )
                    line = f"{where}: {result.outcome}: {result.failure.summary}"
                    if result.output_path:
                        line += f" (executed notebook: {result.output_path})"
                    details.append(line)
    finally:
        session.close()
    summary = ", ".join(f"{counts[key]} {key}" for key in ORDER if counts[key])
    bad = sum(counts[key] for key in ("failed", "error", "timeout", "dead-kernel"))
    return StageResult("smoke", FAIL if bad else PASS, summary, tuple(details))
