"""The rule editor through its routes: policy staff only, drafts linted on save, publish, history, rollback,
and moving running cases to the new version (dry run, move, undo) — on the real engine and database."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import AuditEntry, User, drafts, live_sources
from engine.store.models import RuleFileRevision
from web.system import get_system

from .conftest import Auth, csrf_token
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


def _save(client, name: str, content: str, token: str | None = None, base: int | None = 1):
    csrf = csrf_token(client, "/rules/")
    return client.post(f"/rules/files/{name}/draft", json={"content": content, "base_revision": base, "token": token},
                       headers={"X-CSRFToken": csrf})


def _publish(client, *names: str, note: str = "", tokens: dict | None = None):
    """Tick ``names`` on the model list and publish them with the tokens the list shows (or ``tokens``)."""
    html = client.get("/rules/").get_data(as_text=True)
    shown = dict(re.findall(r'name="token:([^"]+)" value="([^"]*)"', html))
    form = {"file_name": list(names), "note": note, **{f"token:{n}": (tokens or shown)[n] for n in names}}
    return _post(client, "/rules/publish", form)


def _editor_data(client, name: str) -> dict:
    html = client.get(f"/rules/files/{name}").get_data(as_text=True)
    return json.loads(re.search(r'id="rule-editor-data">(.*?)</script>', html, re.S).group(1))


def _post(client, path: str, data: dict | None = None, page: str = "/rules/", follow_redirects: bool = False):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **(data or {})},
                       follow_redirects=follow_redirects)


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
    # Decision tables and forms: each revision with the cases on process versions built from its text.
    routing = re.search(r'aria-label="检定申请受理路由的各版本">(.*?)</table>', html, re.S).group(1)
    # every process version carries every decision table: the two applications and the finished filing
    assert "第 1 版" in routing and re.search(r"<td>2</td><td>3</td>", routing)
    form = re.search(r'aria-label="登记收到受检器具的各版本">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"<td>2</td><td>2</td>", form)


def test_a_draft_with_a_lint_error_names_the_element_and_cannot_be_published(app, client, auth):
    auth.login("policy")
    text = _live(app, DIAGRAM)
    answer = _save(client, DIAGRAM, text.replace(LANE_REF, ""))
    assert answer.status_code == 200
    body = answer.get_json()
    assert [(p["file"], p["element_id"], p["element_name"]) for p in body["problems"]] == [
        (DIAGRAM, "accept_application", "受理检定申请")]
    editor = _editor_data(client, DIAGRAM)  # reopened on the draft, with its problem
    assert LANE_REF not in editor["content"] and editor["token"] == body["token"]
    assert [p["element_id"] for p in editor["problems"]] == ["accept_application"]
    assert editor["publishable"] is False and [p["element_id"] for p in body["alone"]] == ["accept_application"]
    listing = client.get("/rules/").get_data(as_text=True)
    assert "受理检定申请" in listing and re.search(rf'value="{DIAGRAM}" disabled', listing)
    before = current_version(app)
    refused = _publish(client, DIAGRAM)  # the server checks anyway
    assert refused.status_code == 422 and "未发布" in refused.get_data(as_text=True)
    assert current_version(app) == before
    fixed = _save(client, DIAGRAM, text, body["token"]).get_json()
    assert fixed["problems"] == [] and fixed["token"] != body["token"]
    assert _editor_data(client, DIAGRAM)["publishable"] is True


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
    assert stale.get_json()["error"] == "文件已被他人修改/发布，请刷新后合并"
    assert "policy 在您打开后保存了" in stale.get_json()["detail"]
    assert _save(client, ROUTING, text, "0" * 32).status_code == 409
    assert _save(client, ROUTING, text, first.get_json()["token"], base=None).status_code == 409


def test_publishing_a_valid_draft_starts_new_cases_on_the_new_version_and_history_shows_it(app, client, auth):
    [old_case] = applications(app, 1)
    old_version = current_version(app)
    auth.login("policy")
    assert _save(client, DIAGRAM, _live(app, DIAGRAM).replace(OLD_REMINDER, NEW_REMINDER, 1)).status_code == 200
    done = _publish(client, DIAGRAM, note="提醒提前到期限前3个工作日")
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
    _publish(client, ROUTING)
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
    assert "兜底规则（草稿）" in draft["content"] and draft["token"] is not None
    discarded = _post(client, f"/rules/files/{ROUTING}/discard", page=f"/rules/files/{ROUTING}")
    assert discarded.status_code == 302 and discarded.headers["Location"] == f"/rules/files/{ROUTING}"
    published = _editor_data(client, ROUTING)
    assert "兜底规则（草稿）" not in published["content"] and published["token"] is None
    assert published["base_revision"] == 1


def test_a_new_form_starts_as_a_clean_draft_in_the_editor(app, client, auth):
    auth.login("policy")
    made = _post(client, "/rules/forms/new", {"name": "seal_check", "title": "封印核查"})
    assert made.status_code == 302 and made.headers["Location"] == "/rules/files/seal_check.schema.json"
    data = _editor_data(client, "seal_check.schema.json")
    assert json.loads(data["content"])["title"] == "封印核查" and data["token"] is not None
    assert data["publishable"]  # a form no task uses yet does not block publishing
    again = _post(client, "/rules/forms/new", {"name": "seal_check", "title": "另一个"}, follow_redirects=True)
    assert "seal_check.schema.json 已存在" in again.get_data(as_text=True)
    bad = _post(client, "/rules/forms/new", {"name": "../x", "title": "坏名字"}, follow_redirects=True)
    assert "文件名只能用小写字母" in bad.get_data(as_text=True)


def test_the_form_preview_draws_the_form_or_says_why_not(app, client, auth):
    auth.login("policy")
    token = csrf_token(client, "/rules/files/verify.schema.json")
    good = client.post("/rules/forms/preview", json={"content": _live(app, "verify.schema.json")},
                       headers={"X-CSRFToken": token})
    assert good.status_code == 200 and 'name="outcome"' in good.get_data(as_text=True)
    bad = client.post("/rules/forms/preview", json={"content": "{\"type\": "}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and "JSON 格式错误" in bad.get_json()["error"]


@pytest.fixture
def moved_world(app, client, auth):
    """Two running cases on version 1 (one at verify with its reminder armed), version 2 published."""
    waiting, at_verify = applications(app, 2)
    received(app, at_verify)
    auth.login("policy")
    _save(client, DIAGRAM, _live(app, DIAGRAM).replace(OLD_REMINDER, NEW_REMINDER, 1))
    _publish(client, DIAGRAM)
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


def _drafts(app) -> dict[str, str]:
    with app.app_context(), get_system().readers() as s:
        return {name: d.content for name, d in drafts(s).items()}


def _colleague(app) -> FlaskClient:
    """A second policy user (policy2) signed in on a client of their own."""
    with app.app_context(), get_system().sessions() as s, s.begin():
        policy = s.scalars(select(User).where(User.username == "policy")).one()
        s.add(User(username="policy2", display_name="政策同事", password_hash=policy.password_hash,
                   organisation_id=policy.organisation_id, roles=policy.roles, active=True))
    other = app.test_client()
    Auth(other).login("policy2")
    return other


def _routing(app, label: str) -> str:
    return _live(app, ROUTING).replace("兜底规则：", f"兜底规则（{label}）：")


def test_a_save_from_an_editor_opened_before_a_colleague_published_is_refused(app, client, auth):
    auth.login("policy")
    opened = _editor_data(client, ROUTING)  # revision 1, no draft
    other = _colleague(app)
    _save(other, ROUTING, _routing(app, "同事"))
    assert _publish(other, ROUTING).status_code == 302
    answer = _save(client, ROUTING, _routing(app, "我"), opened["token"], opened["base_revision"])
    assert answer.status_code == 409
    assert answer.get_json()["error"] == "文件已被他人修改/发布，请刷新后合并"
    assert "第 2 版" in answer.get_json()["detail"]
    assert "兜底规则（同事）" in _live(app, ROUTING) and not _drafts(app)


def test_publishing_takes_only_the_ticked_drafts_with_the_tokens_seen(app, client, auth):
    form = "verify.schema.json"
    other = _colleague(app)
    _save(other, form, _live(app, form).replace("检定", "检定（同事）", 1))
    auth.login("policy")
    _save(client, ROUTING, _routing(app, "我"))
    listing = client.get("/rules/").get_data(as_text=True)
    assert re.search(rf'value="{ROUTING}" checked', listing)  # mine is ticked, the colleague's is not
    assert re.search(rf'value="{form}" aria-label', listing)
    nothing = _post(client, "/rules/publish", {"note": "未勾选"})
    assert nothing.status_code == 302 and "请勾选要发布的草稿" in client.get("/rules/").get_data(as_text=True)
    assert set(_drafts(app)) == {ROUTING, form}
    seen = dict(re.findall(r'name="token:([^"]+)" value="([^"]*)"', listing))
    _save(other, ROUTING, _routing(app, "同事改"), seen[ROUTING])  # changed after I looked
    stale = _publish(client, ROUTING, tokens=seen)
    assert stale.status_code == 409 and f"{ROUTING} 的草稿已被他人修改" in stale.get_data(as_text=True)
    assert "兜底规则（" not in _live(app, ROUTING)
    assert _publish(client, ROUTING).status_code == 302
    assert "兜底规则（同事改）" in _live(app, ROUTING) and set(_drafts(app)) == {form}


def test_a_broken_draft_does_not_block_publishing_another(app, client, auth):
    auth.login("policy")
    _save(client, DIAGRAM, _live(app, DIAGRAM).replace(LANE_REF, ""))
    _save(client, ROUTING, _routing(app, "修订"))
    listing = client.get("/rules/").get_data(as_text=True)
    assert re.search(rf'value="{DIAGRAM}" disabled', listing) and re.search(rf'value="{ROUTING}" checked', listing)
    assert "1 处问题" in listing and "可以发布" in listing
    editor = client.get(f"/rules/files/{ROUTING}").get_data(as_text=True)
    assert "发布此文件" in editor and "发布全部草稿" not in editor
    token = re.search(rf'name="token:{ROUTING}" id="publish-token" value="([^"]+)"', editor).group(1)
    done = _post(client, "/rules/publish", {"file_name": ROUTING, f"token:{ROUTING}": token})  # the editor's button
    assert done.status_code == 302
    assert "兜底规则（修订）" in _live(app, ROUTING) and set(_drafts(app)) == {DIAGRAM}


def test_every_failure_of_the_draft_endpoint_is_json_in_chinese(app, client, auth, monkeypatch):
    url = f"/rules/files/{ROUTING}/draft"
    body = {"content": _live(app, ROUTING), "base_revision": 1, "token": None}
    for answer in (client.post(url, json=body), client.post("/rules/forms/preview", json={"content": "{}"})):
        assert answer.status_code == 401  # never a redirect to the sign-in page
        assert answer.get_json()["error"] == "登录已过期，请在新标签页重新登录后再保存"
    auth.login("policy")
    no_token = client.post(url, json=body)
    assert no_token.status_code == 400 and "安全令牌" in no_token.get_json()["error"]
    headers = {"X-CSRFToken": no_token.get_json()["csrf_token"]}  # the page retries with it
    too_big = client.post(url, json={**body, "content": "x" * (4 * 1024 * 1024)}, headers=headers)
    assert too_big.status_code == 413 and "太大" in too_big.get_json()["error"]
    monkeypatch.setattr("web.rule_drafts.save_draft", lambda *a, **k: 1 / 0)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    crashed = client.post(url, json=body, headers=headers)
    assert crashed.status_code == 500 and "修改仍在页面上" in crashed.get_json()["error"]
    monkeypatch.undo()
    assert client.post(url, json=body, headers=headers).status_code == 200
    clerk = app.test_client()
    Auth(clerk).login("shenyang_institute")
    refused = clerk.post(url, json=body, headers={"X-CSRFToken": csrf_token(clerk, "/")})
    assert refused.status_code == 403 and "政策管理人员" in refused.get_json()["error"]


def test_a_new_files_history_shows_its_draft_and_discarding_it_returns_to_the_list(app, client, auth):
    auth.login("policy")
    name = "extra_note.schema.json"
    form = {"type": "object", "title": "补充说明", "properties": {"note": {"type": "string", "title": "说明"}}}
    assert _save(client, name, json.dumps(form, ensure_ascii=False), base=None).status_code == 200
    assert "补充说明" in client.get("/rules/").get_data(as_text=True)
    history = client.get(f"/rules/files/{name}/history")
    assert history.status_code == 200 and "尚未发布" in history.get_data(as_text=True)
    discarded = _post(client, f"/rules/files/{name}/discard", page=f"/rules/files/{name}")
    assert discarded.headers["Location"] == "/rules/"
    assert client.get(f"/rules/files/{name}/history").status_code == 404


def test_a_rollback_that_would_break_the_rules_lists_the_problems(app, client, auth, clock):
    text = _live(app, ROUTING)
    with app.app_context(), get_system().sessions() as s, s.begin():  # a revision that no longer fits
        s.add(RuleFileRevision(file_name=ROUTING, number=2, content="<definitions", content_hash="-",
                               source="editor", note="", published_by="policy", published_at=clock()))
    auth.login("policy")
    _save(client, ROUTING, text, base=2)  # published over it as revision 3
    assert _publish(client, ROUTING).status_code == 302
    refused = _post(client, f"/rules/files/{ROUTING}/rollback", {"number": "2"}, f"/rules/files/{ROUTING}/history")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不能回滚到第 2 版" in page and "发布前须修改的问题" in page
    assert ROUTING in re.search(r'class="error-summary rule-problems".*?</div>', page, re.S).group(0)
