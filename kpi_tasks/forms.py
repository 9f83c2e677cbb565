"""Helpers shared by the page forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import wtforms
from flask import flash
from flask_wtf import FlaskForm
from htmx_flask import request  # Flask's request, typed with the `htmx` headers the extension adds
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Field, SelectChoice
from wtforms.widgets import TextInput

from kpi_tasks.errors import ConflictError, DomainError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import DATE_INPUT_ERROR, format_date, format_number, parse_user_date

DATE_PLACEHOLDER = "dd/mm/yyyy"

# WTForms' own messages (it ships no Vietnamese catalogue), keyed by its English message ids. The texts keep
# WTForms' %-placeholders, which it fills in after translating.
_MESSAGES = {
    "This field is required.": "Chưa nhập thông tin này.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Invalid email address.": "Địa chỉ e-mail không hợp lệ.",
    "Invalid URL.": "Địa chỉ trang web không hợp lệ.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Có lựa chọn không hợp lệ.",
    "Not a valid integer value.": "Phải là một số nguyên.",
    "Not a valid decimal value.": "Phải là một số.",
    "Not a valid float value.": "Phải là một số.",
    "Not a valid date value.": DATE_INPUT_ERROR,
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Số không được lớn hơn %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "Field must be between %(min)d and %(max)d characters long.": "Độ dài phải từ %(min)d đến %(max)d ký tự.",
    "Field must be equal to %(other_name)s.": "Giá trị phải trùng với ô %(other_name)s.",
    "Invalid CSRF Token.": "Mã bảo vệ biểu mẫu (CSRF) không hợp lệ. Vui lòng tải lại trang.",
}
# Messages WTForms picks by a count: the count is written in here, formatted the Vietnamese way (20.000).
_COUNTED = {
    "Field must be at least %(min)d character long.": "Cần nhập ít nhất {n} ký tự.",
    "Field cannot be longer than %(max)d character.": "Dài tối đa {n} ký tự.",
    "Field must be exactly %(max)d character long.": "Phải đúng {n} ký tự.",
    "'%(value)s' is not a valid choice for this field.": "Lựa chọn không hợp lệ: %(value)s.",
}


class VietnameseMessages:
    """The `gettext`/`ngettext` pair WTForms asks its form's Meta for; unknown messages pass through."""

    def gettext(self, string: str) -> str:
        return _MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        counted = _COUNTED.get(singular)
        if counted is None:
            return singular if n == 1 else plural
        return counted.replace("{n}", format_number(n))


VIETNAMESE_MESSAGES = VietnameseMessages()


class Form(FlaskForm):
    """The base of the application's page forms: CSRF from Flask-WTF, WTForms' own messages in Vietnamese.

    Hidden fields (the CSRF token, `version`) carry no id: a page with several forms would repeat it."""

    class Meta:
        def get_translations(self, form: Any) -> VietnameseMessages:
            return VIETNAMESE_MESSAGES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if field.type in ("CSRFTokenField", "HiddenField"):
                field.id = False


class SubForm(wtforms.Form):
    """A form nested in a page form (FormField, FieldList): no CSRF token of its own, the same Vietnamese."""

    class Meta:
        def get_translations(self, form: Any) -> VietnameseMessages:
            return VIETNAMESE_MESSAGES


class VnDateInput(TextInput):
    """A text box for a date typed dd/mm/yyyy: the browser's date picker would show its own locale's order."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("placeholder", DATE_PLACEHOLDER)
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


class VnDateField(Field):
    """A date typed dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy) or sent as yyyy-mm-dd.

    `.data` is a `datetime.date` or None, as with WTForms' DateField. A valid date is shown back dd/mm/yyyy;
    an unreadable one is shown back as typed, with a Vietnamese message that wins over "required"."""

    widget = VnDateInput()

    def __init__(self, label: str | None = None, validators: Sequence[Any] | None = None,
                 invalid_message: str = DATE_INPUT_ERROR, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def _value(self) -> str:
        if isinstance(self.data, dt.date):
            return format_date(self.data)
        return str(self.raw_data[0]) if self.raw_data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        text = str(valuelist[0] or "").strip()
        if not text:
            return
        try:
            self.data = parse_user_date(text)
        except ValueError:
            raise ValueError(self.invalid_message) from None

    def validate(self, form: Any, extra_validators: Sequence[Any] = ()) -> bool:
        if self.process_errors:
            # Typed but unreadable: DataRequired would replace the message with "not entered", which is untrue.
            self.errors = list(self.process_errors)
            return False
        return super().validate(form, extra_validators)


class PageArgs:
    """A page's query string read leniently (what a list's filters need): a value that cannot be read is left
    out, a malformed date is also said in a flash message. The API reads the same names strictly
    (the models of api/schema.py, 422 with the reasons)."""

    def __init__(self, args: MultiDict) -> None:
        self.args = args

    def text(self, name: str) -> str | None:
        return self.args.get(name) or None

    def integer(self, name: str) -> int | None:
        return self.args.get(name, type=int)

    def boolean(self, name: str) -> bool:
        return self.args.get(name) == "1"

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.args.get(name)
        return value if value in choices else None

    def date(self, name: str) -> dt.date | None:
        """A date typed dd/mm/yyyy or sent by a date input."""
        raw = (self.args.get(name) or "").strip()
        if not raw:
            return None
        try:
            return parse_user_date(raw)
        except ValueError:
            flash(f"Ngày “{raw}” không đúng dạng dd/mm/yyyy; bộ lọc này được bỏ qua.", "warning")
            return None


def unreadable_date_arg(name: str) -> str:
    """The query-string date `name` as typed when it is not a readable date, else "" (templates' date_filter)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return ""
    try:
        parse_user_date(raw)
    except ValueError:
        return raw
    return ""


def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field messages on the matching form fields; flash the rest."""
    unplaced = []
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            unplaced.append(message)
    flash(" ".join([error.message, *unplaced]), "danger")


def flash_refusal(error: DomainError, category: str = "danger") -> None:
    """Say a service's refusal in one flash message, its field messages after the general one (no form to
    put them on: a button, a form on another page)."""
    flash(" ".join([error.message, *error.fields.values()]), category)


T = TypeVar("T")
# What a page's form may be refused for and shown again: the user can correct it. Anything else (not allowed,
# not found) is the error handlers' (web.py), which roll back too.
REFUSALS: tuple[type[DomainError], ...] = (ValidationError, ConflictError)


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What `save` did: true when the change was committed (`result` is then what the action returned); false
    when it was refused, rolled back and told (`error`)."""

    result: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def save(form: FlaskForm | None, action: Callable[[], T], success: str | Callable[[T], str | None] | None, *,
         refused: tuple[type[DomainError], ...] = REFUSALS,
         show: Callable[[DomainError], None] | None = None, category: str = "success") -> Saved[T]:
    """One request's change: run `action` (the service calls), then commit and flash `success` (a text, or made
    from what `action` returned; None says nothing) as `category`. A refusal (`refused`) is rolled back, so
    nothing of it is half-written, and told: by `show` if given, else on the form's fields (`show_errors`), else
    in a flash.

    The view then redirects (303) when saved, or shows the form again with what the user typed. Objects
    loaded before a rollback are expired: a view that shows them again reads them anew."""
    try:
        result = action()
    except refused as error:
        db.session.rollback()
        if show is not None:
            show(error)
        elif form is not None:
            show_errors(form, error)
        else:
            flash_refusal(error)
        return Saved(error=error)
    # Said before the commit: the commit expires what the message reads (a deleted row could not be read again).
    message = success(result) if callable(success) else success
    db.session.commit()
    if message:
        flash(message, category)
    return Saved(result)


def save_action(action: Callable[[], T], success: str | Callable[[T], str | None] | None = None, *,
                category: str = "success") -> T:
    """A change asked by a button or a link, with no form to show again (acknowledge, watch, mark as read,
    revoke): `save`'s commit and flash, and what `action` returned. Nothing the user could correct is refused
    here, so a refusal is not caught: the error handlers (web.py) roll back and answer with its status (the 403,
    404 or 409 page), as before there was this helper."""
    return cast(T, save(None, action, success, refused=(), category=category).result)


def htmx_target() -> str | None:
    """The id of the element an htmx request asks to replace (the view then renders that fragment only); None
    when the browser asked for the whole page."""
    return request.htmx.target if request.htmx else None


def unique_ids(form: FlaskForm, suffix: str | int) -> FlaskForm:
    """Give the form's elements ids of their own (`note-12`) when a page shows it more than once: the posted
    names stay the same, but a label must tick its own row's control, never the first row's."""
    for field in form:
        if field.id:
            field.id = f"{field.id}-{suffix}"
            field.label.field_id = field.id
    return form


def form_version(form: FlaskForm) -> int:
    """The `version` the user's form was built from; an unreadable one counts as stale (0)."""
    raw = form.version.data or ""
    return int(raw) if str(raw).isdigit() else 0


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices for select and radio fields in the shape WTForms 3.3 expects."""
    return [SelectChoice(value, label) for value, label in pairs]
