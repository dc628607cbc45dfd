"""Table rows of the big pages, as HTML built in Python.

The schedules and runs tables have a row per schedule or run (thousands),
where a Jinja loop with macro calls costs about ten times as much as
joining escaped strings. Every value passes through ``html.escape``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any


def badge(text: str) -> str:
    """A status or state badge."""
    value = escape(text)
    return f'<span class="badge {value}">{value}</span>'


def schedule_fixed(s: Mapping[str, Any], root: str) -> tuple[str, str]:
    """The cells of a schedules-table row that change only with the schedule's revisions.

    Returns the cells before the next-runs column and those between it and
    the last-run column (``s`` is a row dict built by ``Pages.schedules``).
    """
    if s.get("rev"):
        revision = f'{s["rev"]} <span class="muted small">{escape(s["action"])}</span>'
    else:
        revision = f'<span class="small">{escape(s["error"] or "")}</span>'
    runs = ""
    if s.get("cron"):
        runs = (
            f'{escape(s["words"])}<br><code class="muted">{escape(s["cron"])}</code> '
            f'<span class="muted small">{escape(s["timezone"])}</span>'
        )
    head = (
        f'<tr><td><a href="{root}{escape(s["href"])}">{escape(s["name"])}</a></td><td>{badge(s["state"])}</td>'
        f"<td>{runs}</td>"
    )
    middle = f'<td class="small">{escape(", ".join(s.get("owners", ())))}</td><td>{revision}</td>'
    return head, middle


def schedule_row(
    fixed: tuple[str, str],
    upcoming: Iterable[str],
    last: Mapping[str, str] | None,
    rate: str,
    root: str,
) -> str:
    """One ``<tr>`` of the schedules table."""
    if last is None:
        shown_last = '<span class="muted">never</span>'
    else:
        shown_last = (
            f'{badge(last["status"])} <a href="{root}{escape(last["href"])}">{escape(last["started"])}'
            f'</a><br><span class="muted small">{escape(last["duration"])}</span>'
        )
    when = "<br>".join(escape(t) for t in upcoming)
    return f'{fixed[0]}<td class="small">{when}</td>{fixed[1]}<td>{shown_last}</td><td>{escape(rate)}</td></tr>'


def run_rows(rows: Iterable[Mapping[str, Any]], root: str, *, show_name: bool = True) -> str:
    """A runs table (header and rows) from the row dicts built by ``Pages._run_row``."""
    head = [
        "started (UTC)",
        *(["schedule"] if show_name else []),
        "rev",
        "date",
        "run id",
        "status",
        "duration",
        "error",
    ]
    out = ['<table class="runs">', "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for r in rows:
        name = (
            f'<td><a href="{root}{escape(r["name_href"])}">{escape(r["name"])}</a></td>'
            if show_name
            else ""
        )
        out.append(
            f'<tr><td><a href="{root}{escape(r["href"])}">{escape(r["started"])}</a></td>{name}'
            f"<td>{escape(str(r['rev']))}</td><td>{escape(r['date'])}</td>"
            f'<td class="mono small">{escape(r["run_id"])}</td><td>{badge(r["status"])}</td>'
            f'<td>{escape(r["duration"])}</td><td class="small">{escape(r["error"])}</td></tr>'
        )
    out.append("</table>")
    return "\n".join(out)


def run_main(r: Mapping[str, Any], root: str) -> str:
    """The body of a run's page (built in Python: ``--static`` writes one per run, tens of thousands).

    ``r`` holds the run's shown values (``Pages.run_page``); every value is escaped.
    """
    e = escape
    parts = [
        (
            f'<h1><a href="{root}{e(r["schedule_href"])}">{e(r["name"])}</a> · run '
            f'<span class="mono">{e(r["run_id"])}</span> {badge(r["status"])}</h1>'
        )
    ]
    if r["error"]:
        where = ""
        if r["failed_cell"] is not None:
            where = (
                f' at {e(r["failed_label"])}: <a href="notebook.html#{e(r["anchor"])}" target="notebook" '
                f'id="failed-cell-link">show the failing cell</a>'
            )
        parts.append(
            f'<div class="error" id="error-summary"><strong>Error</strong>{where}<pre>{e(r["error"])}</pre></div>'
        )
    rev = e(str(r["rev"]))
    if r["rev_href"]:
        rev = f'<a href="{root}{e(r["rev_href"])}">{rev}</a>'
    pid = f" (pid {e(str(r['pid']))})" if r["pid"] else ""
    download = ""
    if r["has_output"]:
        download = (
            f' · <a href="output.ipynb" download="{e(r["download_name"])}" id="download">'
            "download .ipynb</a>"
        )
    facts = [
        ("revision", rev),
        ("logical date", e(r["date"])),
        ("attempt", e(str(r["attempt"]))),
        ("started", e(r["started"])),
        ("ended", e(r["ended"])),
        ("duration", e(r["duration"])),
        ("host", e(r["host"]) + pid),
        ("source", f"<code>{e(r['source'])}</code>"),
        ("source_sha256", f"<code>{e(r['source_sha256'])}</code>"),
        ("output", f"<code>{e(r['output'])}</code>{download}"),
    ]
    parts.append(
        '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
    )
    parts.append("<h2>Parameters</h2>")
    if r["params"]:
        parts.append(
            '<table class="params"><tr><th>name</th><th>value</th></tr>'
            + "".join(
                f"<tr><td><code>{e(k)}</code></td><td><code>{e(v)}</code></td></tr>"
                for k, v in r["params"]
            )
            + "</table>"
        )
    else:
        parts.append('<p class="muted">none</p>')
    parts.append("<h2>Output notebook</h2>")
    if r["has_output"]:
        parts.append(
            '<iframe class="notebook" name="notebook" sandbox="" title="output notebook" '
            'src="notebook.html"></iframe>'
        )
    else:
        parts.append(f'<div class="notice">{e(r["output_note"])}</div>')
    return "\n".join(parts)
