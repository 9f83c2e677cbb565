"""Charts drawn on the server as inline SVG: no script, no CDN, nothing fetched by the browser, and they print.

Each chart is a plain function of its figures returning markup for a template. Every mark can carry a link
to the list behind it and a <title> that browsers show as a tooltip and screen readers read. The SVG is built
from literal Markup templates whose `format` escapes every value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from kpi_tasks.text import format_number

GRID_COLOR = "#dee2e6"
TEXT_COLOR = "#212529"
MUTED_COLOR = "#6c757d"
_OPEN = Markup(
    '<svg xmlns="http://www.w3.org/2000/svg" class="chart {}" id="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
    'role="img" aria-labelledby="{}-title" font-family="system-ui, Segoe UI, Roboto, Arial, sans-serif" '
    'font-size="12"><title id="{}-title">{}</title>'
)
_CLOSE = Markup("</svg>")
_LINK = Markup('<a href="{}">{}</a>')
_GRID = Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}"/>')
_TEXT = Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}" fill="{}">{}</text>')


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # shown after the bar, e.g. "65,54%"
    href: str | None = None
    color: str = "#0d6efd"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str
    hrefs: Sequence[str | None] = ()
    unit: str = ""  # appended to each value in tooltips


def _linked(mark: Markup, href: str | None) -> Markup:
    return _LINK.format(href, mark) if href else mark


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(kind: str, chart_id: str, width: int, height: int, caption: str) -> Markup:
    return _OPEN.format(kind, chart_id, width, height, width, height, chart_id, chart_id, caption)


def bar_chart(bars: Sequence[Bar], *, chart_id: str, caption: str, max_value: float = 100.0,
              axis_suffix: str = "%", width: int = 760, label_width: int = 250) -> Markup:
    """Horizontal bars, one per row (long Vietnamese unit names read well on the left), scaled to
    `max_value`, with grid lines at quarters of it."""
    row_height, top, value_width = 26, 28, 70
    plot_width = width - label_width - value_width
    height = top + row_height * max(len(bars), 1) + 10
    parts = [_open("chart-bar", chart_id, width, height, caption)]
    for quarter in range(5):
        x = label_width + plot_width * quarter / 4
        parts.append(_GRID.format(x, top - 6, x, height - 8, GRID_COLOR))
        tick = format_number(max_value * quarter / 4) + axis_suffix
        parts.append(_TEXT.format(x, top - 10, "middle", MUTED_COLOR, tick))
    if not bars:
        parts.append(_TEXT.format(label_width, top + 17, "start", MUTED_COLOR, "Chưa có số liệu"))
    for index, bar in enumerate(bars):
        y = top + index * row_height
        label = Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="end" fill="{}"><title>{}</title>{}</text>').format(
            label_width - 8, y + 17, TEXT_COLOR, bar.label, _shorten(bar.label, 36))
        parts.append(_linked(label, bar.href))
        length = 0.0 if bar.value is None else plot_width * min(max(bar.value, 0), max_value) / max_value
        if bar.value is not None:
            rect = Markup(
                '<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="16" fill="{}" data-value="{}">'
                "<title>{}: {}</title></rect>"
            ).format(label_width, y + 5, length, bar.color, bar.value, bar.label, bar.text)
            parts.append(_linked(rect, bar.href))
        parts.append(_TEXT.format(label_width + length + 6, y + 17, "start", TEXT_COLOR, bar.text))
    parts.append(_CLOSE)
    return Markup("").join(parts)


def _nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum ≥ value and a round step (1, 2 or 5 × 10^k, at least 1) giving 4–5 grid lines."""
    if value <= 0:
        return 4.0, 1.0
    raw_step = value / 4
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = max(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step), 1.0)
    return step * math.ceil(value / step), step


def line_chart(labels: Sequence[str], series: Sequence[Series], *, chart_id: str, caption: str,
               width: int = 760, height: int = 280) -> Markup:
    """One line per series over the labels (months), with a legend, a y grid and linked points."""
    left, right, top, bottom = 44, 16, 34, 40
    plot_width, plot_height = width - left - right, height - top - bottom
    peak = max((value for s in series for value in s.values), default=0)
    axis_max, step = _nice_ceiling(peak)
    count = max(len(labels), 1)

    def x_of(index: int) -> float:
        return left + plot_width * (index + 0.5) / count

    def y_of(value: float) -> float:
        return top + plot_height - plot_height * value / axis_max

    parts = [_open("chart-line", chart_id, width, height, caption)]
    for tick in range(round(axis_max / step) + 1):
        y = y_of(step * tick)
        parts.append(_GRID.format(left, y, width - right, y, GRID_COLOR))
        parts.append(_TEXT.format(left - 6, y + 4, "end", MUTED_COLOR, format_number(step * tick)))
    for index, label in enumerate(labels):
        parts.append(_TEXT.format(x_of(index), height - bottom + 18, "middle", MUTED_COLOR, label))
    legend_x = float(left)
    for s in series:
        parts.append(Markup('<rect x="{:.1f}" y="8" width="14" height="4" fill="{}"/>').format(legend_x, s.color))
        parts.append(_TEXT.format(legend_x + 20, 14, "start", TEXT_COLOR, s.name))
        legend_x += 30 + 7 * len(s.name)
    for number, s in enumerate(series):
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(s.values))
        parts.append(Markup(
            '<polyline class="line" data-series="{}" points="{}" fill="none" stroke="{}" stroke-width="2.5" '
            'stroke-linejoin="round"/>'
        ).format(number, points, s.color))
        for index, value in enumerate(s.values):
            label = labels[index] if index < len(labels) else ""
            point = Markup(
                '<circle class="point" cx="{:.1f}" cy="{:.1f}" r="4" fill="{}" data-value="{}">'
                "<title>{}, {}: {}{}</title></circle>"
            ).format(x_of(index), y_of(value), s.color, value, s.name, label, format_number(value), s.unit)
            parts.append(_linked(point, s.hrefs[index] if index < len(s.hrefs) else None))
    parts.append(_CLOSE)
    return Markup("").join(parts)
