"""The managers' stuck-cases page: managers only, scoped, filtered, and exported with the page's rows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from .stuck_data import seed_stuck

COLUMNS = ["案件编号", "器具", "使用单位", "应办理单位", "环节", "办理期限", "逾期工作日", "案件状态"]


@pytest.fixture
def numbers(app, clock):
    return seed_stuck(app, clock)


@pytest.mark.parametrize("username", ["xinmin_institute", "xinmin_gas", "policy", "admin"])
@pytest.mark.parametrize("path", ["/manage/stuck", "/manage/stuck.xlsx", "/manage/stuck.csv"])
def test_only_managers_may_look(client, auth, username, path):
    auth.login(username)
    assert client.get(path).status_code == 403


def test_sign_in_is_required(client):
    response = client.get("/manage/stuck?tab=filings")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def _page_numbers(html: str) -> list[str]:
    return re.findall(r'href="/cases/\d+(?:\?[^"]*)?">(QJ\d+)</a>', html)


def test_city_manager_sees_its_overdue_county_case(client, auth, numbers):
    auth.login("shenyang_bureau")
    html = client.get("/manage/stuck").get_data(as_text=True)
    assert "监督管理" in html and "已逾期" in html
    assert _page_numbers(html) == [numbers["late"]]
    assert "新民市东城加油站" in html and "沈阳市计量测试研究院" in html and "检定并出具结果" in html
    assert '<span class="badge danger">3</span>' in html  # (10-15, 10-20]: 3 working days
    assert numbers["dalian"] not in client.get("/manage/stuck?tab=filings").get_data(as_text=True)


def test_filters_and_bad_values(client, auth, numbers):
    auth.login("liaoning_bureau")
    assert numbers["dalian"] in client.get("/manage/stuck?tab=filings").get_data(as_text=True)
    assert numbers["dalian"] not in client.get("/manage/stuck?tab=filings&city=210100").get_data(as_text=True)
    assert _page_numbers(client.get("/manage/stuck?age=3").get_data(as_text=True)) == [numbers["late"]]
    assert _page_numbers(client.get("/manage/stuck?age=4").get_data(as_text=True)) == []
    assert client.get("/manage/stuck?age=%C2%B2&idle_days=%D9%A1&city=%00").status_code == 400  # ², Arabic 1, NUL
    response = client.get("/manage/stuck?tab=nonsense&age=x")
    assert response.status_code == 400 and "筛选条件有误" in response.get_data(as_text=True)
    negative = client.get("/manage/stuck?age=-3&page=-1").get_data(as_text=True)  # a range, not "not a number"
    assert "逾期工作日：必须是 0 到 365 之间的整数" in negative and "页码：必须是 1 到 1000000 之间的整数" in negative


def test_the_scope_is_said_in_the_words_of_the_managers_organisation(client, auth):
    auth.login("shenyang_institute_head")
    assert "范围：本机构承办的案件。" in client.get("/manage/stuck").get_data(as_text=True)
    auth.logout()
    auth.login("shenyang_bureau")
    assert "范围：本单位及下级单位、其监管的检定机构。" in client.get("/manage/stuck").get_data(as_text=True)


def test_a_page_past_the_last_says_so_and_links_back(client, auth, numbers):
    auth.login("shenyang_bureau")
    html = client.get("/manage/stuck?tab=escalations&page=999999").get_data(as_text=True)
    assert "没有第 999999 页：「上报未处理」中符合条件的案件共 1 条" in html
    assert 'href="/manage/stuck?tab=escalations">回到第 1 页</a>' in html


def test_xlsx_and_csv_have_the_rows_of_the_page(client, auth, numbers):
    auth.login("shenyang_bureau")
    shown = _page_numbers(client.get("/manage/stuck?tab=escalations").get_data(as_text=True))
    assert shown == [numbers["late"]]
    response = client.get("/manage/stuck.xlsx?tab=escalations")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS and [r[0] for r in rows[1:]] == shown
    assert rows[1][3] == "沈阳市市场监督管理局" and rows[1][4] == "监管部门处理"
    raw = client.get("/manage/stuck.csv?tab=escalations").data
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == COLUMNS and [r[0] for r in table[1:]] == shown
    assert table[1] == [str(v) for v in rows[1]]


def test_the_filters_are_folded_unless_one_is_set(client, auth, numbers):
    auth.login("shenyang_bureau")
    plain = client.get("/manage/stuck?tab=overdue").get_data(as_text=True)
    assert '<details class="filter-fold" id="stuck-filters">' in plain and "<summary>筛选条件</summary>" in plain
    assert "managers/stuck.js" in plain
    chosen = client.get("/manage/stuck?tab=overdue&age=2&idle_days=7").get_data(as_text=True)
    assert '<details class="filter-fold" id="stuck-filters" open>' in chosen
    assert "<summary>筛选条件（已设置 2 项）</summary>" in chosen
    refused = client.get("/manage/stuck?age=abc")
    assert refused.status_code == 400 and 'id="stuck-filters" open>' in refused.get_data(as_text=True)


def test_a_case_opened_from_the_list_leads_back_to_it(client, auth, numbers):
    auth.login("shenyang_bureau")
    html = client.get("/manage/stuck?tab=overdue&age=2&idle_days=7").get_data(as_text=True)
    link = re.search(rf'href="(/cases/\d+\?[^"]+)">{numbers["late"]}</a>', html).group(1).replace("&amp;", "&")
    assert link.endswith("?from=stuck&back=age%3D2%26idle_days%3D7")  # overdue is the default tab
    case = client.get(link).get_data(as_text=True)
    crumbs = case.split('<p class="crumbs">')[1].split("</p>")[0]
    assert crumbs.startswith('监督管理 › <a href="/manage/stuck?age=2&amp;idle_days=7">滞留案件</a> › 案件')
    assert "待办任务" not in crumbs
    action = re.search(r'<form method="post" action="([^"]+/suspend[^"]*)"', case).group(1).replace("&amp;", "&")
    token = re.search(r'name="csrf_token" value="([^"]+)"', case).group(1)
    version = re.search(r'name="_version" value="(\d+)"', case).group(1)
    done = client.post(action, data={"csrf_token": token, "_version": version, "reason": "督办"})
    assert done.status_code == 302 and done.headers["Location"] == link  # back on the case page, crumb kept


@pytest.mark.parametrize("query", ["from=stuck&back=//evil.example/x", "from=stuck&back=a%3D%0D%0Ab", "from=evil"])
def test_a_crafted_origin_leads_nowhere_else(client, auth, numbers, query):
    auth.login("shenyang_bureau")
    html = client.get("/manage/stuck?tab=overdue").get_data(as_text=True)
    case_path = re.search(r'href="(/cases/\d+)\?', html).group(1)
    crumbs = client.get(f"{case_path}?{query}").get_data(as_text=True).split('<p class="crumbs">')[1]
    href = re.search(r'href="([^"]+)"', crumbs).group(1)
    assert href in ("/manage/stuck", "/") or href.startswith("/manage/stuck?a=%0D%0Ab")
