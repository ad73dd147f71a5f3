"""In a real browser: a clerk filters the inbox to overdue tasks and saves that filter for the group."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from ..inbox_data import seed_inbox


def test_clerk_filters_to_overdue_and_saves_the_filter(app, live_server, page):
    seed_inbox(app)
    sign_in(page, live_server, "shenyang_institute")
    page.wait_for_selector("table.inbox")
    assert page.locator("table.inbox tbody tr").count() == 5  # mine and the group's unclaimed tasks

    page.select_option("select[name=due]", "overdue")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**due=overdue**")
    rows = page.locator("table.inbox tbody tr")
    assert rows.count() == 1 and "已逾期" in rows.first.inner_text()
    assert page.locator(".tab.active").inner_text().startswith("已逾期")

    page.fill("#filter-name", "逾期待办")
    page.check("input[name=shared]")
    page.click("button:has-text('保存当前筛选')")
    page.wait_for_selector("text=已保存常用筛选「逾期待办」")
    assert page.locator(".chip").inner_text().startswith("逾期待办")
    assert page.locator("select[name=due]").input_value() == "overdue"  # the saved filter is still applied
    screenshot(page, "inbox-filters")

    page.click("a:has-text('清除条件')")
    page.click(".chip a:has-text('逾期待办')")
    page.wait_for_url("**due=overdue**")
    assert page.locator("table.inbox tbody tr").count() == 1


def test_pick_all_ticks_every_task_under_the_content_security_policy(app, live_server, page):
    """The box's script is a file (web/static/clerks/pick_all.js): inline script would be refused by the CSP."""
    seed_inbox(app)
    sign_in(page, live_server, "shenyang_institute")
    page.wait_for_selector("table.inbox")
    boxes = page.locator("input[name=task_id]")
    assert boxes.count() > 1
    page.check("#pick-all")
    assert all(boxes.nth(index).is_checked() for index in range(boxes.count()))
    page.uncheck("#pick-all")
    assert not any(boxes.nth(index).is_checked() for index in range(boxes.count()))
