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
    "occurrence_progress": "Báo cáo kỳ",
    "occurrence_report": "Báo cáo hoàn thành kỳ",
    "occurrence_approve": "Xác nhận hoàn thành kỳ",
    "occurrence_return": "Trả lại báo cáo kỳ",
    "milestone_add": "Thêm bước thực hiện",
    "milestone_update": "Cập nhật bước thực hiện",
    "milestone_delete": "Xóa bước thực hiện",
    "attach": "Đính kèm tệp",
    "score_rule_create": "Tạo phiên bản tiêu chí chấm điểm",
    "score_rule_update": "Sửa tiêu chí chấm điểm (chưa dùng để công bố)",
    "score_publish": "Công bố kết quả chấm điểm",
    "score_supersede": "Công bố phiên bản kết quả chấm điểm thay thế",
    "score_objection": "Đề nghị xem xét kết quả chấm điểm",
    "score_objection_accept": "Chấp nhận đề nghị xem xét",
    "score_objection_reject": "Không chấp nhận đề nghị xem xét",
    "notification_settings": "Đổi cài đặt nhận thông báo",
    "mail_retry": "Gửi lại thư thông báo lỗi",
    "intake_confirm": "Tạo từ văn bản tải lên (nhập nhiệm vụ từ văn bản)",
    "dossier_import": "Nhập dữ liệu hồ sơ TTHC",
    "apology_record": "Ghi nhận phiếu xin lỗi",
    "apology_correct": "Sửa phiếu xin lỗi đã ghi nhận",
}


FIELD_LABELS = {
    "title": "Tên nhiệm vụ",
    "content": "Nội dung",
    "section": "Mục",
    "lead_unit": "Đơn vị chủ trì",
    "coordinating_units": "Đơn vị phối hợp",
    "deadline": "Hạn xử lý",
    "effective_deadline": "Hạn sau gia hạn",
    "leader_id": "Lãnh đạo phụ trách",
    "assignees": "Chuyên viên được giao",
    "progress_percent": "Tiến độ (%)",
    "state": "Trạng thái",
    "completion_reported_on": "Ngày hoàn thành (báo cáo)",
    "completed_on": "Ngày hoàn thành (xác nhận)",
    "number": "Số, ký hiệu",
    "recurrence": "Định kỳ",
    "requested_deadline": "Hạn đề nghị",
    "occurrence": "Kỳ báo cáo (hạn)",
    "milestone": "Bước thực hiện",
    "milestone_due_on": "Hạn của bước",
    "milestone_done_on": "Ngày hoàn thành bước",
    "note": "Ghi chú",
    "files": "Tệp",
    "tasks": "Số nhiệm vụ",
}
STATE_LABELS = {
    "open": "Đang thực hiện",
    "awaiting_review": "Chờ xác nhận",
    "done": "Đã hoàn thành",
    "withdrawn": "Thu hồi",
}


def display_value(value: Any) -> str:
    """A logged value as a clerk reads it: dates dd/mm/yyyy, lists joined, states in Vietnamese."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(display_value(item) for item in value)
    if isinstance(value, str):
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                return value
        return STATE_LABELS.get(value, value)
    return str(value)


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
