"""Bad input through the pages (CSRF on): the form comes back with a Vietnamese message and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from werkzeug.test import encode_multipart

from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import ProgressUpdate, Task
from kpi_tasks.units.models import Unit
from tests.factories import commit, csrf_token, login, make_directive, make_task, make_unit, make_user

TEN_MB = "x" * (10 * 1024 * 1024)
# WTForms' English defaults, which must never reach a page.
ENGLISH = ("Field cannot", "Field must", "This field", "Not a valid", "Invalid ", "Number must")


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.fixture
def world(app):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        make_user("office", username="vanphong")
        directive = make_directive(issued_on=dt.date(2026, 2, 2))
        ids = {"unit": unit.id, "directive": directive.id}
        commit()
    return ids


def _assert_refused(app, response, message: str, model, before: int) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert not [text for text in ENGLISH if text in page]
    with app.app_context():
        assert _count(model) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Chưa nhập tên nhiệm vụ."),
        ({"deadline": "30/01/2026"}, "Hạn xử lý (30/01/2026) không được trước ngày ban hành văn bản (02/02/2026)."),
        ({"lead_unit_id": "99999"}, "Đơn vị chủ trì (mã số 99999) không tồn tại."),
        ({"content": TEN_MB}, "Dài tối đa 20.000 ký tự."),
        ({"title": TEN_MB}, "Dài tối đa 500 ký tự."),
        ({"deadline_kind": "working_days", "deadline": "", "deadline_working_days": "năm"}, "Phải là một số nguyên."),
    ],
    ids=["missing title", "deadline before issue", "unknown unit", "10 MB content", "10 MB title",
         "working days not a number"],
)
def test_a_bad_task_form_gets_a_vietnamese_message_and_writes_nothing(app, client, world, fields, message):
    login(client, "vanphong")
    path = f"/tasks/new/{world['directive']}"
    data = {"title": "Rà soát thủ tục hành chính", "lead_unit_id": str(world["unit"]), "deadline_kind": "date",
            "deadline": "31/03/2026", **fields, "csrf_token": csrf_token(client, path)}
    _assert_refused(app, client.post(path, data=data), message, Task, 0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": ""}, "Chưa nhập số, ký hiệu văn bản."),
        ({"subject": TEN_MB}, "Dài tối đa 20.000 ký tự."),
        ({"issued_on": "31/02/2026"}, "Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy."),
    ],
    ids=["missing number", "10 MB subject", "impossible date"],
)
def test_a_bad_directive_form_gets_a_vietnamese_message_and_writes_nothing(app, client, world, fields, message):
    login(client, "vanphong")
    data = {"number": "1035/UBND-TTHC", "kind": "cong_van", "issued_on": "02/03/2026", "issuer": "UBND huyện",
            "subject": "V/v cải cách thủ tục hành chính", "parent_id": "0", **fields,
            "csrf_token": csrf_token(client, "/directives/new")}
    _assert_refused(app, client.post("/directives/new", data=data), message, Directive, 1)


def test_a_10_mb_progress_note_is_refused_in_vietnamese_and_nothing_is_written(app, client, world):
    """The progress form is multipart (it carries files): a text field that large is refused (413) before the form
    is read. The body is encoded in memory: the test client's spooled temporary file would be left unclosed."""
    with app.app_context():
        unit = db.session.get(Unit, world["unit"])
        make_user("unit_manager", unit, "vhtt")
        task = make_task(unit, directive=db.session.get(Directive, world["directive"]))
        task_id, version = task.id, task.version
        commit()
    login(client, "vhtt")
    token = csrf_token(client, f"/tasks/{task_id}")
    boundary, body = encode_multipart({"progress_percent": "40", "note": TEN_MB, "version": str(version),
                                       "csrf_token": token})
    response = client.post(f"/tasks/{task_id}/updates", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Tệp hoặc nội dung gửi lên quá lớn." in page
    assert not [text for text in ENGLISH if text in page]
    with app.app_context():
        assert _count(ProgressUpdate) == 0
        assert db.session.get(Task, task_id).version == version


def test_every_page_form_speaks_vietnamese():
    """A form built on Flask-WTF or WTForms directly would show WTForms' English messages: every form class of
    the application derives from kpi_tasks.forms.Form (a page form) or SubForm (a form nested in one)."""
    import importlib
    import inspect
    import pkgutil

    import wtforms

    import kpi_tasks
    from kpi_tasks.forms import Form, SubForm

    english = []
    for module_info in pkgutil.walk_packages(kpi_tasks.__path__, "kpi_tasks."):
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, wtforms.Form) or cls in (Form, SubForm):
                continue
            if not issubclass(cls, Form | SubForm):
                english.append(f"{module.__name__}.{name}")
    assert english == []
