"""The case page: who may see it, the deadline, the diagram marks, the timeline, documents and their print pages."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from sqlalchemy import select, update

from engine import Case, Task, TaskStatus, file_instruments
from web.shared.system import get_system
from web.shared.vendor import vendor_dir

from ..api.test_api import DISPENSER
from .test_tasks import _actor, _application

VIEWER = "/vendor/bpmn-js/dist/bpmn-navigated-viewer.production.min.js"


def _complete(app, case_id: int, spec: str, username: str, data: dict[str, Any]) -> None:
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            task = s.scalars(select(Task).where(Task.case_id == case_id, Task.spec_name == spec,
                                                Task.status == TaskStatus.READY.value)).one()
            system.engine.complete_task(s, task.id, data, _actor(s, username))


def _received(app) -> int:
    """A dispenser at the Shenyang city institute, received on Monday 2026-09-28 (deadline 10-13)."""
    case_id = _application(app)
    _complete(app, case_id, "accept_application", "shenyang_institute", {"acceptance": "accept"})
    _complete(app, case_id, "record_receipt", "shenyang_institute", {"received_on": "2026-09-28"})
    return case_id


def _extended(app) -> int:
    case_id = _received(app)
    _complete(app, case_id, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-20", "extension_reason": "标准装置送修"})
    _complete(app, case_id, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    return case_id


def _certified(app) -> int:
    case_id = _extended(app)
    _complete(app, case_id, "verify", "shenyang_institute", {
        "action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": "LNJD-2026-0777",
        "next_due": "2027-09-27", "fee": 0})
    return case_id


def _diagram(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="case-diagram-data">(.*?)</script>', html, re.S)
    assert found, "no diagram data on the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


@pytest.mark.parametrize(("username", "status"), [
    ("xinmin_gas", 200), ("shenyang_institute", 200), ("shenyang_bureau", 200), ("liaoning_bureau", 200),
    ("dalian_institute", 404), ("dalian_bureau", 404), ("heping_market", 404), ("policy", 404),
])
def test_case_page_is_shown_to_involved_and_supervising_organisations_only(app, client, auth, username, status):
    case_id = _received(app)
    auth.login(username)
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == status
    if status == 404:
        assert "QJ2026" not in response.get_data(as_text=True)  # nothing about the case leaks


def test_case_page_needs_sign_in_and_unknown_cases_are_not_found(app, client, auth):
    case_id = _received(app)
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login("liaoning_bureau")
    response = client.get("/cases/999999")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "找不到该页面或记录" in page
    assert "记录不存在，或不属于您的单位、角色" in page and "does not exist" not in page  # no engine English


@pytest.mark.parametrize("path", ["/cases/99999999999999999999999", "/cases/99999999999999999999999/documents/X"])
def test_a_case_id_beyond_a_database_integer_is_not_found(client, auth, path):
    auth.login("liaoning_bureau")
    response = client.get(path)
    assert response.status_code == 404 and "找不到该页面或记录" in response.get_data(as_text=True)


@pytest.mark.parametrize(("username", "home", "label"), [
    ("xinmin_gas", "/owner/", "器具台账"), ("shenyang_institute", "/", "待办任务"),
])
def test_breadcrumb_leads_back_to_the_users_home(app, client, auth, username, home, label):
    case_id = _received(app)
    auth.login(username)
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    crumbs = re.search(r'<p class="crumbs">(.*?)</p>', html, re.S)
    assert crumbs and f'<a href="{home}">{label}</a> ›' in crumbs.group(1)


def test_case_page_shows_deadline_days_left_open_task_and_marks(app, client, auth):
    case_id = _received(app)
    auth.login("xinmin_gas")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "申请检定：燃油加油机 W-1" in html and "办理中" in html and "强制检定申请与检定" in html
    assert "2026-10-13 23:59" in html and "7 个工作日" in html  # Civil Code counting from Monday 09-28
    assert "检定并出具结果" in html and "沈阳市计量测试研究院" in html
    assert "暂定日历" not in html
    data = _diagram(html)
    assert data["marks"]["accept_application"] == "completed" and data["marks"]["verify"] == "current"
    assert 'id="verification_request"' in data["xml"] and data["labels"]["overdue"] == "已逾期"
    assert VIEWER in html and "case_diagram.js" in html


def test_overdue_case_counts_working_days_past_and_marks_the_task(app, client, auth, clock):
    case_id = _received(app)
    clock.set("2026-10-15T10:00:00+08:00")
    auth.login("shenyang_bureau")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "已逾期 2 个工作日" in html
    assert _diagram(html)["marks"]["verify"] == "overdue"


def test_provisional_deadline_is_marked(app, client, auth):
    case_id = _received(app)
    with app.app_context(), get_system().sessions() as s, s.begin():
        s.execute(update(Case).where(Case.id == case_id).values(deadline_provisional=True))
    auth.login("xinmin_gas")
    assert "暂定日历" in client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_timeline_and_extension_history_are_in_chinese(app, client, auth):
    case_id = _extended(app)
    auth.login("shenyang_institute")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    for words in ("立案", "办理", "期限变更", "受理检定申请 — 是否受理：受理",
                  "检定机构申请延期至 2026-10-20，理由：标准装置送修", "送检单位答复：是否同意延期：同意延期",
                  "检定期限由 2026-10-13 23:59 变更为 2026-10-20 23:59（标准装置送修）",
                  "检定期限起算：2026-10-13 23:59"):
        assert words in html, words
    assert "task_completed" not in html.replace('class="action-task_completed"', "")
    assert "2026-10-20 23:59" in html  # the agreed deadline is the legal deadline now


def test_documents_are_listed_and_print_as_a_page(app, client, auth):
    case_id = _certified(app)
    auth.login("xinmin_gas")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "已办结" in html and "LNJD-2026-0777" in html and "出具文书" in html
    assert _diagram(html)["marks"]["issue_certificate"] == "completed"
    assert f"/cases/{case_id}/documents/LNJD-2026-0777" in html
    sheet = client.get(f"/cases/{case_id}/documents/LNJD-2026-0777").get_data(as_text=True)
    with app.app_context(), get_system().readers() as s:
        number = s.get(Case, case_id).number
    for words in ("检定证书", "编号：LNJD-2026-0777", number, "燃油加油机", "W-1", "DJY-222", "新民市东城加油站",
                  "沈阳市计量测试研究院", "2026-09-28", "2027-09-27", "0 元（强制检定停征收费）",
                  "data-print", "print.js"):
        assert words in sheet, words
    assert client.get(f"/cases/{case_id}/documents/NOPE-1").status_code == 404
    auth.logout()
    auth.login("dalian_institute")
    assert client.get(f"/cases/{case_id}/documents/LNJD-2026-0777").status_code == 404


def _fetch(client, path: str) -> tuple[int, str, str]:
    """Status, content type and body of a file response, closed (files left open are warnings, so errors)."""
    response = client.get(path)
    try:
        return response.status_code, response.content_type, response.get_data().decode("utf-8", "replace")
    finally:
        response.close()


def test_print_stylesheet_hides_everything_but_the_sheet(client):
    _status, _type, css = _fetch(client, "/static/shared/app.css")
    assert "@media print" in css and ".no-print" in css


def test_task_page_links_to_the_case_page(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_institute")
    with app.app_context(), get_system().readers() as s:
        task_id = s.scalars(select(Task.id).where(Task.case_id == case_id)).one()
    assert f'href="/cases/{case_id}"' in client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_vendor_serves_the_allow_listed_npm_files_only(client):
    if not (vendor_dir() / "bpmn-js").exists():
        if os.environ.get("QJ_REQUIRE_NODE") == "1":
            pytest.fail("QJ_REQUIRE_NODE=1 but node_modules/bpmn-js is missing (run npm ci)")
        pytest.skip("node_modules/bpmn-js is missing (npm ci not run); the vendor files are not served")
    status, content_type, _body = _fetch(client, VIEWER)
    assert status == 200 and "javascript" in content_type
    _status, _type, css = _fetch(client, "/vendor/bpmn-js/dist/assets/bpmn-font/css/bpmn.css")
    font = re.search(r"url\('\.\./font/(bpmn\.woff2)", css)
    assert font and _fetch(client, f"/vendor/bpmn-js/dist/assets/bpmn-font/font/{font.group(1)}")[0] == 200
    for name in ("diagram-js.css", "bpmn-js.css"):
        assert _fetch(client, f"/vendor/bpmn-js/dist/assets/{name}")[0] == 200, name
    for path in ("bpmn-js/package.json", "bpmn-js/dist/bpmn-modeler.development.js", "../package.json",
                 "bpmn-js/dist/../package.json", "%2e%2e/package.json"):
        assert _fetch(client, f"/vendor/{path}")[0] == 404, path


def test_a_large_filing_is_one_short_line_of_the_timeline(app, client, auth):
    instruments = [{**DISPENSER, "serial_no": f"JYJ-T{n:02d}"} for n in range(12)]
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            case_id = file_instruments(s, system.engine, _actor(s, "xinmin_gas"), "210181", instruments).id
    _complete(app, case_id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    auth.login("xinmin_gas")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    row = page.split("登记台账</td>")[1].split("</tr>")[0]
    assert "登记 12 台：燃油加油机 JYJ-T00、" in row and "燃油加油机 JYJ-T09 等 12 台" in row
    assert "JYJ-T10" not in row and "JYJ-T11" not in row
