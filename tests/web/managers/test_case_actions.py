"""Managers act on a case from its page: the panel, 403s, the reason beside its field, the audit, the banner."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import AuditEntry, Case, Organisation, Task, TaskStatus, User
from web.shared.system import get_system

from ..clerks.test_tasks import _application
from ..conftest import csrf_token
from .stuck_data import seed_stuck

REASON = "检定机构长期未受理，督促办理"


def _post(client, case_id: int, action: str, **data: str):
    token = csrf_token(client, f"/cases/{case_id}")
    version = _case(client.application, case_id).version
    return client.post(f"/manage/cases/{case_id}/{action}",
                       data={"csrf_token": token, "_version": str(version), **data})


def _case(app, case_id: int) -> Case:
    with app.app_context(), get_system().sessions() as s:
        case = s.get(Case, case_id)
        s.expunge(case)
        return case


def _open_task(app, case_id: int) -> Task:
    with app.app_context(), get_system().sessions() as s:
        task = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == TaskStatus.READY.value)).one()
        s.expunge(task)
        return task


@pytest.mark.parametrize(("username", "panel"), [
    ("shenyang_bureau", True), ("liaoning_bureau", True),
    ("shenyang_institute", False), ("xinmin_gas", False), ("xinmin_bureau", False),
])
def test_the_panel_is_shown_only_to_managers_who_may_act(app, client, auth, username, panel):
    case_id = _application(app)
    auth.login(username)
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert ('id="case-control"' in html) is panel


def test_a_manager_who_sees_the_case_but_may_not_act_is_told_why(app, client, auth, clock):
    late = seed_stuck(app, clock)["late"]  # a 新民 owner's case, verified in 沈阳: 新民's bureau sees it only
    with app.app_context(), get_system().sessions() as s:
        case_id = s.scalars(select(Case.id).where(Case.number == late)).one()
    auth.login("xinmin_bureau")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="case-control"' not in html and 'id="case-control-none"' in html
    assert "当前由沈阳市计量测试研究院、沈阳市市场监督管理局办理，不在本单位及下级单位的管理范围内" in html
    auth.logout()
    auth.login("xinmin_gas")  # not a manager: nothing about managing
    assert "case-control" not in client.get(f"/cases/{case_id}").get_data(as_text=True)


def _refusals(app) -> list[tuple[str, str]]:
    with app.app_context(), get_system().sessions() as s:
        return [(e.actor, e.after["target"]) for e in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "rules_refused").order_by(AuditEntry.id))]


# 沈阳's institute is no manager; 新民's bureau sees the case (its owner is under it) but may not act on it;
# 大连's bureau may not even see it, so it is told what it would be told of a case that does not exist.
@pytest.mark.parametrize(("username", "status"), [
    ("shenyang_institute", 403), ("xinmin_gas", 403), ("xinmin_bureau", 403), ("dalian_bureau", 404),
])
def test_others_are_refused_and_audited(app, client, auth, username, status):
    case_id = _application(app)
    auth.login(username)
    assert client.get(f"/manage/cases/{case_id}/suspend").status_code == status
    token = csrf_token(client, "/")
    response = client.post(f"/manage/cases/{case_id}/terminate", data={"csrf_token": token, "reason": REASON})
    assert response.status_code == status
    assert _case(app, case_id).status == "running"
    path = f"/manage/cases/{case_id}/"
    assert _refusals(app) == [(username, path + "suspend"), (username, path + "terminate")]


def test_a_case_that_does_not_exist_is_404_and_says_no_more(app, client, auth):
    hidden = _application(app)
    auth.login("dalian_bureau")
    missing = client.get("/manage/cases/999999/suspend")
    unseen = client.get(f"/manage/cases/{hidden}/suspend")
    assert missing.status_code == unseen.status_code == 404
    assert "没有这个案件，或该案件不在您的查看范围内" in missing.get_data(as_text=True)
    assert missing.get_data(as_text=True).replace("999999", str(hidden)) == unseen.get_data(as_text=True)
    assert [target for _who, target in _refusals(app)] == ["/manage/cases/999999/suspend",
                                                          f"/manage/cases/{hidden}/suspend"]


@pytest.mark.parametrize(("reason", "message"), [("   ", "请填写理由"), ("理" * 2001, "理由不能超过 2000 字")])
def test_a_missing_or_long_reason_is_shown_beside_the_field(app, client, auth, reason, message):
    case_id = _application(app)
    auth.login("shenyang_bureau")
    response = _post(client, case_id, "suspend", reason=reason)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p class="field-error" id="reason-suspend-error">{message}' in html
    assert 'aria-describedby="reason-suspend-error"' in html
    assert _case(app, case_id).status == "running"


def test_a_missing_clerk_is_shown_beside_the_field(app, client, auth):
    case_id = _application(app)
    task = _open_task(app, case_id)
    auth.login("shenyang_bureau")
    response = _post(client, case_id, "reassign", task_id=task.id, to_user="", reason=REASON)
    assert response.status_code == 400
    assert f'id="to-user-{task.id}-error">请选择转办给哪位办理人' in response.get_data(as_text=True)


@pytest.mark.parametrize(("whom", "message"), [
    ("dalian_institute", "所选人员不能办理该任务"), (None, "找不到所选的办理人"),
])
def test_a_crafted_reassignment_is_shown_beside_the_clerk_field(app, client, auth, whom, message):
    case_id = _application(app)
    task = _open_task(app, case_id)
    with app.app_context(), get_system().sessions() as s:
        to_user = s.scalars(select(User.id).where(User.username == whom)).one() if whom else 999999
    auth.login("shenyang_bureau")
    response = _post(client, case_id, "reassign", task_id=task.id, to_user=str(to_user), reason=REASON)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field-error" id="to-user-{task.id}-error">{message}' in html
    assert f"{REASON}</textarea>" in html and 'class="error-summary"' in html  # the form, kept
    assert _open_task(app, case_id).assignee_id is None


def test_a_form_sent_after_another_manager_acted_comes_back_with_the_reason_kept(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_bureau")
    token, seen = csrf_token(client, f"/cases/{case_id}"), _case(app, case_id).version
    assert _post(client, case_id, "suspend", reason=REASON).status_code == 302  # the other manager, first
    late = client.post(f"/manage/cases/{case_id}/terminate",
                       data={"csrf_token": token, "_version": str(seen), "reason": "申请人撤回申请"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "该案件已被他人处理" in html and "申请人撤回申请</textarea>" in html
    assert f'name="_version" value="{_case(app, case_id).version}"' in html  # sending it again acts on it as now
    assert _case(app, case_id).status == "suspended"


def test_a_post_without_csrf_is_refused(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_bureau")
    assert client.post(f"/manage/cases/{case_id}/suspend", data={"reason": REASON}).status_code == 400
    assert _case(app, case_id).status == "running"


def test_suspend_shows_the_banner_and_the_audit_then_resume(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_bureau")
    response = _post(client, case_id, "suspend", reason=REASON)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case_id}")
    auth.login("shenyang_institute")  # everyone who sees the case sees the banner
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="case-suspended"' in html and REASON in html and "法定期限照常计算" in html
    assert "已暂停" in html and "暂停办理" in html and f"理由：{REASON}" in html
    task = _open_task(app, case_id)
    token = csrf_token(client, f"/cases/{case_id}")
    refused = client.post(f"/tasks/{task.id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "已被管理人员暂停办理，恢复办理前不能认领或办理" in refused.get_data(as_text=True)
    assert _open_task(app, case_id).assignee_id is None
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="case-suspended"' in page
    version = _case(app, case_id).version
    refused = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "_version": str(version),
                                                     "_action": "complete", "acceptance": "accept"},
                          follow_redirects=True)
    assert "已被管理人员暂停办理" in refused.get_data(as_text=True)
    assert _open_task(app, case_id).id == task.id  # still open, nothing completed
    auth.login("shenyang_bureau")
    assert _post(client, case_id, "resume", reason="已督促，恢复办理").status_code == 302
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="case-suspended"' not in html and "恢复办理" in html and "理由：已督促，恢复办理" in html


def test_bulk_claim_says_the_case_is_suspended_not_closed(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_bureau")
    assert _post(client, case_id, "suspend", reason=REASON).status_code == 302
    auth.login("shenyang_institute")
    task = _open_task(app, case_id)
    token = csrf_token(client, "/")
    html = client.post("/tasks/bulk", data={"csrf_token": token, "action": "claim", "task_id": [task.id]},
                       follow_redirects=True).get_data(as_text=True)
    number = _case(app, case_id).number
    assert f"已认领 0 项；1 项未处理：{number}（案件已暂停办理，恢复前不能认领）" in html
    assert "已办结或已关闭" not in html
    assert _open_task(app, case_id).assignee_id is None


def test_reassign_by_full_name(app, client, auth):
    case_id = _application(app)
    with app.app_context(), get_system().sessions() as s, s.begin():
        institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
        colleague = User(username="sy_clerk_2", display_name="欧阳明", password_hash="-",
                         organisation_id=institute, roles="institute")
        s.add(colleague)
        s.flush()
        colleague_id = colleague.id
    task = _open_task(app, case_id)
    auth.login("shenyang_bureau")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'<option value="{colleague_id}">欧阳明</option>' in html and "sy_clerk_2" not in html
    assert f'id="holder-{task.id}">当前办理人：尚未认领</p>' in html
    response = _post(client, case_id, "reassign", task_id=task.id, to_user=str(colleague_id), reason=REASON)
    assert response.status_code == 302
    assert _open_task(app, case_id).assignee_id == colleague_id
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"→ 欧阳明；理由：{REASON}" in html
    assert f'id="holder-{task.id}">当前办理人：欧阳明</p>' in html  # who holds it now, no longer offered
    assert f'<option value="{colleague_id}">' not in html


def test_terminate_asks_first_and_ends_the_case(app, client, auth):
    case_id = _application(app)
    auth.login("shenyang_bureau")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-confirm="终止后案件结束' in html and "shared/confirm.js" in html
    assert _post(client, case_id, "terminate", reason="申请人撤回").status_code == 302
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "已终止" in html and "理由：申请人撤回" in html and 'id="case-control"' not in html
    auth.login("shenyang_institute")
    assert _case(app, case_id).number not in client.get("/tasks/").get_data(as_text=True)
