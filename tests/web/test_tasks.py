"""The inbox shows the group's open tasks, marks overdue ones, and supports claim and release."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Instrument, Task, User, actor_for, apply_for_verification, file_instruments, reassign_tasks
from tests.engine.inbox_world import add_user
from web.system import get_system

from .conftest import csrf_token

DISPENSER = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "W-1", "instrument_type": "fuel_dispenser",
             "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}


def _actor(session, username):
    return actor_for(session.scalars(select(User).where(User.username == username)).one())


def _application(app) -> int:
    """A filed dispenser and an application for it, waiting at the Shenyang city institute."""
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            filing = file_instruments(s, system.engine, _actor(s, "xinmin_gas"), "210181", [DISPENSER])
        with system.sessions() as s, s.begin():
            task = s.scalars(select(Task).where(Task.case_id == filing.id)).one()
            system.engine.complete_task(s, task.id, {"filing_decision": "accept"}, _actor(s, "xinmin_institute"))
        with system.sessions() as s, s.begin():
            instrument = s.scalars(select(Instrument)).one()
            return apply_for_verification(s, system.engine, _actor(s, "xinmin_gas"), instrument.id).id


def test_inbox_lists_the_groups_tasks_only(app, client, auth):
    _application(app)
    auth.login("shenyang_institute")
    page = client.get("/").get_data(as_text=True)
    assert "受理检定申请" in page and "申请检定：燃油加油机 W-1" in page
    auth.logout()
    auth.login("dalian_institute")
    page = client.get("/").get_data(as_text=True)
    assert "申请检定：燃油加油机 W-1" not in page and "暂无待办任务" in page  # the filter bar still names the tasks


def test_claim_and_release(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_institute")
    with app.app_context():
        with get_system().readers() as s:
            task_id = s.scalars(select(Task.id).where(Task.case_id == case_id)).one()
    token = csrf_token(client, "/")
    assert client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code == 302
    assert "我已认领" in client.get("/").get_data(as_text=True)
    assert client.post(f"/tasks/{task_id}/release", data={"csrf_token": token}).status_code == 302
    assert "待认领" in client.get("/").get_data(as_text=True)


def test_another_institute_cannot_claim(app, client, auth):
    case_id = _application(app)
    auth.login("dalian_institute")
    with app.app_context():
        with get_system().readers() as s:
            task_id = s.scalars(select(Task.id).where(Task.case_id == case_id)).one()
    token = csrf_token(client, "/")
    response = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    assert response.status_code == 403 and "无权执行此操作" in response.get_data(as_text=True)


def test_overdue_task_stands_out(app, client, auth, clock):
    case_id = _application(app)
    with app.app_context():
        system = get_system()
        for spec, data in (("accept_application", {"acceptance": "accept"}),
                           ("record_receipt", {"received_on": "2026-09-28"})):
            with system.sessions() as s, s.begin():
                task = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "ready")).one()
                assert task.spec_name == spec
                system.engine.complete_task(s, task.id, data, _actor(s, "shenyang_institute"))
    clock.set("2026-10-20T09:00:00+08:00")
    auth.login("shenyang_institute")
    page = client.get("/").get_data(as_text=True)
    assert 'class="overdue"' in page and "已逾期" in page


def _colleagues(app) -> None:
    """A second Shenyang institute clerk (李娜) and their supervisor (王科长)."""
    with app.app_context(), get_system().sessions() as s, s.begin():
        add_user(s, "sy_colleague", "210100-institute", "institute", "李娜")
        add_user(s, "sy_supervisor", "210100-institute", "institute,manager", "王科长")


def _task_of(app, case_id) -> str:
    with app.app_context(), get_system().readers() as s:
        return s.scalars(select(Task.id).where(Task.case_id == case_id)).one()


def _claim_as(app, task_id, username) -> None:
    with app.app_context(), get_system().sessions() as s, s.begin():
        get_system().engine.claim_task(s, task_id, _actor(s, username))


def test_claiming_a_task_a_colleague_claimed_first_says_so(app, client, auth):
    case_id = _application(app)
    _colleagues(app)
    task_id = _task_of(app, case_id)
    auth.login("shenyang_institute")
    token = csrf_token(client, "/?view=group")
    _claim_as(app, task_id, "sy_colleague")
    response = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/?view=group"})
    assert response.status_code == 302 and response.headers["Location"] == "/?view=group"
    assert "该任务已被他人认领" in client.get("/").get_data(as_text=True)


def test_claiming_from_the_task_page_after_a_colleague_returns_to_the_inbox(app, client, auth):
    case_id = _application(app)
    _colleagues(app)
    task_id = _task_of(app, case_id)
    auth.login("shenyang_institute")
    token = csrf_token(client, f"/tasks/{task_id}")
    _claim_as(app, task_id, "sy_colleague")
    response = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token},
                           headers={"Referer": f"http://localhost/tasks/{task_id}"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_releasing_a_task_reassigned_meanwhile_says_so(app, client, auth):
    case_id = _application(app)
    _colleagues(app)
    task_id = _task_of(app, case_id)
    _claim_as(app, task_id, "shenyang_institute")
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    with app.app_context(), get_system().sessions() as s, s.begin():
        reassign_tasks(s, get_system().engine, [task_id], _actor(s, "sy_colleague").user_id,
                       _actor(s, "sy_supervisor"))
    response = client.post(f"/tasks/{task_id}/release", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200 and "该任务已不由您认领" in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["claim", "release"])
def test_claim_and_release_never_redirect_to_another_site(app, client, auth, action):
    case_id = _application(app)
    task_id = _task_of(app, case_id)
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    if action == "release":
        _claim_as(app, task_id, "shenyang_institute")
    response = client.post(f"/tasks/{task_id}/{action}", data={"csrf_token": token},
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_supervisor_is_sent_to_the_case_page_for_a_colleagues_task(app, client, auth):
    case_id = _application(app)
    _colleagues(app)
    task_id = _task_of(app, case_id)
    _claim_as(app, task_id, "sy_colleague")
    auth.login("sy_supervisor")
    html = client.get("/?view=team").get_data(as_text=True)
    assert "李娜 已认领" in html and f'href="/tasks/{task_id}"' not in html
    assert f'<a href="/cases/{case_id}">受理检定申请</a>' in html
    case_page = client.get(f"/cases/{case_id}")
    assert case_page.status_code == 200 and f'href="/tasks/{task_id}"' not in case_page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/tasks/99999999999999999999", "/tasks/99999999999999999999/claim",
                                  "/tasks/99999999999999999999/release"])
def test_a_huge_task_id_is_not_found(client, auth, path):
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    response = client.get(path) if path.count("/") == 2 else client.post(path, data={"csrf_token": token})
    assert response.status_code == 404
