"""In a real browser: an owner uploads a CSV list (a bad list shows its rows) or fills in the filing form
(errors beside the fields, a row added without JavaScript); the ledger shows the filing."""

from __future__ import annotations

from pathlib import Path

from ..browser import screenshot, sign_in

HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点\n"


def test_owner_uploads_a_list_and_sees_row_errors(tmp_path: Path, live_server, page):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "燃油加油机,DJY-222,,燃油加油机,工作计量器具,是,贸易结算,一号岛\n", encoding="utf-8")
    sign_in(page, live_server, "xinmin_gas")
    page.click("nav >> text=备案")
    page.click("text=上传器具清单")
    page.select_option("#county_code", "210181")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('提交备案')")
    assert "请填写出厂编号" in page.inner_text("section.errors")
    screenshot(page, "owner-upload-errors")

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "燃油加油机,DJY-222,JYJ-9,燃油加油机,工作计量器具,是,贸易结算,一号岛\n", encoding="utf-8")
    page.select_option("#county_code", "210181")
    page.set_input_files("#file", str(good))
    page.click("button:has-text('提交备案')")
    page.wait_for_selector("text=已提交备案")
    assert "备案：1 台计量器具" in page.inner_text("main")
    screenshot(page, "owner-ledger")


def test_owner_files_two_instruments_with_the_form(live_server, page):
    sign_in(page, live_server, "xinmin_gas")
    page.click("nav >> text=备案")
    page.wait_for_selector("h1:has-text('强制检定计量器具备案')")
    for n, serial in enumerate(("JYJ-B1", "")):  # the second row lacks its serial number
        page.fill(f"#f-instruments-{n}-name", "燃油加油机")
        page.fill(f"#f-instruments-{n}-model", "DJY-222")
        page.fill(f"#f-instruments-{n}-serial_no", serial)
        page.select_option(f"#f-instruments-{n}-instrument_type", label="燃油加油机")
        page.select_option(f"#f-instruments-{n}-category", label="工作计量器具")
        page.select_option(f"#f-instruments-{n}-in_catalogue", label="是")
        page.select_option(f"#f-instruments-{n}-purpose", label="贸易结算")
        page.fill(f"#f-instruments-{n}-location", f"{n + 1}号岛")
    page.click("button:has-text('添加一行')")
    page.wait_for_selector("#f-instruments-3-name")
    assert page.input_value("#f-instruments-0-serial_no") == "JYJ-B1"
    page.click("button.primary:has-text('提交备案')")
    assert "请填写出厂编号" in page.inner_text("#f-instruments-1-serial_no-error")
    assert "提交的内容有 1 处问题" in page.inner_text(".error-summary")
    screenshot(page, "owner-filing-form-errors")

    page.fill("#f-instruments-1-serial_no", "JYJ-B2")
    page.press("#f-instruments-1-serial_no", "Enter")  # Enter submits; it never presses a row's 删除
    page.wait_for_selector("text=已提交备案")
    assert "共 2 台（件）" in page.inner_text("main") and "备案：2 台计量器具" in page.inner_text("main")
    screenshot(page, "owner-filing-form-done")


def test_a_long_filing_scrolls_in_its_own_box_on_the_review_page(tmp_path: Path, live_server, page):
    rows = "".join(f"燃油加油机,DJY-222,JYJ-L{n:04d},燃油加油机,工作计量器具,是,贸易结算,一号岛\n" for n in range(300))
    listing = tmp_path / "long.csv"
    listing.write_text(HEADER + rows, encoding="utf-8")
    sign_in(page, live_server, "xinmin_gas")
    page.goto(f"{live_server}/owner/filings/upload")
    page.select_option("#county_code", "210181")
    page.set_input_files("#file", str(listing))
    page.click("button:has-text('提交备案')")
    page.wait_for_selector("text=共 300 台（件）")
    page.click("text=退出")
    sign_in(page, live_server, "xinmin_institute")
    page.click("a:has-text('审核备案')")
    page.wait_for_selector("h1:has-text('审核备案')")
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    # 300 rows drawn in full would make the page over 40,000 px long (each cell wrapped to one character a line).
    assert size[0] <= 1366 and size[1] < 2000, size
    box = page.locator("dl.facts .table-wrap").bounding_box()
    assert box is not None and box["height"] < 500
    assert page.locator("dl.facts td:has-text('JYJ-L0299')").count() == 1  # every row is there, in the box
    screenshot(page, "review-long-filing")
