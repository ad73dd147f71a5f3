"""The yearly report in a real browser: the institute edits the drafted narrative and submits, the bureau
sees 已提交 and prints the report on A4 (screenshots at 1366×768 in /tmp/report-*.png)."""

from __future__ import annotations

import re

from ..browser import sign_in
from .test_reports_page import _report_task, _start

ADDED = "另：下半年新增加油机检定装置一套。"


def test_the_institute_submits_and_the_bureau_sees_it_submitted(app, clock, live_server, page):
    _start(app, clock)
    task_id, case_id = _report_task(app, "210100-institute")
    clock.set("2026-11-18T10:00:00+08:00")
    sign_in(page, live_server, "shenyang_institute")
    page.goto(f"{live_server}/tasks/{task_id}")
    narrative = page.locator("#f-narrative")
    assert narrative.input_value().startswith("2026年，沈阳市计量测试研究院严格落实属地检定要求")
    narrative.press("Control+End")
    narrative.type(ADDED)
    page.fill("#f-suggestions", "建议省院牵头开展加油机检定比对。")
    page.screenshot(path="/tmp/report-institute-task.png", full_page=True)
    page.click("button.primary[value=complete]")
    page.wait_for_url(f"{live_server}/")
    assert "已完成：编写并报送年度报告" in page.content()
    page.click("button:has-text('退出')")

    sign_in(page, live_server, "shenyang_bureau")
    page.goto(f"{live_server}/manage/reports?year=2026")
    row = page.locator("tr", has_text="沈阳市计量测试研究院")
    assert "已提交" in row.inner_text() and "2026年11月18日" in row.inner_text()
    page.screenshot(path="/tmp/report-bureau-list.png", full_page=True)
    page.goto(f"{live_server}/cases/{case_id}")
    page.wait_for_selector(".djs-container svg")  # bpmn-js draws the diagram
    page.screenshot(path="/tmp/report-case.png", full_page=True)
    page.goto(f"{live_server}/manage/reports/{case_id}/print")
    assert ADDED in page.locator(".report-text").first.inner_text()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()  # only the report is printed
    page.screenshot(path="/tmp/report-print.png", full_page=True)
    page.goto(f"{live_server}/manage/reports/print?year=2026")  # 沈阳 and 新民: two reports
    pdf = page.pdf(format="A4", path="/tmp/report-all.pdf")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2  # one A4 page per institute
