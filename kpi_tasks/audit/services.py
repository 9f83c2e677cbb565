from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from kpi_tasks.audit.models import AuditEvent, ChangeLine
from kpi_tasks.extensions import db
from kpi_tasks.hooks import Provided

if TYPE_CHECKING:
    from kpi_tasks.accounts.models import User

ACTION_LABELS = {
    "create": "Tạo mới",
    "update": "Sửa thông tin",
    "progress": "Cập nhật tiến độ",
    "report_completion": "Báo cáo hoàn thành",
    "approve": "Xác nhận hoàn thành",
    "return": "Trả lại, yêu cầu bổ sung",
    "withdraw": "Thu hồi",
    "reassign": "Chuyển đơn vị chủ trì",
    "delete": "Xóa (nhập thử, nhập nhầm)",
    "intake_undo": "Hủy kết quả nhập từ văn bản",
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
    "direction": "Ý kiến chỉ đạo",
    "acknowledge": "Tiếp nhận nhiệm vụ",
    "comment": "Trao đổi",
    "comment_edit": "Sửa ý kiến trao đổi",
    "lock": "Khoá tài khoản",
    "unlock": "Mở khoá tài khoản",
    "password_reset": "Đặt lại mật khẩu (quản trị)",
    "password_change": "Tự đổi mật khẩu",
    "template_upload": "Thay mẫu văn bản",
    "template_revert": "Dùng lại mẫu văn bản có sẵn",
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
    "text": "Nội dung",
    "tasks": "Số nhiệm vụ",
    "given_by": "Ý kiến của lãnh đạo",
    "code": "Mã",
    "name": "Tên",
    "kind": "Loại đơn vị",
    "parent": "Đơn vị cấp trên",
    "is_committee": "Là Ủy ban nhân dân có người dùng riêng",
    "active": "Đang hoạt động",
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "email": "E-mail",
    "role": "Vai trò",
    "unit": "Đơn vị",
    "released_task_ids": "Thôi theo dõi các nhiệm vụ (mã số)",
    "directive_kind": "Loại văn bản",
    "issued_on": "Ngày ban hành",
    "issuer": "Cơ quan ban hành",
    "signer": "Người ký",
    "subject": "Trích yếu",
    "parent_directive": "Thực hiện văn bản cấp trên",
    "confidential": "Văn bản mật",
    # The document identity (documents/identity.py) and its signers, per kind of document.
    "issuing_body": "Tên cơ quan ban hành",
    "issuing_body_short": "Tên viết tắt của cơ quan ban hành",
    "superior_body": "Cơ quan chủ quản",
    "place_name": "Địa danh",
    "office_name": "Tên Văn phòng",
    "office_header": "Tên Văn phòng trên tiêu đề",
    "committee_symbol": "Chữ viết tắt của cơ quan ban hành",
    "office_symbol": "Chữ viết tắt của Văn phòng",
    **{f"{kind}.{field}": f"{document}: {label}"
       for kind, document in (("monthly_report", "Báo cáo tháng"), ("unit_report", "Báo cáo của đơn vị"),
                              ("apology_letter", "Phiếu xin lỗi"))
       for field, label in (("authority", "quyền hạn ký"), ("title", "chức vụ người ký"),
                            ("name", "họ tên người ký"), ("recipients", "nơi nhận"))},
    "template.monthly_report": "Mẫu báo cáo tháng",
    "template.unit_report": "Mẫu báo cáo của đơn vị",
    "template.apology_letter": "Mẫu phiếu xin lỗi",
    "template.scoring_appendix": "Mẫu phụ lục kết quả chấm điểm",
}
# Fields whose logged values name a person: by username (a list of them) or by user id.
_USERNAME_FIELDS = frozenset({"assignees"})
_USER_ID_FIELDS = frozenset({"leader_id"})
# The audit log sits below the packages whose changes it records, so they tell it how to name what they log
# (web.init_app wires them): the Vietnamese names of a field's codes ("role", "kind", "directive_kind"), and
# people's full names from their usernames and ids.
PeopleNames = Callable[[Iterable[str], Iterable[int]], Iterable[tuple[int, str, str]]]
_CODE_LABELS: dict[str, dict[str, str]] = {}
people_names: Provided[PeopleNames] = Provided("how the audit log finds people's names")


def register_code_labels(field: str, labels: dict[str, str]) -> None:
    """Logged values of `field` are codes: show them by these names."""
    _CODE_LABELS[field] = labels


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
    if isinstance(value, bool):
        return "Có" if value else "Không"
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
    """The object's events, oldest first, with their actors and their `lines` ready: one query for the events,
    one for the actors, one for the people their changes name."""
    events = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .options(selectinload(AuditEvent.actor))
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    describe_changes(events)
    return events


def describe_changes(events: list[AuditEvent]) -> None:
    """Set each event's `lines`: its changes as a clerk reads them, unchanged fields left out, people named by
    their full names (looked up once for all the events; a username or id that matches nobody stays as logged)."""
    usernames: set[str] = set()
    user_ids: set[int] = set()
    for event in events:
        for key, pair in (event.changes or {}).items():
            for value in pair:
                if key in _USERNAME_FIELDS:
                    usernames.update(name for name in _as_list(value) if isinstance(name, str))
                elif key in _USER_ID_FIELDS and isinstance(value, int):
                    user_ids.add(value)
    by_username: dict[str, str] = {}
    by_id: dict[int, str] = {}
    if usernames or user_ids:
        rows = people_names()(usernames, user_ids) if people_names.is_provided else []
        for user_id, username, full_name in rows:
            by_username[username] = by_id[user_id] = full_name or username
    for event in events:
        lines = []
        for key, pair in (event.changes or {}).items():
            old, new = (_shown(key, value, by_username, by_id) for value in pair)
            if old != new:
                lines.append(ChangeLine(FIELD_LABELS.get(key, key), old, new))
        event.lines = lines


def _shown(key: str, value: Any, by_username: dict[str, str], by_id: dict[int, str]) -> str:
    if key in _USERNAME_FIELDS:
        return display_value([by_username.get(name, name) for name in _as_list(value)])
    if key in _USER_ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return by_id.get(value, str(value))
    if key in _CODE_LABELS and isinstance(value, str):
        return _CODE_LABELS[key].get(value, value)
    return display_value(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
