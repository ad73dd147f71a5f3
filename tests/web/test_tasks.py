"""The inbox shows the group's open tasks, marks overdue ones, and supports claim and release."""

from __future__ import annotations

from sqlalchemy import select

from engine import Instrument, Task, User, actor_for, apply_for_verification, file_instruments
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
