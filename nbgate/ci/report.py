"""``nbgate ci``'s markdown report: verdict, results table, stage details, schedules, then the diffs.

Every string a pull request controls (file names, messages, config) goes
through ``nbgate.github``'s escapers and secrets are masked as lint masks
them; lists, texts and the whole report are bounded in bytes, because
GitHub rejects a step summary over 1 MiB.
"""

from __future__ import annotations

from collections.abc import Sequence

from nbgate import github
from nbgate.ci.checks import Outcome
from nbgate.diff.model import FileDiff
from nbgate.diff.render import markdown_file, markdown_table
from nbgate.evidence import provenance
from nbgate.gate import FAIL, PASS, SKIP
from nbgate.lint.secrets import mask_text
from nbgate.registry.retest import Row

SUMMARY_LIMIT = github.SUMMARY_LIMIT  # bytes: GitHub rejects a step summary over 1 MiB
TABLE_ROWS = 300  # notebooks listed in the summary's table; all are in diff.html
SCHEDULE_ROWS = 500  # revision files listed in the schedules table
_MARK = {PASS: "✅ pass", FAIL: "❌ fail", SKIP: "⏭️ skip"}


def markdown_cell(text: str) -> str:
    """``text`` (a file name, a message a pull request controls) inert in a markdown table cell."""
    return github.md_text(text)


def schedules_table(rows: Sequence[Row]) -> list[str]:
    """The "schedules in this change" section: one line per revision file the change adds."""
    if not rows:
        return []
    here = provenance()
    where = here.get("run_url") or f"{here['user']}@{here['host']}"
    lines = [
        "### Schedules in this change",
        "",
        (
            f"Tested here ({markdown_cell(where)}, {here['time']}), at the exact content each revision names; "
            "the evidence a revision was promoted on is shown, not trusted."
        ),
        "",
        "| schedule | action | notebook | identity | tested here | time | executed notebook | promoted on evidence from |",  # noqa: E501 - the table header kept whole
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    marks = {"passed": "✅ passed", "failed": "❌ failed", "not needed": "not needed"}
    for row in rows[:SCHEDULE_ROWS]:
        lines.append(
            " | ".join(
                [
                    "",
                    markdown_cell(row.name or row.file),
                    markdown_cell(row.action),
                    markdown_cell(row.notebook),
                    f"`{row.sha[:12]}`" if row.sha else "",
                    marks.get(row.result, markdown_cell(row.result)),
                    f"{row.seconds:.1f}s" if row.seconds else "",
                    markdown_cell(row.artifact),
                    markdown_cell(row.evidence_from),
                    "",
                ]
            ).strip()
        )
    if len(rows) > SCHEDULE_ROWS:
        lines.append(f"\n_... and {len(rows) - SCHEDULE_ROWS} more revision file(s)_")
    return [*lines, ""]


def report(
    outcomes: Sequence[Outcome],
    files: Sequence[FileDiff],
    base_label: str,
    notebooks: Sequence[str],
    *,
    failed: bool,
    limit: int = SUMMARY_LIMIT,
    schedules: Sequence[Row] = (),
) -> str:
    """The markdown report: verdict, results table, stage details, then the notebooks' diffs.

    Every user-controlled string is escaped (``github.md_text``); lists, texts
    and the whole report are bounded in bytes (``github.bound``).
    """
    verdict = "❌ failed" if failed else "✅ passed"
    heading = f"{verdict} · compared with {github.md_code(base_label)} · {len(notebooks)} changed notebook(s)"
    lines = [
        "## nbgate ci",
        "",
        heading,
        "",
        "| stage | result | summary | time |",
        "| --- | --- | --- | --- |",
    ]
    for outcome in outcomes:
        result = outcome.result
        lines.append(
            f"| {result.name} | {_MARK.get(result.status, result.status)} | {github.md_text(result.summary)} | "
            f"{outcome.seconds:.1f}s |"
        )
    lines.append("")
    sections = ["\n".join(lines) + "\n"]
    for outcome in outcomes:
        if outcome.result.details:
            result = outcome.result
            opening = "<details open>" if result.status == FAIL else "<details>"
            items = [
                github.md_text(mask_text(detail.splitlines()[0] if detail else detail))
                for detail in result.details
            ]
            sections.append(
                "\n".join(
                    [
                        f"{opening}<summary>{result.name}: {len(result.details)} item(s)</summary>",
                        "",
                        *github.md_list(items, more="see report.md in the report folder"),
                        "",
                        "</details>",
                        "",
                    ]
                )
                + "\n"
            )
    if schedules:
        sections.append("\n".join(schedules_table(schedules)) + "\n")
    shown = [f for f in files if f.shown]
    if shown:
        table = markdown_table(shown[:TABLE_ROWS])
        more = (
            f"\n\n_… and {len(shown) - TABLE_ROWS} more notebook(s): see diff.html in the report folder._"
            if len(shown) > TABLE_ROWS
            else ""
        )
        sections.append("\n".join(["### Notebook changes", "", table + more, ""]) + "\n")
    sections += ["\n".join(markdown_file(file, level=4)) + "\n" for file in shown]
    text = github.bound(
        sections, limit=limit, pointer="see diff.html and report.md in the report folder"
    )
    return text.rstrip("\n") + "\n"
