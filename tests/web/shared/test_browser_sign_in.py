"""In a real browser: sign in, see the inbox, bad password shown beside the field."""

from __future__ import annotations

from ..browser import screenshot, sign_in
from ..clerks.test_tasks import _application


def test_clerk_signs_in_and_sees_the_inbox(app, live_server, page):
    _application(app)
    sign_in(page, live_server, "shenyang_institute")
    page.wait_for_selector("h1:has-text('待办任务')")
    assert "受理检定申请" in page.inner_text("table.list")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "inbox")


def test_wrong_password_is_shown_beside_the_field(live_server, page):
    sign_in(page, live_server, "shenyang_institute", "nope")
    error = page.locator("#password-error")
    assert error.inner_text() == "用户名或密码不正确"
    assert page.get_attribute("#password", "aria-describedby") == "password-error"
    screenshot(page, "login-error")
