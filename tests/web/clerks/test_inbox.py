"""The inbox page: filter bar, tabs with counts, sorting and paging, saved filters, bulk claim and reassign."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from engine import AuditEntry, Case, SavedFilter, Task
from web.shared.system import get_system

from ..conftest import Auth, csrf_token
from ..inbox_data import seed_inbox


@pytest.fixture
def inbox(app):
    return seed_inbox(app)


def _numbers(app, ids: dict[str, str]) -> dict[str, str]:
    with app.app_context(), get_system().readers() as s:
        return {name: s.get(Case, s.get(Task, task_id).case_id).number for name, task_id in ids.items()}


def _rows(html: str) -> list[str]:
    """Case numbers of the table rows, in order."""
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return re.findall(r"<td class=\"nowrap\">(?:<a [^>]*>)?(QJ\d+)<", body)


def _tabs(html: str) -> dict[str, str]:
    return dict(re.findall(r'class="tab[^"]*"[^>]*>(\S+?) <span class="count[^"]*">(\d+)</span>', html))


def test_the_inbox_shows_tabs_with_counts_and_marks_due_rows(client, auth, inbox, app):
    numbers = _numbers(app, inbox)
    auth.login("shenyang_institute")
    html = client.get("/").get_data(as_text=True)
    assert _tabs(html) == {"全部待办": "5", "我的任务": "1", "待认领": "4", "已逾期": "1"}
    assert _rows(html) == [numbers[n] for n in ("overdue_fuel", "today", "near_mine", "later", "undated")]
    assert numbers["overdue_scale"] not in html and numbers["other_org"] not in html
    assert html.count('<tr class="overdue">') == 1 and html.count('<tr class="near">') == 2
    assert "今天到期" in html and "即将到期" in html and "本单位全部" not in html  # not a supervisor
    assert "新民市东城加油站" in html and "瓦房店市中心医院" in html  # owner units


@pytest.mark.parametrize(("query", "expected"), [
    ("due=overdue", ["overdue_fuel"]),
    ("due=today", ["today"]),
    ("due=2wd", ["today", "near_mine"]),  # Monday: until the end of Wednesday
    ("view=mine", ["near_mine"]),
    ("view=group&county_code=210181", ["overdue_fuel", "later"]),
    ("instrument_type=sphygmomanometer", ["today", "undated"]),
    ("spec_name=accept_application", ["undated"]),
    ("process_id=filing", []),
    ("text=自来水", ["near_mine"]),
    ("sort=-due", ["later", "near_mine", "today", "overdue_fuel", "undated"]),
])
def test_the_filter_bar_narrows_and_sorts_the_list(client, auth, inbox, app, query, expected):
    numbers = _numbers(app, inbox)
    auth.login("shenyang_institute")
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert _rows(response.get_data(as_text=True)) == [numbers[n] for n in expected]


def test_the_filter_bar_keeps_the_chosen_values_and_offers_the_choices(client, auth, inbox):
    auth.login("shenyang_institute")
    html = client.get("/?due=overdue&county_code=210181&text=东城").get_data(as_text=True)
    assert '<option value="overdue" selected>已逾期</option>' in html
    assert '<option value="210181" selected>新民市</option>' in html
    assert 'name="text" value="东城"' in html
    assert '<option value="verify">检定并出具结果</option>' in html
    assert '<option value="fuel_dispenser">燃油加油机</option>' in html
    assert "没有符合条件的任务" in client.get("/?text=不存在的单位").get_data(as_text=True)


def test_tabs_and_counts_keep_the_other_filters(client, auth, inbox):
    auth.login("shenyang_institute")
    html = client.get("/?county_code=210181").get_data(as_text=True)
    assert _tabs(html) == {"全部待办": "2", "我的任务": "0", "待认领": "2", "已逾期": "1"}
    assert 'href="/?view=mine&amp;county_code=210181"' in html
    assert 'href="/?county_code=210181&amp;due=overdue"' in html


def test_bad_filter_values_get_a_message_not_an_error_page(client, auth, inbox):
    auth.login("shenyang_institute")
    response = client.get("/?due=soon&page=abc&county_code=210181&view=team")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "筛选条件有误" in html and "期限：不是可选的值" in html and "页码：必须是整数" in html
    assert "只有监督管理人员可以查看本单位全部任务" in html
    assert len(_rows(html)) == 2  # the valid county filter still applies


def test_paging_keeps_the_filter(client, auth, inbox, app):
    app.config["PAGE_SIZE"] = 2
    numbers = _numbers(app, inbox)
    auth.login("shenyang_institute")
    html = client.get("/?view=group&sort=-due").get_data(as_text=True)
    assert _rows(html) == [numbers["later"], numbers["today"]]
    assert 'href="/?view=group&amp;sort=-due&amp;page=2">下一页' in html
    html = client.get("/?view=group&sort=-due&page=2").get_data(as_text=True)
    assert _rows(html) == [numbers["overdue_fuel"], numbers["undated"]]
    assert "上一页" in html and "下一页" not in html
    assert "这一页没有任务" in client.get("/?view=group&page=9").get_data(as_text=True)


def test_a_saved_filter_is_offered_to_its_owner_and_if_shared_to_the_organisation(client, auth, inbox, app):
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    saved = client.post("/filters", data={"csrf_token": token, "name": "新民逾期", "due": "overdue",
                                          "county_code": "210181", "shared": "1"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/?county_code=210181&due=overdue"
    client.post("/filters", data={"csrf_token": token, "name": "我的", "view": "mine"})
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/?county_code=210181&amp;due=overdue">新民逾期</a>' in html and "已共享" in html
    assert '<a href="/?view=mine">我的</a>' in html
    blank = client.post("/filters", data={"csrf_token": token, "name": "  ", "due": "today"}, follow_redirects=True)
    assert "未保存：请填写名称" in blank.get_data(as_text=True)

    colleague = app.test_client()
    Auth(colleague).login("sy_colleague")
    html = colleague.get("/").get_data(as_text=True)
    assert "新民逾期" in html and ">我的</a>" not in html and "刘洋 共享" in html
    with app.app_context(), get_system().readers() as s:
        ids = {f.name: f.id for f in s.scalars(select(SavedFilter))}
    token = csrf_token(colleague, "/")
    refused = colleague.post(f"/filters/{ids['新民逾期']}/delete", data={"csrf_token": token})
    assert refused.status_code == 403
    assert colleague.post(f"/filters/{ids['我的']}/delete", data={"csrf_token": token}).status_code == 404
    dalian = app.test_client()
    Auth(dalian).login("dalian_institute")
    assert "新民逾期" not in dalian.get("/").get_data(as_text=True)


def test_the_owner_deletes_a_saved_filter(client, auth, inbox):
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    client.post("/filters", data={"csrf_token": token, "name": "今天", "due": "today"})
    filter_id = re.search(r'/filters/(\d+)/delete', client.get("/").get_data(as_text=True)).group(1)
    deleted = client.post(f"/filters/{filter_id}/delete", data={"csrf_token": token, "back": "due=today"})
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/?due=today"
    assert ">今天</a>" not in client.get("/").get_data(as_text=True)


def test_bulk_claim_claims_the_free_tasks_and_reports_the_others(client, auth, inbox, app):
    numbers = _numbers(app, inbox)
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    response = client.post("/tasks/bulk", data={
        "csrf_token": token, "action": "claim", "back": "view=group",
        "task_id": [inbox["overdue_fuel"], inbox["later"], inbox["overdue_scale"]]})
    assert response.status_code == 302 and response.headers["Location"] == "/?view=group"
    html = client.get("/?view=mine").get_data(as_text=True)
    assert f"已认领 2 项；1 项未处理：{numbers['overdue_scale']}（已被他人认领）" in html
    assert _tabs(html)["我的任务"] == "3"


def test_bulk_actions_need_a_selection_and_a_csrf_token(client, auth, inbox):
    auth.login("shenyang_institute")
    assert client.post("/tasks/bulk", data={"action": "claim", "task_id": inbox["later"]}).status_code == 400
    token = csrf_token(client, "/")
    html = client.post("/tasks/bulk", data={"csrf_token": token, "action": "claim"},
                       follow_redirects=True).get_data(as_text=True)
    assert "请先勾选任务" in html and 'class="flash error"' in html


def test_a_supervisor_reassigns_to_a_colleague(client, auth, inbox, app):
    auth.login("sy_supervisor")
    html = client.get("/?view=team").get_data(as_text=True)
    assert "批量转办" in html and "李娜（sy_colleague）" in html and "李娜 已认领" in html
    colleague = re.search(r'<option value="(\d+)">李娜', html).group(1)
    token = csrf_token(client, "/")
    response = client.post("/tasks/bulk", data={
        "csrf_token": token, "action": "reassign", "to_user_id": colleague, "back": "view=team",
        "task_id": [inbox["overdue_fuel"], inbox["near_mine"], inbox["overdue_scale"]]}, follow_redirects=True)
    assert "已转办 2 项；1 项未处理" in response.get_data(as_text=True)
    with app.app_context(), get_system().readers() as s:
        assert {s.get(Task, inbox[n]).assignee_id for n in ("overdue_fuel", "near_mine")} == {int(colleague)}
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "task_reassigned")).all()) == 2
    missing = client.post("/tasks/bulk", data={"csrf_token": token, "action": "reassign", "task_id": inbox["later"]},
                          follow_redirects=True)
    assert "请选择转办给谁" in missing.get_data(as_text=True)
    filing_only = re.search(r'<option value="(\d+)">赵备案', html).group(1)
    lacking = client.post("/tasks/bulk", data={"csrf_token": token, "action": "reassign",
                                               "to_user_id": filing_only, "task_id": inbox["later"]},
                          follow_redirects=True).get_data(as_text=True)
    assert "未转办：赵备案 没有办理「检定并出具结果」所需的角色" in lacking


def test_a_clerk_cannot_reassign(client, auth, inbox, app):
    auth.login("shenyang_institute")
    assert "批量转办" not in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    response = client.post("/tasks/bulk", data={"csrf_token": token, "action": "reassign", "to_user_id": "1",
                                                "task_id": inbox["later"]}, follow_redirects=True)
    assert "未转办：只有监督管理人员可以转办任务" in response.get_data(as_text=True)
    with app.app_context(), get_system().readers() as s:
        assert s.get(Task, inbox["later"]).assignee_id is None


def test_the_api_takes_the_same_filters(client, inbox, app):
    numbers = _numbers(app, inbox)
    headers = {"Authorization": "Basic " + base64.b64encode(b"shenyang_institute:demo1234").decode()}
    body = client.get("/api/tasks?due=overdue", headers=headers).get_json()
    assert [item["case_number"] for item in body["items"]] == [numbers["overdue_fuel"]]
    body = client.get("/api/tasks?view=group&limit=2&offset=2", headers=headers).get_json()
    assert [item["case_number"] for item in body["items"]] == [numbers["later"], numbers["undated"]]
    refused = client.get("/api/tasks?due=soon", headers=headers)
    assert refused.status_code == 422 and "due" in refused.get_json()["fields"]


def test_a_page_number_beyond_the_last_possible_page_is_refused(client, auth, inbox):
    auth.login("shenyang_institute")
    response = client.get("/?page=99999999999999999999&due=overdue")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "页码：" in html and len(_rows(html)) == 1


def test_a_huge_filter_id_is_not_found(client, auth, inbox):
    auth.login("shenyang_institute")
    token = csrf_token(client, "/")
    assert client.post("/filters/99999999999999999999/delete", data={"csrf_token": token}).status_code == 404


def test_only_the_overdue_tab_count_is_red(client, auth, inbox):
    auth.login("shenyang_institute")
    html = client.get("/").get_data(as_text=True)
    assert re.findall(r'<span class="count danger">(\d+)</span>', html) == ["1"]
