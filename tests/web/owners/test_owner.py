"""Owners: file instruments by Excel/CSV list (row-level errors) or by form, see the ledger, their open tasks
and results, apply for verification."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine import SHANGHAI, Case, Organisation, Task, User, actor_for
from web.shared.system import get_system

from ..clerks.test_case_page import _certified, _complete, _received
from ..conftest import csrf_token

HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点\n"


COLUMNS = HEADER.strip().split(",")
SCHEMA = Path(__file__).resolve().parents[3] / "bpmn" / "filing.start.schema.json"


def _upload(client, body: str | bytes, county: str = "210181", encoding: str = "utf-8", name: str = "list.csv"):
    raw = body.encode(encoding) if isinstance(body, str) else body
    token = csrf_token(client, "/owner/filings/upload")
    # Encoded in memory: the test client spools a big body to a temporary file it never closes.
    boundary, payload = encode_multipart({"csrf_token": token, "county_code": county,
                                          "file": FileStorage(io.BytesIO(raw), filename=name)})
    return client.post("/owner/filings/upload", data=payload, content_type=f"multipart/form-data; boundary={boundary}")


def _xlsx(rows: list[list]) -> bytes:
    """A workbook as Excel saves it: the list on the first sheet; an empty list leaves a blank row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "器具清单"
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("说明").append(["第二个工作表不读取"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _accept_filing(app) -> None:
    """The delegated institute (Xinmin's filing handler) accepts the open filing."""
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            task = s.scalars(select(Task).where(Task.spec_name == "review_filing", Task.status == "ready")).one()
            clerk = actor_for(s.scalars(select(User).where(User.username == "xinmin_institute")).one())
            system.engine.complete_task(s, task.id, {"filing_decision": "accept"}, clerk)


def _form(client, rows: list[dict[str, str]], action: str = "submit", county: str = "210181"):
    data = {"csrf_token": csrf_token(client, "/owner/filings/new"), "county_code": county, "_action": action}
    for n, row in enumerate(rows):
        data.update({f"instruments-{n}-{k}": v for k, v in row.items()})
    return client.post("/owner/filings/new", data=data)


def _blank() -> dict[str, str]:
    return dict.fromkeys(("name", "model", "serial_no", "instrument_type", "category", "in_catalogue", "purpose",
                          "location"), "")


def _dispenser(serial: str) -> dict[str, str]:
    return {"name": "燃油加油机", "model": "DJY-222", "serial_no": serial, "instrument_type": "fuel_dispenser",
            "category": "working", "in_catalogue": "true", "purpose": "trade_settlement", "location": "一号岛"}


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


def test_owner_files_an_excel_list(app, client, auth):
    auth.login("xinmin_gas")
    body = _xlsx([COLUMNS, ["燃油加油机", "DJY-222", 1001, "燃油加油机", "工作计量器具", "是", "贸易结算", "一号岛"]])
    response = _upload(client, body, name="器具清单.XLSX")
    assert response.status_code == 302
    assert "已提交备案" in client.get("/owner/").get_data(as_text=True)
    _accept_filing(app)
    assert "<td>1001</td>" in client.get("/owner/").get_data(as_text=True)  # a number cell, as typed


def test_excel_errors_name_the_spreadsheet_row_past_blank_rows(client, auth):
    auth.login("xinmin_gas")
    good = ["燃油加油机", "DJY-222", "JYJ-1", "燃油加油机", "工作计量器具", "是", "贸易结算", "一号岛"]
    no_serial = ["燃油加油机", "DJY-222", None, "燃油加油机", "工作计量器具", "是", "贸易结算", "二号岛"]
    response = _upload(client, _xlsx([COLUMNS, good, [], no_serial]), name="list.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "未提交备案" in page
    assert "<td>4</td><td>出厂编号</td><td>请填写出厂编号</td>" in page  # row 3 is blank in Excel too


def test_the_excel_template_files_as_it_is(app, client, auth):
    auth.login("xinmin_gas")
    response = client.get("/owner/filings/template.xlsx")
    assert response.status_code == 200 and "instruments-template.xlsx" in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].values)
    assert list(rows[0]) == COLUMNS and len(rows) == 2
    assert "template.xlsx" in client.get("/owner/filings/upload").get_data(as_text=True)
    assert _upload(client, response.data, name="instruments-template.xlsx").status_code == 302


def test_files_that_are_not_lists_are_refused(client, auth):
    auth.login("xinmin_gas")
    for name, body, message in [
        ("list.pdf", b"%PDF-1.4", "只能上传 Excel 工作簿（.xlsx）或 CSV 文件"),
        ("list.xls", b"\xd0\xcf\x11\xe0", "不支持旧版 Excel（.xls）文件"),
        ("list.xlsx", b"not a workbook", "无法读取该 Excel 文件"),
        ("list.xlsx", _xlsx([COLUMNS])[:600], "无法读取该 Excel 文件"),  # cut short
        ("list.csv", _xlsx([COLUMNS]), "文件内容不是 CSV 文本"),
        ("list.csv", b"x" * (2 * 1024 * 1024 + 1), "文件过大"),
    ]:
        response = _upload(client, body, name=name)
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name


def test_form_offers_the_choices_of_the_filing_start_form(client, auth):
    auth.login("xinmin_gas")
    page = client.get("/owner/filings/new").get_data(as_text=True)
    item = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["instrument"]["properties"]
    for name in ("category", "purpose"):
        select_html = page.split('name="instruments-0-' + name + '"')[1].split("</select>")[0]
        offered = re.findall(r'<option value="([^"]+)">([^<]+)</option>', select_html)
        assert offered == [(o["const"], o["title"]) for o in item[name]["oneOf"]], name
    assert '<option value="fuel_dispenser">燃油加油机</option>' in page
    assert '<option value="210181" selected>新民市</option>' in page  # the owner's own county
    county = page.split('id="f-county_code"')[0].rsplit("<label", 1)[1]
    assert "不超过" not in county  # a select takes no length hint
    assert page.count('name="instruments-2-name"') == 1 and 'instruments-3-name' not in page


def test_owner_files_instruments_with_the_form(app, client, auth):
    auth.login("xinmin_gas")
    response = _form(client, [_blank(), _dispenser("JYJ-F1"), _blank()])  # blank rows are left out
    assert response.status_code == 302 and response.headers["Location"].endswith("/owner/")
    page = client.get("/owner/").get_data(as_text=True)
    assert "已提交备案" in page and "共 1 台（件）" in page
    with app.app_context(), get_system().sessions() as s:
        case = s.scalars(select(Case).where(Case.process_id == "filing")).one()
        task = s.scalars(select(Task).where(Task.case_id == case.id)).one()
        handler = s.scalars(select(Organisation).where(Organisation.id == task.organisation_id)).one()
        assert case.title == "备案：1 台计量器具" and task.spec_name == "review_filing"
        assert "新民" in handler.name
    _accept_filing(app)
    assert "JYJ-F1" in client.get("/owner/").get_data(as_text=True)


def test_form_errors_stand_beside_their_fields_and_input_is_kept(client, auth):
    auth.login("xinmin_gas")
    no_serial = {**_dispenser(""), "location": "二号岛"}
    response = _form(client, [_blank(), no_serial, _dispenser("JYJ-F2")], county="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "提交的内容有 2 处问题" in page
    # The blank first row is dropped: the bad row is now row 1, and its message is beside its serial number.
    assert '<p class="field-error" id="f-instruments-0-serial_no-error">请填写出厂编号</p>' in page
    assert re.search(r'id="f-instruments-0-serial_no" name="instruments-0-serial_no" type="text"\s+value=""'
                     r' maxlength="100" aria-invalid="true"', page)
    assert 'id="f-county_code-error">请选择器具使用地所在的县（市、区）' in page
    assert 'name="instruments-0-location" type="text"\n       value="二号岛"' in page
    assert 'name="instruments-1-serial_no" type="text"\n       value="JYJ-F2"' in page
    assert '<option value="trade_settlement" selected>' in page


def test_add_row_keeps_the_input(client, auth):
    auth.login("xinmin_gas")
    response = _form(client, [_dispenser("JYJ-F3"), _blank(), _blank()], action="add_row:instruments")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已提交备案" not in page
    assert 'name="instruments-3-name"' in page and 'instruments-4-name' not in page
    assert 'value="JYJ-F3"' in page and '<option value="fuel_dispenser" selected>' in page


def test_owner_index_lists_the_extension_request_to_answer(app, client, auth):
    case_id = _received(app)
    _complete(app, case_id, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-20", "extension_reason": "标准装置送修"})
    with app.app_context(), get_system().sessions() as s:
        task = s.scalars(select(Task).where(Task.spec_name == "answer_extension")).one()
        number = s.get(Case, case_id).number
    auth.login("xinmin_gas")
    page = client.get("/owner/").get_data(as_text=True)
    todo = page.split("待我处理")[1].split("</section>")[0]
    assert f'<a href="/tasks/{task.id}">答复延期申请</a>' in todo and number in todo
    assert task.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d") in todo
    assert client.get(f"/tasks/{task.id}").status_code == 200


def test_owner_sees_the_result_and_opens_the_certificate(app, client, auth):
    case_id = _certified(app)
    auth.login("xinmin_gas")
    page = client.get("/owner/").get_data(as_text=True)
    row = page.split(f'/cases/{case_id}"')[1].split("</tr>")[0]
    assert "已办结" in row and "<td>合格</td>" in row
    link = f"/cases/{case_id}/documents/LNJD-2026-0777"
    assert f'<a href="{link}">检定证书 LNJD-2026-0777</a>' in row
    sheet = client.get(link)
    assert sheet.status_code == 200 and "LNJD-2026-0777" in sheet.get_data(as_text=True)
    assert "待我处理" in page and "暂无需要办理的事项" in page
