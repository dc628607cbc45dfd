from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nbgate.errors import UsageError
from nbgate.production.spec import (
    attempt_run_id,
    check_run_id,
    logical_date,
    merge_parameters,
    new_run_id,
)

# 23:30 UTC on 31 Dec is already 1 Jan in Berlin and still 31 Dec in New York
NOW = datetime(2023, 12, 31, 23, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        (None, "UTC", "2023-12-31"),
        ("today", "Europe/Berlin", "2024-01-01"),
        ("today", "America/New_York", "2023-12-31"),
        ("yesterday", "Europe/Berlin", "2023-12-31"),
        ("2024-02-29", "UTC", "2024-02-29"),
    ],
)
def test_logical_date(text: str | None, tz: str, expected: str) -> None:
    assert logical_date(text, tz, now=NOW) == expected


@pytest.mark.parametrize("text", ["2023-02-29", "2024-1-01", "20240101", "tomorrow", ""])
def test_logical_date_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="--date"):
        logical_date(text, "UTC", now=NOW)


def test_unknown_timezone_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Mars/Olympus"):
        logical_date(None, "Mars/Olympus")


def test_run_ids() -> None:
    first = new_run_id(NOW)
    assert first.startswith("20231231T233000Z-") and check_run_id(first) == first
    assert new_run_id(NOW) != first
    assert attempt_run_id("abc", 1) == "abc"
    assert attempt_run_id("abc", 3) == "abc-retry2"


@pytest.mark.parametrize("text", ["../x", "a/b", "-x", "a b", "x" * 129, "a..b", ""])
def test_unsafe_run_ids_are_rejected(text: str) -> None:
    with pytest.raises(UsageError, match="--run-id"):
        check_run_id(text)


@pytest.mark.parametrize(
    ("production", "overrides", "declared", "expected"),
    [
        # run_date is injected only when the parameters cell defines it
        ({"a": 1}, {}, {"a": 0, "run_date": ""}, {"a": 1, "run_date": "2024-03-01"}),
        ({"a": 1}, {}, {"a": 0}, {"a": 1}),
        ({"a": 1}, {}, None, {"a": 1}),
        # --param beats production, typed by the default; the logical date beats a recorded run_date
        (
            {"a": 1, "run_date": "1999-01-01"},
            {"a": "2"},
            {"a": 0, "run_date": ""},
            {"a": 2, "run_date": "2024-03-01"},
        ),
        ({"a": "x"}, {"a": "2"}, {"a": ""}, {"a": "2"}),
    ],
)
def test_merge_parameters(
    production: dict[str, object],
    overrides: dict[str, object],
    declared: dict[str, object] | None,
    expected: dict[str, object],
) -> None:
    assert merge_parameters(production, overrides, "2024-03-01", declared) == expected


@pytest.mark.parametrize(
    ("overrides", "declared", "message"),
    [
        (
            {"b": "1"},
            {"a": 0},
            r"b: not defined in the notebook's parameters cell \(it defines: a\)",
        ),
        ({"b": "1"}, None, "it has no parameters cell"),
        ({"run_date": "2024-01-01"}, {"run_date": ""}, "--date"),
        ({"a": "False"}, {"a": 0}, "parameter 'a': 'False' is not a valid int"),
    ],
)
def test_merge_parameters_rejects(
    overrides: dict[str, object], declared: dict[str, object] | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        merge_parameters({}, overrides, "2024-03-01", declared)
