"""Dossier lists, late months and rates: every count is SQL, the same predicates everywhere.

A dossier is late when it was resolved after its (effective) due date, or is still unresolved after it.
Its late month is the month of that due date — the month the promise to the citizen was broken — so a
dossier counts once, in a month that does not move when it is finally resolved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import dossier_visibility_clause
from kpi_tasks.clock import today as clock_today
from kpi_tasks.dossiers.models import ISSUED, LATE, ONLINE, PENDING, ApologyLetter, Dossier
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit

RESOLVED_ON_TIME = "resolved_on_time"
RESOLVED_LATE = "resolved_late"
OVERDUE = "overdue"
IN_PROGRESS = "in_progress"
DOSSIER_STATUSES = (RESOLVED_ON_TIME, RESOLVED_LATE, OVERDUE, IN_PROGRESS)
DOSSIER_STATUS_LABELS = {
    RESOLVED_ON_TIME: "Đã giải quyết đúng hạn",
    RESOLVED_LATE: "Đã giải quyết quá hạn",
    OVERDUE: "Đang giải quyết, quá hạn",
    IN_PROGRESS: "Đang giải quyết, trong hạn",
}
DOSSIER_STATUS_CSS = {RESOLVED_ON_TIME: "success", RESOLVED_LATE: "danger", OVERDUE: "danger",
                      IN_PROGRESS: "primary"}


def status_predicate(status: str, today: dt.date) -> ColumnElement[bool]:
    due, resolved = Dossier.effective_due_on, Dossier.resolved_on
    return {
        RESOLVED_ON_TIME: sa.and_(resolved.is_not(None), resolved <= due),
        RESOLVED_LATE: sa.and_(resolved.is_not(None), resolved > due),
        OVERDUE: sa.and_(resolved.is_(None), due < today),
        IN_PROGRESS: sa.and_(resolved.is_(None), due >= today),
    }[status]


def late_predicate(today: dt.date) -> ColumnElement[bool]:
    return sa.or_(status_predicate(RESOLVED_LATE, today), status_predicate(OVERDUE, today))


def status_expression(today: dt.date) -> ColumnElement[str]:
    return sa.case(*[(status_predicate(code, today), code) for code in DOSSIER_STATUSES[:-1]], else_=IN_PROGRESS)


def month_index(column: ColumnElement[dt.date]) -> ColumnElement[int]:
    """Months since year 0 (year × 12 + month − 1): consecutive months differ by one, across years too."""
    year = sa.cast(sa.extract("year", column), sa.Integer)
    month = sa.cast(sa.extract("month", column), sa.Integer)
    return year * 12 + month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def index_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


# -------------------------------------------------------------------------------------------------- lists

@dataclass
class DossierFilters:
    unit_id: int | None = None
    status: str | None = None
    q: str | None = None
    month: dt.date | None = None  # first day of the month the dossier was due in


def dossier_rows_query(user: User, filters: DossierFilters, today: dt.date) -> sa.Select:
    query = (
        sa.select(Dossier, status_expression(today).label("status"), Unit.name.label("unit_name"),
                  ApologyLetter.id.label("letter_id"), ApologyLetter.status.label("letter_status"))
        .join(Unit, Unit.id == Dossier.unit_id)
        .outerjoin(ApologyLetter, ApologyLetter.dossier_id == Dossier.id)
        .where(dossier_visibility_clause(user, Dossier.unit_id))
        .order_by(Dossier.effective_due_on.desc(), Dossier.id.desc())
    )
    if filters.unit_id:
        query = query.where(Dossier.unit_id == filters.unit_id)
    if filters.status in DOSSIER_STATUSES:
        query = query.where(status_predicate(filters.status, today))
    if filters.q:
        needle = filters.q.strip()
        query = query.where(sa.or_(Dossier.code.contains(needle, autoescape=True),
                                   sa.func.lower(Dossier.applicant).contains(needle.lower(), autoescape=True)))
    if filters.month:
        end = (filters.month + dt.timedelta(days=32)).replace(day=1)
        query = query.where(Dossier.effective_due_on >= filters.month, Dossier.effective_due_on < end)
    return query


def letter_rows_query(user: User, today: dt.date, *, status: str | None = None, unit_id: int | None = None,
                      overdue_only: bool = False) -> sa.Select:
    """Obligations visible to `user`, most urgent first: pending by due date, then the recorded ones."""
    query = (
        sa.select(ApologyLetter, Dossier.code.label("dossier_code"), Dossier.procedure.label("procedure"),
                  Dossier.applicant.label("applicant"), Unit.name.label("unit_name"))
        .join(Dossier, Dossier.id == ApologyLetter.dossier_id)
        .join(Unit, Unit.id == ApologyLetter.unit_id)
        .where(dossier_visibility_clause(user, ApologyLetter.unit_id))
        .order_by(sa.case((ApologyLetter.status == PENDING, 0), else_=1), ApologyLetter.due_by, ApologyLetter.id)
    )
    if status:
        query = query.where(ApologyLetter.status == status)
    if unit_id:
        query = query.where(ApologyLetter.unit_id == unit_id)
    if overdue_only:
        query = query.where(ApologyLetter.status == PENDING, ApologyLetter.due_by < today)
    return query


def letter_summary_by_unit(user: User, today: dt.date) -> list[sa.Row]:
    """Per unit: obligations still pending (and of those, past their day), issued on time, issued late."""
    def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    pending = ApologyLetter.status == PENDING
    return list(db.session.execute(
        sa.select(Unit.id.label("unit_id"), Unit.code.label("unit_code"), Unit.name.label("unit_name"),
                  count_where(pending).label("pending"),
                  count_where(sa.and_(pending, ApologyLetter.due_by < today)).label("overdue"),
                  count_where(ApologyLetter.status == ISSUED).label("issued"),
                  count_where(ApologyLetter.status == LATE).label("late"),
                  sa.func.count().label("total"))
        .join(Unit, Unit.id == ApologyLetter.unit_id)
        .where(dossier_visibility_clause(user, ApologyLetter.unit_id))
        .group_by(Unit.id, Unit.code, Unit.name)
        .order_by(sa.desc("overdue"), sa.desc("pending"), Unit.name)
    ))


def at_risk_predicate(today: dt.date, horizon: dt.date) -> ColumnElement[bool]:
    """Unresolved and not late yet, but due by `horizon`: its apology letter is due now if it runs late
    (horizon = today + the N working days the letter must precede the due date)."""
    return sa.and_(Dossier.resolved_on.is_(None), Dossier.effective_due_on >= today,
                   Dossier.effective_due_on <= horizon)


def at_risk_count(unit_id: int | None, today: dt.date, horizon: dt.date) -> int:
    if unit_id is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Dossier).where(
        Dossier.unit_id == unit_id, at_risk_predicate(today, horizon))) or 0


def dossier_status(dossier_id: int, today: dt.date) -> str | None:
    return db.session.scalar(sa.select(status_expression(today)).where(Dossier.id == dossier_id))


# --------------------------------------------------------------------------------------- repeat offenders

@dataclass
class LateRun:
    months: list[tuple[dt.date, int]]  # (first day of month, late dossiers due that month)

    @property
    def first(self) -> dt.date:
        return self.months[0][0]

    @property
    def last(self) -> dt.date:
        return self.months[-1][0]

    @property
    def dossiers(self) -> int:
        return sum(count for _, count in self.months)


@dataclass
class RepeatOffender:
    unit_id: int
    unit_code: str
    unit_name: str
    runs: list[LateRun] = field(default_factory=list)

    @property
    def months(self) -> int:
        return sum(len(run.months) for run in self.runs)

    @property
    def dossiers(self) -> int:
        return sum(run.dossiers for run in self.runs)


def _run_months_query(
    today: dt.date, unit_id: int | None = None, min_run: int = 2, months: tuple[int, int] | None = None
) -> sa.Select:
    """Each (unit, month) with late dossiers that lies in a run of `min_run`+ consecutive such months.

    Gaps and islands in SQL: within a unit, month_index − row_number() is constant along a run of
    consecutive months, so it names the run; a window count over it gives the run's length.

    With `months` (first, last month index), only the months of that range are answered, and only the
    late dossiers due from `min_run` − 1 months before it to `min_run` − 1 months after it are read: a
    month belongs to a run of `min_run`+ months exactly when it does within that margin (a longer run is
    cut to at least `min_run` months around it), so the answer for those months is the same as over all
    time. The run keys (and runs reaching beyond the margin) are then those of the cut runs.
    """
    late = sa.select(Dossier.unit_id.label("unit_id"), month_index(Dossier.effective_due_on).label("month_index")
                     ).where(late_predicate(today))
    if unit_id is not None:
        late = late.where(Dossier.unit_id == unit_id)
    if months is not None:
        margin = max(min_run - 1, 0)
        late = late.where(Dossier.effective_due_on >= month_start(months[0] - margin),
                          Dossier.effective_due_on < month_start(months[1] + margin + 1))
    late_sq = late.subquery("late_dossiers")
    monthly = (sa.select(late_sq.c.unit_id, late_sq.c.month_index, sa.func.count().label("late_count"))
               .group_by(late_sq.c.unit_id, late_sq.c.month_index).subquery("late_months"))
    numbered = sa.select(
        monthly.c.unit_id, monthly.c.month_index, monthly.c.late_count,
        (monthly.c.month_index - sa.func.row_number().over(partition_by=monthly.c.unit_id,
                                                            order_by=monthly.c.month_index)).label("run_key"),
    ).subquery("numbered")
    runs = sa.select(
        numbered.c.unit_id, numbered.c.month_index, numbered.c.late_count, numbered.c.run_key,
        sa.func.count().over(partition_by=(numbered.c.unit_id, numbered.c.run_key)).label("run_length"),
    ).subquery("runs")
    query = (sa.select(runs.c.unit_id, runs.c.month_index, runs.c.late_count, runs.c.run_key)
             .where(runs.c.run_length >= min_run))
    if months is not None:
        query = query.where(runs.c.month_index.between(*months))
    return query


def repeat_offenders(today: dt.date, year: int | None = None, min_run: int = 2) -> list[RepeatOffender]:
    """Units late in each of `min_run` or more consecutive months, with those months and their counts.

    With `year`, the runs that touch that year (a run from December into January shows in both years).
    """
    runs_sq = _run_months_query(today, min_run=min_run).subquery("run_months")
    query = (sa.select(runs_sq, Unit.code, Unit.name).join(Unit, Unit.id == runs_sq.c.unit_id)
             .order_by(Unit.name, runs_sq.c.unit_id, runs_sq.c.month_index))
    if year is not None:
        touching = (sa.select(runs_sq.c.unit_id, runs_sq.c.run_key)
                    .where(runs_sq.c.month_index.between(year * 12, year * 12 + 11)).distinct().subquery("touching"))
        query = query.join(touching, sa.and_(touching.c.unit_id == runs_sq.c.unit_id,
                                             touching.c.run_key == runs_sq.c.run_key))
    offenders: dict[int, RepeatOffender] = {}
    current: dict[int, tuple[int, LateRun]] = {}
    for row in db.session.execute(query):
        offender = offenders.setdefault(row.unit_id, RepeatOffender(row.unit_id, row.code, row.name))
        key, run = current.get(row.unit_id, (None, None))
        if run is None or key != row.run_key:
            run = LateRun(months=[])
            offender.runs.append(run)
            current[row.unit_id] = (row.run_key, run)
        run.months.append((month_start(int(row.month_index)), int(row.late_count)))
    return sorted(offenders.values(), key=lambda item: (-item.months, item.unit_name))


def repeat_late_months(unit_id: int, year: int, today: dt.date | None = None) -> int:
    """Months of `year` in which `unit_id` had late dossiers and that belong to a run of 2+ consecutive
    such months (for scoring, issue 8)."""
    runs_sq = _run_months_query(today or clock_today(), unit_id=unit_id, months=(year * 12, year * 12 + 11)
                                ).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(runs_sq)) or 0


def repeat_late_month_counts(period_start: dt.date, period_end: dt.date, today: dt.date | None = None
                             ) -> dict[int, int]:
    """{unit_id: months of the period in a run of 2+ consecutive late months}: the count of `repeat_late_month_items`
    (units without such a month are left out), without listing the months.

    A month is in a run of 2+ late months exactly when it is late and so is the month before or after it, so each
    unit's late months from the month before the period to the month after it are read as one bit mask (SQL),
    and the months of the period with a late neighbour are counted from it. A run may start before the period or
    end after it (December–January counts January in the new year).
    """
    today = today or clock_today()
    counts: dict[int, int] = {}
    first, last = index_of(period_start), index_of(period_end)
    # A mask holds at most MASK_MONTHS months (a 64-bit integer): a longer period is counted in parts.
    for part_first in range(first, last + 1, MASK_MONTHS - 2):
        part_last = min(part_first + MASK_MONTHS - 3, last)
        inner = ((1 << (part_last - part_first + 1)) - 1) << 1  # the bits of the part's months, not its margins
        for unit_id, mask in _late_month_masks(part_first - 1, part_last + 1, today).items():
            months = (mask & ((mask << 1) | (mask >> 1)) & inner).bit_count()
            if months:
                counts[unit_id] = counts.get(unit_id, 0) + months
    return counts


MASK_MONTHS = 62


def _late_month_masks(first: int, last: int, today: dt.date) -> dict[int, int]:
    """{unit_id: bit mask of its months (month index) from `first` to `last` with late dossiers due in them,
    bit 0 for `first`}, in one statement over ix_dossiers_late_or_open (`_late_month_masks_query`)."""
    rows = db.session.execute(_late_month_masks_query(first, last, today))
    return {int(unit_id): int(mask) for unit_id, mask in rows}


# A statement is a value: building it (a CASE of 14 months) costs more than running it once compiled, and a day
# asks it for a few periods.
@lru_cache(maxsize=64)
def _late_month_masks_query(first: int, last: int, today: dt.date) -> sa.Select:
    """Each dossier's bit is found by comparing its due date with the months' ends (a CASE) rather than computing
    its month: this is done for 40,000 dossiers a year at 600,000. The (unit, bit) pairs are made distinct before
    their bits are summed, so that the sum is the mask."""
    due = Dossier.effective_due_on
    bit = sa.case(*[(due < month_start(index + 1), index - first) for index in range(first, last)],
                  else_=last - first)
    late = (
        sa.select(Dossier.unit_id.label("unit_id"), bit.label("bit"))
        # The index's own condition, implied by lateness, spelled out for SQLite to pick the partial index.
        .where(sa.or_(Dossier.resolved_on.is_(None), Dossier.resolved_on > due), late_predicate(today),
               due >= month_start(first), due < month_start(last + 1))
        .group_by(Dossier.unit_id, bit)
        .subquery("late_months")
    )
    one = sa.cast(sa.literal(1), sa.BigInteger)
    return sa.select(late.c.unit_id, sa.func.sum(one.op("<<")(late.c.bit))).group_by(late.c.unit_id)


def repeat_late_month_items(period_start: dt.date, period_end: dt.date, *, unit_id: int | None = None,
                            today: dt.date | None = None) -> dict[int, list[dict]]:
    """{unit_id: [{"ref": "yyyy-mm", "month": "yyyy-mm-01", "late_dossiers": n}, …]}: the months counted by
    `repeat_late_month_counts`, in order, with the number of late dossiers due in each (scoring lists them);
    with `unit_id`, that unit's only (read through ix_dossiers_unit_id_effective_due_on)."""
    months = (index_of(period_start), index_of(period_end))
    runs_sq = _run_months_query(today or clock_today(), unit_id=unit_id, months=months).subquery()
    rows = db.session.execute(sa.select(runs_sq.c.unit_id, runs_sq.c.month_index, runs_sq.c.late_count)
                              .order_by(runs_sq.c.unit_id, runs_sq.c.month_index))
    items: dict[int, list[dict]] = {}
    for unit_id, index, late_count in rows:
        first = month_start(int(index))
        items.setdefault(int(unit_id), []).append(
            {"ref": f"{first:%Y-%m}", "month": first.isoformat(), "late_dossiers": int(late_count)})
    return items


def _late_letters(period_start: dt.date, period_end: dt.date, as_of: dt.date) -> ColumnElement[bool]:
    return sa.and_(ApologyLetter.due_by >= period_start, ApologyLetter.due_by <= period_end,
                   ApologyLetter.due_by < as_of,
                   sa.or_(ApologyLetter.issued_on.is_(None), ApologyLetter.issued_on > ApologyLetter.due_by))


def late_apology_letter_counts(period_start: dt.date, period_end: dt.date, as_of: dt.date) -> dict[int, int]:
    """{unit_id: obligations due within the period and before `as_of` that were issued after their due
    date or are not issued yet}: the count of `late_apology_letter_items`."""
    rows = db.session.execute(
        sa.select(ApologyLetter.unit_id, sa.func.count())
        .where(_late_letters(period_start, period_end, as_of))
        .group_by(ApologyLetter.unit_id)
    )
    return {int(unit_id): int(count) for unit_id, count in rows}


def late_apology_letter_items(period_start: dt.date, period_end: dt.date, as_of: dt.date, *,
                              unit_id: int | None = None) -> dict[int, list[dict]]:
    """{unit_id: [{"ref", "letter_id", "dossier_id", "dossier_code", "due_by", "issued_on"}, …]}: the
    obligations counted by `late_apology_letter_counts`, by due date (scoring lists them; ISO dates,
    `issued_on` None while the letter is not sent); with `unit_id`, that unit's only
    (read through ix_apology_letters_unit_id_status)."""
    query = (
        sa.select(ApologyLetter.unit_id, ApologyLetter.id, ApologyLetter.dossier_id, Dossier.code,
                  ApologyLetter.due_by, ApologyLetter.issued_on)
        .join(Dossier, Dossier.id == ApologyLetter.dossier_id)
        .where(_late_letters(period_start, period_end, as_of))
        .order_by(ApologyLetter.unit_id, ApologyLetter.due_by, ApologyLetter.id)
    )
    if unit_id is not None:
        query = query.where(ApologyLetter.unit_id == unit_id)
    rows = db.session.execute(query)
    items: dict[int, list[dict]] = {}
    for unit_id, letter_id, dossier_id, code, due_by, issued_on in rows:
        items.setdefault(int(unit_id), []).append({
            "ref": str(letter_id), "letter_id": letter_id, "dossier_id": dossier_id, "dossier_code": code,
            "due_by": due_by.isoformat(), "issued_on": issued_on.isoformat() if issued_on else None,
        })
    return items


# ------------------------------------------------------------------------------------------ monthly rates

@dataclass
class MonthlyFigures:
    unit_id: int
    month: dt.date
    figures: dict[str, tuple[int, int]]  # KPI key → (numerator, denominator)


def _sum_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def monthly_figures(first_month: dt.date, last_month: dt.date) -> list[MonthlyFigures]:
    """Per unit and month between the two months (inclusive):

    - on_time: resolved on time / resolved, by the month of resolution (the province's "đúng hạn" rate);
    - online, online_payment, digitised: by the month of receipt, over the dossiers whose export states
      the channel, the payment (blank = no fee to pay) and the digitisation.
    """
    start, stop = first_month.replace(day=1), (last_month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    by_key: dict[tuple[int, int], MonthlyFigures] = {}

    def bucket(unit_id: int, index: int) -> MonthlyFigures:
        return by_key.setdefault((unit_id, index), MonthlyFigures(unit_id, month_start(index), {}))

    resolved = (sa.select(Dossier.unit_id, month_index(Dossier.resolved_on).label("month_index"),
                          (Dossier.resolved_on <= Dossier.effective_due_on).label("on_time"))
                .where(Dossier.resolved_on >= start, Dossier.resolved_on < stop).subquery())
    for row in db.session.execute(
        sa.select(resolved.c.unit_id, resolved.c.month_index, _sum_if(resolved.c.on_time).label("on_time"),
                  sa.func.count().label("resolved"))
        .group_by(resolved.c.unit_id, resolved.c.month_index)
    ):
        bucket(row.unit_id, int(row.month_index)).figures["on_time"] = (int(row.on_time), int(row.resolved))

    received = (sa.select(Dossier.unit_id, month_index(Dossier.received_on).label("month_index"),
                          Dossier.channel, Dossier.paid_online, Dossier.digitised)
                .where(Dossier.received_on >= start, Dossier.received_on < stop).subquery())
    for row in db.session.execute(
        sa.select(received.c.unit_id, received.c.month_index,
                  _sum_if(received.c.channel == ONLINE).label("online"),
                  _sum_if(received.c.channel.is_not(None)).label("channel_known"),
                  _sum_if(received.c.paid_online.is_(True)).label("paid"),
                  _sum_if(received.c.paid_online.is_not(None)).label("payment_known"),
                  _sum_if(received.c.digitised.is_(True)).label("digitised"),
                  _sum_if(received.c.digitised.is_not(None)).label("digitised_known"))
        .group_by(received.c.unit_id, received.c.month_index)
    ):
        figures = bucket(row.unit_id, int(row.month_index)).figures
        figures["online"] = (int(row.online), int(row.channel_known))
        figures["online_payment"] = (int(row.paid), int(row.payment_known))
        figures["digitised"] = (int(row.digitised), int(row.digitised_known))
    return [by_key[key] for key in sorted(by_key)]
