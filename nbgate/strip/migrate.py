"""Translate an existing nbstripout setup into ``[tool.nbgate.strip]`` settings (for ``nbgate init``).

nbstripout is configured in one of two places: a pre-commit hook (``id:
nbstripout`` with ``args``) or a git filter (``.gitattributes`` naming
``filter=nbstripout``, whose command and arguments live in git config
``filter.nbstripout.clean``). ``find_nbstripout`` reads both; ``translate``
maps each argument to nbgate's option, and says which it could not map.
Everything read here comes from the repository, so it is parsed, never run.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from nbgate.config import OPTIONS

_DEFAULTS = {option.name: option.default for option in OPTIONS}
#: nbstripout flags nbgate needs no setting for, and why.
_NOT_NEEDED = {
    "--keep-id": "nbgate never changes cell ids",
    "--install": "",
    "--attributes": "",
    "--global": "",
    "--system": "",
    "--python": "",
    "--textconv": "",
    "--mode": "",
    "--force": "",
    "--seed": "",
    "--dry-run": "",
    "--verify": "use `nbgate strip --check` instead",
}
_TAKES_VALUE = frozenset(
    (
        "--extra-keys",
        "--keep-metadata-keys",
        "--drop-tagged-cells",
        "--max-size",
        "--attributes",
        "--python",
        "--mode",
        "--seed",
        "-t",
    )
)


class Found(NamedTuple):
    """An nbstripout setup: where it was found and its arguments."""

    where: str
    args: tuple[str, ...]


class Translation(NamedTuple):
    """nbgate settings equivalent to nbstripout's arguments."""

    settings: dict[str, Any]
    translated: tuple[str, ...]
    untranslated: tuple[str, ...]


def _precommit(root: Path) -> Found | None:
    path = root / ".pre-commit-config.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # a broken file is pre-commit's to report
        return None
    repos = document.get("repos") if isinstance(document, dict) else None
    for repo in repos if isinstance(repos, list) else ():
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else ():
            if isinstance(hook, dict) and hook.get("id") == "nbstripout":
                args = hook.get("args") or []
                if isinstance(args, list):
                    return Found(
                        ".pre-commit-config.yaml (hook nbstripout)", tuple(str(a) for a in args)
                    )
    return None


def _git_filter(root: Path) -> Found | None:
    try:
        attributes = (root / ".gitattributes").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not any("filter=nbstripout" in line.split("#")[0] for line in attributes.splitlines()):
        return None
    try:
        done = subprocess.run(
            ["git", "config", "--get", "filter.nbstripout.clean"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return Found(".gitattributes (filter=nbstripout)", ())
    try:
        words = shlex.split(done.stdout.strip())
    except ValueError:
        words = []
    # '"/usr/bin/python3" -m nbstripout --keep-output' or 'nbstripout --keep-output': arguments after the program
    for index, word in enumerate(words):
        if word == "nbstripout" or word.endswith("/nbstripout"):
            words = words[index + 1 :]
            break
    return Found(
        ".gitattributes (filter=nbstripout, git config filter.nbstripout.clean)", tuple(words)
    )


def find_nbstripout(root: Path) -> Found | None:
    """The repository's nbstripout setup (the pre-commit hook first), or None."""
    return _precommit(root) or _git_filter(root)


def _split_options(args: Sequence[str]) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    items = list(args)
    while items:
        word = items.pop(0)
        if "=" in word and word.startswith("--"):
            name, value = word.split("=", 1)
            pairs.append((name, value))
        elif word in _TAKES_VALUE and items:
            pairs.append((word, items.pop(0)))
        else:
            pairs.append((word, None))
    return pairs


def _keys(value: str) -> list[str]:
    return [key for key in value.replace(",", " ").split() if key]


def translate(args: Sequence[str]) -> Translation:
    """Map nbstripout's arguments to ``strip.*`` settings (option names without the ``strip.`` prefix)."""
    settings: dict[str, Any] = {}
    done: list[str] = []
    left: list[str] = []
    cell_keep = list(_DEFAULTS["strip.keep_cell_metadata"])
    nb_keep = list(_DEFAULTS["strip.keep_notebook_metadata"])
    flags = {
        "--keep-output": "keep_outputs",
        "--keep-count": "keep_execution_counts",
        "--drop-empty-cells": "drop_empty_cells",
        "--strip-init-cells": "init_cells",
    }
    for name, value in _split_options(args):
        shown = name if value is None else f"{name} {value}"
        if name in flags and value is None:
            settings[flags[name]] = True
            done.append(f"{name} -> {flags[name]} = true")
        elif name == "--drop-tagged-cells" and value is not None:
            settings["drop_tagged_cells"] = value.split()
            done.append(f"{shown} -> drop_tagged_cells = {json.dumps(value.split())}")
        elif name == "--max-size" and value is not None and value.isdigit():
            settings["max_output_size"] = (
                int(value) + 1
            )  # nbstripout keeps sizes up to N, nbgate below N
            done.append(
                f"{shown} -> max_output_size = {int(value) + 1} (nbstripout counts the output's text "
                "characters, nbgate its JSON bytes: a little stricter)"
            )
        elif name == "--extra-keys" and value is not None:
            for key in _keys(value):
                target = cell_keep if key.startswith("cell.metadata.") else nb_keep
                inner = key.split("metadata.", 1)[1] if "metadata." in key else ""
                if inner and inner in target:
                    target.remove(inner)
                    done.append(f"--extra-keys {key} -> no longer kept")
                elif inner:
                    done.append(
                        f"--extra-keys {key} -> nothing to do (nbgate keeps only listed keys)"
                    )
                else:
                    left.append(f"--extra-keys {key} (not a metadata key)")
        elif name == "--keep-metadata-keys" and value is not None:
            for key in _keys(value):
                target = cell_keep if key.startswith("cell.metadata.") else nb_keep
                inner = key.split("metadata.", 1)[1] if "metadata." in key else ""
                if inner:
                    if inner not in target:
                        target.append(inner)
                    done.append(f"--keep-metadata-keys {key} -> kept")
                else:
                    left.append(f"--keep-metadata-keys {key} (not a metadata key)")
        elif name in _NOT_NEEDED:
            if _NOT_NEEDED[name]:
                done.append(f"{name}: {_NOT_NEEDED[name]}")
        else:
            left.append(shown)
    if cell_keep != _DEFAULTS["strip.keep_cell_metadata"]:
        settings["keep_cell_metadata"] = cell_keep
    if nb_keep != _DEFAULTS["strip.keep_notebook_metadata"]:
        settings["keep_notebook_metadata"] = nb_keep
    return Translation(settings, tuple(done), tuple(left))


def toml_table(found: Found, translation: Translation) -> str:
    """``[tool.nbgate.strip]`` holding the translated settings (values written as JSON, valid TOML)."""
    lines = [
        "[tool.nbgate.strip]",
        f"# translated by `nbgate init` from nbstripout's {found.where}".replace("\n", " "),
    ]
    lines += [f"{key} = {json.dumps(value)}" for key, value in translation.settings.items()]
    return "\n".join(lines) + "\n"
