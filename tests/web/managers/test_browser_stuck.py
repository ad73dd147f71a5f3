"""In chromium: a city manager finds an overdue county case on the stuck-cases page and opens it."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from .stuck_data import seed_stuck


def test_city_manager_drills_down_from_the_stuck_cases(app, clock, live_server, page):
    numbers = seed_stuck(app, clock)
    sign_in(page, live_server, "shenyang_bureau")
    page.click("nav.menu >> text=监督管理")
    page.wait_for_selector("table.stuck")
    assert "已逾期" in page.inner_text("nav.tabs")
    row = page.locator("table.stuck tbody tr", has_text=numbers["late"])
    assert "新民市东城加油站" in row.inner_text() and row.locator(".badge.danger").inner_text() == "3"
    screenshot(page, "manager-stuck-overdue")
    row.locator("a", has_text=numbers["late"]).click()
    page.wait_for_url("**/cases/*")
    assert numbers["late"] in page.inner_text("main")
    screenshot(page, "manager-stuck-case")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/manage/stuck")
    page.wait_for_load_state("load")
    screenshot(page, "phone-manager-stuck")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
