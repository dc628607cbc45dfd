"""Each vocabulary is one enum whose values are the strings stored and shown (issue 14, "one vocabulary")."""

from __future__ import annotations

import enum
import json

import pytest

from nbgate import evidence, gate
from nbgate.evidence import SmokeOutcome
from nbgate.gate import StageStatus
from nbgate.production import index
from nbgate.production.index import model as index_model
from nbgate.production.index.model import RunStatus
from nbgate.registry import model
from nbgate.registry.model import RevisionAction, ScheduleState
from testing.registry import revision


@pytest.mark.parametrize(
    ("vocabulary", "values"),
    [
        (StageStatus, ["pass", "fail", "skip"]),
        (RunStatus, ["running", "succeeded", "failed", "refused", "lost"]),
        (RevisionAction, ["promote", "pause", "resume", "rollback", "retire"]),
        (ScheduleState, ["active", "paused", "retired"]),
        (SmokeOutcome, ["passed", "failed", "error", "timeout", "dead-kernel", "xfailed"]),
    ],
)
def test_values_are_the_stored_strings(vocabulary: type[enum.StrEnum], values: list[str]) -> None:
    assert [member.value for member in vocabulary] == values
    for member in vocabulary:
        assert member == member.value and f"{member}" == member.value
        assert json.loads(json.dumps({"v": member})) == {"v": member.value}
        assert vocabulary(member.value) is member


@pytest.mark.parametrize(
    ("module", "vocabulary"),
    [
        (gate, StageStatus),
        (index_model, RunStatus),
        (index, RunStatus),
        (model, RevisionAction),
        (model, ScheduleState),
    ],
)
def test_module_names_are_the_members(module: object, vocabulary: type[enum.StrEnum]) -> None:
    for member in vocabulary:
        assert getattr(module, member.name) is member


def test_tuples_list_every_member() -> None:
    assert index.STATUSES == tuple(RunStatus)
    assert model.ACTIONS == tuple(RevisionAction)
    assert evidence.OUTCOMES == tuple(SmokeOutcome)
    assert set(model.STATE_AFTER) == set(RevisionAction) and set(model.STATE_AFTER.values()) == set(
        ScheduleState
    )


def test_the_revision_schema_allows_exactly_the_actions() -> None:
    assert model.schema()["properties"]["action"]["enum"] == [
        action.value for action in RevisionAction
    ]


def test_a_loaded_revision_carries_the_enum_and_its_file_the_string() -> None:
    written = model.dumps(revision(action=RevisionAction.PAUSE))
    assert b"action: pause\n" in written
    loaded = model.loads(written, "0001.yaml")
    assert type(loaded.action) is RevisionAction and loaded.action is RevisionAction.PAUSE
    assert loaded.state is ScheduleState.PAUSED
    assert type(loaded.to_dict()["action"]) is str
