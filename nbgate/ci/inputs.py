"""The Action's inputs: ``action.yml`` passes them as ``NBGATE_INPUT_*`` variables; command-line flags win.

Inputs reach nbgate through the environment, never through ``${{ }}`` in
a script, so a pull request's text is never shell code; here they are
parsed as data (``shlex`` for lists, a strict true/false for switches).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from nbgate.errors import UsageError

FAIL_ON = ("error", "warning")


class Inputs(NamedTuple):
    """What ``nbgate ci`` runs with, after flags and the Action's inputs are merged."""

    base: str | None
    paths: tuple[str, ...]
    run_smoke: bool
    pytest_args: tuple[str, ...]
    fail_on: str


def flag(text: str, name: str) -> bool:
    """An Action input's true/false (``1``/``true``/``yes``/``on`` and their opposites; empty is false)."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{name} = {text!r} is not true or false")


def resolve(
    env: Mapping[str, str],
    *,
    base: str | None = None,
    paths: Sequence[str] = (),
    no_smoke: bool = False,
    pytest_args: str | None = None,
    fail_on: str | None = None,
) -> Inputs:
    """The flags given, each falling back to its ``NBGATE_INPUT_*`` variable in ``env``."""
    return Inputs(
        base=base or env.get("NBGATE_INPUT_BASE_REF") or None,
        paths=tuple(paths) if paths else tuple(shlex.split(env.get("NBGATE_INPUT_PATHS", ""))),
        run_smoke=False if no_smoke else flag(env.get("NBGATE_INPUT_SMOKE", "true"), "smoke"),
        pytest_args=tuple(
            shlex.split(
                pytest_args if pytest_args is not None else env.get("NBGATE_INPUT_PYTEST_ARGS", "")
            )
        ),
        fail_on=fail_on or env.get("NBGATE_INPUT_FAIL_ON") or "error",
    )
