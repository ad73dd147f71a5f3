"""In chromium: a city manager suspends a county case from its page with a reason, sees the banner, and
terminates it after confirming; no inline script breaks the CSP. On a desktop and on a 390-px phone the
current task, the deadline and the managers' panel come before the timeline, and nothing is wider than the
screen (a long unbroken reason wraps)."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from ..clerks.test_tasks import _application

LONG = "编号JYJ-WEB-" + "0123456789" * 12  # no break opportunity: it must wrap, not widen the page


def _top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def _panel_before_timeline(page) -> None:
    timeline = _top(page, "table.timeline")
    assert _top(page, "#open-title") < timeline and _top(page, "dd.deadline") < timeline
    assert _top(page, "#case-control") < timeline


def test_a_manager_suspends_then_terminates_a_case_from_its_page(app, live_server, page):
    case_id = _application(app)
    sign_in(page, live_server, "shenyang_bureau")
    page.goto(f"{live_server}/cases/{case_id}")
    page.click("#case-control form[action$='/suspend'] button[type=submit]")  # no reason: the browser refuses
    assert page.url.endswith(f"/cases/{case_id}")
    _panel_before_timeline(page)
    page.fill("#reason-suspend", "机构长期未受理，先暂停并督办" + LONG)
    page.click("#case-control form[action$='/suspend'] button[type=submit]")
    page.wait_for_selector("#case-suspended")
    assert "法定期限照常计算" in page.inner_text("#case-suspended")
    assert "机构长期未受理，先暂停并督办" in page.inner_text("table.timeline")
    table, column = page.locator("table.timeline").bounding_box(), page.locator(".case-main").bounding_box()
    assert table["x"] + table["width"] <= column["x"] + column["width"]  # the long reason wraps in its column
    screenshot(page, "manager_case_suspended")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _panel_before_timeline(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cells = page.locator("table.timeline tbody td:last-child")
    assert cells.count() >= 2 and all(box["x"] + box["width"] <= 390 for box in (
        cells.nth(i).bounding_box() for i in range(cells.count())))
    assert LONG in cells.last.inner_text().replace("\n", "")
    screenshot(page, "manager_case_phone")
    page.set_viewport_size({"width": 1366, "height": 768})
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
