"""Word documents from .docx templates (docxtpl: Jinja inside a document laid out in Word).

Each kind has a template shipped in word/ (made by build_templates.py); an admin may upload a replacement,
kept in the database. Templates are rendered in Jinja's sandbox with every undefined name an error, so that
an uploaded template can neither reach the application's objects nor print a misspelt field as blank.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from kpi_tasks.documents.models import DocumentTemplate
from kpi_tasks.extensions import db

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SHIPPED_FOLDER = Path(__file__).resolve().parent / "word"


def shipped_template(kind: str) -> bytes:
    return (SHIPPED_FOLDER / f"{kind}.docx").read_bytes()


def uploaded_template(kind: str) -> DocumentTemplate | None:
    return db.session.scalar(sa.select(DocumentTemplate).where(DocumentTemplate.kind == kind))


def template_for(kind: str) -> bytes:
    """The template in force for `kind`: the admin's upload, else the shipped one."""
    uploaded = uploaded_template(kind)
    return uploaded.content if uploaded is not None else shipped_template(kind)


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def render_template_bytes(template: bytes, context: dict[str, Any], *, title: str, author: str) -> bytes:
    """Render a .docx template with `context` (plain dicts, lists and strings); the file's properties name
    the document and its issuer, created now. Raises jinja2.TemplateError for a template that does not fit."""
    document = DocxTemplate(io.BytesIO(template))
    document.render(context, jinja_env=_environment(), autoescape=True)
    properties = document.docx.core_properties
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    properties.title, properties.author, properties.last_modified_by = title, author, author
    properties.created = properties.modified = now
    properties.revision = 1
    properties.language = "vi-VN"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_document(kind: str, context: dict[str, Any], *, title: str, author: str) -> bytes:
    """The document of `kind` from the template in force."""
    return render_template_bytes(template_for(kind), context, title=title, author=author)


__all__ = ["DOCX_MIME", "TemplateError", "render_document", "render_template_bytes", "template_for"]
