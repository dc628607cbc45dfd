"""Which commit ``nbgate ci`` compares with: ``--base``, else what the GitHub event says.

In order: ``--base``; the pull request's base commit from the event
payload (``GITHUB_EVENT_PATH``); ``origin/$GITHUB_BASE_REF``; a push
event's ``before`` commit. The first that resolves in this clone wins.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbgate import git
from nbgate.errors import UsageError


def find_base(repo: Path, base: str | None, env: Mapping[str, str]) -> tuple[str, str]:
    """The base commit and a label for it, from ``base`` or the GitHub environment."""
    candidates: list[tuple[str, str]] = []
    if base:
        candidates.append((base, base))
    else:
        event: dict[str, Any] = {}
        if env.get("GITHUB_EVENT_PATH"):
            try:
                event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                event = {}
            event = event if isinstance(event, dict) else {}
        pull = event.get("pull_request") or {}
        base_ref = env.get("GITHUB_BASE_REF") or str((pull.get("base") or {}).get("ref") or "")
        sha = str((pull.get("base") or {}).get("sha") or "")
        if sha:
            candidates.append((sha, f"{base_ref or 'base'} ({sha[:7]})"))
        if base_ref:
            candidates += [(f"origin/{base_ref}", base_ref), (base_ref, base_ref)]
        before = str(event.get("before") or "")
        if before.strip("0"):
            candidates.append((before, f"{before[:7]} (before the push)"))
    for ref, label in candidates:
        try:
            return git.resolve(repo, ref), label
        except git.GitError:
            continue
    if base:
        raise UsageError(
            f"--base {base!r} is not a commit in this clone (fetch it, or check out with fetch-depth: 0)"
        )
    if candidates:
        raise UsageError(
            f"the base ({candidates[0][1]}) is not in this clone; check out with fetch-depth: 0"
        )
    raise UsageError(
        "no base to compare with: pass --base REF (or run in a pull_request or push workflow)"
    )
