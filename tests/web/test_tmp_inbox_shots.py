from .browser import screenshot, sign_in
from .inbox_data import seed_inbox


def test_shots(app, live_server, page):
    seed_inbox(app)
    sign_in(page, live_server, "shenyang_institute")
    page.wait_for_selector("table.inbox")
    screenshot(page, "tmp-inbox-all")
    page.goto(live_server + "/?due=bogus&page=x&text=" + "x" * 120)
    screenshot(page, "tmp-inbox-errors")
    page.goto(live_server + "/auth/logout")
    page.context.clear_cookies()
    sign_in(page, live_server, "sy_supervisor")
    page.wait_for_selector("table.inbox")
    page.goto(live_server + "/?view=team")
    screenshot(page, "tmp-inbox-team")
