"""A rule over its budget answers 200 with status "error" and the reason, never 500; the page says why.

On SQLite and PostgreSQL: the API reports the parked case, a second completion is a 409 in Chinese, and
the task page shows the message with the clerk's input kept as a draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine import Actor, AuditEntry, Case, Organisation, Task
from tests.engine.sandbox.test_script_budget import _sources
from web import create_app
from web.shared.system import get_system

from .conftest import Auth

INSTITUTE = ("shenyang_institute", "demo1234")
LOOP = "while True: pass"


@pytest.fixture
def budget_app(any_database, tmp_path: Path, clock) -> Iterator[Flask]:
    clock.set("2026-09-28T09:00:00+08:00")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": any_database.url, "CLOCK": clock,
                      "DRAFTS_DIR": tmp_path / "drafts", "SCRIPT_SECONDS": 0.2, "SCRIPT_MEMORY_MB": 64})
    yield app
    with app.app_context():
        get_system().db.dispose()  # before the test database is dropped


def _case_at_approve(app: Flask, clock, script: str) -> tuple[int, str]:
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            system.engine.registry.deploy_sources(s, _sources(script=script), clock())
            institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
            ref = system.engine.start_case(s, "budget_loop", {"institute_id": institute, "kind": "a"}, Actor.system())
            return ref.id, s.scalars(select(Task.id).where(Task.case_id == ref.id)).one()


def _audit_count(app: Flask, case_id: int) -> int:
    with app.app_context(), get_system().readers() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.case_id == case_id))


@pytest.mark.parametrize("script, limit", [(LOOP, "时间限制（0.2 秒）"), ("x = '{0:>10000000000}'.format(1)",
                                                                     "内存限制（64 MB）")])
def test_the_api_answers_200_with_the_reason(budget_app, clock, script, limit):
    client = budget_app.test_client()
    case_id, task_id = _case_at_approve(budget_app, clock, script)
    response = client.post(f"/api/tasks/{task_id}/complete", auth=INSTITUTE, json={"data": {"note": "已核对"}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["case_id"] == case_id and body["status"] == "error"
    assert body["error_message"].startswith(f"脚本超出{limit}") and body["error_message"].endswith("脚本任务「Run」")
    audits = _audit_count(budget_app, case_id)
    again = client.post(f"/api/tasks/{task_id}/complete", auth=INSTITUTE, json={"data": {}})
    assert again.status_code == 409
    detail = again.get_json()["detail"]
    assert detail.startswith("案件 ") and "运行出错，已停止办理" in detail
    assert _audit_count(budget_app, case_id) == audits  # the refused completion wrote nothing
    with budget_app.app_context(), get_system().readers() as s:
        assert s.get(Case, case_id).status == "error"


def test_the_openapi_document_describes_the_error_message(budget_app):
    schema = budget_app.test_client().get("/api/openapi.json").get_json()["components"]["schemas"]["CaseRefOut"]
    assert "error_message" in schema["properties"] and "error" in schema["properties"]["status"]["description"]


def test_the_task_page_shows_the_reason_and_keeps_the_input(budget_app, clock):
    client = budget_app.test_client()
    Auth(client).login("shenyang_institute")
    case_id, task_id = _case_at_approve(budget_app, clock, LOOP)
    path = f"/tasks/{task_id}"
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = re.search(r'name="_version" value="(\d+)"', page).group(1)
    response = client.post(path, data={"csrf_token": token, "_version": version, "_action": "complete",
                                       "note": "现场已核对"}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "未办结：脚本超出时间限制（0.2 秒）：脚本任务「Run」" in html  # the flash
    assert "案件运行出错，已停止办理。" in html and "脚本超出时间限制（0.2 秒）" in html  # the banner, every view
    assert "现场已核对" in html and "已载入您于" in html  # what the clerk typed, kept as a draft
    again = client.post(path, data={"csrf_token": token, "_version": version, "_action": "complete",
                                    "note": "再试"})
    assert again.status_code == 409 and "再试" in again.get_data(as_text=True)  # refused, the input shown to copy
    with budget_app.app_context(), get_system().readers() as s:
        assert s.get(Case, case_id).status == "error"
    case_page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "运行出错（流程规则）" in case_page and "脚本超出时间限制（0.2 秒）：脚本任务「Run」" in case_page


def test_the_case_page_says_why_the_case_stopped(budget_app, clock):
    client = budget_app.test_client()
    case_id, task_id = _case_at_approve(budget_app, clock, LOOP)
    assert client.post(f"/api/tasks/{task_id}/complete", auth=INSTITUTE,
                       json={"data": {"note": "已核对"}}).get_json()["status"] == "error"
    Auth(client).login("shenyang_institute")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    banner = html.split('id="case-parked"')[1].split("</div>")[0]
    assert "案件运行出错，已停止办理。" in banner and "暂停" not in banner
    assert "脚本超出时间限制（0.2 秒）：脚本任务「Run」" in banner and "需规则人员修正流程后重试" in banner
    row = html.split("运行出错（流程规则）</td>")[1].split("</tr>")[0]  # the timeline names the failure in Chinese
    assert "脚本超出时间限制（0.2 秒）" in row and ">script_failed<" not in html
