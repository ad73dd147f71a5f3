"""The JSON API: Basic or session auth, the inbox, task forms, completion, starting cases, OpenAPI."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from engine import Instrument, Organisation, Task, User, actor_for, apply_for_verification, file_instruments
from engine.actions.owner_actions import NOT_AN_ASSESSING_DEPARTMENT
from web.api.api import CROSS_SITE_BASIC
from web.api.openapi import openapi_path
from web.shared.system import get_system

from ..conftest import csrf_token

INSTITUTE = ("shenyang_institute", "demo1234")
OWNER = ("xinmin_gas", "demo1234")
DISPENSER = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "W-1", "instrument_type": "fuel_dispenser",
             "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}
VERIFIED = {"action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": "SY-2026-1",
            "next_due": "2027-09-29", "fee": 0}


def _actor(session, username):
    return actor_for(session.scalars(select(User).where(User.username == username)).one())


def _ready_task(app, case_id: int) -> Task:
    with app.app_context(), get_system().readers() as s:
        return s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "ready")).one()


def _complete(app, case_id: int, spec: str, data: dict, username: str = "shenyang_institute") -> None:
    """Complete the case's open task through the engine (test set-up, not the API under test)."""
    task = _ready_task(app, case_id)
    assert task.spec_name == spec
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            system.engine.complete_task(s, task.id, data, _actor(s, username))


def _application(app) -> int:
    """A filed dispenser and an application for it, waiting at the Shenyang city institute."""
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            filing = file_instruments(s, system.engine, _actor(s, "xinmin_gas"), "210181", [DISPENSER])
    _complete(app, filing.id, "review_filing", {"filing_decision": "accept"}, "xinmin_institute")
    with app.app_context():
        with system.sessions() as s, s.begin():
            instrument = s.scalars(select(Instrument)).one()
            return apply_for_verification(s, system.engine, _actor(s, "xinmin_gas"), instrument.id).id


def _at_verify(app) -> int:
    case_id = _application(app)
    _complete(app, case_id, "accept_application", {"acceptance": "accept"})
    _complete(app, case_id, "record_receipt", {"received_on": "2026-09-28"})
    return case_id


def test_list_tasks_with_basic_auth(app, client):
    case_id = _application(app)
    response = client.get("/api/tasks", auth=INSTITUTE)
    assert response.status_code == 200
    body = response.get_json()
    assert body["limit"] == 20 and body["offset"] == 0 and body["has_more"] is False
    [item] = [i for i in body["items"] if i["case_id"] == case_id]
    assert item["spec_name"] == "accept_application" and item["title"] == "受理检定申请"
    assert item["case_title"] == "申请检定：燃油加油机 W-1" and item["case_number"].startswith("QJ2026")
    assert item["overdue"] is False and item["assignee_id"] is None and item["role"] == "institute"
    assert client.get("/api/tasks", auth=("dalian_institute", "demo1234")).get_json()["items"] == []


@pytest.mark.parametrize("auth", [None, ("shenyang_institute", "wrong"), ("nobody", "demo1234")])
def test_api_requires_authentication(client, auth):
    response = client.get("/api/tasks", auth=auth)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.get_json()["error"] == "未登录或身份验证失败"
    assert client.post("/api/cases", json={"process": "filing"}, auth=auth).status_code == 401


def test_complete_a_task_and_the_case_advances(app, client):
    case_id = _application(app)
    _complete(app, case_id, "accept_application", {"acceptance": "accept"})
    task = _ready_task(app, case_id)
    detail = client.get(f"/api/tasks/{task.id}", auth=INSTITUTE).get_json()
    assert detail["task"]["spec_name"] == "record_receipt" and "received_on" in detail["form"]["properties"]
    assert "第九条" in detail["form"]["description"] and detail["facts"]["instrument_type"] == "fuel_dispenser"
    response = client.post(f"/api/tasks/{task.id}/complete", auth=INSTITUTE,
                           json={"data": {"received_on": "2026-09-28"}, "expected_version": detail["case_version"]})
    assert response.status_code == 200
    ref = response.get_json()
    assert ref["case_id"] == case_id and ref["status"] == "running" and ref["version"] > 1
    assert _ready_task(app, case_id).spec_name == "verify"
    [item] = [i for i in client.get("/api/tasks", auth=INSTITUTE).get_json()["items"] if i["case_id"] == case_id]
    assert item["spec_name"] == "verify" and item["due_at"].startswith("2026-10-")


def test_a_stale_expected_version_is_a_conflict(app, client):
    case_id = _application(app)
    task = _ready_task(app, case_id)
    response = client.post(f"/api/tasks/{task.id}/complete", auth=INSTITUTE,
                           json={"data": {"acceptance": "accept"}, "expected_version": 1000})
    assert response.status_code == 409 and _ready_task(app, case_id).spec_name == "accept_application"


def test_a_bad_completion_gives_field_errors(app, client):
    case_id = _at_verify(app)
    task = _ready_task(app, case_id)
    response = client.post(f"/api/tasks/{task.id}/complete", auth=INSTITUTE, json={"data": {**VERIFIED, "fee": 50}})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"fee": ["强制检定停征收费，费用必须为0"]}
    response = client.post(f"/api/tasks/{task.id}/complete", auth=INSTITUTE,
                           json={"data": [], "expected_version": "3", "note": "x"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {
        "data": ["必须是 JSON 对象"], "expected_version": ["必须是整数"], "note": ["不允许的字段"]}
    assert client.post(f"/api/tasks/{task.id}/complete", auth=INSTITUTE, json=[1]).get_json()["fields"] == {
        "_form": ["必须是 JSON 对象"]}
    assert _ready_task(app, case_id).id == task.id


@pytest.mark.parametrize("query, fields", [
    ("limit=0", {"limit": ["必须在 1 到 100 之间"]}),
    ("limit=101&offset=-1", {"limit": ["必须在 1 到 100 之间"], "offset": ["必须在 0 到 10000000 之间"]}),
    ("limit=ten", {"limit": ["必须是整数"]}),
    ("offset=99999999999999999999999", {"offset": ["必须在 0 到 10000000 之间"]}),  # beyond a database integer
])
def test_bad_query_params_give_field_errors(client, query, fields):
    response = client.get(f"/api/tasks?{query}", auth=INSTITUTE)
    assert response.status_code == 422 and response.get_json()["fields"] == fields


def test_a_body_that_is_not_json_is_refused(app, client):
    task = _ready_task(app, _application(app))
    url = f"/api/tasks/{task.id}/complete"
    response = client.post(url, auth=INSTITUTE, data="acceptance=accept")
    assert response.status_code == 415 and "JSON" in response.get_json()["error"]
    response = client.post(url, auth=INSTITUTE, data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["detail"] == "请求体不是有效的 JSON"


def test_another_institutes_clerk_gets_404(app, client):
    task = _ready_task(app, _application(app))
    other = ("dalian_institute", "demo1234")
    assert client.get(f"/api/tasks/{task.id}", auth=other).status_code == 404
    response = client.post(f"/api/tasks/{task.id}/complete", auth=other, json={"data": {"acceptance": "accept"}})
    assert response.status_code == 404 and response.get_json()["error"] == "找不到该页面或记录"
    assert client.post(f"/api/tasks/{task.id}/claim", auth=other).status_code == 404
    assert client.get("/api/tasks/no-such-task", auth=INSTITUTE).status_code == 404


def test_claim_and_release_with_the_session_cookie_need_the_csrf_header(app, client, auth):
    task = _ready_task(app, _application(app))
    auth.login("shenyang_institute")
    response = client.post(f"/api/tasks/{task.id}/claim")
    assert response.status_code == 400 and "X-CSRFToken" in response.get_json()["detail"]
    assert _ready_task(app, task.case_id).assignee_id is None
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    claimed = client.post(f"/api/tasks/{task.id}/claim", headers=headers)
    assert claimed.status_code == 200 and claimed.get_json()["assignee_id"] is not None
    assert client.get("/api/tasks").get_json()["items"][0]["assignee_id"] == claimed.get_json()["assignee_id"]
    released = client.post(f"/api/tasks/{task.id}/release", headers=headers)
    assert released.status_code == 200 and released.get_json()["assignee_id"] is None


def test_a_basic_write_sent_by_another_site_is_refused(app, client):
    task = _ready_task(app, _application(app))
    response = client.post(f"/api/tasks/{task.id}/claim", auth=INSTITUTE, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 400 and _ready_task(app, task.case_id).assignee_id is None
    assert response.get_json()["detail"] == CROSS_SITE_BASIC and "CSRF" not in response.get_json()["detail"]


def test_owner_starts_a_filing(app, client):
    response = client.post("/api/cases", auth=OWNER,
                           json={"process": "filing", "county_code": "210181", "instruments": [DISPENSER]})
    assert response.status_code == 201
    ref = response.get_json()
    assert ref["case_number"].startswith("QJ2026") and ref["status"] == "running"
    assert _ready_task(app, ref["case_id"]).spec_name == "review_filing"


@pytest.mark.parametrize("instruments, fields", [
    ([{**DISPENSER, "serial_no": 7, "colour": "red"}, "W-2"],
     {"instruments.0.serial_no": ["必须是字符串"], "instruments.0.colour": ["不允许的字段"],
      "instruments.1": ["必须是 JSON 对象"]}),
    ([{k: v for k, v in DISPENSER.items() if k != "location"} | {"in_catalogue": "yes"}],
     {"instruments.0.location": ["此项为必填项"], "instruments.0.in_catalogue": ["必须是 true 或 false"]}),
    ([{**DISPENSER, "category": "kitchen"}],  # a value the process's start form refuses
     {"instruments.0.category": ["请选择器具类别：社会公用计量标准器具、最高计量标准器具或工作计量器具"]}),
    ([], {"instruments": ["器具清单至少填写一台"]}),
])
def test_bad_instruments_give_nested_field_paths(client, instruments, fields):
    response = client.post("/api/cases", auth=OWNER,
                           json={"process": "filing", "county_code": "210181", "instruments": instruments})
    assert response.status_code == 422 and response.get_json()["fields"] == fields


def test_an_unknown_process_or_a_clerk_cannot_start_a_case(client):
    response = client.post("/api/cases", auth=OWNER, json={"process": "escalation"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"process": ["必须是以下之一：filing、verification_request"]}
    response = client.post("/api/cases", auth=INSTITUTE,
                           json={"process": "filing", "county_code": "210181", "instruments": [DISPENSER]})
    assert response.status_code == 403


def test_owner_applies_for_verification_and_answers_an_extension(app, client):
    case_id = _at_verify(app)
    _complete(app, case_id, "verify", {"action": "propose_extension", "proposed_deadline": "2026-10-30",
                                       "extension_reason": "标准装置送上级检定"})
    [item] = [i for i in client.get("/api/tasks", auth=OWNER).get_json()["items"] if i["case_id"] == case_id]
    assert item["spec_name"] == "answer_extension"
    response = client.post(f"/api/tasks/{item['id']}/complete", auth=OWNER,
                           json={"data": {"extension_answer": "agree"}})
    assert response.status_code == 200 and _ready_task(app, case_id).spec_name == "verify"
    with app.app_context(), get_system().readers() as s:
        instrument_id = s.scalars(select(Instrument.id)).one()
    again = client.post("/api/cases", auth=OWNER, json={"process": "verification_request",
                                                        "instrument_id": instrument_id})
    assert again.status_code == 409  # an application for it is still running
    detail = f"该器具已有正在办理的检定申请（案件 {item['case_number']}），办结后才能再次申请"
    assert again.get_json() == {"error": "重复申请", "detail": detail}
    assert client.post("/api/cases", auth=OWNER, json={"process": "verification_request",
                                                       "instrument_id": True}).status_code == 422


def test_openapi_document_is_valid_and_lists_every_route(app, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    assert set(doc["components"]["securitySchemes"]) == {"basicAuth", "cookieAuth"}
    assert {"Error", "TaskOut", "CompleteTask", "FilingStart", "VerificationStart"} <= set(doc["components"]["schemas"])
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert len(rules) == 7
    for rule in rules:
        operations = doc["paths"][openapi_path(rule)]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = operations[method.lower()]
            assert operation["summary"] and {"200", "201"} & set(operation["responses"])
    complete = doc["paths"]["/api/tasks/{task_id}/complete"]["post"]
    assert "answer_extension" in complete["description"] and "422" in complete["responses"]
    assert any(p["name"] == "X-CSRFToken" for p in complete["parameters"])
    assert "X-CSRFToken" in doc["info"]["description"]


@pytest.mark.parametrize("body, fields", [
    ({"instrument_id": 99999999999999999999}, {"instrument_id": ["不是有效的编号"]}),
    ({"instrument_id": 1, "assessing_org_id": 2**63}, {"assessing_org_id": ["不是有效的编号"]}),
    ({"instrument_id": 0}, {"instrument_id": ["不是有效的编号"]}),
])
def test_ids_beyond_a_database_integer_are_field_errors(client, body, fields):
    response = client.post("/api/cases", auth=OWNER, json={"process": "verification_request", **body})
    assert response.status_code == 422 and response.get_json()["fields"] == fields


@pytest.mark.parametrize("department", ["999999", "210200-institute", "210200-bureau"])
def test_an_owner_cannot_choose_who_verifies_its_standard(app, client, department):
    response = client.post("/api/cases", auth=OWNER, json={
        "process": "filing", "county_code": "210181",
        "instruments": [{**DISPENSER, "serial_no": "BZ-1", "category": "highest_standard", "in_catalogue": False}]})
    _complete(app, response.get_json()["case_id"], "review_filing", {"filing_decision": "accept"}, "xinmin_institute")
    with app.app_context(), get_system().readers() as s:
        instrument_id = s.scalars(select(Instrument.id)).one()
        org_id = int(department) if department.isdigit() else s.scalars(
            select(Organisation.id).where(Organisation.code == department)).one()
    response = client.post("/api/cases", auth=OWNER, json={
        "process": "verification_request", "instrument_id": instrument_id, "assessing_org_id": org_id})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"assessing_org_id": [NOT_AN_ASSESSING_DEPARTMENT]}
    with app.app_context(), get_system().readers() as s:
        assert s.scalars(select(Task).where(Task.spec_name == "accept_application")).first() is None


def test_engine_errors_reach_api_clients_in_chinese(client):
    response = client.get("/api/tasks/no-such-task", auth=INSTITUTE)
    assert response.status_code == 404
    assert response.get_json() == {"error": "找不到该页面或记录", "detail": "记录不存在，或不属于您的单位、角色"}
    response = client.post("/api/cases", auth=OWNER, json={"process": "verification_request", "instrument_id": 5})
    assert response.status_code == 404 and response.get_json()["detail"] == "本单位的器具台账中没有编号为 5 的器具"
    response = client.post("/api/cases", auth=INSTITUTE, json={"process": "verification_request", "instrument_id": 5})
    assert response.status_code == 403 and response.get_json()["detail"] == "只有使用单位可以备案器具或申请检定"


def test_every_http_error_is_json_in_chinese(app, client):
    response = client.get("/api/cases", auth=OWNER)
    assert response.status_code == 405 and response.headers["Allow"].startswith(("POST", "OPTIONS"))
    assert response.get_json() == {"error": "不支持该请求方法", "detail": "该地址不接受 GET 请求"}
    assert client.get("/api/nowhere", auth=OWNER).get_json()["error"] == "找不到该页面或记录"
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/cases", auth=OWNER, json={"process": "filing", "instruments": [DISPENSER]})
    assert response.status_code == 413
    assert response.get_json() == {"error": "提交的内容太大", "detail": "请求体超过了允许的大小"}


def test_basic_auth_with_an_unknown_username_checks_a_hash_too(client, monkeypatch):
    import web.shared.credentials

    checked: list[str] = []
    real = web.shared.credentials.check_password_hash
    monkeypatch.setattr(web.shared.credentials, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    assert client.get("/api/tasks", auth=("shenyang_institute", "wrong")).status_code == 401
    assert client.get("/api/tasks", auth=("nobody", "wrong")).status_code == 401
    assert len(checked) == 2

