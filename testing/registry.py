"""Build registry revisions, evidence records and promotable projects for tests."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from nbgate import config as config_module
from nbgate.evidence import SmokeOutcome
from nbgate.identity import source_sha256
from nbgate.notebook import read
from testing import notebooks
from testing.git import Repo

SHA_A = "a" * 64
COMMIT = "c" * 40


def evidence_record(
    sha: str, *, path: str = "nb.ipynb", outcome: str = SmokeOutcome.PASSED
) -> dict[str, Any]:
    """An evidence ledger record in the smoke helper's format (schema 1)."""
    return {
        "schema": 1,
        "path": path,
        "source_sha256": sha,
        "parameters": {},
        "outcome": str(outcome),
        "duration": 1.25,
        "kernel": "python3",
        "versions": {"python": "3.11.7", "papermill": "2.7.0", "nbgate": "0.1.0"},
        "output": {"path": f".nbgate/runs/smoke/x.{sha[:12]}.ipynb", "sha256": "e" * 64},
        "time": "2024-05-01T06:00:00Z",
    }


def revision(**changes: Any) -> Any:
    """A valid ``Revision`` (revision 1 of ``daily``), with ``changes`` applied."""
    from nbgate.registry.model import ExecutionSettings, Revision, RevisionAction

    base = Revision(
        name="daily",
        rev=1,
        action=RevisionAction.PROMOTE,
        notebook="reports/daily.ipynb",
        source_sha256=SHA_A,
        commit=COMMIT,
        schedule="0 6 * * 1-5",
        timezone="Europe/Berlin",
        parameters={"region": "eu", "limit": 100},
        execution=ExecutionSettings(timeout=600.0, retries=2),
        output="out/{name}/{date}.ipynb",
        owners=("data@example.com",),
        evidence=evidence_record(SHA_A, path="reports/daily.ipynb"),
        promoted_by="Jane Doe <jane@example.com>",
        promoted_at="2024-05-01T06:00:00Z",
    )
    return dataclasses.replace(base, **changes)


def write_evidence(
    state_dir: Path, sha: str, *, path: str = "nb.ipynb", outcome: str = SmokeOutcome.PASSED
) -> Path:
    """Write a ledger file ``<state_dir>/evidence/<sha>.json`` as the smoke runner would."""
    target = state_dir / "evidence" / f"{sha}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(evidence_record(sha, path=path, outcome=outcome), indent=2) + "\n")
    return target


#: Most promotion tests leave jupytext twins out; one test covers the sync condition.
NO_SYNC = "[tool.nbgate.sync]\nenabled = false\n"
PARAMS_SOURCE = 'region = "us"\nlimit = 10\nratio = 0.5\nflags = []\n'


def promotable_notebook(body: str = "print(region, limit)") -> dict[str, Any]:
    """A strip-clean, lint-friendly notebook with a parameters cell."""
    return notebooks.make(
        [
            notebooks.markdown("# Daily report"),
            notebooks.code(PARAMS_SOURCE, tags=["parameters"]),
            notebooks.code(body),
        ]
    )


class Project:
    """A git repository holding one committed notebook, ready to promote."""

    def __init__(
        self,
        root: Path,
        *,
        notebook: str = "reports/daily.ipynb",
        evidence: bool = True,
        pyproject: str = NO_SYNC,
    ) -> None:
        self.root = root
        self.repo = Repo(root)
        (root / "pyproject.toml").write_text(pyproject)
        (root / ".gitignore").write_text(".nbgate/\n")
        self.notebook = notebooks.write(root / notebook, promotable_notebook())
        self.relative = notebook
        self.commit = self.repo.commit_all("add notebook")
        if evidence:
            self.add_evidence()

    @property
    def config(self) -> config_module.Config:
        """The project's configuration, as the CLI would load it."""
        return config_module.load(self.root, env={})

    @property
    def sha(self) -> str:
        """The notebook's current source_sha256."""
        return source_sha256(read(self.notebook).nb)

    def add_evidence(self, outcome: str = SmokeOutcome.PASSED, path: Path | None = None) -> Path:
        """Passing (or ``outcome``) evidence for the notebook's current content."""
        target = path or self.notebook
        sha = source_sha256(read(target).nb)
        return write_evidence(
            self.root / ".nbgate",
            sha,
            path=target.relative_to(self.root).as_posix(),
            outcome=outcome,
        )

    def edit(self, body: str, *, commit: bool = True, path: Path | None = None) -> None:
        """Change the notebook's code (and commit it, with fresh passing evidence)."""
        target = path or self.notebook
        notebooks.write(target, promotable_notebook(body))
        if commit:
            self.repo.commit_all("edit notebook")
            self.add_evidence(path=target)
