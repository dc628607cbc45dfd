"""``nbgate init [PATH] [--force]``: set a repository up for nbgate (the steps in order, one table).

Writes, each only when missing:

* ``[tool.nbgate]`` in ``pyproject.toml``: appended as text to an existing
  file (never re-serialised, so its comments and layout stay), or a new file;
* the nbgate hooks in ``.pre-commit-config.yaml``: a ``repo: local`` block
  whose hooks run the nbgate installed in the project's environment
  (``language: system``), the same environment that runs the notebooks;
  appended to an existing ``repos:`` list when that can be done as text;
* ``.github/workflows/nbgate.yml``, the team flow: a ``review`` job on pull
  requests (the nbgate Action: checks, re-tests of promoted schedules, report
  upload) and an ``export`` job after the merge;
* with ``--codeowners OWNER...``, a ``.github/CODEOWNERS`` line for the
  registry folder (pair it with branch protection);
* the registry folder (``registry.path``) with a short README;
* ``.nbgate/`` (``state_dir``) in ``.gitignore``.

A file that exists with other content is kept unless ``--force``; a second
run changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nbgate import output
from nbgate.config import Config
from nbgate.errors import OK
from nbgate.init.files import (
    ACTION,
    CREATED,
    KEPT,
    REPLACED,
    UNCHANGED,
    UPDATED,
    Step,
    gitignore_step,
    registry_step,
    write_new,
)
from nbgate.init.precommit import precommit_step
from nbgate.init.pyproject import deploy_step, install_command, nbstripout_step, pyproject_step
from nbgate.init.workflow import check_owners, codeowners_step, workflow_text
from nbgate.production.export import deployment


def init(
    *,
    config: Config,
    path: str | None = None,
    force: bool = False,
    action: str = ACTION,
    codeowners: Sequence[str] = (),
    workdir: str | None = None,
    command: str | None = None,
    image: str | None = None,
) -> int:
    """Set the project at ``path`` (default: the working directory) up; print what changed.

    ``workdir``, ``command`` and ``image`` go to ``[tool.nbgate.export]``;
    when none is given and there is a terminal, they are asked for.
    """
    deploy = deployment.ask(workdir, command, image)
    check_owners(codeowners)  # before anything is written
    root = Path(path or ".").resolve()
    registry = str(config["registry.path"]).strip("/") or "registry"
    state_dir = str(config["state_dir"])
    steps: Sequence[Step] = [
        pyproject_step(root, registry),
        precommit_step(root, registry, force),
        write_new(
            root / ".github" / "workflows" / "nbgate.yml",
            workflow_text(action, state_dir, registry, install_command(root)),
            force,
        ),
        registry_step(root, registry),
        gitignore_step(root, state_dir),
        *([deploy_step(root, deploy)] if deploy else []),
    ]
    steps = [*steps[:1], *nbstripout_step(root), *steps[1:]]
    if codeowners:
        steps = [*steps, codeowners_step(root, registry, codeowners, force)]
    colours = {
        CREATED: "green",
        UPDATED: "green",
        REPLACED: "yellow",
        KEPT: "yellow",
        UNCHANGED: "dim",
    }
    rows = []
    for step in steps:
        try:
            shown = step.path.relative_to(root).as_posix() + ("/" if step.path.is_dir() else "")
        except ValueError:
            shown = str(step.path)
        rows.append([shown, output.style(step.action, colours[step.action]), step.note])
    output.result(output.table(["file", "action", "note"], rows))
    for step in steps:
        if step.action == KEPT:
            output.warn(f"{step.path}: {step.note}")
    return OK
