"""kpi_tasks.forms.save, the one transaction of a page's form: commit and say so, or roll back and say why; and
save_action, the same for a button with no form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, get_flashed_messages
from wtforms import StringField

from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import Form, save, save_action
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit


class UnitForm(Form):
    code = StringField("Mã")
    name = StringField("Tên")


@pytest.fixture
def posted(app: Flask) -> Iterator[UnitForm]:
    """A request that posted the form (what the user typed: code X1, name Phòng Một)."""
    with app.test_request_context("/", method="POST", data={"code": "X1", "name": "Phòng Một"}):
        yield UnitForm(meta={"csrf": False})
        db.session.remove()


def stored_codes() -> list[str]:
    """The units' codes as another connection sees them: only what was committed."""
    with db.engine.connect() as connection:
        return list(connection.scalars(sa.select(Unit.code)))


def test_a_saved_change_is_committed_and_said(posted: UnitForm) -> None:
    saved = save(posted, lambda: create_unit("X1", posted.name.data or "", "department"),
                 lambda unit: f"Đã tạo {unit.name}.")

    assert saved
    assert saved.error is None
    assert saved.result is not None
    assert saved.result.code == "X1"
    assert stored_codes() == ["X1"]
    assert get_flashed_messages(with_categories=True) == [("success", "Đã tạo Phòng Một.")]
    assert posted.errors == {}


def test_a_refused_change_is_rolled_back_and_its_messages_land_on_the_fields(posted: UnitForm) -> None:
    def half_then_refused() -> Unit:
        create_unit("X1", "Phòng Một", "department")  # written (flushed), then the rule refuses
        raise ValidationError("Thông tin chưa hợp lệ.", {"name": "Tên đã có.", "elsewhere": "Không có ô này."})

    saved = save(posted, half_then_refused, "Đã tạo.")

    assert not saved
    assert isinstance(saved.error, ValidationError)
    assert saved.result is None
    assert stored_codes() == []
    assert db.session.scalars(sa.select(Unit)).all() == []  # nor pending in the request's own session
    assert posted.name.errors == ["Tên đã có."]
    assert posted.name.data == "Phòng Một"  # shown again with what the user typed
    # The message no field takes, after the general one; nothing said of success.
    assert get_flashed_messages(with_categories=True) == [("danger", "Thông tin chưa hợp lệ. Không có ô này.")]


def test_without_a_form_a_conflict_is_flashed_whole(posted: UnitForm) -> None:
    def refused() -> None:
        raise ConflictError("Dữ liệu vừa được người khác thay đổi.", {"version": "Tải lại trang."})

    assert not save(None, refused, "Đã lưu.")
    assert get_flashed_messages(with_categories=True) == [
        ("danger", "Dữ liệu vừa được người khác thay đổi. Tải lại trang.")]


def test_a_view_may_say_a_refusal_its_own_way_and_choose_what_is_refused(posted: UnitForm) -> None:
    told = []

    def refused() -> None:
        raise ConflictError("Đã có người sửa.")

    # A view that refuses only on validation leaves a conflict to the error handlers (web.py: the 409 page).
    with pytest.raises(ConflictError):
        save(posted, refused, "Đã lưu.", refused=(ValidationError,))
    assert not save(posted, refused, "Đã lưu.", show=told.append)
    assert [error.message for error in told] == ["Đã có người sửa."]
    assert get_flashed_messages() == []


def test_a_refusal_of_another_kind_is_not_the_forms(posted: UnitForm) -> None:
    def forbidden() -> None:
        create_unit("X1", "Phòng Một", "department")
        raise PermissionDenied()

    with pytest.raises(PermissionDenied):  # web.py's handler rolls it back and shows the 403 page
        save(posted, forbidden, "Đã lưu.")
    assert get_flashed_messages() == []


def test_nothing_said_when_there_is_no_message(posted: UnitForm) -> None:
    assert save(posted, lambda: create_unit("X1", "Phòng Một", "department"), None)
    assert stored_codes() == ["X1"]
    assert get_flashed_messages() == []


def test_a_buttons_change_is_committed_and_said_in_its_category(posted: UnitForm) -> None:
    unit = save_action(lambda: create_unit("X1", "Phòng Một", "department"), lambda unit: f"Đã xoá {unit.name}.",
                       category="info")

    assert unit.code == "X1"  # what the action returned
    assert stored_codes() == ["X1"]
    assert get_flashed_messages(with_categories=True) == [("info", "Đã xoá Phòng Một.")]


def test_a_buttons_refusal_is_left_to_the_error_handlers(posted: UnitForm) -> None:
    def refused() -> None:
        create_unit("X1", "Phòng Một", "department")
        raise ValidationError("Nhiệm vụ đã được tiếp nhận.")

    # No form to show it on: web.py's handler rolls back and answers with the error's own status page.
    with pytest.raises(ValidationError):
        save_action(refused, "Đã tiếp nhận.")
    assert get_flashed_messages() == []
    assert stored_codes() == []


def test_a_buttons_message_may_say_nothing(posted: UnitForm) -> None:
    assert save_action(lambda: 0, lambda count: f"Đã đọc {count}." if count else None) == 0
    assert get_flashed_messages() == []
