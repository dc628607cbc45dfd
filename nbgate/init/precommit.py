"""``nbgate init``'s ``.pre-commit-config.yaml``: a ``repo: local`` block running the project's nbgate.

The hooks use ``language: system``: they run the nbgate installed in the
project's environment, the same environment that runs the notebooks. They
are appended to an existing ``repos:`` list when that can be done as text.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from nbgate.atomic import atomic_write
from nbgate.init.files import KEPT, MARK, REPLACED, UNCHANGED, UPDATED, Step, write_new

#: The hooks of this project's ``.pre-commit-hooks.yaml``, run from the project's environment.
HOOKS: tuple[dict[str, Any], ...] = (
    {"id": "nbgate-strip", "name": "nbgate strip", "entry": "nbgate strip", "types": ["jupyter"]},
    {
        "id": "nbgate-sync",
        "name": "nbgate sync",
        "entry": "nbgate sync --hook",
        "types_or": ["jupyter", "python"],
        "require_serial": True,
    },
    {"id": "nbgate-lint", "name": "nbgate lint", "entry": "nbgate lint", "types": ["jupyter"]},
    {
        "id": "nbgate-registry",
        "name": "nbgate registry verify",
        "entry": "nbgate registry verify --hook",
        "always_run": True,
        "require_serial": True,
    },
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
        keys = ["id", "name", "entry", "language"] + [
            k for k in hook if k not in ("id", "name", "entry", "language")
        ]
        for n, key in enumerate(keys):
            lead = "- " if n == 0 else "  "
            lines.append(f"{indent}    {lead}{key}: {_yaml_value(hook[key])}")
    return "\n".join(lines) + "\n"


def precommit_text(registry: str) -> str:
    """A whole ``.pre-commit-config.yaml`` holding the nbgate hooks."""
    return (
        f"# {MARK}: nbgate's hooks run the nbgate installed in this project's\n"
        "# environment (pip install nbgate), like the notebooks themselves.\n"
        "repos:\n" + hooks_yaml("  ", registry)
    )


def precommit_step(root: Path, registry: str, force: bool) -> Step:
    """Add the nbgate hooks to .pre-commit-config.yaml, creating it when missing."""
    import yaml

    path = root / ".pre-commit-config.yaml"
    if not path.exists():
        return write_new(path, precommit_text(registry), force)
    old = path.read_text(encoding="utf-8")
    try:
        loaded = yaml.safe_load(old) or {}
    except yaml.YAMLError:
        loaded = None
    document: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    repos = document.get("repos")
    if isinstance(repos, list):
        ids = {
            hook.get("id")
            for repo in repos
            if isinstance(repo, dict)
            for hook in repo.get("hooks") or ()
            if isinstance(hook, dict)
        }
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
            return Step(
                path, REPLACED, "rewritten with the nbgate hooks added (comments were not kept)"
            )
    if force:
        atomic_write(path, precommit_text(registry).encode("utf-8"))
        return Step(path, REPLACED)
    return Step(
        path, KEPT, "cannot add the hooks as text; add a `repo: local` block by hand or use --force"
    )


def _list_indent(text: str) -> str:
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith(("- repo:", "-   repo:")):
            return line[: len(line) - len(stripped)]
    return ""
