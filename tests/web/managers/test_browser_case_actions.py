"""In chromium: a city manager suspends a county case from its page with a reason, sees the banner, and
terminates it after confirming; no inline script breaks the CSP."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from ..clerks.test_tasks import _application


def test_a_manager_suspends_then_terminates_a_case_from_its_page(app, live_server, page):
    case_id = _application(app)
    sign_in(page, live_server, "shenyang_bureau")
    page.goto(f"{live_server}/cases/{case_id}")
    page.click("#case-control form[action$='/suspend'] button[type=submit]")  # no reason: the browser refuses
    assert page.url.endswith(f"/cases/{case_id}")
    page.fill("#reason-suspend", "机构长期未受理，先暂停并督办")
    page.click("#case-control form[action$='/suspend'] button[type=submit]")
    page.wait_for_selector("#case-suspended")
    assert "法定期限照常计算" in page.inner_text("#case-suspended")
    assert "机构长期未受理，先暂停并督办" in page.inner_text("table.timeline")
    screenshot(page, "manager_case_suspended")
    page.fill("#reason-terminate", "申请人撤回申请")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("#case-control form[action$='/terminate'] button[type=submit]")
    page.wait_for_selector("text=案件已终止")
    assert questions and "不能恢复" in questions[0]
    assert "已终止" in page.inner_text("h1") and page.locator("#case-control").count() == 0
    page.wait_for_selector("#case-diagram[data-rendered='true']")
    assert page.locator(".djs-container svg .djs-element.qj-current").count() == 0  # nothing waits any more
    screenshot(page, "manager_case_terminated")
