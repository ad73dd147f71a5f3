"""The whole journey in a real browser: an owner files and applies, the institute receives and verifies
with an agreed extension, and the bureau sees an escalated overdue case."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from engine import fire_due_timers
from web.shared.system import get_system

from .browser import screenshot, sign_in

HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点\n"


def _switch(page, base: str, username: str) -> None:
    page.click("button:has-text('退出')")
    sign_in(page, base, username)


def _open_task(page, title: str) -> None:
    page.click(f"a:has-text('{title}')")
    page.wait_for_selector("h1")


def _complete(page) -> None:
    page.click("button.primary:has-text('完成任务')")


def test_owner_to_institute_to_bureau(app: Flask, live_server, page, clock, tmp_path: Path):
    csv = tmp_path / "list.csv"
    csv.write_text(HEADER + "燃油加油机,DJY-222,JYJ-77,燃油加油机,工作计量器具,是,贸易结算,一号岛\n", encoding="utf-8")
    sign_in(page, live_server, "xinmin_gas")                      # the owner files a list
    page.goto(f"{live_server}/owner/filings/upload")
    page.select_option("#county_code", "210181")
    page.set_input_files("#file", str(csv))
    page.click("button:has-text('提交备案')")
    page.wait_for_selector("text=已提交备案")

    _switch(page, live_server, "xinmin_institute")                # the delegated institute accepts it
    _open_task(page, "审核备案")
    page.check("input[name=filing_decision][value=accept]")
    _complete(page)
    page.wait_for_selector("text=已完成")

    _switch(page, live_server, "xinmin_gas")                      # the owner applies for verification
    page.goto(f"{live_server}/owner/")
    page.click("button:has-text('申请检定')")
    page.wait_for_selector("text=已申请检定")

    _switch(page, live_server, "shenyang_institute")              # routed to the city institute
    _open_task(page, "受理检定申请")
    page.check("input[name=acceptance][value=accept]")
    _complete(page)
    _open_task(page, "登记收到受检器具")
    page.fill("#f-received_on", "2026-09-28")
    _complete(page)
    _open_task(page, "检定并出具结果")
    screenshot(page, "journey-verify")
    page.check("input[name=action][value=propose_extension]")
    page.fill("#f-proposed_deadline", "2026-10-16")
    page.fill("#f-extension_reason", "标准装置送修")
    _complete(page)
    page.wait_for_selector("text=已完成")

    _switch(page, live_server, "xinmin_gas")                      # the owner agrees to the extension
    _open_task(page, "答复延期申请")
    page.check("input[name=extension_answer][value=agree]")
    _complete(page)
    page.wait_for_selector("text=已完成")

    clock.set("2026-10-19T09:00:00+08:00")                        # the agreed date passes unverified
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            assert fire_due_timers(s, system.engine, clock()) >= 1

    _switch(page, live_server, "shenyang_bureau")                 # the bureau sees the escalation
    page.goto(f"{live_server}/")
    assert "监管部门处理" in page.inner_text("table.list")
    screenshot(page, "journey-bureau-inbox")
    _open_task(page, "监管部门处理")
    assert "逾期" in page.inner_text("main")
    screenshot(page, "journey-escalation")
