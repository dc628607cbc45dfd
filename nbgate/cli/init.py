"""``nbgate init [PATH] [--force]``: set a repository up for nbgate.

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

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from nbgate import __version__, output
from nbgate.strip import migrate as stripmigrate
from nbgate.atomic import atomic_write
from nbgate.config import Config
from nbgate.production.export import deployment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Where the Action is published; ``--action`` points the workflow elsewhere (a fork, a pinned sha).
ACTION = f"nbgate/nbgate@v{__version__}"
MARK = "Written by `nbgate init`"

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
KEPT = "kept"
REPLACED = "replaced"


class Step(NamedTuple):
    """What init did to one file."""

    path: Path
    action: str
    note: str = ""


#: The hooks of this project's ``.pre-commit-hooks.yaml``, run from the project's environment.
HOOKS: tuple[dict[str, Any], ...] = (
    {"id": "nbgate-strip", "name": "nbgate strip", "entry": "nbgate strip", "types": ["jupyter"]},
    {"id": "nbgate-sync", "name": "nbgate sync", "entry": "nbgate sync --hook", "types_or": ["jupyter", "python"],
     "require_serial": True},
    {"id": "nbgate-lint", "name": "nbgate lint", "entry": "nbgate lint", "types": ["jupyter"]},
    {"id": "nbgate-registry", "name": "nbgate registry verify", "entry": "nbgate registry verify --hook",
     "always_run": True, "require_serial": True},
)


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def hooks_yaml(indent: str, registry: str) -> str:
    """The ``repo: local`` list item, each line prefixed with ``indent``."""
    lines = [f"{indent}- repo: local", f"{indent}  hooks:"]
    for hook in HOOKS:
        hook = dict(hook, language="system")
        keys = ["id", "name", "entry", "language"] + [k for k in hook if k not in ("id", "name", "entry", "language")]
        for n, key in enumerate(keys):
            lead = "- " if n == 0 else "  "
            lines.append(f"{indent}    {lead}{key}: {_yaml_value(hook[key])}")
    return "\n".join(lines) + "\n"


def precommit_text(registry: str) -> str:
    """A whole ``.pre-commit-config.yaml`` holding the nbgate hooks."""
    return (f"# {MARK}: nbgate's hooks run the nbgate installed in this project's\n"
            "# environment (pip install nbgate), like the notebooks themselves.\n"
            "repos:\n" + hooks_yaml("  ", registry))


def install_command(root: Path) -> str:
    """The command that installs a project's own dependencies, guessed from its files ("" for none)."""
    if (root / "requirements.txt").is_file():
        return "pip install -r requirements.txt"
    try:
        if "project" in tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")):
            return "pip install ."
    except (OSError, ValueError):  # TOMLDecodeError is a ValueError
        pass
    return ""


def workflow_text(action: str, state_dir: str, registry: str = "registry", install: str = "") -> str:
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
          path: {state_dir.strip('/')}/ci
          include-hidden-files: true  # the report folder sits under {state_dir.strip('/')}/

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
        if not re.fullmatch(r"@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?|[^@\s#]+@[^@\s#]+", owner):
            from nbgate.errors import UsageError

            raise UsageError(f"--codeowners {owner!r}: expected @user, @org/team or an email address")


def codeowners_step(root: Path, registry: str, owners: Sequence[str], force: bool) -> Step:
    """``.github/CODEOWNERS``: the registry folder needs a review from ``owners``."""
    check_owners(owners)
    line = f"/{registry.strip('/')}/ {' '.join(owners)}"
    path = root / ".github" / "CODEOWNERS"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, f"# {MARK}: promotions need a review from these owners\n{line}\n".encode())
        return Step(path, CREATED)
    old = path.read_text(encoding="utf-8")
    if line in old.splitlines():
        return Step(path, UNCHANGED)
    _append(path, old, line + "\n", blank_line=False)
    return Step(path, UPDATED, f"added {line}")


def pyproject_table(registry: str) -> str:
    """The ``[tool.nbgate]`` table init adds (the main options at their defaults)."""
    return f"""[tool.nbgate]
# {MARK}; every option and its default: `nbgate config`
include = ["**/*.ipynb"]
exclude = []

[tool.nbgate.sync]
format = "py:percent"

[tool.nbgate.registry]
path = "{registry}"
"""


REGISTRY_README = f"""# Schedule registry

{MARK}. One folder per production schedule, one immutable file per
revision (`<name>/0001.yaml`, ...), written by `nbgate promote` and checked
by `nbgate registry verify`. Review changes here like code.
"""


# ---------------------------------------------------------------- the steps


def _write_new(path: Path, text: str, force: bool) -> Step:
    """Create ``path``; when it exists with other content, replace it only with ``force``."""
    data = text.encode("utf-8")
    if path.exists():
        if path.read_bytes() == data:
            return Step(path, UNCHANGED)
        if not force:
            return Step(path, KEPT, "exists with other content; --force replaces it")
        atomic_write(path, data)
        return Step(path, REPLACED)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return Step(path, CREATED)


def _glue(old: str, *, blank_line: bool) -> str:
    """What goes between a file's text and an addition: a line break, and a blank line if asked."""
    if not old or old.endswith("\n\n") or (old.endswith("\n") and not blank_line):
        return ""
    if old.endswith("\n"):
        return "\n"
    return "\n\n" if blank_line else "\n"


def _append(path: Path, old: str, addition: str, *, blank_line: bool) -> None:
    atomic_write(path, (old + _glue(old, blank_line=blank_line) + addition).encode("utf-8"))


def pyproject_step(root: Path, registry: str) -> Step:
    """Add ``[tool.nbgate]`` to pyproject.toml (appended as text), or create the file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    path = root / "pyproject.toml"
    table = pyproject_table(registry)
    if not path.exists():
        atomic_write(path, table.encode("utf-8"))
        return Step(path, CREATED)
    old = path.read_text(encoding="utf-8")
    document = tomllib.loads(old)
    tool = document.get("tool", {})
    if isinstance(tool, dict) and "nbgate" in tool:
        return Step(path, UNCHANGED, "already has [tool.nbgate]")
    try:
        tomllib.loads(old + _glue(old, blank_line=True) + table)
    except tomllib.TOMLDecodeError:  # e.g. an inline `tool = {...}` table: appending cannot work
        return Step(path, KEPT, "cannot add [tool.nbgate] to it as text; add the table by hand")
    _append(path, old, table, blank_line=True)
    return Step(path, UPDATED, "added [tool.nbgate]")


def deploy_step(root: Path, values: Mapping[str, str]) -> Step:
    """Add ``[tool.nbgate.export]`` (where exported jobs run) to pyproject.toml, unless it has one."""
    import tomllib

    path = root / "pyproject.toml"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    tool = tomllib.loads(old).get("tool", {})
    if isinstance(tool, dict) and isinstance(tool.get("nbgate"), dict) and "export" in tool["nbgate"]:
        return Step(path, KEPT, "already has [tool.nbgate.export]; edit it by hand")
    addition = deployment.table(values)
    try:
        tomllib.loads(old + _glue(old, blank_line=True) + addition)
    except tomllib.TOMLDecodeError:
        return Step(path, KEPT, "cannot add [tool.nbgate.export] to it as text; add the table by hand")
    _append(path, old, addition, blank_line=True)
    return Step(path, UPDATED, "added [tool.nbgate.export]")


def precommit_step(root: Path, registry: str, force: bool) -> Step:
    """Add the nbgate hooks to .pre-commit-config.yaml, creating it when missing."""
    import yaml

    path = root / ".pre-commit-config.yaml"
    if not path.exists():
        return _write_new(path, precommit_text(registry), force)
    old = path.read_text(encoding="utf-8")
    try:
        loaded = yaml.safe_load(old) or {}
    except yaml.YAMLError:
        loaded = None
    document: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    repos = document.get("repos")
    if isinstance(repos, list):
        ids = {hook.get("id") for repo in repos if isinstance(repo, dict)
               for hook in repo.get("hooks") or () if isinstance(hook, dict)}
        if ids & {hook["id"] for hook in HOOKS}:
            return Step(path, UNCHANGED, "already has nbgate hooks")
        indent = _list_indent(old)
        addition = hooks_yaml(indent, registry)
        ours = yaml.safe_load(textwrap.dedent(addition))[0]
        expected = [*repos, ours]
        candidate = old + ("" if old.endswith("\n") else "\n") + addition
        try:
            appended = yaml.safe_load(candidate)
        except yaml.YAMLError:
            appended = None
        if isinstance(appended, dict) and appended.get("repos") == expected:
            atomic_write(path, candidate.encode("utf-8"))
            return Step(path, UPDATED, "added the nbgate hooks (repo: local)")
        if force:  # keep the user's other hooks; only the layout and comments are lost
            rewritten = yaml.safe_dump({**document, "repos": expected}, sort_keys=False)
            atomic_write(path, rewritten.encode("utf-8"))
            return Step(path, REPLACED, "rewritten with the nbgate hooks added (comments were not kept)")
    if force:
        atomic_write(path, precommit_text(registry).encode("utf-8"))
        return Step(path, REPLACED)
    return Step(path, KEPT, "cannot add the hooks as text; add a `repo: local` block by hand or use --force")


def _list_indent(text: str) -> str:
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith(("- repo:", "-   repo:")):
            return line[: len(line) - len(stripped)]
    return ""


def gitignore_step(root: Path, state_dir: str) -> Step:
    """Make sure git ignores the state folder."""
    path = root / ".gitignore"
    entry = state_dir.strip("/") + "/"
    if not path.exists():
        atomic_write(path, f"# nbgate's local state: runs, evidence, ci reports\n{entry}\n".encode())
        return Step(path, CREATED)
    old = path.read_text(encoding="utf-8")
    names = {line.strip().strip("/") for line in old.splitlines()}
    if entry.strip("/") in names:
        return Step(path, UNCHANGED)
    _append(path, old, f"{entry}\n", blank_line=False)
    return Step(path, UPDATED, f"added {entry}")


def registry_step(root: Path, registry: str) -> Step:
    """Create the registry folder with a README (git keeps no empty folders)."""
    folder = root / registry
    if folder.is_dir() and any(folder.iterdir()):
        return Step(folder, UNCHANGED)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "README.md", REGISTRY_README.encode("utf-8"))
    return Step(folder, CREATED)


def init(*, config: Config, path: str | None = None, force: bool = False, action: str = ACTION,
         codeowners: Sequence[str] = (), deploy: Mapping[str, str] | None = None) -> int:
    """Set the project at ``path`` (default: the working directory) up; print what changed."""
    check_owners(codeowners)  # before anything is written
    root = Path(path or ".").resolve()
    registry = str(config["registry.path"]).strip("/") or "registry"
    state_dir = str(config["state_dir"])
    steps: Sequence[Step] = [
        pyproject_step(root, registry),
        precommit_step(root, registry, force),
        _write_new(root / ".github" / "workflows" / "nbgate.yml",
                   workflow_text(action, state_dir, registry, install_command(root)), force),
        registry_step(root, registry),
        gitignore_step(root, state_dir),
        *([deploy_step(root, deploy)] if deploy else []),
    ]
    steps = [*steps[:1], *nbstripout_step(root), *steps[1:]]
    if codeowners:
        steps = [*steps, codeowners_step(root, registry, codeowners, force)]
    colours = {CREATED: "green", UPDATED: "green", REPLACED: "yellow", KEPT: "yellow", UNCHANGED: "dim"}
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
    return 0


def nbstripout_step(root: Path) -> list[Step]:
    """Translate an nbstripout setup into ``[tool.nbgate.strip]`` (appended to pyproject.toml); say what it did."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    found = stripmigrate.find_nbstripout(root)
    if found is None:
        return []
    translation = stripmigrate.translate(found.args)
    path = root / "pyproject.toml"
    for line in translation.translated:
        output.echo(f"nbstripout ({found.where}): {line}")
    for line in translation.untranslated:
        output.warn(f"nbstripout ({found.where}): cannot translate {line}; set it by hand if you need it")
    output.echo("nbgate strip replaces nbstripout: remove its hook or filter, then expect one-time churn "
                "(see the README's migration section)")
    try:
        old = path.read_text(encoding="utf-8")
        tool = tomllib.loads(old).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return [Step(path, KEPT, "cannot read it to add the translated nbstripout settings")]
    nbgate = tool.get("nbgate", {}) if isinstance(tool, dict) else {}
    if isinstance(nbgate, dict) and "strip" in nbgate:
        return [Step(path, KEPT, "already has [tool.nbgate.strip]; nbstripout's settings not added")]
    if not translation.settings:
        return [Step(path, UNCHANGED, "nbstripout's settings are nbgate's defaults")]
    table = stripmigrate.toml_table(found, translation)
    try:
        tomllib.loads(old + _glue(old, blank_line=True) + table)
    except tomllib.TOMLDecodeError:
        return [Step(path, KEPT, "cannot add the translated [tool.nbgate.strip] as text; add it by hand")]
    _append(path, old, table, blank_line=True)
    return [Step(path, UPDATED, "added [tool.nbgate.strip] translated from nbstripout")]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``nbgate init``."""
    parser = subparsers.add_parser("init", help="set a repository up: config, pre-commit hooks, CI workflow, "
                                                 "registry folder, .gitignore")
    parser.add_argument("path", nargs="?", help="project folder (default: the current one)")
    parser.add_argument("--force", action="store_true", help="replace files that exist with other content")
    parser.add_argument("--action", default=ACTION, metavar="OWNER/REPO@REF",
                        help=f"the nbgate Action the workflow uses (default: {ACTION})")
    parser.add_argument("--codeowners", nargs="+", metavar="OWNER", default=(),
                        help="write a .github/CODEOWNERS line so registry changes need these owners' review "
                             "(@org/team, @user or an email)")
    parser.add_argument("--workdir", dest="deploy_workdir", metavar="DIR",
                        help="export.workdir: the project folder on the machine that runs exported jobs")
    parser.add_argument("--command", dest="deploy_command", metavar="CMD",
                        help="export.command: how that machine runs nbgate (e.g. /opt/venv/bin/nbgate)")
    parser.add_argument("--image", dest="deploy_image", metavar="IMAGE",
                        help="export.image: the container image of Kubernetes jobs")
    parser.set_defaults(project_dir=lambda ns: ns.path,
                        run=lambda ns, config: init(config=config, path=ns.path, force=ns.force, action=ns.action,
                                                    codeowners=ns.codeowners,
                                                    deploy=deployment.ask(ns.deploy_workdir, ns.deploy_command,
                                                                          ns.deploy_image)))
