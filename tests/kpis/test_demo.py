"""The demo district carries seed 000's KPIs with targets, an override and a few months of figures."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.clock import today
from kpi_tasks.demo.seed import seed_demo
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import KpiTarget
from kpi_tasks.kpis.queries import default_period, progress, task_targets
from kpi_tasks.kpis.services import get_kpi_by_code
from kpi_tasks.tasks.models import Task
from kpi_tasks.units.models import Unit


def test_demo_kpis_have_targets_figures_and_linked_tasks(app_ctx):
    seed_demo()
    signing = get_kpi_by_code("KYSO")
    assert signing is not None
    assert get_kpi_by_code("DVCTT").direction == "above"
    assert get_kpi_by_code("TTTT") is not None
    table = progress(signing, default_period(signing, today()))
    kinds = dict(db.session.execute(sa.select(Unit.id, Unit.kind)).all())
    targets = {(kinds[row.unit_id], row.target_value) for row in table.rows}
    assert {("department", 90), ("commune", 70), ("commune", 80)} <= targets
    assert {row.met for row in table.rows} == {True, False}
    assert table.total.denominator == sum(row.denominator for row in table.rows)
    task = db.session.scalar(sa.select(Task).join(KpiTarget, KpiTarget.task_id == Task.id).limit(1))
    assert task is not None
    assert all(row.actual_value is not None for row in task_targets(task.id))
