"""On a phone (390 px wide): no page is wider than the screen; wide tables scroll inside their own box."""

from __future__ import annotations

from pathlib import Path

from .browser import screenshot, sign_in

HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点\n"
WIDTH = 390


def _fits(page, name: str) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"phone-{name}")
    assert width <= WIDTH, f"{name}: the page is {width} px wide on a {WIDTH} px screen"


def test_the_main_pages_fit_a_phone_screen(tmp_path: Path, live_server, page):
    page.set_viewport_size({"width": WIDTH, "height": 844})
    page.goto(f"{live_server}/auth/login")
    _fits(page, "login")
    listing = tmp_path / "list.csv"
    row = "燃油加油机,DJY-222,JYJ-P1,燃油加油机,工作计量器具,是,贸易结算,一号岛\n"
    listing.write_text(HEADER + row, encoding="utf-8")
    sign_in(page, live_server, "xinmin_gas")
    page.goto(f"{live_server}/owner/filings/upload")
    _fits(page, "owner-upload")
    page.select_option("#county_code", "210181")
    page.set_input_files("#file", str(listing))
    page.click("button:has-text('提交备案')")
    page.wait_for_selector("text=已提交备案")
    _fits(page, "owner-ledger")  # the ledger and the cases: tables wider than the screen
    page.goto(f"{live_server}/owner/filings/new")
    _fits(page, "owner-filing-form")  # eight columns of inputs, each with a hidden label
    page.click("text=退出")

    sign_in(page, live_server, "xinmin_institute")
    _fits(page, "inbox")
    page.click("a:has-text('审核备案')")
    page.wait_for_selector("h1:has-text('审核备案')")
    _fits(page, "task")
    page.click(".case-line a")
    page.wait_for_selector("#case-diagram svg")
    _fits(page, "case")
