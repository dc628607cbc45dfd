"""Server-rendered SVG charts: run durations over time, coloured by outcome.

Plain SVG elements with presentation attributes and classes from the app's
style sheet (no inline ``style``, no script), so the page's
Content-Security-Policy needs nothing extra. Every text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from nbgate.production.index import RunRecord

WIDTH = 640
HEIGHT = 140
_PAD_LEFT = 44
_PAD_BOTTOM = 18
_PAD_TOP = 8


def _seconds(value: float) -> str:
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    if value >= 60:
        return f"{value / 60:.1f} min"
    return f"{value:.1f} s"


def durations(name: str, records: Sequence[RunRecord], statuses: Sequence[str]) -> str:
    """An SVG bar chart of ``records`` (any order), oldest left; ``statuses`` are their shown statuses."""
    esc = html.escape
    pairs = sorted(
        zip(records, statuses, strict=False), key=lambda pair: (pair[0].started, pair[0].id)
    )
    title = f"Run durations of {name}"
    if not pairs:
        return ""
    longest = max((r.duration or 0.0) for r, _ in pairs) or 1.0
    plot_w = WIDTH - _PAD_LEFT - 4
    plot_h = HEIGHT - _PAD_TOP - _PAD_BOTTOM
    step = plot_w / len(pairs)
    bar = max(min(step * 0.8, 24.0), 1.0)
    svg = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>'
    )
    parts = [
        svg,
        f'<line class="axis" x1="{_PAD_LEFT}" y1="{_PAD_TOP + plot_h}" x2="{WIDTH - 4}" y2="{_PAD_TOP + plot_h}"/>',
        f'<text class="tick" x="{_PAD_LEFT - 4}" y="{_PAD_TOP + 8}" text-anchor="end">{esc(_seconds(longest))}</text>',
        f'<text class="tick" x="{_PAD_LEFT - 4}" y="{_PAD_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for k, (record, shown) in enumerate(pairs):
        value = record.duration or 0.0
        height = max(plot_h * value / longest, 2.0)
        x = _PAD_LEFT + k * step + (step - bar) / 2
        y = _PAD_TOP + plot_h - height
        label = f"{record.started[:16].replace('T', ' ')} {shown}"
        if record.duration is not None:
            label += f", {_seconds(record.duration)}"
        parts.append(
            f'<rect class="bar {esc(shown)}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}"><title>{esc(label)}</title></rect>'
        )
    first, last = pairs[0][0].started[:10], pairs[-1][0].started[:10]
    parts.append(f'<text class="tick" x="{_PAD_LEFT}" y="{HEIGHT - 4}">{esc(first)}</text>')
    parts.append(
        f'<text class="tick" x="{WIDTH - 4}" y="{HEIGHT - 4}" text-anchor="end">{esc(last)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
