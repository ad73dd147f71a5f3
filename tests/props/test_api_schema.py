"""schemathesis over the app's own /api/openapi.json, on both databases.

Every operation gets cases generated from its document (valid ones and, in negative mode, ones that break it),
sent with a real identity (a signed-in session with its CSRF token, or HTTP Basic) instead of the generated
credentials. Properties: no 5xx; a refused request (4xx) answers JSON and writes nothing (row counts compared);
every answer conforms to the document (status, content type, body schema).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import HANDLER, INSTITUTE, OWNER, PASSWORD, PropApp, row_counts

# Every operation of the document, and who calls it (an owner starts cases, clerks work tasks).
OPERATIONS: dict[str, tuple[str, ...]] = {
    "api_list_tasks": (INSTITUTE, OWNER),
    "api_task_detail": (INSTITUTE, HANDLER, OWNER),
    "api_claim": (INSTITUTE, HANDLER),
    "api_release": (INSTITUTE, HANDLER),
    "api_complete": (INSTITUTE, HANDLER, OWNER),
    "api_start_case": (OWNER,),
    "api_openapi": (OWNER,),
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
_SCHEMAS: dict[int, Any] = {}


def _schema(app: Flask) -> Any:
    """The app's OpenAPI document as served, loaded by schemathesis once per app."""
    if id(app) not in _SCHEMAS:
        document = app.test_client().get("/api/openapi.json").get_json()
        _SCHEMAS[id(app)] = schemathesis.openapi.from_dict(document)
    return _SCHEMAS[id(app)]


def test_every_operation_of_the_document_is_covered(prop_app: PropApp) -> None:
    ids = {op.ok().definition.raw.get("operationId") for op in _schema(prop_app.app).get_all_operations()}
    assert ids == set(OPERATIONS)


def _cases(prop_app: PropApp, operation: Any, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Generated cases; where the path names a task, also ones on the seeded tasks, so the request gets past 404."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    if "{task_id}" in operation.path:
        strategies += [operation.as_strategy(generation_mode=mode, path_parameters={"task_id": task_id})
                       for task_id in prop_app.world.task_ids.values()]
    return st.one_of(strategies)


def _basic(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()


# Negative cases need an input to break; the document itself takes none.
RUNS = [(op, mode) for op in sorted(OPERATIONS) for mode in GenerationMode
        if not (op == "api_openapi" and mode == GenerationMode.NEGATIVE)]


@pytest.mark.parametrize(("operation_id", "mode"), RUNS, ids=[f"{op}-{mode}" for op, mode in RUNS])
def test_api_operation_never_fails_and_refusals_write_nothing(
        prop_app: PropApp, operation_id: str, mode: GenerationMode) -> None:
    app = prop_app.app
    operation = _schema(app).find_operation_by_id(operation_id)

    @given(case=_cases(prop_app, operation, mode), username=st.sampled_from(OPERATIONS[operation_id]),
           basic=st.booleans())
    def check(case: Any, username: str, basic: bool) -> None:
        # The generated credentials are replaced by real ones.
        if case.headers:
            for name in [n for n in case.headers if n.lower() in ("authorization", "x-csrftoken", "cookie")]:
                del case.headers[name]
        if case.cookies:
            case.cookies.pop(app.config["SESSION_COOKIE_NAME"], None)
        if basic:
            client, headers = app.test_client(), {"Authorization": _basic(username)}
        else:
            signed = prop_app.client(username)
            client, headers = signed.client, {"X-CSRFToken": signed.csrf}
        before = row_counts(app)
        try:
            response = case.call(app=app, session=client, headers=headers)
        except Exception as exc:  # schemathesis re-raises the exception behind a 500
            raise AssertionError(f"5xx: {case.method} {case.formatted_path} raised {type(exc).__name__}: "
                                 f"{str(exc)[:400]}") from exc
        assert response.status_code < 500, response.text[:500]
        if response.status_code >= 400:
            assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.text[:200]
            assert row_counts(app) == before, f"a refused request ({response.status_code}) wrote to the database"
        checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
        case.validate_response(response, checks=checks, headers=headers)

    check()
