"""``nbgate init``'s GitHub files: the team workflow and the CODEOWNERS line for the registry.

The workflow has a ``review`` job on pull requests (the nbgate Action:
checks, re-tests of promoted schedules, report upload) and an ``export`` job
after the merge; ``--codeowners`` makes registry changes need a review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from nbgate.atomic import atomic_write
from nbgate.errors import UsageError
from nbgate.init.files import CREATED, MARK, UNCHANGED, UPDATED, Step, append


def workflow_text(
    action: str, state_dir: str, registry: str = "registry", install: str = ""
) -> str:
    """``.github/workflows/nbgate.yml``: the team flow, from pull request to the scheduling engine.

    Promotion happens in a pull request (``nbgate promote`` writes a revision
    file, the branch is pushed); the ``review`` job runs the Action, which
    re-tests every schedule the change makes runnable at its exact content
    and verifies the registry against the base; after the merge the
    ``export`` job hands the schedules to the engine (here: checks that the
    committed cron export is current; swap in ``nbgate export airflow --out
    dags/`` or ``k8s`` and a deploy step).
    """
    folder = registry.strip("/") or "registry"
    value = json.dumps(install)  # a YAML double-quoted scalar
    hint = "" if install else "  # e.g. pip install -r requirements.txt"
    return f"""# {MARK}. The team flow: promote in a pull request, CI re-tests,
# the merge hands the schedule to the engine.
#  - review (pull requests): the nbgate Action checks the changed notebooks
#    (strip, sync, lint, smoke tests), re-tests every schedule the change makes
#    runnable at its exact promoted content, and verifies {folder}/ against the
#    base branch; the result is authoritative, the local evidence ledger is not.
#  - export (after the merge): hands the active schedules to the engine.
# `install` installs the project's own dependencies (the notebooks' imports)
# before nbgate, with the same Python. Protect the branch: require the
# "review" check.
name: nbgate

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  review:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # nbgate compares with the base branch and reads promoted notebooks from history
      - uses: {action}
        with:
          python-version: "3.11"
          install: {value}{hint}
          smoke: "true"
          fail-on: error
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: nbgate-report
          path: {state_dir.strip("/")}/ci
          include-hidden-files: true  # the report folder sits under {state_dir.strip("/")}/

  export:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m pip install nbgate
      - run: nbgate registry verify
      # hand the schedules to the engine: keep an exported folder current
      # (nbgate export airflow --out dags --check), or render and deploy:
      # (`nbgate init --workdir DIR --command CMD --image IMAGE` sets where the jobs run)
      - run: nbgate export cron
"""


def check_owners(owners: Sequence[str]) -> None:
    """``UsageError`` unless every owner is ``@user``, ``@org/team`` or an email (one CODEOWNERS token each)."""
    for owner in owners:
        if not re.fullmatch(
            r"@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?|[^@\s#]+@[^@\s#]+", owner
        ):
            raise UsageError(
                f"--codeowners {owner!r}: expected @user, @org/team or an email address"
            )


def codeowners_step(root: Path, registry: str, owners: Sequence[str], force: bool) -> Step:
    """``.github/CODEOWNERS``: the registry folder needs a review from ``owners``."""
    check_owners(owners)
    line = f"/{registry.strip('/')}/ {' '.join(owners)}"
    path = root / ".github" / "CODEOWNERS"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(
            path, f"# {MARK}: promotions need a review from these owners\n{line}\n".encode()
        )
        return Step(path, CREATED)
    old = path.read_text(encoding="utf-8")
    if line in old.splitlines():
        return Step(path, UNCHANGED)
    append(path, old, line + "\n", blank_line=False)
    return Step(path, UPDATED, f"added {line}")
