from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nbgate.web.cron import describe, next_runs


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("0 6 * * *", "at 06:00, every day"),
        ("30 7 * * 1-5", "at 07:30, on Monday to Friday"),
        ("0 6 * * mon-fri", "at 06:00, on Monday to Friday"),
        ("15 * * * *", "at minute 15 of every hour"),
        ("*/15 * * * *", "every 15 minutes"),
        ("* * * * *", "every minute"),
        ("0 6,18 * * *", "at 06:00 and 18:00, every day"),
        ("0 2 1 * *", "at 02:00, on day 1 of the month"),
        ("0 2 1,15 jan,jul *", "at 02:00, on day 1 and 15 of the month, in January and July"),
        ("0 9 * * 0,6", "at 09:00, on Sunday and Saturday"),
        ("0 9 * * 7", "at 09:00, on Sunday"),
        ("5 */2 * * *", "at minute 5 past hour every 2"),
        ("0 0 1 * 1", "at 00:00, on day 1 of the month, or on Monday"),
        ("not cron", "not cron"),
    ],
)
def test_describe(expression: str, words: str) -> None:
    assert describe(expression) == words


def test_next_runs_are_in_the_schedules_timezone_across_a_dst_change() -> None:
    now = datetime(
        2024, 3, 29, 12, 0, tzinfo=timezone.utc
    )  # Europe/Berlin moves to CEST on the 31st
    runs = next_runs("0 6 * * *", "Europe/Berlin", 3, now=now)
    assert [r.isoformat() for r in runs] == [
        "2024-03-30T06:00:00+01:00",
        "2024-03-31T06:00:00+02:00",
        "2024-04-01T06:00:00+02:00",
    ]
    weekdays = next_runs("30 7 * * 1-5", "America/New_York", 3, now=now)
    assert [r.strftime("%a %H:%M") for r in weekdays] == ["Mon 07:30", "Tue 07:30", "Wed 07:30"]


def test_next_runs_of_a_bad_expression_is_empty() -> None:
    assert next_runs("99 * * * *", "UTC", 3) == []
    assert next_runs("0 6 * * *", "Nowhere/Atlantis", 3) == []
