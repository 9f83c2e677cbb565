"""What the API reads and answers about directives (api/schema.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import WithJsonSchema

from kpi_tasks.api.schema import (
    Body,
    Flag,
    Int,
    Out,
    RequiredDay,
    RequiredInt,
    RequiredText,
    Text,
    one_of,
    schema_named,
)
from kpi_tasks.directives.models import DIRECTIVE_KINDS

Kind = one_of(*DIRECTIVE_KINDS)


class DirectiveInput(Body):
    number: RequiredText
    issued_on: RequiredDay
    issuer: RequiredText
    subject: RequiredText
    signer: Text = None
    kind: Kind = None
    parent_id: Int = None
    confidential: Flag = False


class DirectivePatch(Body):
    """The fields sent replace the stored ones; the others stay (`signer` and `parent_id` null clear)."""

    version: RequiredInt
    number: RequiredText = None
    issued_on: RequiredDay = None
    issuer: RequiredText = None
    subject: RequiredText = None
    signer: Text = None
    kind: Kind = None
    parent_id: Int = None
    confidential: Flag = False

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set - {"version"}}


class Directive(Out):
    id: int
    number: str
    kind: str
    issued_on: dt.date
    issuer: str
    signer: str | None
    subject: str
    parent_id: int | None
    confidential: bool
    version: int
    # The tasks the user may see, as the tasks package gives them (tasks.api.directive_tasks_json): its schema.
    tasks: Annotated[list[dict[str, Any]], WithJsonSchema({"type": "array", "items": schema_named("Task")})]
