"""``nbgate init``'s additions to ``pyproject.toml``: ``[tool.nbgate]``, the export settings, nbstripout's.

Each table is appended as text (never re-serialised, so comments and
layout stay) and only after checking that the result still parses; what
cannot be added that way is left for the user, with a note saying so.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from nbgate import output
from nbgate.atomic import atomic_write
from nbgate.init.files import CREATED, KEPT, MARK, UNCHANGED, UPDATED, Step, append, glue
from nbgate.production.export import deployment
from nbgate.strip import migrate as stripmigrate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


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


def pyproject_step(root: Path, registry: str) -> Step:
    """Add ``[tool.nbgate]`` to pyproject.toml (appended as text), or create the file."""
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
        tomllib.loads(old + glue(old, blank_line=True) + table)
    except tomllib.TOMLDecodeError:  # e.g. an inline `tool = {...}` table: appending cannot work
        return Step(path, KEPT, "cannot add [tool.nbgate] to it as text; add the table by hand")
    append(path, old, table, blank_line=True)
    return Step(path, UPDATED, "added [tool.nbgate]")


def deploy_step(root: Path, values: Mapping[str, str]) -> Step:
    """Add ``[tool.nbgate.export]`` (where exported jobs run) to pyproject.toml, unless it has one."""
    path = root / "pyproject.toml"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    tool = tomllib.loads(old).get("tool", {})
    if (
        isinstance(tool, dict)
        and isinstance(tool.get("nbgate"), dict)
        and "export" in tool["nbgate"]
    ):
        return Step(path, KEPT, "already has [tool.nbgate.export]; edit it by hand")
    addition = deployment.table(values)
    try:
        tomllib.loads(old + glue(old, blank_line=True) + addition)
    except tomllib.TOMLDecodeError:
        return Step(
            path, KEPT, "cannot add [tool.nbgate.export] to it as text; add the table by hand"
        )
    append(path, old, addition, blank_line=True)
    return Step(path, UPDATED, "added [tool.nbgate.export]")


def nbstripout_step(root: Path) -> list[Step]:
    """Translate an nbstripout setup into ``[tool.nbgate.strip]`` (appended to pyproject.toml); say what it did."""
    found = stripmigrate.find_nbstripout(root)
    if found is None:
        return []
    translation = stripmigrate.translate(found.args)
    path = root / "pyproject.toml"
    for line in translation.translated:
        output.echo(f"nbstripout ({found.where}): {line}")
    for line in translation.untranslated:
        output.warn(
            f"nbstripout ({found.where}): cannot translate {line}; set it by hand if you need it"
        )
    output.echo(
        "nbgate strip replaces nbstripout: remove its hook or filter, then expect one-time churn "
        "(see the README's migration section)"
    )
    try:
        old = path.read_text(encoding="utf-8")
        tool = tomllib.loads(old).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return [Step(path, KEPT, "cannot read it to add the translated nbstripout settings")]
    nbgate = tool.get("nbgate", {}) if isinstance(tool, dict) else {}
    if isinstance(nbgate, dict) and "strip" in nbgate:
        return [
            Step(path, KEPT, "already has [tool.nbgate.strip]; nbstripout's settings not added")
        ]
    if not translation.settings:
        return [Step(path, UNCHANGED, "nbstripout's settings are nbgate's defaults")]
    table = stripmigrate.toml_table(found, translation)
    try:
        tomllib.loads(old + glue(old, blank_line=True) + table)
    except tomllib.TOMLDecodeError:
        return [
            Step(
                path, KEPT, "cannot add the translated [tool.nbgate.strip] as text; add it by hand"
            )
        ]
    append(path, old, table, blank_line=True)
    return [Step(path, UPDATED, "added [tool.nbgate.strip] translated from nbstripout")]
