"""Cron schedules for people: a 5-field expression in words, and its next run times.

Only the standard syntax the registry accepts (``nbgate.registry.model``):
numbers, names, ranges, steps and lists. Common shapes read naturally
("at 06:00 on Monday to Friday"); anything else is spelled out field by
field, so the words never claim more than the expression says.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAY_NAMES = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_MONTH_NAMES = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}


def _value(text: str, names: dict[str, int]) -> int:
    return names[text] if text in names else int(text)


def _list(field: str, names: dict[str, int], label: tuple[str, ...] | None) -> str:
    """A field's items in words: ``1-5`` -> ``Monday to Friday``, ``*/15`` -> ``every 15th``."""
    parts = []
    for item in field.split(","):
        span, _, step = item.partition("/")
        if span == "*":
            text = "every value"
        else:
            start, _, end = span.partition("-")
            first = _value(start, names)
            text = label[first] if label else str(first)
            if end:
                last = _value(end, names)
                text += " to " + (label[last] if label else str(last))
        if step:
            text = f"every {step}{'' if span == '*' else ' from ' + text}"
        parts.append(text)
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def _time(minute: str, hour: str) -> str:
    if minute.isdigit() and hour.isdigit():
        return f"at {int(hour):02d}:{int(minute):02d}"
    if minute.isdigit() and hour == "*":
        return f"at minute {int(minute)} of every hour"
    if minute == "*" and hour == "*":
        return "every minute"
    if minute.startswith("*/") and hour == "*":
        return f"every {minute[2:]} minutes"
    if minute.isdigit() and all(p.isdigit() for p in hour.split(",")):
        times = [f"{int(h):02d}:{int(minute):02d}" for h in hour.split(",")]
        return "at " + ", ".join(times[:-1]) + " and " + times[-1]
    words = f"at minute {_list(minute, {}, None)}" if minute != "*" else "every minute"
    if hour != "*":
        words += f" past hour {_list(hour, {}, None)}"
    return words


@functools.lru_cache(maxsize=4096)
def describe(expression: str) -> str:
    """``expression`` (5 fields) in words, e.g. ``0 6 * * 1-5`` -> ``at 06:00, Monday to Friday``."""
    fields = expression.lower().split()
    if len(fields) != 5:
        return expression
    minute, hour, dom, month, dow = fields
    try:
        words = [_time(minute, hour)]
        if dom != "*":
            words.append(f"on day {_list(dom, {}, None)} of the month")
        if month != "*":
            words.append(f"in {_list(month, _MONTH_NAMES, _MONTHS)}")
        if dow != "*":
            words.append(("or " if dom != "*" else "") + "on " + _list(dow, _DAY_NAMES, _DAYS))
        elif (
            dom == "*" and month == "*" and words[0].startswith("at ") and "minute" not in words[0]
        ):
            words.append("every day")
    except (KeyError, ValueError, IndexError):
        return expression
    return ", ".join(words)


_UPCOMING: dict[tuple[str, str, int], tuple[datetime, ...]] = {}


def next_runs(
    expression: str, zone: str, count: int = 3, *, now: datetime | None = None
) -> list[datetime]:
    """The next ``count`` run times of ``expression`` in timezone ``zone`` (aware datetimes).

    The answer stays right until the first of those times passes, so it is
    kept until then: croniter is slow, and a page lists a thousand schedules.
    """
    minute = _minute(now)
    key = (expression, zone, count)
    cached = _UPCOMING.get(key)
    if now is None and cached and cached[0] > minute:
        return list(cached)
    found = _next_runs(expression, zone, count, minute)
    if now is None:
        if len(_UPCOMING) > 65536:
            _UPCOMING.clear()
        _UPCOMING[key] = found
    return list(found)


def _minute(now: datetime | None) -> datetime:
    current = now or datetime.now(timezone.utc)
    return current.astimezone(timezone.utc).replace(second=0, microsecond=0)


def _next_runs(expression: str, zone: str, count: int, minute: datetime) -> tuple[datetime, ...]:
    # cached per minute: many schedules share an expression, and pages re-render often
    from croniter import croniter

    try:
        tz = ZoneInfo(zone)
        it = croniter(expression, minute.astimezone(tz))
        return tuple(it.get_next(datetime) for _ in range(count))
    except Exception:  # noqa: BLE001 - a bad expression or zone shows no times rather than failing the page
        return ()
