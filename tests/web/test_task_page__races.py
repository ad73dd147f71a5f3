"""The task page when the task or its case changes while the clerk types: the input is never thrown away."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Case, Task, reassign_tasks
from tests.engine.inbox_world import add_user
from web.system import get_system

from .conftest import csrf_token
from .test_task_page import DISPENSER, _actor, _application, _complete, _form_state, _input_tag, _returned_filing


@pytest.fixture(autouse=True)
def drafts_dir(app, tmp_path):
    app.config["DRAFTS_DIR"] = tmp_path / "drafts"
    return tmp_path / "drafts"


@pytest.fixture
def colleague(app) -> str:
    """A second clerk of the Shenyang city institute, and their supervisor."""
    with app.app_context(), get_system().sessions() as s, s.begin():
        add_user(s, "sy_colleague", "210100-institute", "institute", "李娜")
        add_user(s, "sy_supervisor", "210100-institute", "institute,manager", "王科长")
    return "sy_colleague"


def _claim(app, task_id: str, username: str) -> None:
    with app.app_context(), get_system().sessions() as s, s.begin():
        get_system().engine.claim_task(s, task_id, _actor(s, username))


def _release(app, task_id: str, username: str) -> None:
    with app.app_context(), get_system().sessions() as s, s.begin():
        get_system().engine.release_task(s, task_id, _actor(s, username))


def _reassign(app, task_id: str, to_username: str) -> None:
    with app.app_context(), get_system().sessions() as s, s.begin():
        to_user = _actor(s, to_username).user_id
        reassign_tasks(s, get_system().engine, [task_id], to_user, _actor(s, "sy_supervisor"))


@pytest.mark.parametrize(("taken_by", "action"), [("claim", "complete"), ("reassign", "save_draft"),
                                                   ("claim", "add_row:nothing")])
def test_a_task_taken_by_a_colleague_keeps_the_input_as_a_draft(app, client, auth, colleague, taken_by, action):
    _, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    state = _form_state(client, path)
    (_claim if taken_by == "claim" else _reassign)(app, task_id, colleague)
    response = client.post(path, data={**state, "_action": action, "received_on": "2026-09-27"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "该任务已被他人认领或已转办，您填写的内容已保存为草稿" in client.get("/").get_data(as_text=True)
    _release(app, task_id, colleague)
    page = client.get(path).get_data(as_text=True)
    assert "保存的草稿" in page and 'value="2026-09-27"' in _input_tag(page, "f-received_on")


def test_a_task_a_colleague_completed_shows_the_input_read_only(app, client, auth, colleague, drafts_dir):
    case_id, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    state = _form_state(client, path)
    _complete(app, case_id, colleague, {"received_on": "2026-09-28"})
    response = client.post(path, data={**state, "_action": "complete", "received_on": "2026-09-27"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该任务已由他人办理或已关闭" in page and "未能保存为草稿" in page
    assert "收到受检器具日期" in page and "2026-09-27" in page
    assert "<input" not in page.split("<main>")[1].split("</main>")[0]  # shown to copy, not to submit
    assert f'href="/cases/{case_id}"' in page
    assert not list(drafts_dir.rglob("*.json"))


def test_a_task_closed_by_its_deadline_shows_the_input_read_only(app, client, auth, clock):
    case_id, _ = _application(app, "verify")
    _complete(app, case_id, "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-20", "extension_reason": "标准装置送修"})
    with app.app_context(), get_system().readers() as s:
        task = s.scalars(select(Task).where(Task.spec_name == "answer_extension")).one()
    auth.login("xinmin_gas")
    path = f"/tasks/{task.id}"
    state = _form_state(client, path)
    clock.now = task.due_at + (task.due_at - task.created_at)  # the sweep has not run: the row is still open
    response = client.post(path, data={**state, "_action": "complete", "extension_answer": "agree",
                                       "extension_answer_note": "请尽快送回"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该任务已由他人办理或已关闭" in page and "请尽快送回" in page and "同意延期" in page


def test_another_groups_task_is_still_not_found(app, client, auth, colleague):
    case_id, task_id = _application(app, "record_receipt")
    _complete(app, case_id, colleague, {"received_on": "2026-09-28"})
    auth.login("dalian_institute")
    response = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_token(client, "/"), "_version": "1",
                                                      "_action": "complete",
                                                      "received_on": "2026-09-27"})
    assert response.status_code == 404 and "2026-09-27" not in response.get_data(as_text=True)


def test_a_row_number_that_is_not_ascii_digits_removes_nothing(app, client, auth):
    _, task_id = _returned_filing(app)
    auth.login("xinmin_gas")
    path = f"/tasks/{task_id}"
    row0 = {f"instruments-0-{k}": ("true" if v is True else v) for k, v in DISPENSER.items()}
    response = client.post(path, data={**_form_state(client, path), **row0, "_action": "remove_row:instruments:²"})
    assert response.status_code == 200
    assert 'value="W-1"' in _input_tag(response.get_data(as_text=True), "f-instruments-0-serial_no")


def test_a_draft_keeps_the_case_version_it_was_typed_against(app, client, auth, clock):
    case_id, task_id = _application(app, "verify")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    state = _form_state(client, path)
    client.post(path, data={**state, "_action": "save_draft", "action": "result", "certificate_no": "JJ-9"})
    assert "草稿保存后案件已有变化" not in client.get(path).get_data(as_text=True)
    clock.set("2026-10-12T09:30:00+08:00")  # the reminder two working days before the deadline
    with app.app_context(), get_system().sessions() as s, s.begin():
        assert get_system().engine.fire_timers(s, case_id) == 1
        current = s.get(Case, case_id).version
    assert current > int(state["_version"])

    page = client.get(path).get_data(as_text=True)
    assert "草稿保存后案件已有变化，请核对后再提交" in page
    assert f'name="_version" value="{state["_version"]}"' in page
    data = {**_form_state(client, path), "_action": "complete", "action": "result", "outcome": "pass",
            "verified_on": "2026-10-12", "certificate_no": "JJ-9", "next_due": "2027-10-12", "fee": "0"}
    assert data["_version"] == state["_version"]
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "数据已被他人修改" in page
    assert 'value="JJ-9"' in _input_tag(page, "f-certificate_no") and f'name="_version" value="{current}"' in page
    assert client.post(path, data={**data, "_version": str(current)}).status_code == 302
