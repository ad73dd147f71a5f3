"""In a real browser: the case page draws the process diagram with bpmn-js and marks where the case stands."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from .test_case_page import _complete, _extended


def test_case_page_draws_the_diagram_with_marks(app, live_server, page):
    case_id = _extended(app)  # accepted, received, extension agreed: verifying again
    _complete(app, case_id, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-23", "extension_reason": "等待配件"})
    sign_in(page, live_server, "shenyang_institute")
    page.goto(f"{live_server}/cases/{case_id}")
    page.wait_for_selector(".djs-container svg .djs-element.qj-current")
    page.wait_for_selector("#case-diagram[data-rendered='true']")
    assert page.locator(".djs-container svg .djs-element.qj-completed").count() >= 5
    assert page.locator(".djs-container svg .djs-element.qj-current").count() == 1  # the owner answers
    assert page.locator(".qj-badge-current").inner_text() == "办理中"
    assert "流程图无法显示" not in page.inner_text("main")
    assert "期限变更" in page.inner_text("table.timeline")
    screenshot(page, "case-page")
