"""The task page: rule, facts and a form drawn from the task's JSON Schema; complete, drafts, errors."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from engine import Case, Instrument, Task, User, actor_for, apply_for_verification, file_instruments
from web.shared.system import get_system

DISPENSER = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "W-1", "instrument_type": "fuel_dispenser",
             "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}


@pytest.fixture(autouse=True)
def drafts_dir(app, tmp_path):
    app.config["DRAFTS_DIR"] = tmp_path / "drafts"
    return tmp_path / "drafts"


def _actor(session, username):
    return actor_for(session.scalars(select(User).where(User.username == username)).one())


def _ready_task(session, case_id) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "ready")).one()


def _complete(app, case_id, username, data) -> None:
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            system.engine.complete_task(s, _ready_task(s, case_id).id, data, _actor(s, username))


def _filing(app) -> int:
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            return file_instruments(s, system.engine, _actor(s, "xinmin_gas"), "210181", [DISPENSER]).id


def _application(app, at: str = "record_receipt") -> tuple[int, str]:
    """A dispenser application at the Shenyang city institute, advanced to task ``at``: (case id, task id)."""
    _complete(app, _filing(app), "xinmin_institute", {"filing_decision": "accept"})
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            instrument = s.scalars(select(Instrument)).one()
            case_id = apply_for_verification(s, system.engine, _actor(s, "xinmin_gas"), instrument.id).id
    answers = [{"acceptance": "accept"}, {"received_on": "2026-09-28"}]  # accept_application, record_receipt
    for data in answers[: {"record_receipt": 1, "verify": 2}[at]]:
        _complete(app, case_id, "shenyang_institute", data)
    with app.app_context(), get_system().readers() as s:
        task = _ready_task(s, case_id)
        assert task.spec_name == at
        return case_id, task.id


def _form_state(client, path) -> dict[str, str]:
    """The hidden fields a browser would post back: CSRF token and the case version shown."""
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    version = re.search(r'name="_version" value="(\d+)"', page)
    assert token and version, page
    return {"csrf_token": token.group(1), "_version": version.group(1)}


def _error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def _input_tag(page: str, field_id: str) -> str:
    found = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', page, re.S)
    assert found, field_id
    return found.group(0)


def test_inbox_links_to_the_task_page(app, client, auth):
    _, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    assert f'href="/tasks/{task_id}"' in client.get("/").get_data(as_text=True)


def test_verify_page_shows_rule_facts_and_form(app, client, auth):
    _, task_id = _application(app, "verify")
    auth.login("shenyang_institute")
    response = client.get(f"/tasks/{task_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "检定并出具结果" in page and "申请检定：燃油加油机 W-1" in page
    assert "7 个工作日" in page or "7个工作日" in page
    assert "2026-10-13 23:59" in page  # due date and deadline fact, Beijing time
    assert "该类器具有计量检定规程" in page and "器具名称" in page and "W-1" in page
    assert 'type="radio" id="f-action-0" name="action" value="result"' in page
    assert '<label for="f-verified_on">' in page and 'type="date"' in page
    assert 'max="2026-09-28"' in _input_tag(page, "f-verified_on")
    assert 'value="0"' in _input_tag(page, "f-fee")  # the schema's default
    assert 'name="csrf_token"' in page


def test_near_and_overdue_tasks_are_marked(app, client, auth, clock):
    _, task_id = _application(app, "verify")
    auth.login("shenyang_institute")
    clock.set("2026-10-12T09:00:00+08:00")
    assert "即将到期" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    clock.set("2026-10-14T09:00:00+08:00")  # the sweep has not run: the task is still open
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'class="due overdue"' in page and "已逾期" in page


def test_completing_record_receipt_advances_the_case(app, client, auth):
    case_id, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    data = {**_form_state(client, path), "_action": "complete", "received_on": "2026-09-28"}
    response = client.post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "已完成：登记收到受检器具" in client.get("/").get_data(as_text=True)
    with app.app_context(), get_system().readers() as s:
        assert _ready_task(s, case_id).spec_name == "verify"
        assert s.get(Case, case_id).deadline_at is not None


def test_calibration_and_fee_are_refused_beside_their_fields(app, client, auth):
    _, task_id = _application(app, "verify")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    data = {**_form_state(client, path), "_action": "complete", "action": "result", "outcome": "calibration",
            "verified_on": "2026-09-28", "certificate_no": "JJ-7", "fee": "5"}
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error(page, "f-fee") == "强制检定停征收费，费用必须为0"
    assert "不得改变强制检定性质而出具校准证书" in _error(page, "f-outcome")
    fee = _input_tag(page, "f-fee")
    assert 'value="5"' in fee and 'aria-invalid="true"' in fee and 'aria-describedby="f-fee-error"' in fee
    assert 'value="calibration" checked' in page and 'value="JJ-7"' in page
    assert 'class="error-summary"' in page and 'href="#f-fee"' in page


def test_future_receipt_date_is_refused(app, client, auth):
    _, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    response = client.post(path, data={**_form_state(client, path), "_action": "complete",
                                       "received_on": "2026-10-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不得晚于今天" in _error(page, "f-received_on")
    assert 'value="2026-10-01"' in _input_tag(page, "f-received_on")


def test_missing_required_field_is_named(app, client, auth):
    _, task_id = _application(app, "verify")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    data = {**_form_state(client, path), "_action": "complete", "action": "result", "outcome": "pass",
            "certificate_no": "JJ-8", "next_due": "2027-09-28", "fee": "0"}
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error(page, "f-verified_on").startswith("请填写检定日期")
    assert _error(page, "f-fee") == "" and 'value="2027-09-28"' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_clerk_of_another_institute_gets_404(app, client, auth, method):
    _, task_id = _application(app, "record_receipt")
    auth.login("dalian_institute")
    path = f"/tasks/{task_id}"
    if method == "get":
        assert client.get(path).status_code == 404
    else:
        page = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = {"csrf_token": token, "_version": "1", "_action": "complete", "received_on": "2026-09-28"}
        assert client.post(path, data=data).status_code == 404


def test_stale_version_is_a_conflict(app, client, auth):
    case_id, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    state = _form_state(client, path)
    data = {**state, "_version": str(int(state["_version"]) - 1), "_action": "complete", "received_on": "2026-09-27"}
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "数据已被他人修改，请刷新后重试" in page and 'value="2026-09-27"' in page
    assert f'name="_version" value="{state["_version"]}"' in page  # the page now shows the current case
    with app.app_context(), get_system().readers() as s:
        assert _ready_task(s, case_id).spec_name == "record_receipt"


def test_draft_survives_a_reload_and_goes_on_completion(app, client, auth, drafts_dir):
    _, task_id = _application(app, "verify")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    data = {**_form_state(client, path), "_action": "save_draft", "action": "result", "fail_reason": "示值误差超差"}
    response = client.post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "保存的草稿" in page and "示值误差超差" in page and 'value="result" checked' in page
    assert list(drafts_dir.rglob("*.json"))
    auth.logout()
    auth.login("shenyang_institute")
    data = {**_form_state(client, path), "_action": "complete", "action": "result", "outcome": "fail",
            "verified_on": "2026-09-28", "fail_reason": "示值误差超差", "fee": "0"}
    assert client.post(path, data=data).status_code == 302
    assert not list(drafts_dir.rglob("*.json"))


def test_draft_can_be_discarded(app, client, auth):
    _, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    path = f"/tasks/{task_id}"
    client.post(path, data={**_form_state(client, path), "_action": "save_draft", "received_on": "2026-09-27"})
    assert 'value="2026-09-27"' in client.get(path).get_data(as_text=True)
    client.post(path, data={**_form_state(client, path), "_action": "discard_draft"})
    page = client.get(path).get_data(as_text=True)
    assert "保存的草稿" not in page and 'value="2026-09-27"' not in page


def test_post_without_csrf_token_is_refused(app, client, auth):
    _, task_id = _application(app, "record_receipt")
    auth.login("shenyang_institute")
    response = client.post(f"/tasks/{task_id}", data={"_action": "complete", "_version": "3",
                                                      "received_on": "2026-09-28"})
    assert response.status_code == 400


def _returned_filing(app) -> tuple[int, str]:
    case_id = _filing(app)
    _complete(app, case_id, "xinmin_institute", {"filing_decision": "return", "filing_reason": "请补报二号岛加油机"})
    with app.app_context(), get_system().readers() as s:
        task = _ready_task(s, case_id)
        assert task.spec_name == "correct_filing"
        return case_id, task.id


def test_owner_corrects_a_returned_filing_with_an_added_row(app, client, auth):
    case_id, task_id = _returned_filing(app)
    auth.login("xinmin_gas")
    path = f"/tasks/{task_id}"
    page = client.get(path).get_data(as_text=True)
    assert "请补报二号岛加油机" in page and 'value="W-1"' in _input_tag(page, "f-instruments-0-serial_no")
    row0 = {f"instruments-0-{k}": ("true" if v is True else v) for k, v in DISPENSER.items()}
    state = _form_state(client, path)
    page = client.post(path, data={**state, **row0, "_action": "add_row:instruments"}).get_data(as_text=True)
    assert 'id="f-instruments-1-serial_no"' in page and 'value="W-1"' in page
    row1 = {k.replace("-0-", "-1-"): v for k, v in row0.items()}
    row1.update({"instruments-1-serial_no": "W-2", "instruments-1-location": ""})
    response = client.post(path, data={**state, **row0, **row1, "_action": "complete"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error(page, "f-instruments-1-location") == "请填写使用地点"
    row1["instruments-1-location"] = "二号岛"
    assert client.post(path, data={**state, **row0, **row1, "_action": "complete"}).status_code == 302
    auth.logout()
    auth.login("xinmin_institute")
    with app.app_context(), get_system().readers() as s:
        review = _ready_task(s, case_id)
    page = client.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert review.spec_name == "review_filing" and "W-2" in page and "二号岛" in page
