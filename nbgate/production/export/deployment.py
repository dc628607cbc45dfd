"""Where exported jobs run: the ``export.*`` keys a deployment must set, and init's table for them.

nbgate's defaults describe the promoter's machine, not the deployment: a
bare ``nbgate`` is not on cron's PATH, the project root is the promoter's
checkout, and ``python:3.11-slim`` holds neither nbgate nor the project.
So ``nbgate export`` refuses to render a target from keys left at their
defaults (``unset``) unless asked to (``--allow-defaults``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

#: The keys each export target reads from the deployment, in the order they are named.
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "cron": ("export.command", "export.workdir"),
    "airflow": ("export.command", "export.workdir"),
    "k8s": ("export.image",),
}
#: ``nbgate init`` flag -> config key.
INIT_KEYS = {"workdir": "export.workdir", "command": "export.command", "image": "export.image"}


def unset(kind: str, sources: Mapping[str, str]) -> list[str]:
    """The keys ``kind`` needs that are still at their defaults (``sources`` from ``Config.sources``)."""
    return [key for key in REQUIRED.get(kind, ()) if sources.get(key, "default") == "default"]


def refusal(kind: str, keys: list[str]) -> str:
    """The message for an export refused because ``keys`` are unset."""
    return (
        f"export {kind}: {', '.join(keys)} not set: the defaults describe this checkout, not the machine that "
        f"runs the jobs; set them under [tool.nbgate.export] (`nbgate init --workdir DIR --command CMD "
        f"--image IMAGE`) or pass --allow-defaults"
    )


def ask(workdir: str | None, command: str | None, image: str | None) -> dict[str, str] | None:
    """``nbgate init``'s deployment values: the flags given, else asked for on a terminal (blank skips)."""
    values = {"workdir": workdir, "command": command, "image": image}
    if not any(values.values()) and sys.stdin.isatty() and sys.stdout.isatty():
        questions = {
            "workdir": "project folder on the machine that runs scheduled jobs",
            "command": "nbgate command there (e.g. /opt/venv/bin/nbgate)",
            "image": "container image for Kubernetes jobs",
        }
        for flag, question in questions.items():
            try:
                values[flag] = input(f"{question} (blank: decide later): ").strip()
            except EOFError:
                break
    given = {flag: value for flag, value in values.items() if value}
    return given or None


def table(values: Mapping[str, str]) -> str:
    """``[tool.nbgate.export]`` with the given ``workdir``/``command``/``image`` (TOML strings)."""
    lines = ["[tool.nbgate.export]", "# where exported jobs run (nbgate export refuses to guess)"]
    for flag, key in INIT_KEYS.items():
        if values.get(flag):
            lines.append(f"{key.split('.', 1)[1]} = {json.dumps(values[flag])}")
    return "\n".join(lines) + "\n"
