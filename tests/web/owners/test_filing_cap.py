"""One row cap for a filing, the same through the API and the upload, and files that cost too much to read."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from engine import MAX_FILING_INSTRUMENTS, MAX_UPLOAD_ROWS, Case, too_many_instruments, too_many_rows
from web.owners.spreadsheet import MAX_COLUMNS, read_rows
from web.shared.system import get_system

from ..api.test_api import DISPENSER, OWNER
from .test_owner import HEADER, _upload

ROW = "燃油加油机,DJY-222,JYJ-{n},燃油加油机,工作计量器具,是,贸易结算,一号岛\n"


def _cases(app) -> int:
    with app.app_context(), get_system().sessions() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _workbook(fill) -> bytes:
    workbook = Workbook()
    fill(workbook.active)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_api_refuses_a_filing_over_the_cap_on_the_instruments_field(app, client):
    instruments = [{**DISPENSER, "serial_no": f"JYJ-{n}"} for n in range(MAX_FILING_INSTRUMENTS + 1)]
    response = client.post("/api/cases", auth=OWNER,
                           json={"process": "filing", "county_code": "210181", "instruments": instruments})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"instruments": [too_many_instruments(MAX_FILING_INSTRUMENTS + 1)]}
    assert _cases(app) == 0


def test_the_upload_refuses_a_list_over_the_cap_with_the_same_message(app, client, auth):
    auth.login("xinmin_gas")
    body = HEADER + "".join(ROW.format(n=n) for n in range(MAX_FILING_INSTRUMENTS + 1))
    response = _upload(client, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert too_many_instruments(MAX_FILING_INSTRUMENTS + 1) in page and "本次 5,001 台（件）" in page
    assert _cases(app) == 0


def test_a_csv_file_longer_than_the_row_limit_is_refused_unread(app, client, auth):
    auth.login("xinmin_gas")
    body = HEADER + "".join(ROW.format(n=n) for n in range(MAX_UPLOAD_ROWS + 5))
    response = _upload(client, body)
    assert response.status_code == 422 and too_many_rows() in response.get_data(as_text=True)
    assert _cases(app) == 0


def test_blank_rows_after_the_row_limit_do_not_count(app, client, auth):
    auth.login("xinmin_gas")
    body = HEADER + ROW.format(n=1) + "\n" * (MAX_UPLOAD_ROWS + 10)
    assert _upload(client, body).status_code == 302


def test_a_csv_cell_over_the_field_size_limit_is_a_row_error_not_a_crash(client, auth):
    auth.login("xinmin_gas")
    body = HEADER + ROW.format(n=1) + '燃油加油机,"' + "x" * (200 * 1024) + '",JYJ-2\n'
    response = _upload(client, body)
    assert response.status_code == 422 and "第 3 行无法读取" in response.get_data(as_text=True)


def test_a_cell_far_right_does_not_widen_the_rows_read():
    def far_right(sheet) -> None:
        for row in range(1, 5001):
            sheet.cell(row=row, column=18278, value="x")  # column ZZZ

    raw = _workbook(far_right)
    rows = read_rows(raw, MAX_UPLOAD_ROWS)
    assert len(rows) == 5000 and {len(r) for r in rows} == {MAX_COLUMNS}


def test_such_a_workbook_is_refused_as_holding_no_instruments(client, auth):
    auth.login("xinmin_gas")

    def far_right(sheet) -> None:
        for row in range(1, 5001):
            sheet.cell(row=row, column=18278, value="x")

    response = _upload(client, _workbook(far_right), name="list.xlsx")
    assert response.status_code == 422 and "文件中没有器具记录" in response.get_data(as_text=True)


def test_an_excel_list_longer_than_the_row_limit_is_refused(client, auth):
    auth.login("xinmin_gas")

    def long_list(sheet) -> None:
        sheet.append(HEADER.strip().split(","))
        for n in range(MAX_UPLOAD_ROWS + 1):
            sheet.append(ROW.strip().format(n=n).split(","))

    response = _upload(client, _workbook(long_list), name="list.xlsx")
    assert response.status_code == 422 and too_many_rows() in response.get_data(as_text=True)


def test_the_upload_page_states_the_cap_before_anything_is_sent(client, auth):
    auth.login("xinmin_gas")
    page = client.get("/owner/filings/upload").get_data(as_text=True)
    assert f"一次最多 {MAX_FILING_INSTRUMENTS:,} 台（件）器具" in page
