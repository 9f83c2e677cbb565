"""kpi_tasks.forms.htmx_target: which fragment an htmx request asks for (htmx-flask's request.htmx)."""

from __future__ import annotations

import pytest
from flask import Flask

from kpi_tasks.forms import htmx_target


@pytest.mark.parametrize(("headers", "target"), [
    ({"HX-Request": "true", "HX-Target": "task-rows"}, "task-rows"),
    ({"HX-Request": "true"}, None),  # htmx, swapping an element without an id
    ({"HX-Target": "task-rows"}, None),  # not htmx's: the browser gets the whole page
    ({}, None),
])
def test_the_target_is_htmxs_only(app: Flask, headers: dict[str, str], target: str | None) -> None:
    with app.test_request_context("/tasks/", headers=headers):
        assert htmx_target() == target
