"""The pages of ``nbgate serve``, as HTML text: shared by the server and ``--static``.

Every link is relative and every page URL is a folder (``schedules/<name>/``
served as ``.../index.html``), so the same HTML works from the server and
from a static folder below any prefix. Page functions raise ``NotFound``
for anything the registry or the run index does not name.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from nbgate.diff import ADDED, MODIFIED, FileDiff, diff_notebooks
from nbgate.diffrender import Sides, to_html
from nbgate.errors import NbgateError
from nbgate.notebook import loads as load_notebook
from nbgate.production.index import STATUSES, RunRecord
from nbgate.registry.model import ACTIVE, PAUSED, RETIRED, Revision
from nbgate.registry.store import RevisionFile
from nbgate.web import charts, cron
from nbgate.web.data import RATE_DAYS, Data, ScheduleView, Stats, status
from nbgate.web.notebook import FAILED_ANCHOR, Renderer, failing_cell

#: Policy of every app page: styles and frames from the app only, no script at all.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'")
#: Policy of an output notebook or diff document: sandboxed, inline styles and data images only.
DOCUMENT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
TEMPLATES = Path(__file__).with_name("templates") / "pages"
RUNS_SHOWN = 500
CHARTS_SHOWN = 12
SCHEDULE_RUNS_SHOWN = 100


class NotFound(Exception):
    """Nothing the registry or run index names lives at this address."""


def _env() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)


def when(stamp: str | None) -> str:
    """An index or registry UTC time for people: ``2026-11-27 06:00:12``."""
    return stamp.replace("T", " ").rstrip("Z")[:19] if stamp else ""


def seconds(value: float | None) -> str:
    """A duration for people."""
    if value is None:
        return ""
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    if value >= 60:
        return f"{value / 60:.1f} min"
    return f"{value:.1f} s"


def schedule_href(name: str) -> str:
    """Link (from the root) of a schedule's page."""
    return f"schedules/{name}/index.html"


def run_href(record: RunRecord) -> str:
    """Link (from the root) of a run's page."""
    return f"schedules/{record.name}/runs/{record.id}/index.html"


def _first_line(text: str | None, width: int = 140) -> str:
    return text.strip().splitlines()[-1][:width] if text and text.strip() else ""


class Pages:
    """Renders each page from a ``Data``; ``static`` hides the server-side filter forms."""

    def __init__(self, data: Data, *, static: bool = False) -> None:
        self.data = data
        self.static = static
        self.env = _env()
        self.renderer = Renderer()

    def _page(self, template: str, depth: int, **context: Any) -> str:
        root = "../" * depth
        return str(self.env.get_template(template).render(
            root=root, csp=PAGE_CSP, static=self.static, project=self.data.config.root.name, **context))

    # ------------------------------------------------------------------ schedules

    def _run_row(self, record: RunRecord) -> dict[str, Any]:
        return {"href": run_href(record), "name": record.name, "name_href": schedule_href(record.name),
                "started": when(record.started), "rev": "" if record.rev is None else record.rev,
                "date": record.date or "", "run_id": record.run_id, "status": status(record),
                "duration": seconds(record.duration), "error": _first_line(record.error)}

    def _current(self, view: ScheduleView, now: datetime) -> dict[str, Any] | None:
        if view.schedule is None:
            return None
        latest = view.schedule.latest
        zone = ZoneInfo(latest.timezone)
        times = [t.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z") for t in cron.next_runs(
            latest.schedule, latest.timezone, 3, now=now)] if view.state == ACTIVE else []
        return {"cron": latest.schedule, "timezone": latest.timezone, "words": cron.describe(latest.schedule),
                "next": times or ([f"none ({view.state})"] if view.state != ACTIVE else []),
                "owners": list(latest.owners), "rev": latest.rev, "action": latest.action,
                "notebook": latest.notebook}

    def schedules(self, *, state: str = "", owner: str = "", q: str = "") -> str:
        """The schedules page, filtered by state and owner, searched by name."""
        views = self.data.schedules()
        stats = self.data.stats()
        now = datetime.now(timezone.utc)
        owners = sorted({o for v in views if v.schedule is not None for o in v.schedule.latest.owners})
        rows = []
        for view in views:
            if (state and view.state != state) or (q and q.lower() not in view.name):
                continue
            if owner and (view.schedule is None or owner not in view.schedule.latest.owners):
                continue
            current = self._current(view, now) or {}
            run_stats = stats.get(view.name, Stats(None, 0, 0))
            last = run_stats.last
            rows.append({
                "name": view.name, "href": schedule_href(view.name), "state": view.state,
                "error": view.error, **current, "next": current.get("next", []),
                "last": None if last is None else {"status": status(last), "started": when(last.started),
                                                   "duration": seconds(last.duration), "href": run_href(last)},
                "rate": "" if run_stats.rate is None else
                f"{run_stats.rate:.0%} ({run_stats.succeeded}/{run_stats.finished})",
            })
        return self._page("schedules.html", 0, rows=rows, total=len(views), owners=owners, owner=owner,
                          state=state, q=q, states=(ACTIVE, PAUSED, RETIRED, "broken"), rate_days=RATE_DAYS)

    def _view(self, name: str) -> ScheduleView:
        try:
            return self.data.schedule(name)
        except KeyError:
            raise NotFound(name) from None

    @staticmethod
    def _revision_row(name: str, stored: RevisionFile) -> dict[str, Any]:
        rev: Revision = stored.revision
        evidence = rev.evidence or {}
        bits = [str(evidence.get("outcome", "")), when(str(evidence.get("time", "")))]
        if evidence.get("duration") is not None:
            bits.append(seconds(float(evidence["duration"])))
        return {"rev": rev.rev, "action": rev.action, "source_rev": rev.source_rev, "who": rev.promoted_by,
                "when": when(rev.promoted_at), "sha": rev.source_sha256[:12], "sha_full": rev.source_sha256,
                "file_sha": stored.sha256[:12], "evidence": " · ".join(b for b in bits if b) or "none",
                "notebook": rev.notebook, "commit": rev.commit[:12], "cron": rev.schedule,
                "timezone": rev.timezone, "parameters": json.dumps(rev.parameters, sort_keys=True, default=str),
                "href": f"schedules/{name}/rev/{rev.rev}/index.html",
                "diff_label": "first revision" if rev.rev == 1 else f"diff {rev.rev - 1} → {rev.rev}"}

    def schedule(self, name: str) -> str:
        """A schedule: its revisions (newest first), its runs and their chart."""
        view = self._view(name)
        files = view.schedule.files if view.schedule is not None else ()
        revisions = [self._revision_row(name, f) for f in reversed(files)]
        records = self.data.runs(name=name)
        shown = records[:SCHEDULE_RUNS_SHOWN]
        chart = charts.durations(name, shown, [status(r) for r in shown])
        return self._page("schedule.html", 2, name=name, state=view.state, error=view.error,
                          current=self._current(view, datetime.now(timezone.utc)), revisions=revisions,
                          runs=[self._run_row(r) for r in shown], chart=chart, more=len(records) > len(shown),
                          total_runs=len(records))

    def _stored(self, name: str, rev: int) -> tuple[ScheduleView, RevisionFile]:
        view = self._view(name)
        if view.schedule is None or not 1 <= rev <= len(view.schedule.files):
            raise NotFound(f"{name} rev {rev}")
        return view, view.schedule.files[rev - 1]

    def revision(self, name: str, rev: int) -> str:
        """One revision's facts and the notebook diff from the previous revision."""
        _, stored = self._stored(name, rev)
        sides = f"rev {rev - 1} → rev {rev}" if rev > 1 else f"(none) → rev {rev}"
        try:
            self._diff_files(name, rev)
            problem = None
        except NbgateError as exc:
            problem = f"The promoted notebook cannot be read, so there is no diff: {exc}"
        return self._page("revision.html", 4, name=name, rev=self._revision_row(name, stored), sides=sides,
                          schedule_href=schedule_href(name), diff_error=problem)

    def _diff_files(self, name: str, rev: int) -> list[FileDiff]:
        _, stored = self._stored(name, rev)
        new_raw, _ = self.data.notebook(name, rev)
        new = load_notebook(new_raw, f"{name} rev {rev}")
        path = stored.revision.notebook
        if rev == 1:
            return [FileDiff(path, ADDED, diff_notebooks(None, new))]
        old_raw, _ = self.data.notebook(name, rev - 1)
        old = load_notebook(old_raw, f"{name} rev {rev - 1}")
        old_path = self.data.schedule(name).schedule.files[rev - 2].revision.notebook  # type: ignore[union-attr]
        return [FileDiff(path, MODIFIED, diff_notebooks(old, new), old_path if old_path != path else None)]

    def diff(self, name: str, rev: int) -> str:
        """The notebook diff of revision ``rev`` as ``nbgate diff --format html`` renders it."""
        try:
            files = self._diff_files(name, rev)
        except NbgateError as exc:
            raise NotFound(str(exc)) from None
        sides = Sides(f"{name} rev {rev - 1}" if rev > 1 else "nothing", f"{name} rev {rev}")
        return _with_policy(to_html(files, sides))

    # ------------------------------------------------------------------ runs

    def runs(self, *, schedule: str = "", state: str = "", since: str = "", until: str = "") -> str:
        """The runs page: filtered by schedule, status and date range; one chart per schedule."""
        records = self.data.runs(name=schedule or None, status=state or None)
        if since or until:
            records = [r for r in records if _within(r, since, until)]
        rows = [self._run_row(r) for r in records[:RUNS_SHOWN]]
        by_name: dict[str, list[RunRecord]] = {}
        for record in records:
            by_name.setdefault(record.name, []).append(record)
        chart_list = []
        for name, items in list(by_name.items())[:CHARTS_SHOWN]:
            items = items[:SCHEDULE_RUNS_SHOWN]
            chart_list.append({"name": name, "href": schedule_href(name),
                               "svg": charts.durations(name, items, [status(r) for r in items])})
        names = self.data.names() if not self.static else []
        return self._page("runs.html", 1, rows=rows, total=len(records), shown=len(rows), charts=chart_list,
                          more_charts=len(by_name) > CHARTS_SHOWN, chart_total=len(by_name), names=names,
                          schedule=schedule, status=state, since=since, until=until, statuses=STATUSES)

    def _record(self, name: str, run_id: int) -> RunRecord:
        try:
            return self.data.run(name, run_id)
        except KeyError:
            raise NotFound(f"{name} run {run_id}") from None

    def output_text(self, name: str, run_id: int) -> str:
        """The run's output notebook text (``NotFound`` when it has none or it is gone)."""
        record = self._record(name, run_id)
        try:
            return self.data.output(record)
        except (KeyError, FileNotFoundError, NbgateError) as exc:
            raise NotFound(f"{name} run {run_id}: {exc}") from None

    def run(self, name: str, run_id: int) -> str:
        """A run: parameters, timing, host, error, and its output notebook in a sandboxed frame."""
        return self.run_page(self._record(name, run_id))

    def run_page(self, record: RunRecord) -> str:
        """``run`` for a record already read from the index."""
        name = record.name
        failed: int | None = None
        failed_label = ""
        note = "This run has no output notebook."
        has_output = False
        if record.output:
            try:
                text = self.data.output(record)
                has_output = True
                nb = orjson.loads(text)
                failed = failing_cell(nb)
                if failed is not None:
                    count = nb["cells"][failed].get("execution_count")
                    failed_label = f"In [{count}]" if count else f"cell {failed + 1}"
            except (FileNotFoundError, KeyError):
                note = f"The output notebook {record.output} is not there any more."
            except (NbgateError, orjson.JSONDecodeError, AttributeError, TypeError) as exc:
                note = f"The output notebook cannot be read: {exc}"
                has_output = False
        rev_href = f"schedules/{name}/rev/{record.rev}/index.html" if record.rev else None
        shown = {**self._run_row(record), "started": when(record.started), "ended": when(record.ended),
                 "error": record.error or "", "host": record.host or "", "pid": record.pid,
                 "attempt": record.attempt, "source": record.source or "",
                 "source_sha256": record.source_sha256 or "", "output": record.output or ""}
        params = [(k, json.dumps(v, default=str)) for k, v in sorted(record.parameters.items())]
        return self._page("run.html", 4, r=shown, params=params, has_output=has_output, output_note=note,
                          failed_cell=failed, failed_label=failed_label, anchor=FAILED_ANCHOR, schedule_href=schedule_href(name),
                          rev_href=rev_href, download_name=f"{name}-{record.run_id}.ipynb")

    def notebook(self, name: str, run_id: int) -> str:
        """The output notebook as an HTML document (served sandboxed, never inline)."""
        return self.notebook_document(self.output_text(name, run_id), f"{name} run {run_id}")

    def notebook_document(self, text: str, label: str) -> str:
        """An output notebook's text as the HTML document ``notebook`` serves."""
        try:
            rendered = self.renderer.render(text)
        except ValueError as exc:
            raise NotFound(f"{label}: {exc}") from None
        return _with_policy(rendered.html)


def _within(record: RunRecord, since: str, until: str) -> bool:
    day = record.date or record.started[:10]
    return (not since or day >= since) and (not until or day <= until)


def _with_policy(document: str) -> str:
    """``document`` with the no-script policy as a meta tag too (for static hosting, where headers are not ours)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{DOCUMENT_CSP.replace("sandbox; ", "")}">'
    head = document.find("<head>")
    if head < 0:
        return meta + document
    return document[: head + 6] + meta + document[head + 6:]

