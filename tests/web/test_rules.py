"""The rule editor through its routes: policy staff only, drafts linted on save, publish, history, rollback,
and moving running cases to the new version (dry run, move, undo) — on the real engine and database."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from engine import AuditEntry, live_sources
from web.system import get_system

from .conftest import csrf_token
from .rules_world import (
    DIAGRAM,
    LANE_REF,
    NEW_REMINDER,
    OLD_REMINDER,
    ROUTING,
    applications,
    case_row,
    current_version,
    received,
)


def _live(app, name: str) -> str:
    with app.app_context(), get_system().readers() as s:
        return live_sources(s)[name]


def _save(client, name: str, content: str, version: int | None = None):
    token = csrf_token(client, f"/rules/files/{name}")
    return client.post(f"/rules/files/{name}/draft", json={"content": content, "version": version},
                       headers={"X-CSRFToken": token})


def _editor_data(client, name: str) -> dict:
    html = client.get(f"/rules/files/{name}").get_data(as_text=True)
    return json.loads(re.search(r'id="rule-editor-data">(.*?)</script>', html, re.S).group(1))


def _post(client, path: str, data: dict | None = None, page: str = "/rules/"):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})})


def _refusals(app) -> list[AuditEntry]:
    with app.app_context(), get_system().readers() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "rules_refused")))


def test_policy_staff_see_the_rules_and_others_are_refused_and_logged(app, client, auth):
    auth.login("policy")
    page = client.get("/rules/")
    assert page.status_code == 200
    assert "规则管理" in client.get("/").get_data(as_text=True)  # the nav link
    auth.logout()
    for user in ("shenyang_institute", "xinmin_gas", "shenyang_bureau"):
        auth.login(user)
        assert "规则管理" not in client.get("/").get_data(as_text=True)
        for path in ("/rules/", f"/rules/files/{DIAGRAM}"):
            assert client.get(path).status_code == 403
        auth.logout()
    refused = _refusals(app)
    assert {(e.actor, e.after["target"]) for e in refused} >= {("shenyang_institute", "/rules/"),
                                                                ("xinmin_gas", f"/rules/files/{DIAGRAM}")}
    assert client.get("/rules/").status_code == 302  # signed out: to the sign-in page, nothing logged


def test_the_model_list_shows_files_versions_and_case_counts(app, client, auth):
    applications(app, 2)
    auth.login("policy")
    html = client.get("/rules/").get_data(as_text=True)
    for name in (DIAGRAM, ROUTING, "verify.schema.json", "escalation.bpmn"):
        assert name in html
    assert "强制检定申请与检定" in html and "第 1 版" in html and "系统安装" in html
    versions = re.search(r'aria-label="强制检定申请与检定的版本">(.*?)</table>', html, re.S).group(1)
    assert "版本 1" in versions and "当前" in versions
    assert re.search(r"<td>2</td><td>2</td>", versions)  # running, all


def test_a_draft_with_a_lint_error_names_the_element_and_cannot_be_published(app, client, auth):
    auth.login("policy")
    text = _live(app, DIAGRAM)
    answer = _save(client, DIAGRAM, text.replace(LANE_REF, ""))
    assert answer.status_code == 200
    body = answer.get_json()
    assert [(p["file"], p["element_id"], p["element_name"]) for p in body["problems"]] == [
        (DIAGRAM, "accept_application", "受理检定申请")]
    editor = _editor_data(client, DIAGRAM)  # reopened on the draft, with its problem
    assert LANE_REF not in editor["content"] and editor["version"] == body["version"]
    assert [p["element_id"] for p in editor["problems"]] == ["accept_application"]
    listing = client.get("/rules/").get_data(as_text=True)
    assert "受理检定申请" in listing and re.search(r'<button type="submit" class="primary" disabled', listing)
    before = current_version(app)
    refused = _post(client, "/rules/publish")
    assert refused.status_code == 422 and "未发布" in refused.get_data(as_text=True)
    assert current_version(app) == before
    assert _save(client, DIAGRAM, text, body["version"]).get_json()["problems"] == []


def test_a_bad_save_is_refused_with_field_errors_or_a_conflict(app, client, auth):
    auth.login("policy")
    text = _live(app, ROUTING)
    empty = _save(client, ROUTING, " ")
    assert empty.status_code == 422 and "content" in empty.get_json()["fields"]
    bad_name = _save(client, "Bad Name.txt", text)
    assert bad_name.status_code in (404, 422)
    first = _save(client, ROUTING, text.replace("兜底规则：", "兜底规则（一）："))
    assert first.status_code == 200
    stale = _save(client, ROUTING, text, None)  # opened before the draft existed
    assert stale.status_code == 409
    assert _save(client, ROUTING, text, first.get_json()["version"] + 5).status_code == 409


def test_publishing_a_valid_draft_starts_new_cases_on_the_new_version_and_history_shows_it(app, client, auth):
    [old_case] = applications(app, 1)
    old_version = current_version(app)
    auth.login("policy")
    assert _save(client, DIAGRAM, _live(app, DIAGRAM).replace(OLD_REMINDER, NEW_REMINDER, 1)).status_code == 200
    done = _post(client, "/rules/publish", {"note": "提醒提前到期限前3个工作日"})
    assert done.status_code == 302
    assert "已发布" in client.get("/rules/").get_data(as_text=True)
    new_version = current_version(app)
    assert new_version != old_version
    assert case_row(app, old_case).spec_version_id == old_version  # running cases keep their version
    history = client.get(f"/rules/files/{DIAGRAM}/history").get_data(as_text=True)
    assert "第 2 版" in history and "提醒提前到期限前3个工作日" in history
    assert "期限将至" in history and "reminder_time(deadline, 3)" in history  # the diff row
    assert "reminder_due" in history


def test_rollback_publishes_the_old_text_again(app, client, auth):
    auth.login("policy")
    old = _live(app, ROUTING)
    _save(client, ROUTING, old.replace("兜底规则：", "兜底规则（修订）："))
    _post(client, "/rules/publish")
    assert _live(app, ROUTING) != old
    answer = _post(client, f"/rules/files/{ROUTING}/rollback", {"number": "1"}, f"/rules/files/{ROUTING}/history")
    assert answer.status_code == 302
    assert _live(app, ROUTING) == old
    history = client.get(f"/rules/files/{ROUTING}/history").get_data(as_text=True)
    assert "第 3 版" in history and "回滚" in history and "已回滚" in history


def test_discarding_a_draft_reopens_the_published_text(app, client, auth):
    auth.login("policy")
    _save(client, ROUTING, _live(app, ROUTING).replace("兜底规则：", "兜底规则（草稿）："))
    draft = _editor_data(client, ROUTING)
    assert "兜底规则（草稿）" in draft["content"] and draft["version"] is not None
    assert _post(client, f"/rules/files/{ROUTING}/discard", page=f"/rules/files/{ROUTING}").status_code == 302
    published = _editor_data(client, ROUTING)
    assert "兜底规则（草稿）" not in published["content"] and published["version"] is None


def test_the_form_preview_draws_the_form_or_says_why_not(app, client, auth):
    auth.login("policy")
    token = csrf_token(client, "/rules/files/verify.schema.json")
    good = client.post("/rules/forms/preview", json={"content": _live(app, "verify.schema.json")},
                       headers={"X-CSRFToken": token})
    assert good.status_code == 200 and 'name="outcome"' in good.get_data(as_text=True)
    bad = client.post("/rules/forms/preview", json={"content": "{\"type\": "}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and "JSON 格式错误" in bad.get_data(as_text=True)


@pytest.fixture
def moved_world(app, client, auth):
    """Two running cases on version 1 (one at verify with its reminder armed), version 2 published."""
    waiting, at_verify = applications(app, 2)
    received(app, at_verify)
    auth.login("policy")
    _save(client, DIAGRAM, _live(app, DIAGRAM).replace(OLD_REMINDER, NEW_REMINDER, 1))
    _post(client, "/rules/publish")
    return {"waiting": waiting, "at_verify": at_verify, "target": current_version(app)}


def test_migration_dry_run_move_and_undo(app, client, moved_world):
    target, at_verify = moved_world["target"], moved_world["at_verify"]
    before = case_row(app, at_verify)
    page = client.get(f"/rules/versions/{target}/migrate").get_data(as_text=True)
    assert "2 件在办案件在其他版本上，其中 2 件可迁移" in page
    assert before.number in page and f'href="/cases/{at_verify}"' in page
    # What changed between the cases' version and the target, element by element.
    assert "版本 1 → 版本 2 改动了什么" in page
    assert "reminder_due" in page and "reminder_time(deadline, 3)" in page
    answer = _post(client, f"/rules/versions/{target}/migrate", {"case_id": str(at_verify)},
                   f"/rules/versions/{target}/migrate")
    assert answer.status_code == 302
    moved = case_row(app, at_verify)
    assert moved.spec_version_id == target
    assert moved.next_timer_at < before.next_timer_at  # the reminder now comes 3 working days before
    page = client.get(f"/rules/versions/{target}/migrate").get_data(as_text=True)
    assert "已迁移 1 件" in page and "撤销" in page
    migration_id = re.search(r'/rules/migrations/(\d+)/undo', page).group(1)
    undo = _post(client, f"/rules/migrations/{migration_id}/undo", {"version_id": str(target)},
                 f"/rules/versions/{target}/migrate")
    assert undo.status_code == 302
    assert case_row(app, at_verify).spec_version_id == before.spec_version_id
    assert "已撤销迁移" in client.get(f"/rules/versions/{target}/migrate").get_data(as_text=True)


def test_migrating_all_moves_every_movable_case(app, client, moved_world):
    target = moved_world["target"]
    _post(client, f"/rules/versions/{target}/migrate", {"all": "1"}, f"/rules/versions/{target}/migrate")
    assert case_row(app, moved_world["waiting"]).spec_version_id == target
    assert case_row(app, moved_world["at_verify"]).spec_version_id == target
    assert "已迁移 2 件" in client.get(f"/rules/versions/{target}/migrate").get_data(as_text=True)
