"""A small project with one committed notebook, for production-run tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from nbgate import config as config_module
from nbgate.config import Config
from nbgate.evidence import SmokeOutcome
from nbgate.identity import source_sha256
from nbgate.production.spec import RunSpec
from nbgate.registry.model import RevisionAction, ScheduleState
from testing import notebooks
from testing.git import Repo

#: Parameters cell of the default notebook: ``run_date`` receives the logical date.
PARAMETERS = 'run_date = "2000-01-01"\nlimit = 5\nlabel = "dev"'


def default_cells() -> list[dict[str, Any]]:
    """A notebook that prints its parameters and fails when ``limit`` is below 3."""
    return [
        notebooks.code(PARAMETERS, tags=["parameters"]),
        notebooks.code('print(f"date={run_date} limit={limit} label={label}")'),
        notebooks.code('assert limit >= 3, f"limit {limit} is too small"'),
    ]


class Project(NamedTuple):
    """A git repository holding ``notebooks/job.ipynb`` and a pyproject."""

    root: Path
    repo: Repo
    notebook: Path
    commit: str
    nb: dict[str, Any]

    def config(self, **overrides: Any) -> Config:
        """The project's configuration (``overrides`` are dotted option values)."""
        return config_module.load(self.root, overrides=overrides, env={})

    def spec(self, **changes: Any) -> RunSpec:
        """A run spec for the committed notebook (``changes`` replace fields)."""
        base = RunSpec(
            name="job",
            rev=1,
            state=ScheduleState.ACTIVE,
            notebook="notebooks/job.ipynb",
            source_sha256=source_sha256(self.nb),
            commit=self.commit,
            parameters={"label": "prod"},
        )
        return base._replace(**changes)


def make_project(
    root: Path, cells: list[dict[str, Any]] | None = None, *, pyproject: str = ""
) -> Project:
    """Create and commit the project under ``root``."""
    repo = Repo(root)
    (root / "pyproject.toml").write_text(
        f'[tool.nbgate]\ninclude = ["notebooks/**/*.ipynb"]\n{pyproject}'
    )
    (root / ".gitignore").write_text(".nbgate/\n")
    nb = notebooks.make(cells if cells is not None else default_cells())
    path = notebooks.write(root / "notebooks" / "job.ipynb", nb)
    commit = repo.commit_all("add job")
    return Project(root, repo, path, commit, nb)


def add_revision(
    config: Config, name: str, *, action: str = RevisionAction.PROMOTE, **fields: Any
) -> Any:
    """Append a revision to schedule ``name`` through the registry store; return the ``Revision``.

    The first revision needs ``notebook``, ``source_sha256`` and ``commit``;
    later ones repeat the newest revision with ``fields`` changed.
    """
    from nbgate.registry import model, store

    schedule = store.find_schedule(config, name)
    if schedule is None:
        base = model.Revision(
            name=name,
            rev=1,
            action=action,
            notebook=fields.pop("notebook"),
            source_sha256=fields.pop("source_sha256"),
            commit=fields.pop("commit"),
            schedule=fields.pop("schedule", "0 6 * * *"),
            timezone=fields.pop("timezone", "UTC"),
            evidence={"source_sha256": "0" * 64, "outcome": SmokeOutcome.PASSED.value},
            promoted_by="tests",
            promoted_at="2024-01-01T00:00:00Z",
        )
        previous = None
    else:
        last = schedule.files[-1]
        base = last.revision
        previous = last.sha256
        fields.setdefault("source_rev", base.rev if action != RevisionAction.PROMOTE else None)
    execution = fields.pop("execution", None)
    if execution is not None:
        fields["execution"] = model.ExecutionSettings(**{**base.execution.to_dict(), **execution})
    revision = base.__class__(
        **{
            **base.__dict__,
            "rev": base.rev + 1 if previous else 1,
            "action": action,
            "previous_sha256": previous,
            **fields,
        }
    )
    return store.create_revision(config, revision).revision


def promote(project: Project, name: str = "job", **fields: Any) -> Any:
    """Promote the project's committed notebook as schedule ``name`` (a new revision)."""
    from nbgate.registry import store

    config = project.config()
    if store.find_schedule(config, name) is None:
        fields = {
            "notebook": "notebooks/job.ipynb",
            "source_sha256": source_sha256(project.nb),
            "commit": project.commit,
            **fields,
        }
    fields.setdefault("parameters", {"label": "prod"})
    return add_revision(config, name, **fields)
