"""API of the progress table (API.md: milestones)."""

from __future__ import annotations

from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.extensions import db
from kpi_tasks.milestones.queries import milestone_progress, task_milestones
from kpi_tasks.milestones.schemas import Milestone, MilestoneInput, MilestonePatch, Milestones
from kpi_tasks.milestones.services import add_milestone, delete_milestone, get_milestone_or_404, update_milestone
from kpi_tasks.tasks.services import get_task_or_404

routes = ApiRoutes()
register_api = routes
WRITE_ERRORS = "400 403 404 409 422"


@routes.operation("GET", "/tasks/<int:task_id>/milestones", "milestones", "Bảng tiến độ (các bước thực hiện)",
                  answer=Milestones, errors="404")
def milestones_api(task_id: int) -> Milestones:
    task = get_task_or_404(task_id, api_user())
    done, total, percent = milestone_progress(task)
    return Milestones(items=[Milestone.of(milestone) for milestone in task_milestones(task)], done=done, total=total,
                      percent_done=percent)


@routes.operation("POST", "/tasks/<int:task_id>/milestones", "create_milestone",
                  "Thêm bước thực hiện (office, đơn vị chủ trì)", body=MilestoneInput, status=201, answer=Milestone,
                  description="Created", errors=WRITE_ERRORS)
def create_milestone_api(task_id: int, body: MilestoneInput) -> Milestone:
    user = api_user()
    milestone = add_milestone(get_task_or_404(task_id, user), user, **body.model_dump())
    db.session.commit()
    return Milestone.of(milestone)


@routes.operation("PATCH", "/tasks/<int:task_id>/milestones/<int:milestone_id>", "update_milestone",
                  "Sửa bước thực hiện; cần version", body=MilestonePatch, answer=Milestone, errors=WRITE_ERRORS)
def update_milestone_api(task_id: int, milestone_id: int, body: MilestonePatch) -> Milestone:
    user = api_user()
    task = get_task_or_404(task_id, user)
    milestone = get_milestone_or_404(task, milestone_id)
    update_milestone(milestone, task, user, expected_version=body.version, **body.model_dump(exclude={"version"}))
    db.session.commit()
    return Milestone.of(milestone)


@routes.operation("DELETE", "/tasks/<int:task_id>/milestones/<int:milestone_id>", "delete_milestone",
                  "Xóa bước thực hiện", status=204, description="Deleted", errors="403 404 409")
def delete_milestone_api(task_id: int, milestone_id: int) -> tuple[str, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    delete_milestone(get_milestone_or_404(task, milestone_id), task, user)
    db.session.commit()
    return "", 204
