"""Schemathesis against /api/v1/openapi.json: no 500, every answer matches the documented schema.

Each documented operation gets a bounded number of generated requests, sent in-process to the app.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kpi_tasks.api.openapi import openapi_document
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.web import API_REGISTRATIONS
from tests.factories import api_headers, commit, make_task, make_unit, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_dict(
    openapi_document([routes for routes in API_REGISTRATIONS if isinstance(routes, ApiRoutes)])
)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
EXAMPLES_PER_OPERATION = 8


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api_answers_match_the_schema(app, app_ctx, operation):
    unit = make_unit("Phòng Văn hóa và Thông tin")
    make_task(unit, title="Nhiệm vụ có sẵn")
    headers = api_headers(make_user("office"))
    commit()
    client = app.test_client()

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(app=app, headers=headers, checks=CHECKS)

    check()
    assert client.get("/api/v1/openapi.json").status_code == 200
