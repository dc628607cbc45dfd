"""The pages of ``nbgate serve``, as HTML text: shared by the server and ``--static``.

Every link is relative and every page URL is a folder (``schedules/<name>/``
served as ``.../index.html``), so the same HTML works from the server and
from a static folder below any prefix. Page functions raise ``NotFound``
for anything the registry or the run index does not name.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import orjson

from nbgate.diff.model import FileDiff
from nbgate.diff.render import Sides, to_html
from nbgate.errors import NbgateError
from nbgate.production.index import STATUSES, RunRecord
from nbgate.registry.model import ACTIVE, PAUSED, RETIRED
from nbgate.registry.store import RevisionFile
from nbgate.web import charts, cron, rows
from nbgate.web.data import RATE_DAYS, Data, ScheduleView, Stats, status
from nbgate.web.notebook import FAILED_ANCHOR, Renderer, failing_cell
from nbgate.web.pagekit import (
    CHARTS_SHOWN,
    PAGE_CSP,
    RUNS_SHOWN,
    SCHEDULE_RUNS_SHOWN,
    NotFound,
    environment,
    first_line,
    given,
    run_href,
    schedule_href,
    seconds,
    shown_times,
    when,
    with_policy,
    within,
)
from nbgate.web.revisions import RevisionDiffs, revision_row


class Pages:
    """Renders each page from a ``Data``; ``static`` hides the server-side filter forms."""

    def __init__(self, data: Data, *, static: bool = False) -> None:
        self.data = data
        self.static = static
        self.env = environment()
        self.renderer = Renderer()
        self._fixed: dict[str, tuple[ScheduleView, tuple[str, str]]] = {}
        self._shells: dict[int, tuple[str, str, str]] = {}
        self._rows: dict[str, tuple[ScheduleView, Any, str]] = {}
        self._diffs = RevisionDiffs(data)

    def _page(self, template: str, depth: int, **context: Any) -> str:
        root = "../" * depth
        return str(
            self.env.get_template(template).render(
                root=root,
                csp=PAGE_CSP,
                static=self.static,
                project=self.data.config.root.name,
                **context,
            )
        )

    # ------------------------------------------------------------------ schedules

    def _run_row(self, record: RunRecord) -> dict[str, Any]:
        return {
            "href": run_href(record),
            "name": record.name,
            "name_href": schedule_href(record.name),
            "started": when(record.started),
            "rev": "" if record.rev is None else record.rev,
            "date": record.date or "",
            "run_id": record.run_id,
            "status": status(record),
            "duration": seconds(record.duration),
            "error": first_line(record.error),
        }

    def _current(self, view: ScheduleView) -> dict[str, Any] | None:
        if view.schedule is None:
            return None
        latest = view.schedule.latest
        return {
            "cron": latest.schedule,
            "timezone": latest.timezone,
            "words": cron.describe(latest.schedule),
            "next": self._upcoming(view),
            "owners": list(latest.owners),
            "rev": latest.rev,
            "action": latest.action,
            "notebook": latest.notebook,
        }

    def schedules(self, *, state: str = "", owner: str = "", q: str = "") -> str:
        """The schedules page, filtered by state and owner, searched by name."""
        views = self.data.schedules()
        stats = self.data.stats()
        owners = sorted(
            {o for v in views if v.schedule is not None for o in v.schedule.latest.owners}
        )
        body = []
        for view in views:
            if (state and view.state != state) or (q and q.lower() not in view.name):
                continue
            if owner and (view.schedule is None or owner not in view.schedule.latest.owners):
                continue
            cached = self._fixed.get(view.name)
            if (
                cached is None or cached[0] is not view
            ):  # views are reused while their folder is unchanged
                current = self._current(view) or {}
                row = {
                    "name": view.name,
                    "href": schedule_href(view.name),
                    "state": view.state,
                    "error": view.error,
                    **current,
                }
                cached = (view, rows.schedule_fixed(row, ""))
                self._fixed[view.name] = cached
            run_stats = stats.get(view.name, Stats(None, 0, 0))
            last = run_stats.last
            upcoming = self._upcoming(view)
            key = (run_stats, None if last is None else status(last), upcoming)
            done = self._rows.get(view.name)
            if done is not None and done[0] is view and done[1] == key:
                body.append(done[2])  # nothing shown in this row changed since the last request
                continue
            shown_last = (
                None
                if last is None
                else {
                    "status": status(last),
                    "started": when(last.started),
                    "duration": seconds(last.duration),
                    "href": run_href(last),
                }
            )
            rate = (
                ""
                if run_stats.rate is None
                else f"{run_stats.rate:.0%} ({run_stats.succeeded}/{run_stats.finished})"
            )
            row_html = rows.schedule_row(cached[1], upcoming, shown_last, rate, "")
            self._rows[view.name] = (view, key, row_html)
            body.append(row_html)
        return self._page(
            "schedules.html",
            0,
            body="\n".join(body),
            count=len(body),
            total=len(views),
            owners=owners,
            owner=owner,
            state=state,
            q=q,
            states=(ACTIVE, PAUSED, RETIRED, "broken"),
            rate_days=RATE_DAYS,
        )

    @staticmethod
    def _upcoming(view: ScheduleView) -> list[str]:
        if view.schedule is None:
            return []
        if view.state != ACTIVE:
            return [f"none ({view.state})"]
        latest = view.schedule.latest
        return list(
            shown_times(tuple(cron.next_runs(latest.schedule, latest.timezone, 3)), latest.timezone)
        )

    def _view(self, name: str) -> ScheduleView:
        try:
            return self.data.schedule(name)
        except KeyError:
            raise NotFound(name) from None

    def schedule(self, name: str) -> str:
        """A schedule: its revisions (newest first), its runs and their chart."""
        view = self._view(name)
        files = view.schedule.files if view.schedule is not None else ()
        revisions = [revision_row(name, f) for f in reversed(files)]
        records = self.data.runs(name=name)
        shown = records[:SCHEDULE_RUNS_SHOWN]
        chart = charts.durations(name, shown, [status(r) for r in shown])
        return self._page(
            "schedule.html",
            2,
            name=name,
            state=view.state,
            error=view.error,
            current=self._current(view),
            revisions=revisions,
            runs=bool(shown),
            runs_table=rows.run_rows([self._run_row(r) for r in shown], "../../", show_name=False),
            chart=chart,
            more=len(records) > len(shown),
            total_runs=len(records),
            shown_runs=len(shown),
        )

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
        return self._page(
            "revision.html",
            4,
            name=name,
            rev=revision_row(name, stored),
            sides=sides,
            schedule_href=schedule_href(name),
            diff_error=problem,
        )

    def _diff_files(self, name: str, rev: int) -> list[FileDiff]:
        _, stored = self._stored(name, rev)
        return self._diffs.files(name, rev, stored)

    def diff(self, name: str, rev: int) -> str:
        """The notebook diff of revision ``rev`` as ``nbgate diff --format html`` renders it."""
        try:
            files = self._diff_files(name, rev)
        except NbgateError as exc:
            raise NotFound(str(exc)) from None
        sides = Sides(f"{name} rev {rev - 1}" if rev > 1 else "nothing", f"{name} rev {rev}")
        return with_policy(to_html(files, sides))

    # ------------------------------------------------------------------ runs

    def runs(self, *, schedule: str = "", state: str = "", since: str = "", until: str = "") -> str:
        """The runs page: filtered by schedule, status and date range; one chart per schedule shown."""
        name, wanted = schedule or None, state or None
        if since or until:  # the index filters by name and status; dates are filtered here
            records = [
                r for r in self.data.runs(name=name, status=wanted) if within(r, since, until)
            ]
            total: int | None = len(records)
        else:
            records = self.data.runs(name=name, status=wanted, limit=RUNS_SHOWN + 1)
            total = len(records) if len(records) <= RUNS_SHOWN else None
        shown = records[:RUNS_SHOWN]
        names = list(dict.fromkeys(r.name for r in shown))
        chart_list = []
        for chart_name in names[:CHARTS_SHOWN]:
            items = [
                r
                for r in self.data.runs(name=chart_name, limit=SCHEDULE_RUNS_SHOWN)
                if within(r, since, until)
            ]
            chart_list.append(
                {
                    "name": chart_name,
                    "href": schedule_href(chart_name),
                    "svg": charts.durations(chart_name, items, [status(r) for r in items]),
                }
            )
        return self._page(
            "runs.html",
            1,
            runs_table=rows.run_rows([self._run_row(r) for r in shown], "../"),
            total=total,
            shown=len(shown),
            charts=chart_list,
            more_charts=len(names) > CHARTS_SHOWN,
            chart_total=len(names),
            names=[] if self.static else self.data.names(),
            schedule=schedule,
            status=state,
            since=since,
            until=until,
            statuses=STATUSES,
        )

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

    def run_page(self, record: RunRecord, output: str | Exception | None = None) -> str:
        """``run`` for a record already read from the index.

        ``output``: its output notebook's text, or the error reading it raised, when the caller
        has read it already (``--static`` writes the notebook too); else it is read here.
        """
        name = record.name
        failed: int | None = None
        failed_label = ""
        note = "This run has no output notebook."
        has_output = False
        if record.output:
            try:
                text = self.data.output(record) if output is None else given(output)
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
        shown = {
            **self._run_row(record),
            "started": when(record.started),
            "ended": when(record.ended),
            "error": record.error or "",
            "host": record.host or "",
            "pid": record.pid,
            "attempt": record.attempt,
            "source": record.source or "",
            "source_sha256": record.source_sha256 or "",
            "output": record.output or "",
        }
        params = [(k, json.dumps(v, default=str)) for k, v in sorted(record.parameters.items())]
        shown.update(
            params=params,
            has_output=has_output,
            output_note=note,
            failed_cell=failed,
            failed_label=failed_label,
            anchor=FAILED_ANCHOR,
            schedule_href=schedule_href(name),
            rev_href=rev_href,
            download_name=f"{name}-{record.run_id}.ipynb",
        )
        return self._shell(4, f"{name} run {record.run_id}", rows.run_main(shown, "../../../../"))

    def _shell(self, depth: int, title: str, main: str) -> str:
        """The page layout around ``main`` (rendered once per depth, then filled in)."""
        shell = self._shells.get(depth)
        if shell is None:
            page = self._page("shell.html", depth, title="\x00", main="\x01")
            head, _, rest = page.partition("\x00")
            middle, _, tail = rest.partition("\x01")
            shell = self._shells[depth] = (head, middle, tail)
        return f"{shell[0]}{escape(title)}{shell[1]}{main}{shell[2]}"

    def notebook(self, name: str, run_id: int) -> str:
        """The output notebook as an HTML document (served sandboxed, never inline)."""
        return self.notebook_document(self.output_text(name, run_id), f"{name} run {run_id}")

    def notebook_document(self, text: str, label: str) -> str:
        """An output notebook's text as the HTML document ``notebook`` serves."""
        try:
            rendered = self.renderer.render(text)
        except ValueError as exc:
            raise NotFound(f"{label}: {exc}") from None
        return with_policy(rendered.html)
