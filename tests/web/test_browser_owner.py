"""In a real browser: an owner uploads a CSV list; a bad list shows its rows; the ledger shows the filing."""

from __future__ import annotations

from pathlib import Path

from .browser import screenshot, sign_in

HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点\n"


def test_owner_uploads_a_list_and_sees_row_errors(tmp_path: Path, live_server, page):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "燃油加油机,DJY-222,,燃油加油机,工作计量器具,是,贸易结算,一号岛\n", encoding="utf-8")
    sign_in(page, live_server, "xinmin_gas")
    page.click("text=备案")
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
