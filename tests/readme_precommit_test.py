"""The pre-commit snippets of the README and the docs work from a clone as written: ``rev:`` resolves, hooks exist.

The snippets pin ``rev: <sha>``, documented as "the SHA ``git rev-parse HEAD``
prints in your clone". This test does exactly that in a fresh clone and
hands the result to pre-commit's own clone logic (``Store.clone``, what
``pre-commit install-hooks`` runs), then reads the cloned manifest.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_manifest
from pre_commit.store import Store
from pre_commit.util import CalledProcessError

URL = "https://github.com/<owner>/nbgate"


def _snippets(readme: str) -> list[list[dict[str, Any]]]:
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    found = []
    for block in blocks:
        if "repo: https://github.com/" not in block or "nbgate" not in block:
            continue
        document = yaml.safe_load(block.replace("<owner>", "OWNER").replace("<sha>", "SHA"))
        repos = document["repos"] if isinstance(document, dict) else document
        found.append([repo for repo in repos if "nbgate" in repo["repo"]])
    return found


def test_every_snippet_pins_a_commit_sha_and_names_real_hooks(
    repo_root: Path, tmp_path: Path
) -> None:
    pages = [repo_root / "README.md", *sorted((repo_root / "docs").rglob("*.md"))]
    snippets = [s for page in pages for s in _snippets(page.read_text(encoding="utf-8"))]
    assert len(snippets) >= 5  # the README's quick start; strip, sync, lint, registry in the docs
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo_root), str(clone)], check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()
    store = Store(str(tmp_path / "store"))
    checkout = Path(store.clone(str(clone), sha))  # pre-commit's own fetch + checkout of `rev:`
    ids = {hook["id"] for hook in load_manifest(str(checkout / ".pre-commit-hooks.yaml"))}
    for repos in snippets:
        for repo in repos:
            assert repo["repo"] == URL.replace("<owner>", "OWNER") and repo["rev"] == "SHA", repo
            assert {hook["id"] for hook in repo["hooks"]} <= ids


def test_a_tag_that_does_not_exist_is_what_the_old_snippet_pinned(
    repo_root: Path, tmp_path: Path
) -> None:
    tags = subprocess.run(
        ["git", "tag", "--list", "v0.1.0"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if tags:  # once the release is tagged, the README may name it
        pytest.skip("v0.1.0 exists now")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo_root), str(clone)], check=True)
    with pytest.raises(CalledProcessError):
        Store(str(tmp_path / "store")).clone(str(clone), "v0.1.0")
