"""Issue 8's bad URLs, query strings, forms and ids, on SQLite and PostgreSQL: NUL or a lone surrogate is a
400, an id past the integer columns names no record, and nothing is written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine import MAX_ID, Case
from web.shared.input_guard import BAD_CHARACTER
from web.shared.system import get_system

from .. import input_world
from ..conftest import csrf_token
from ..input_world import (
    BIG_IDS,
    HUGE,
    INSTITUTE,
    OWNER,
    at_verify,
    counts,
    task_id,
)

app = input_world.app  # this module's app fixture: a fresh SQLite or PostgreSQL database


# -- query strings, paths and forms ---------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/api/tasks?text=%00", "/api/tasks?county_code=%00", "/api/tasks?spec_name=a%00", "/api/tasks?%00=1",
    "/api/tasks/%00", "/api/tasks/%00/claim"])
def test_nul_in_an_api_query_or_path_is_a_400_json(app, client, path):
    answer = client.post(path, auth=INSTITUTE) if path.endswith("claim") else client.get(path, auth=INSTITUTE)
    assert answer.status_code == 400 and answer.get_json()["detail"] == BAD_CHARACTER


@pytest.mark.parametrize("path", ["/?text=%00", "/?county_code=%00", "/?instrument_type=%00", "/tasks/%00",
                                  "/cases/1/documents/%00"])
def test_nul_in_a_page_query_or_path_is_a_chinese_400_page(app, client, auth, path):
    auth.login("shenyang_institute")
    answer = client.get(path)
    assert answer.status_code == 400 and BAD_CHARACTER in answer.get_data(as_text=True)


def test_nul_in_credentials_is_refused_before_any_lookup(app, client):
    assert client.get("/api/tasks", auth=("shenyang\x00institute", "demo1234")).status_code == 400
    assert client.get("/api/tasks", auth=("shenyang_institute", "demo\x001234")).status_code == 400
    token = csrf_token(client, "/auth/login")
    answer = client.post("/auth/login", data={"csrf_token": token, "username": "a\x00", "password": "demo1234"})
    assert answer.status_code == 400 and BAD_CHARACTER in answer.get_data(as_text=True)


def test_a_control_character_in_a_task_page_field_is_refused_beside_it(app, client, auth):
    case_id = at_verify(app, client)
    auth.login("shenyang_institute")
    page = f"/tasks/{task_id(client, INSTITUTE, case_id, 'verify')}"
    html = client.get(page).get_data(as_text=True)
    assert 'maxlength="64"' in html and "不超过 64 个字" in html
    version = re.search(r'name="_version" value="(\d+)"', html).group(1)
    before = counts(app)
    answer = client.post(page, data={"csrf_token": csrf_token(client, page), "_version": version,
                                     "action": "result", "outcome": "pass",
                                     "verified_on": "2026-09-28", "certificate_no": "SY\x1b-1",
                                     "next_due": "2027-09-29", "fee": "0"})
    assert answer.status_code == 422
    assert 'id="f-certificate_no-error">不能包含控制字符</p>' in answer.get_data(as_text=True)
    assert counts(app) == before


def test_a_saved_filter_named_with_nul_is_refused_and_not_saved(app, client, auth):
    auth.login("shenyang_institute")
    before = counts(app)
    answer = client.post("/filters", data={"csrf_token": csrf_token(client, "/"), "name": "逾期\x00", "due": "today"})
    assert answer.status_code == 400 and BAD_CHARACTER in answer.get_data(as_text=True)
    answer = client.post("/filters", data={"csrf_token": csrf_token(client, "/"), "name": "逾期", "text": "\x00"})
    assert answer.status_code == 400
    assert counts(app) == before


def test_a_saved_filter_name_with_a_control_character_is_refused_beside_the_form(app, client, auth):
    auth.login("shenyang_institute")
    answer = client.post("/filters", data={"csrf_token": csrf_token(client, "/"), "name": "逾\x1b期"},
                         follow_redirects=True)
    assert "未保存：名称不能包含控制字符" in answer.get_data(as_text=True)
    assert counts(app)["saved_filter"] == 0


# -- ids past the integer columns -----------------------------------------------------------------------
@pytest.mark.parametrize("big", BIG_IDS)
def test_an_id_past_the_integer_columns_names_no_record(app, client, auth, big):
    auth.login("xinmin_gas")
    assert client.get(f"/cases/{big}").status_code == 404
    assert client.get(f"/cases/{big}/documents/X-1").status_code == 404
    token = csrf_token(client, "/owner/")
    assert client.post(f"/owner/instruments/{big}/apply", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/filters/{big}/delete", data={"csrf_token": token}).status_code == 404
    answer = client.post("/api/cases", json={"process": "verification_request", "instrument_id": big}, auth=OWNER)
    assert answer.status_code == 422 and answer.get_json()["fields"]["instrument_id"] == ["不是有效的编号"]
    answer = client.post("/api/cases", json={"process": "verification_request", "instrument_id": 1,
                                             "assessing_org_id": big}, auth=OWNER)
    assert answer.status_code == 422 and "assessing_org_id" in answer.get_json()["fields"]


def test_the_largest_id_is_a_plain_not_found(app, client, auth):
    auth.login("xinmin_gas")
    assert client.get(f"/cases/{MAX_ID}").status_code == 404
    answer = client.post("/api/cases", json={"process": "verification_request", "instrument_id": MAX_ID},
                         auth=OWNER)
    assert answer.status_code == 404


def test_policy_pages_refuse_ids_past_the_integer_columns(app, client, auth):
    auth.login("policy")
    token = csrf_token(client, "/rules/")
    before = counts(app)
    assert client.get(f"/rules/versions/{HUGE}/migrate").status_code == 404
    # Werkzeug tries the GET rule of the same path first and answers 405 (only GET would match): a 4xx all the same.
    moved = client.post(f"/rules/versions/{HUGE}/migrate", data={"csrf_token": token, "all": "1"})
    assert moved.status_code in (404, 405)
    assert client.post(f"/rules/migrations/{HUGE}/undo", data={"csrf_token": token}).status_code == 404
    # Posted ids past the columns are dropped like any non-number: nothing is chosen, nothing moves.
    with app.app_context(), get_system().readers() as s:
        version = s.scalar(select(func.max(Case.spec_version_id))) or 1
    moved = client.post(f"/rules/versions/{version}/migrate", data={"csrf_token": token, "case_id": str(HUGE)})
    assert moved.status_code == 302
    undo = client.post("/rules/migrations/1/undo", data={"csrf_token": token, "version_id": str(HUGE)})
    assert undo.status_code == 302 and undo.headers["Location"] == "/rules/"
    rollback = client.post("/rules/files/verify.schema.json/rollback", data={"csrf_token": token, "number": str(HUGE)})
    assert rollback.status_code < 500
    assert counts(app) == before


def test_bulk_reassignment_to_a_user_id_past_the_columns_is_refused(app, client, auth):
    auth.login("shenyang_institute")
    answer = client.post("/tasks/bulk", data={"csrf_token": csrf_token(client, "/"), "action": "reassign",
                                              "task_id": "x", "to_user_id": str(HUGE)}, follow_redirects=True)
    assert answer.status_code == 200 and "请选择转办给谁" in answer.get_data(as_text=True)
