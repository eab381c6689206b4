"""Server-rendered SVG charts for the pages: bars per time bucket, with an optional
level drawn as a step line (people inside). A viewBox sized for a phone: the SVG scales
to its container's width, text included, so it stays readable at 360 px and grows on a
desk. No script, no chart library: the Content-Security-Policy allows neither inline
script nor style attributes' injection, and there is nothing to load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 14, 26  # the plot area's margins
TICKS = 4


@dataclass(frozen=True)
class Axis:
    start: datetime
    step: timedelta
    count: int
    label: str  # strftime of the x labels

    def index(self, at: datetime) -> int | None:
        i = int((at - self.start) / self.step)
        return i if 0 <= i < self.count else None


def _x(axis: Axis, i: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * i / axis.count


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value / top if top else 0)


def _bars(axis: Axis, values: list[float], top: float) -> list[str]:
    width = max(0.6, (WIDTH - LEFT - RIGHT) / axis.count - 0.8)
    return [f'<rect class="bar" x="{_x(axis, i):.1f}" y="{_y(v, top):.1f}" '
            f'width="{width:.1f}" height="{_y(0, top) - _y(v, top):.1f}"/>'
            for i, v in enumerate(values) if v > 0]


def _step_line(axis: Axis, levels: list[float], top: float) -> str:
    points = []
    for i, level in enumerate(levels):
        points += [f"{_x(axis, i):.1f},{_y(level, top):.1f}",
                   f"{_x(axis, i + 1):.1f},{_y(level, top):.1f}"]
    return f'<polyline class="level" points="{" ".join(points)}"/>'


def _axes(axis: Axis, top: float) -> list[str]:
    out = [f'<line class="axis" x1="{LEFT}" y1="{_y(0, top)}" x2="{WIDTH - RIGHT}" '
           f'y2="{_y(0, top)}"/>',
           f'<text class="tick" x="{LEFT - 4}" y="{_y(top, top) + 4:.1f}" '
           f'text-anchor="end">{top:g}</text>',
           f'<text class="tick" x="{LEFT - 4}" y="{_y(0, top) + 4:.1f}" '
           f'text-anchor="end">0</text>']
    daily = axis.step >= timedelta(days=1)
    for t in range(TICKS + 1):
        anchor = "start" if t == 0 else "end" if t == TICKS else "middle"
        edge = {0: 0.0, TICKS: 1.0}.get(t, 0.5)  # the label's x within its bar
        if daily:  # a day's name under its bar (the first, the last, three between)
            i = round((axis.count - 1) * t / TICKS)
            at, x = axis.start + axis.step * i, _x(axis, i + edge)
        else:  # a time under its boundary
            share = axis.count * t / TICKS
            at, x = axis.start + axis.step * share, _x(axis, share)
        out.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 8}" '
                   f'text-anchor="{anchor}">{escape(at.strftime(axis.label))}</text>')
    return out


def time_chart(title: str, axis: Axis, bars: list[tuple[datetime, float]],
               levels: list[tuple[datetime, float]] | None = None, *,
               level_start: float = 0) -> Markup:
    """An SVG of `bars` (one per bucket of `axis`) and, when given, `levels` (a value
    from each of their times on, starting at `level_start`) as a step line. Points
    outside the axis are left out."""
    values = [0.0] * axis.count
    for at, v in bars:
        i = axis.index(at)
        if i is not None:
            values[i] += float(v)
    lines, drawn = [], []
    if levels is not None:
        changes = {axis.index(at): float(v) for at, v in levels}
        level = float(level_start)
        for i in range(axis.count):
            level = changes.get(i, level)
            drawn.append(level)
    top = max([*values, *drawn, 1.0])
    if drawn:
        lines.append(_step_line(axis, drawn, top))
    parts = [*_axes(axis, top), *_bars(axis, values, top), *lines]
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" data-total="{sum(values):g}" '
        f'data-level="{drawn[-1] if drawn else 0:g}"><title>{escape(title)}</title>'
        + "".join(parts) + "</svg>")
