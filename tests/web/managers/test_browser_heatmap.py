"""In chromium: a city manager opens the process heatmap, finds the overdue count on the verification step
and clicks it to list the case; on a phone the diagram scrolls inside its box and the step table's 查看 links
are on screen."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from .stuck_data import seed_stuck


def test_heatmap_badge_lists_the_cases_waiting_there(app, clock, live_server, page):
    numbers = seed_stuck(app, clock)
    sign_in(page, live_server, "shenyang_bureau")
    page.click("nav.menu >> text=流程热力图")
    page.select_option("#process", "verification_request")
    page.click(".heatmap-picker button")
    page.wait_for_selector("#heatmap-diagram[data-rendered=true]")
    badge = page.locator('a.qj-count[data-activity="verify"]')
    assert badge.inner_text() == "1 · 逾期 1" and "qj-count-late" in badge.get_attribute("class")
    # The badge sits on the verify task's shape: its overlay box touches the shape's box.
    shape = page.locator('g.djs-element[data-element-id="verify"]').bounding_box()
    spot = badge.bounding_box()
    assert shape["x"] <= spot["x"] + spot["width"] and spot["x"] <= shape["x"] + shape["width"]
    assert abs((spot["y"] + spot["height"] / 2) - shape["y"]) < spot["height"]
    assert page.locator('a.qj-count[data-activity="escalate_overdue"]').inner_text() == "1"
    # Lanes show the roles' Chinese names (web/static/shared/lane_names.js), not their codes.
    assert page.locator('g.djs-element[data-element-id="lane_institute"] text').first.text_content() == "检定机构"
    # The other escalation call activities were not what started this case's escalation.
    assert page.locator('a.qj-count[data-activity="escalate_not_accepted"]').inner_text() == "0"
    screenshot(page, "heatmap-desktop")
    badge.click()
    page.wait_for_url("**activity=verify**")
    listed = page.locator("#waiting table.heatmap-cases tbody tr")
    assert listed.count() == 1 and numbers["late"] in listed.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#heatmap-diagram[data-rendered=true]")
    screenshot(page, "heatmap-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The diagram is wider than the phone: its box scrolls sideways, opened on the busiest activity.
    box = page.evaluate("(b => [b.scrollWidth, b.clientWidth, b.scrollLeft])(document.getElementById('heatmap-box'))")
    assert box[0] > box[1] and box[2] > 0
    assert page.locator('a.qj-count[data-activity="verify"]').is_visible()
    table = page.evaluate("(t => [t.scrollWidth, t.clientWidth])(document.getElementById('heatmap-table'))")
    assert table[0] <= table[1]  # nothing to scroll sideways to
    links = page.locator("#heatmap-table td.links a")
    assert links.count() >= 3 and all(b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in (
        links.nth(i).bounding_box() for i in range(links.count())))
