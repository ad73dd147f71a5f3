"""The yearly reports on the web: the institute edits and submits on its task page, the bureau sees who has
submitted (its own institutes only), prints one page per institute and exports the list."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from engine import Actor, Case, Organisation, Task, TaskStatus, fire_due_timers, start_yearly_reports
from web.shared.system import get_system

from ..conftest import csrf_token
from .test_figures_page import _tables

SHENYANG, XINMIN = "沈阳市计量测试研究院", "新民市计量检定所"
NARRATIVE = "本年度严格落实属地检定要求，全部检定按期完成，无收费。"


def _start(app: Flask, clock) -> None:
    clock.set("2026-11-02T09:00:00+08:00")
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            start_yearly_reports(s, system.engine, 2026, Actor.system("scheduler"))


def _report_task(app: Flask, institute_code: str) -> tuple[str, int]:
    with app.app_context(), get_system().readers() as s:
        org = s.scalars(select(Organisation.id).where(Organisation.code == institute_code)).one()
        case = s.scalars(select(Case).where(Case.subject == f"yearly_report:{org}:2026")).one()
        task = s.scalars(select(Task.id).where(Task.case_id == case.id, Task.spec_name == "submit_report",
                                               Task.status == TaskStatus.READY.value)).one()
        return task, case.id


def _submit(client, task_id: str, narrative: str, suggestions: str = "建议增配检定装置。"):
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    version = re.search(r'name="_version" value="(\d+)"', html).group(1)
    return client.post(f"/tasks/{task_id}", data={
        "csrf_token": csrf_token(client, f"/tasks/{task_id}"), "_version": version, "_action": "complete",
        "narrative": narrative, "suggestions": suggestions})


def _rows(client, year: int = 2026) -> dict[str, list[str]]:
    html = client.get(f"/manage/reports?year={year}").get_data(as_text=True)
    [table] = [t for t in _tables(html).values() if t and t[0][:3] == ["检定机构", "报送对象", "状态"]]
    return {row[0]: row[1:] for row in table[1:]}


def test_the_institute_edits_the_draft_and_submits_and_the_bureau_sees_it(app, client, auth, clock):
    _start(app, clock)
    task_id, case_id = _report_task(app, "210100-institute")
    auth.login("shenyang_institute")
    clock.set("2026-11-13T10:00:00+08:00")
    with app.app_context(), get_system().sessions() as s, s.begin():
        fire_due_timers(s, get_system().engine, clock())  # the reminders, 5 working days before 20 November
    inbox = client.get("/").get_data(as_text=True)
    assert "年度报告提醒：" in inbox and "应于 2026-11-20 前报送同级市场监管部门" in inbox
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="narrative"[^>]*>\s*2026年，沈阳市计量测试研究院严格落实属地检定要求', page)
    assert "出具检定结果（份）" in page and "收费合计（元）" in page  # the figures, shown, not editable
    assert 'name="results_total"' not in page
    refused = _submit(client, task_id, "     ")
    assert refused.status_code == 422
    assert "请填写年度强制检定执行情况分析（不少于20个字）" in refused.get_data(as_text=True)
    clock.set("2026-11-18T10:00:00+08:00")
    assert _submit(client, task_id, NARRATIVE).status_code == 302
    auth.logout()
    auth.login("shenyang_bureau")
    rows = _rows(client)
    assert rows[SHENYANG][1:5] == ["已提交", "2026年11月20日", "2026年11月18日", "否"]
    assert rows[XINMIN][:2] == ["新民市市场监督管理局", "起草中"]
    sheet = client.get(f"/manage/reports/{case_id}/print").get_data(as_text=True)
    assert NARRATIVE in sheet and "报送日期：2026年11月18日" in sheet and "@media print" not in sheet
    case_page = client.get(f"/cases/{case_id}")
    assert case_page.status_code == 200 and "报送期限起算：2026-11-20 23:59" in case_page.get_data(as_text=True)


def test_the_list_shows_not_started_overdue_and_only_the_bureaus_own_institutes(app, client, auth, clock):
    auth.login("shenyang_bureau")
    clock.set("2026-11-02T09:00:00+08:00")
    assert {name: row[1] for name, row in _rows(client).items()} == {SHENYANG: "未开始", XINMIN: "未开始"}
    response = client.post("/manage/reports/start", data={"csrf_token": csrf_token(client, "/manage/reports"),
                                                          "year": "2026"})
    assert response.status_code == 302
    assert {name: row[1] for name, row in _rows(client).items()} == {SHENYANG: "起草中", XINMIN: "起草中"}
    with app.app_context(), get_system().readers() as s:  # only the city's institutes were started
        assert len(s.scalars(select(Case.id).where(Case.process_id == "yearly_report")).all()) == 2
    clock.set("2026-11-21T09:00:00+08:00")
    assert {name: row[1] for name, row in _rows(client).items()} == {SHENYANG: "逾期", XINMIN: "逾期"}
    auth.logout()
    auth.login("dalian_bureau")
    assert set(_rows(client)) == {"大连市计量检验检测研究院", "瓦房店市计量检定测试所", "庄河市计量检定所"}
    _task, shenyang_case = _report_task(app, "210100-institute")
    assert client.get(f"/manage/reports/{shenyang_case}/print").status_code == 404  # not Dalian's
    auth.logout()
    auth.login("liaoning_bureau")
    assert {SHENYANG, XINMIN, "辽宁省计量科学研究院"} <= set(_rows(client))


def test_print_all_gives_one_page_per_institute_and_the_exports_carry_the_list(app, client, auth, clock):
    _start(app, clock)
    auth.login("shenyang_bureau")
    sheet = client.get("/manage/reports/print?year=2026").get_data(as_text=True)
    assert sheet.count('class="card report-sheet"') == 2
    assert sheet.count("尚未报送（应于 2026年11月20日 前报送）") == 2
    css = (Path(__file__).parents[3] / "web/static/managers/reports.css").read_text()
    assert "break-after: page" in css and "@media print" in css
    book = load_workbook(io.BytesIO(client.get("/manage/reports/export.xlsx?year=2026").data))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["检定机构", "报送对象", "状态"]
    assert sorted(r[0] for r in rows[1:]) == sorted([SHENYANG, XINMIN])
    assert {r[2] for r in rows[1:]} == {"起草中"}
    text = client.get("/manage/reports/export.csv?year=2026").data
    assert text.startswith("\ufeff".encode())
    assert len(list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))) == 3


def test_only_managers_see_the_reports_and_a_bad_year_is_refused(client, auth):
    auth.login("shenyang_institute")
    assert client.get("/manage/reports").status_code == 403
    auth.logout()
    auth.login("shenyang_bureau")
    for year in ("abc", "1999", "2999", "20266", "-2026"):
        assert client.get(f"/manage/reports?year={year}").status_code == 400
    assert client.get("/manage/reports/print?year=x").status_code == 400
    assert client.get("/manage/reports/999999/print").status_code == 404
