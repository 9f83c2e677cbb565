"""Read-side queries of the progress table."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.milestones.models import Milestone
from kpi_tasks.tasks.models import Task


def task_milestones(task: Task) -> list[Milestone]:
    return list(
        db.session.scalars(
            sa.select(Milestone).where(Milestone.task_id == task.id).order_by(Milestone.position, Milestone.id)
        )
    )


def milestone_progress(task: Task) -> tuple[int, int, int]:
    """(steps done, steps in all, share done in whole percent) of the task's progress table."""
    done, total = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((Milestone.done_on.is_not(None), 1), else_=0)), 0),
            sa.func.count(Milestone.id),
        ).where(Milestone.task_id == task.id)
    ).one()
    return int(done), int(total), round(int(done) * 100 / int(total)) if total else 0


def steps_done(milestones: list[Milestone]) -> tuple[int, int, int]:
    """`milestone_progress` of the steps already read (the task page lists them all anyway)."""
    done, total = sum(1 for step in milestones if step.done_on is not None), len(milestones)
    return done, total, round(done * 100 / total) if total else 0
