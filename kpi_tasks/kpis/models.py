"""KPI catalogue, targets and measurements.

A rate is stored as its numerator and denominator, never as a percentage alone, so that a total over
units is recomputed from the sums (Σ numerator / Σ denominator) instead of averaging rates.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit

MEASURES = ("percent", "count", "vnd")
MEASURE_LABELS = {"percent": "Tỷ lệ (%)", "count": "Số lượng", "vnd": "Số tiền (đồng)"}
MEASURE_SUFFIX = {"percent": "%", "count": "", "vnd": " đ"}

RATIO = "ratio"
VALUE = "value"
FORMULAS = (RATIO, VALUE)
FORMULA_LABELS = {RATIO: "Tỷ lệ = tử số / mẫu số × 100", VALUE: "Giá trị báo cáo trực tiếp"}

# at_least/at_most are "tối thiểu"/"tối đa" (≥, ≤); above/below are the strict "trên"/"dưới" (>, <) that
# directives also use ("đạt trên 50%").
DIRECTIONS = ("at_least", "above", "at_most", "below")
DIRECTION_LABELS = {
    "at_least": "Tối thiểu (≥)",
    "above": "Trên (>)",
    "at_most": "Tối đa (≤)",
    "below": "Dưới (<)",
}
DIRECTION_SIGNS = {"at_least": "≥", "above": ">", "at_most": "≤", "below": "<"}
HIGHER_IS_BETTER = frozenset({"at_least", "above"})

# How the measurements inside a period make the period's figure:
# latest — figures are cumulative "as of" their date (số liệu tính đến ngày): the last one in the period counts;
# sum — figures cover their own reporting interval only: the period's figure is the sum of its measurements.
AGGREGATIONS = ("latest", "sum")
AGGREGATION_LABELS = {
    "latest": "Số liệu lũy kế tính đến ngày (lấy số liệu mới nhất trong kỳ)",
    "sum": "Số liệu phát sinh từng lần báo cáo (cộng các lần trong kỳ)",
}

ENTERED = "entered"
IMPORTED = "imported"
COMPUTED = "computed"
SOURCES = (ENTERED, IMPORTED, COMPUTED)
SOURCE_LABELS = {ENTERED: "Đơn vị nhập", IMPORTED: "Nhập từ Excel", COMPUTED: "Hệ thống tính"}
# When several sources report the same unit and date, the lowest rank counts: the unit answers for its own
# figures (seed 002), an office import of the portal's statistics comes next, the product's own count last.
SOURCE_RANK = {ENTERED: 1, IMPORTED: 2, COMPUTED: 3}

PERIOD_KINDS = ("year", "quarter", "month")


class Kpi(db.Model):
    __tablename__ = "kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    measure: Mapped[str] = mapped_column(sa.String(10))
    formula: Mapped[str] = mapped_column(sa.String(10))
    numerator_label: Mapped[str | None] = mapped_column(sa.String(255))
    denominator_label: Mapped[str | None] = mapped_column(sa.String(255))
    direction: Mapped[str] = mapped_column(sa.String(10))
    aggregation: Mapped[str] = mapped_column(sa.String(10), default="latest")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    @property
    def is_ratio(self) -> bool:
        return self.formula == RATIO

    @property
    def is_rate(self) -> bool:
        """A percentage, computed or reported: it holds for any sub-period of a target's period."""
        return self.formula == RATIO or self.measure == "percent"

    @property
    def higher_is_better(self) -> bool:
        return self.direction in HIGHER_IS_BETTER

    @property
    def unit_suffix(self) -> str:
        return MEASURE_SUFFIX.get(self.measure, "")

    def __repr__(self) -> str:
        return f"<Kpi {self.code}>"


class KpiTarget(db.Model):
    """A target for one unit, or for every unit of a kind; a unit's own target beats its kind's."""

    __tablename__ = "kpi_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("kpis.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    unit_kind: Mapped[str | None] = mapped_column(sa.String(20))
    period_kind: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    target_value: Mapped[float] = mapped_column(sa.Float)
    # The directive and task that set the target (optional: targets can be entered before the task).
    directive_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directives.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    kpi: Mapped[Kpi] = relationship()
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        sa.Index("ix_kpi_targets_kpi_id_period", "kpi_id", "period_start", "period_end"),
        sa.CheckConstraint(
            "(unit_id IS NULL AND unit_kind IS NOT NULL) OR (unit_id IS NOT NULL AND unit_kind IS NULL)",
            name="one_scope",
        ),
        sa.CheckConstraint("period_start <= period_end", name="period_order"),
    )


class KpiMeasurement(db.Model):
    """One reported figure of a unit "as of" `period_end`.

    Unique per (kpi, unit, period_end, source): the product's nightly computation never overwrites a
    figure the unit entered for the same day; both are kept and SOURCE_RANK decides which one counts.
    Recording again with the same key replaces the figures (an upsert; the audit log keeps the old ones).
    """

    __tablename__ = "kpi_measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("kpis.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    numerator: Mapped[int | None] = mapped_column(sa.BigInteger)
    denominator: Mapped[int | None] = mapped_column(sa.BigInteger)
    value: Mapped[float | None] = mapped_column(sa.Float)
    source: Mapped[str] = mapped_column(sa.String(10))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    kpi: Mapped[Kpi] = relationship()
    unit: Mapped[Unit] = relationship()
    entered_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("kpi_id", "unit_id", "period_end", "source"),
        sa.Index("ix_kpi_measurements_kpi_id_period_end", "kpi_id", "period_end"),
        # Whether a period's figures come from one source (queries.one_source_in): two reads of its ends.
        sa.Index("ix_kpi_measurements_source_period_end", "source", "period_end"),
        sa.CheckConstraint("numerator IS NULL OR numerator >= 0", name="numerator_positive"),
        sa.CheckConstraint("denominator IS NULL OR denominator >= 0", name="denominator_positive"),
    )


class KpiDataVersion(db.Model):
    """Which state of the data behind the KPI figures (the catalogue, targets, figures, and the units they are given
    to) a figure read from them stands for: one row, given a new number in the transaction of every write to those
    tables (kpis/versions.py), so that a period's summaries computed once serve every request until the data
    changes, on every host. Without the row (an emptied database) nothing is remembered."""

    __tablename__ = "kpi_data_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A new one whenever the row is made again, so that numbers counted again from 1 never meet remembered ones.
    epoch: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
