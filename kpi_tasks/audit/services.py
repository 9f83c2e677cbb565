from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.extensions import db

ACTION_LABELS = {
    "create": "Tạo mới",
    "update": "Sửa thông tin",
    "progress": "Cập nhật tiến độ",
    "report_completion": "Báo cáo hoàn thành",
    "approve": "Xác nhận hoàn thành",
    "return": "Trả lại, yêu cầu bổ sung",
    "withdraw": "Thu hồi",
    "extension_request": "Đề nghị gia hạn",
    "extension_approve": "Đồng ý gia hạn",
    "extension_reject": "Không đồng ý gia hạn",
}


def record(
    actor: User | None,
    entity_type: str,
    entity_id: int,
    action: str,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        changes={key: [_jsonable(old), _jsonable(new)] for key, (old, new) in (changes or {}).items()},
        note=note,
    )
    db.session.add(event)
    return event


def history(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
