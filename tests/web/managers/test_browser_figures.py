"""The figures page in a real browser: ECharts draws a canvas for each figure, on a desktop and a phone."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from .test_figures_page import _world


def test_the_charts_render_on_a_desktop_and_a_phone(app, clock, live_server, page):
    _world(app, clock)
    sign_in(page, live_server, "shenyang_bureau")
    page.goto(f"{live_server}/manage/figures/?year=2026")
    page.wait_for_selector(".figure-chart canvas")
    charts = page.locator(".figure-chart").count()
    assert charts >= 4 and page.locator(".figure-chart canvas").count() == charts
    screenshot(page, "manager-figures")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # the resize handler redraws
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".figure-chart").first.bounding_box()
    assert box is not None and 300 <= box["width"] <= 390
    screenshot(page, "phone-manager-figures")
