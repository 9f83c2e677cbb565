"""Read side of the reports: periods, the lists behind each figure, ranking, the monthly trend, the monthly
report's sections. Counts come from `tasks.queries.unit_stats` and rows from `tasks.periods` (GET /tasks's rows,
or the rows the statistics count) narrowed by the report's filters, both built on the status SQL of `tasks.status`,
so a figure and the list behind it agree. Reports read no table of tasks themselves: they ask tasks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.calendar.workdays import period_end
from kpi_tasks.clock import VIETNAM
from kpi_tasks.documents.identity import Identity
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import kpi_summaries
from kpi_tasks.kpis.services import list_kpis
from kpi_tasks.tasks.periods import (
    counted_rows,
    extension_requests_made_or_pending,
    listed_rows_query,
    tracked_tasks_query,
    visible_tasks_query,
)
from kpi_tasks.tasks.queries import (
    ALL_LEVELS,
    FilterArgs,
    Level,
    TaskFilters,
    completions_by_month,
    read_task_filters,
    status_totals,
    unit_stats,
)
from kpi_tasks.tasks.status import DONE_LATE, OVERDUE
from kpi_tasks.text import date_range_label, format_date
from kpi_tasks.units.models import UNIT_KINDS

MONTH_RE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
MIN_YEAR, MAX_YEAR = 2000, 2100
# The trend covers at least this many months, so that a one-month period still draws a line.
MIN_TREND_MONTHS = 6
MAX_TREND_MONTHS = 36


# --- periods -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    """A reporting period [start, end]; either bound may be open."""

    start: dt.date | None
    end: dt.date | None
    kind: str = "range"  # "month", "year" or "range"

    @property
    def label(self) -> str:
        if self.kind == "month" and self.start:
            return f"tháng {self.start.month}/{self.start.year}"
        if self.kind == "year" and self.start:
            return f"năm {self.start.year}"
        return date_range_label(self.start, self.end)

    @property
    def title_label(self) -> str:
        """The label with a capital first letter, for a heading."""
        text = self.label
        return text[:1].upper() + text[1:]

    @property
    def formal_label(self) -> str:
        """The period as a document names it: "tháng 3 năm 2026", "năm 2026"."""
        if self.kind == "month" and self.start:
            return f"tháng {self.start.month} năm {self.start.year}"
        return self.label

    def as_of_label(self, today: dt.date) -> str:
        """"tháng 3 năm 2026 (số liệu đến ngày 16/03/2026)" while the period runs; its name once it is over."""
        if self.end is not None and today < self.end:
            return f"{self.formal_label} (số liệu đến ngày {format_date(today)})"
        return self.formal_label

    def query_args(self) -> dict[str, str]:
        """`from`/`to` query arguments of the lists behind a figure of this period."""
        args = {}
        if self.start:
            args["from"] = self.start.isoformat()
        if self.end:
            args["to"] = self.end.isoformat()
        return args


def parse_month(text: str | None) -> ReportPeriod:
    """"2026-03" → March 2026; a Vietnamese error otherwise."""
    raw = (text or "").strip()
    match = MONTH_RE.fullmatch(raw)
    if match is None or not 1 <= int(match["month"]) <= 12 or not MIN_YEAR <= int(match["year"]) <= MAX_YEAR:
        raise ValidationError(
            f"Tháng “{raw}” không hợp lệ: ghi theo dạng YYYY-MM, ví dụ 2026-03.",
            {"month": "Ghi theo dạng YYYY-MM, ví dụ 2026-03."},
        )
    year, month = int(match["year"]), int(match["month"])
    return ReportPeriod(dt.date(year, month, 1), period_end("month", year, month), "month")


def year_period(year: int) -> ReportPeriod:
    return ReportPeriod(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


def read_report_filters(args: FilterArgs, user: User, *, own_unit_first: bool) -> ReportFilters:
    """The list's filters: GET /tasks's (tasks.queries.read_task_filters), plus `from`/`to` (the rows the
    statistics count for that period) and `completed_from`/`completed_to`."""
    return ReportFilters(
        tasks=read_task_filters(args, user, own_unit_first=own_unit_first),
        period_from=args.date("from"),
        period_to=args.date("to"),
        completed_from=args.date("completed_from"),
        completed_to=args.date("completed_to"),
    )


def make_period(date_from: dt.date | None, date_to: dt.date | None, today: dt.date) -> ReportPeriod:
    """The dashboards' period: the dates chosen, else the current year. Named when it is a month or a year."""
    if date_from is None and date_to is None:
        return year_period(today.year)
    if date_from and date_to and date_from > date_to:
        raise ValidationError("Ngày bắt đầu kỳ phải trước ngày kết thúc.", {"from": "Phải trước ngày kết thúc."})
    if date_from and date_to and date_from.day == 1 and date_to == period_end("month", date_from.year, date_from.month):
        return ReportPeriod(date_from, date_to, "month")
    if date_from and date_to and (date_from.month, date_from.day, date_to.month, date_to.day) == (1, 1, 12, 31) \
            and date_from.year == date_to.year:
        return year_period(date_from.year)
    return ReportPeriod(date_from, date_to)


def quick_periods(today: dt.date) -> list[tuple[str, ReportPeriod]]:
    """Periods offered as one-click links on the dashboards."""
    quarter = (today.month - 1) // 3 + 1
    quarter_start = dt.date(today.year, quarter * 3 - 2, 1)
    previous_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return [
        ("Tháng này", ReportPeriod(today.replace(day=1), period_end("month", today.year, today.month), "month")),
        ("Tháng trước", parse_month(f"{previous_month_end:%Y-%m}")),
        (f"Quý {quarter}/{today.year}", ReportPeriod(quarter_start, period_end("quarter", today.year, quarter))),
        (f"Năm {today.year}", year_period(today.year)),
    ]


# --- the lists behind the figures ------------------------------------------------------------------------


@dataclass
class ReportFilters:
    """The filters of GET /tasks, plus the statistics' period rule (`from`/`to`) and a completion range."""

    tasks: TaskFilters = field(default_factory=TaskFilters)
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    completed_from: dt.date | None = None
    completed_to: dt.date | None = None

    @property
    def counts_like_statistics(self) -> bool:
        """With a period or a completion range the rows are what the statistics count (see report_rows_query)."""
        return any((self.period_from, self.period_to, self.completed_from, self.completed_to))

    def query_args(self) -> dict[str, str]:
        """These filters as query arguments (for links and for the export button)."""
        t = self.tasks
        values: dict[str, Any] = {
            "status": t.status, "unit_id": t.unit_id, "role": t.role, "due_soon": "1" if t.due_soon else None,
            "q": t.q, "deadline_from": t.deadline_from, "deadline_to": t.deadline_to, "directive_id": t.directive_id,
            "from": self.period_from, "to": self.period_to, "completed_from": self.completed_from,
            "completed_to": self.completed_to,
        }
        return {key: value.isoformat() if isinstance(value, dt.date) else str(value)
                for key, value in values.items() if value not in (None, "")}


def _counted_rows(base: sa.Select, filters: ReportFilters, today: dt.date, due_soon_days: int,
                  limit: int | None = None) -> sa.Select:
    """tasks.periods.counted_rows narrowed by the report's filters."""
    return counted_rows(base, filters.tasks, today, due_soon_days, period_from=filters.period_from,
                        period_to=filters.period_to, completed_from=filters.completed_from,
                        completed_to=filters.completed_to, limit=limit)


def report_rows_query(user: User, filters: ReportFilters, today: dt.date, due_soon_days: int,
                      limit: int | None = None) -> sa.Select:
    """The rows of a report list or export for `user` (GET /tasks's visibility and filters).

    Without a period or completion range: exactly GET /tasks's tasks. With one: exactly what
    `unit_stats` counts for it (tasks and begun occurrences whose effective deadline or completion date
    falls in the period, lead unit active, withdrawn ones left out unless asked for by status), so that
    a figure and the list behind it agree.
    """
    if not filters.counts_like_statistics:
        query = listed_rows_query(user, filters.tasks, today, due_soon_days)
        return query if limit is None else query.limit(limit)
    unit_and_text = replace(filters.tasks, status=None, due_soon=False, deadline_from=None, deadline_to=None)
    base = visible_tasks_query(user, unit_and_text, today, due_soon_days)
    return _counted_rows(base, filters, today, due_soon_days, limit)


# --- ranking ---------------------------------------------------------------------------------------------


def rank_units(stats: list[dict]) -> list[dict]:
    """Units best first by on-time rate, each with its `rank` (equal rates share a rank: 1, 2, 2, 4).

    Units with no task due yet have no rate and no rank; they come last. `stats` are `unit_stats` items.
    """
    rated = sorted((item for item in stats if item["on_time_rate"] is not None),
                   key=lambda item: (-item["on_time_rate"], -item["done_on_time"], item["unit_name"]))
    ranked: list[dict] = []
    for position, item in enumerate(rated, start=1):
        same_as_previous = ranked and ranked[-1]["on_time_rate"] == item["on_time_rate"]
        ranked.append({**item, "rank": ranked[-1]["rank"] if same_as_previous else position})
    unrated = sorted((item for item in stats if item["on_time_rate"] is None), key=lambda item: item["unit_name"])
    return ranked + [{**item, "rank": None} for item in unrated]


@dataclass(frozen=True)
class UnitRank:
    rank: int | None
    ranked_units: int


def rank_by_kind(stats: list[dict]) -> list[tuple[str, list[dict]]]:
    """The units of each kind ranked among themselves (departments and communes have different targets,
    seed 000: 90% and 70%), kinds in the order of UNIT_KINDS; kinds without a unit are left out."""
    groups = []
    for kind in UNIT_KINDS:
        of_kind = [item for item in stats if item["unit_kind"] == kind]
        if of_kind:
            groups.append((kind, rank_units(of_kind)))
    return groups


def unit_rank(ranked: list[dict], unit_id: int) -> UnitRank:
    rated = [item for item in ranked if item["rank"] is not None]
    mine = next((item for item in rated if item["unit_id"] == unit_id), None)
    return UnitRank(mine["rank"] if mine else None, len(rated))


# --- trend of completion by month ----------------------------------------------------------------------


def _month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True)
class MonthPoint:
    start: dt.date
    end: dt.date
    done_on_time: int
    done_late: int

    @property
    def label(self) -> str:
        return f"{self.start.month}/{self.start.year}"

    @property
    def completed(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def on_time_rate(self) -> float | None:
        return round(self.done_on_time * 100 / self.completed, 2) if self.completed else None


def trend_months(period: ReportPeriod, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last month of the trend: the period's months up to this month (the future has no
    completions to draw), at least MIN_TREND_MONTHS ending with the last one, at most MAX_TREND_MONTHS."""
    last = _month_start(min(period.end or today, today))
    first = _month_start(period.start) if period.start else _month_start(last, -11)
    first = min(first, _month_start(last, -(MIN_TREND_MONTHS - 1)))
    return max(first, _month_start(last, -(MAX_TREND_MONTHS - 1))), last


def completion_trend(today: dt.date, first_month: dt.date, last_month: dt.date,
                     unit_id: int | None = None, level: Level = ALL_LEVELS) -> list[MonthPoint]:
    """Tasks (and occurrences) completed each month, on time and late, every month listed; the same items the
    statistics count, by month of completion (of one committee's own tasks with `level`), from the kept counts.
    `today` is not needed by the counts (a completion does not change with the day); kept for the callers."""
    found = completions_by_month(first_month, last_month, unit_id, level)
    points = []
    for shift in range(_months_between(first_month, last_month)):
        start = _month_start(first_month, shift)
        on_time, late = found.get(start, (0, 0))
        points.append(MonthPoint(start, period_end("month", start.year, start.month), on_time, late))
    return points


# --- the monthly report to the Chairman -------------------------------------------------------------------


@dataclass
class KpiStatus:
    """One KPI's standing for a period: how many units with a target met it."""

    kpi_id: int
    code: str
    name: str
    period_label: str
    units_with_target: int
    units_met: int
    units_reporting: int
    actual_value: float | None
    measure: str
    direction: str = "at_least"
    # The targets in force, each with the kinds of unit it is given to: ((90.0, ("department",)), …).
    targets: tuple[tuple[float, tuple[str, ...]], ...] = ()
    units_judged: int = 0

    @property
    def units_not_met(self) -> int:
        """Units with a figure that missed their target; a unit without a figure is "no data", not "not met"."""
        return self.units_judged - self.units_met

    @property
    def units_without_data(self) -> int:
        return self.units_with_target - self.units_judged


def kpi_statuses(period: ReportPeriod, today: dt.date) -> list[KpiStatus]:
    """Every active KPI's standing for the KPI period that matches `period` (its month or year, else the year
    of its end): what `kpis.queries.progress`, the KPI area's own figures, counts in its total row, for all the
    KPIs in one statement (`kpi_summaries`)."""
    day = period.end or today
    kpi_period = Period.containing("month" if period.kind == "month" else "year", day)
    kpis = list_kpis()
    summaries = kpi_summaries(kpis, kpi_period)
    return [
        KpiStatus(
            kpi_id=kpi.id, code=kpi.code, name=kpi.name, period_label=kpi_period.label,
            units_with_target=summary.units_with_target, units_met=summary.units_met,
            units_judged=summary.units_judged, units_reporting=summary.units_reporting,
            actual_value=summary.actual_value, measure=kpi.measure, direction=kpi.direction,
            targets=summary.targets,
        )
        for kpi in kpis
        for summary in (summaries[kpi.id],)
    ]


@dataclass
class MonthlyReport:
    """Everything the monthly report to the Chairman shows, gathered once for the .xlsx, the .docx and
    the page."""

    period: ReportPeriod
    today: dt.date
    identity: Identity
    ranked: list[dict]
    totals: dict[str, int]
    newly_overdue: list[Any]
    completed_late: list[Any]
    extension_requests: list[Any]
    kpis: list[KpiStatus]

    @property
    def on_time_rate(self) -> float | None:
        due = self.totals["done_on_time"] + self.totals["done_late"] + self.totals["overdue"]
        return round(self.totals["done_on_time"] * 100 / due, 2) if due else None

    @property
    def ranked_by_kind(self) -> list[tuple[str, list[dict]]]:
        return rank_by_kind(self.ranked)

    @property
    def units_with_overdue(self) -> list[dict]:
        return sorted((item for item in self.ranked if item["overdue"]),
                      key=lambda item: (-item["overdue"], item["unit_name"]))


def newly_overdue_filters(period: ReportPeriod) -> ReportFilters:
    """Tasks (and occurrences) whose effective deadline passed within the month, still not done today."""
    return ReportFilters(TaskFilters(status=OVERDUE, deadline_from=period.start, deadline_to=period.end),
                         period_from=period.start, period_to=period.end)


def completed_late_filters(period: ReportPeriod) -> ReportFilters:
    """Tasks (and occurrences) confirmed done within the month after their effective deadline."""
    return ReportFilters(TaskFilters(status=DONE_LATE), completed_from=period.start, completed_to=period.end)


def extension_request_rows(period: ReportPeriod) -> list[Any]:
    """Extension requests made within the month, and those still awaiting a decision, oldest first.

    The deadlines area's own list query is per user; this report is for the whole People's Committee, so it
    reads the requests directly (non-confidential tasks only), as the statistics read the tasks.
    """
    start = dt.datetime.combine(period.start, dt.time.min, VIETNAM).astimezone(dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, VIETNAM).astimezone(dt.UTC)
    return extension_requests_made_or_pending(start, end)


def monthly_report(month: str, today: dt.date, identity: Identity, due_soon_days: int) -> MonthlyReport:
    period = parse_month(month)
    stats = unit_stats(today, period.start, period.end)
    base = tracked_tasks_query()
    return MonthlyReport(
        period=period,
        today=today,
        identity=identity,
        ranked=[item for item in rank_units(stats) if item["assigned"]],
        totals=status_totals(stats),
        newly_overdue=list(db.session.execute(_counted_rows(base, newly_overdue_filters(period), today,
                                                           due_soon_days))),
        completed_late=list(db.session.execute(_counted_rows(base, completed_late_filters(period), today,
                                                            due_soon_days))),
        extension_requests=extension_request_rows(period),
        kpis=kpi_statuses(period, today),
    )
