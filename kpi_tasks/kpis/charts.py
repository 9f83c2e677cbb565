"""Server-drawn SVG charts (no JavaScript, nothing fetched): geometry here, markup in templates/kpis/."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kpi_tasks.kpis.queries import ProgressTable, TrendPoint
from kpi_tasks.text import format_date, format_number

MET_COLOUR = "#198754"
MISSED_COLOUR = "#dc3545"
NO_TARGET_COLOUR = "#0d6efd"
TARGET_COLOUR = "#212529"
LABEL_CHARACTERS = 40


def _nice_max(value: float) -> float:
    """The next "round" number above `value` (1, 2, 2.5, 5 × 10^n) for an axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _label(value: float | None, percent: bool) -> str:
    if value is None:
        return ""
    text = format_number(value, 2 if percent or not float(value).is_integer() else 0)
    return text + ("%" if percent else "")


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1] + "…"


@dataclass
class Bar:
    y: float
    width: float
    label: str
    full_label: str
    value_label: str
    colour: str
    text_y: float


@dataclass
class TargetSegment:
    x: float
    y1: float
    y2: float
    label: str


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class BarChart:
    width: int
    height: int
    left: int
    plot_width: int
    top: int
    bar_height: int
    bars: list[Bar] = field(default_factory=list)
    targets: list[TargetSegment] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    title: str = ""
    legend_y: float = 0


def bar_chart(table: ProgressTable) -> BarChart:
    """Rate (or value) by unit, best first, with each unit's target drawn as a line across its bar."""
    kpi = table.kpi
    percent = kpi.is_rate
    rows = [row for row in table.rows if row.actual_value is not None]
    row_height, top, left, plot_width = 26, 28, 290, 440
    highest = max([row.actual_value or 0 for row in rows] + [row.target_value or 0 for row in rows] + [0])
    scale_max = max(100.0, highest) if percent else _nice_max(highest)
    if percent and scale_max > 100:
        scale_max = _nice_max(scale_max)
    chart = BarChart(width=left + plot_width + 80, height=top + row_height * max(len(rows), 1) + 40, left=left,
                     plot_width=plot_width, top=top, bar_height=row_height - 8,
                     title=f"{kpi.name} — {table.period.label}")
    chart.legend_y = top + row_height * max(len(rows), 1) + 22

    def x_of(value: float) -> float:
        return round(left + max(value, 0) / scale_max * plot_width, 1)

    for step in range(5):
        value = scale_max * step / 4
        tick = format_number(value, 0 if float(value).is_integer() else 1) + ("%" if percent else "")
        chart.ticks.append(Tick(x=x_of(value), label=tick))
    for index, row in enumerate(rows):
        y = top + index * row_height + 4
        colour = NO_TARGET_COLOUR if row.met is None else (MET_COLOUR if row.met else MISSED_COLOUR)
        chart.bars.append(Bar(
            y=y, width=max(x_of(row.actual_value or 0) - left, 0.5), label=_short(row.unit_name),
            full_label=row.unit_name, value_label=_label(row.actual_value, percent), colour=colour,
            text_y=y + (row_height - 8) / 2 + 4,
        ))
        if row.target_value is None:
            continue
        x = x_of(row.target_value)
        previous = chart.targets[-1] if chart.targets else None
        # Consecutive units with the same target share one line, so a common target reads as one line.
        if previous is not None and previous.x == x and abs(previous.y2 - (y - 2)) < row_height:
            previous.y2 = y + row_height - 6
        else:
            chart.targets.append(TargetSegment(x=x, y1=y - 2, y2=y + row_height - 6,
                                               label=_label(row.target_value, percent)))
    return chart


@dataclass
class LinePoint:
    x: float
    y: float
    label: str
    date_label: str


@dataclass
class LineChart:
    width: int
    height: int
    points: list[LinePoint]
    polyline: str
    target_y: float | None
    target_label: str
    left: int
    right: int
    top: int
    bottom: int
    max_label: str


def line_chart(points: list[TrendPoint], target: float | None, percent: bool) -> LineChart:
    """A unit's figures over its reporting dates, with the current target as a dashed line."""
    width, height, left, right, top, bottom = 380, 150, 44, 340, 14, 118
    values = [point.actual_value for point in points if point.actual_value is not None]
    highest = max([*values, target or 0, 0])
    scale_max = max(100.0, highest) if percent else _nice_max(highest)

    def y_of(value: float) -> float:
        return round(bottom - max(value, 0) / scale_max * (bottom - top), 1)

    drawn = [point for point in points if point.actual_value is not None]
    step = (right - left) / max(len(drawn) - 1, 1)
    line_points = [
        LinePoint(x=round(left + index * step if len(drawn) > 1 else (left + right) / 2, 1), y=y_of(point.actual_value),
                  label=_label(point.actual_value, percent), date_label=format_date(point.period_end))
        for index, point in enumerate(drawn)
    ]
    return LineChart(
        width=width, height=height, points=line_points,
        polyline=" ".join(f"{point.x},{point.y}" for point in line_points),
        target_y=y_of(target) if target is not None else None, target_label=_label(target, percent),
        left=left, right=right, top=top, bottom=bottom,
        max_label=format_number(scale_max, 0 if float(scale_max).is_integer() else 1) + ("%" if percent else ""),
    )
