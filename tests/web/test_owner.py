"""Owners: file instruments by CSV (row-level errors), see the ledger, apply for verification."""

from __future__ import annotations

import io

from sqlalchemy import select

from engine import Task, User, actor_for
from web.system import get_system

from .conftest import csrf_token

HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点\n"


def _upload(client, body: str, county: str = "210181", encoding: str = "utf-8"):
    token = csrf_token(client, "/owner/filings/upload")
    return client.post("/owner/filings/upload", data={
        "csrf_token": token, "county_code": county,
        "file": (io.BytesIO(body.encode(encoding)), "list.csv")}, content_type="multipart/form-data")


def test_owner_files_a_csv_list_and_applies(app, client, auth):
    auth.login("xinmin_gas")
    row = "燃油加油机,DJY-222,JYJ-1,燃油加油机,工作计量器具,是,贸易结算,一号岛\n"
    response = _upload(client, HEADER + row, encoding="gbk")  # as Excel saves CSV in China
    assert response.status_code == 302
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():  # the delegated institute accepts the filing
            task = s.scalars(select(Task).where(Task.spec_name == "review_filing")).one()
            clerk = actor_for(s.scalars(select(User).where(User.username == "xinmin_institute")).one())
            system.engine.complete_task(s, task.id, {"filing_decision": "accept"}, clerk)
    page = client.get("/owner/").get_data(as_text=True)
    assert "JYJ-1" in page and "尚未检定" in page
    instrument_id = page.split("/owner/instruments/")[1].split("/")[0]
    token = csrf_token(client, "/owner/")
    assert client.post(f"/owner/instruments/{instrument_id}/apply", data={"csrf_token": token}).status_code == 302
    assert "申请检定：燃油加油机 JYJ-1" in client.get("/owner/").get_data(as_text=True)


def test_bad_rows_are_listed_by_spreadsheet_row(client, auth):
    auth.login("xinmin_gas")
    body = (HEADER + "燃油加油机,DJY-222,,燃油加油机,工作计量器具,是,贸易结算,一号岛\n"
            + "燃油加油机,DJY-222,JYJ-2,燃油加油机,工作计量器具,也许,贸易结算,二号岛\n")
    response = _upload(client, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "未提交备案" in page
    assert "<td>2</td><td>出厂编号</td><td>请填写出厂编号</td>" in page
    assert "<td>3</td><td>是否列入强检目录</td>" in page


def test_a_file_without_the_template_header_is_refused(client, auth):
    auth.login("xinmin_gas")
    page = _upload(client, "a,b\n1,2\n").get_data(as_text=True)
    assert "缺少列" in page


def test_clerks_cannot_use_owner_pages(client, auth):
    auth.login("shenyang_institute")
    assert client.get("/owner/").status_code == 403
