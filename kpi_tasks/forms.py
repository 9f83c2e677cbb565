"""Helpers shared by the page forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from kpi_tasks.errors import DomainError


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


def form_version(form: FlaskForm) -> int:
    """The `version` the user's form was built from; an unreadable one counts as stale (0)."""
    raw = form.version.data or ""
    return int(raw) if str(raw).isdigit() else 0


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices for select and radio fields in the shape WTForms 3.3 expects."""
    return [SelectChoice(value, label) for value, label in pairs]
