"""In chromium, the issue's story: a city manager finds an overdue county case on the stuck-cases page, opens
it, reassigns its verification to another clerk by full name with a reason (a blank reason is refused beside
the field), then downloads the list as Excel, whose rows are the rows the page shows."""

from __future__ import annotations

from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from engine import AuditEntry, Case, Task, User
from web.shared.system import get_system

from ..browser import screenshot, sign_in
from .stuck_data import REASSIGNEE, seed_stuck

REASON = "刘洋休假，改由韩雪梅检定"


def test_city_manager_drills_down_reassigns_and_exports_the_stuck_cases(app, clock, live_server, page, tmp_path):
    numbers = seed_stuck(app, clock)
    sign_in(page, live_server, "shenyang_bureau")
    page.click("nav.menu >> text=监督管理")
    page.wait_for_selector("table.stuck")
    assert page.locator("form.filters").is_visible()  # a desktop has room: unfolded
    assert "已逾期" in page.inner_text("nav.tabs")
    row = page.locator("table.stuck tbody tr", has_text=numbers["late"])
    assert "新民市东城加油站" in row.inner_text() and row.locator(".badge.danger").inner_text() == "3"
    screenshot(page, "manager-stuck-overdue")
    row.locator("a", has_text=numbers["late"]).click()
    page.wait_for_url("**/cases/*")
    assert numbers["late"] in page.inner_text("main")
    assert page.inner_text("p.crumbs").startswith("监督管理 › 滞留案件")
    screenshot(page, "manager-stuck-case")

    form = page.locator("#case-control form[action*='/reassign?from=stuck']", has_text="检定并出具结果")
    form.locator("select[name=to_user]").select_option(label=REASSIGNEE)
    form.locator("textarea[name=reason]").fill("   ")  # passes the browser's `required`; the server refuses it
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".field-error")
    refused = page.locator("form:has(.field-error)")
    assert "请填写理由" in refused.locator(".field-error").inner_text()
    assert refused.locator("textarea[name=reason]").get_attribute("aria-invalid") == "true"
    assert refused.locator("select[name=to_user] option:checked").inner_text() == REASSIGNEE  # choice kept
    screenshot(page, "manager-reassign-refused")
    refused.locator("textarea[name=reason]").fill(REASON)
    refused.locator("button[type=submit]").click()
    page.wait_for_selector("text=任务已转办")
    assert REASON in page.inner_text("table.timeline") and "滞留案件" in page.inner_text("p.crumbs")
    assert _reassigned(app, numbers["late"]) == (REASSIGNEE, REASON, "shenyang_bureau")

    page.goto(f"{live_server}/manage/stuck?tab=overdue")
    page.wait_for_selector("table.stuck")
    with page.expect_download() as download:
        page.locator("p.exports a", has_text="Excel").click()
    assert download.value.suggested_filename == "stuck-overdue.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = load_workbook(saved, read_only=True).active
    rows = [tuple("" if v is None else str(v) for v in r) for r in sheet.iter_rows(values_only=True)]
    headers = tuple(page.locator("table.stuck thead th").all_inner_texts())
    shown = [tuple(cells) for cells in (r.locator("td").all_inner_texts()
                                        for r in page.locator("table.stuck tbody tr").all())]
    assert rows[0] == headers and rows[1:] == shown
    assert numbers["late"] in [r[0] for r in shown]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/manage/stuck")
    page.wait_for_load_state("load")
    screenshot(page, "phone-manager-stuck")
    assert not page.locator("form.filters").is_visible()  # folded: the first case is on the first screen
    assert page.locator("table.stuck tbody tr").first.bounding_box()["y"] < 844
    page.click("#stuck-filters > summary")
    assert page.locator("form.filters select[name=city]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    late = page.locator("table.stuck tbody tr", has_text=numbers["late"]).locator(".badge.danger").bounding_box()
    assert late is not None and late["x"] + late["width"] <= 390  # days late on screen, no sideways scrolling


def _reassigned(app: Any, number: str) -> tuple[str, str, str]:
    """The verify task's assignee now, and the reason and actor of its reassignment's audit entry."""
    with app.app_context(), get_system().sessions() as s:
        case = s.scalars(select(Case).where(Case.number == number)).one()
        task = s.scalars(select(Task).where(Task.case_id == case.id, Task.spec_name == "verify")).one()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.task_id == task.id,
                                                   AuditEntry.action == "task_reassigned")).one()
        assert entry.after is not None and entry.after["assignee_id"] == task.assignee_id
        return s.get(User, task.assignee_id).display_name, entry.after["reason"], entry.actor
