"""In a real browser: policy staff change a diagram and a decision table, are stopped by a lint problem they
can click to, publish, see new cases start on the new version, and move a running case through the page."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from engine import Case, CaseStatus, apply_for_verification, sweep_once
from web.shared.system import get_system

from ..browser import screenshot, sign_in
from ..clerks.test_tasks import _actor
from ..rules_world import applications, case_row, complete, current_version, received

VERIFIED = {"action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": "SY-2026-1",
            "next_due": "2027-09-29", "fee": 0}


def _selected(page) -> list[str]:
    return page.evaluate("window.qjModeler.get('selection').get().map(function (e) { return e.id; })")


def _click_shape(page, element_id: str, **position) -> None:
    page.locator(f'.djs-element[data-element-id="{element_id}"]').first.click(**position)


def _save(page, expected: str) -> None:
    page.click("#save-draft")
    page.wait_for_selector(f"#save-status:has-text('{expected}')")


def _old_cases(app: Flask, clock) -> dict[str, int]:
    """Four applications on version 1: one to finish, two waiting for acceptance, one whose reminder fired."""
    finish, waiting, other, reminded = applications(app, 4)
    received(app, finish)
    received(app, reminded)
    clock.set((case_row(app, reminded).next_timer_at + timedelta(minutes=30)).isoformat())  # the 2-day reminder
    with app.app_context():  # and the 3-working-day acceptance limit of the two waiting cases has passed
        assert sweep_once(get_system()) == 4
    return {"finish": finish, "waiting": waiting, "other": other, "reminded": reminded}


def _change_reminder(page, base: str) -> None:
    page.goto(f"{base}/rules/files/verification_request.bpmn")
    page.wait_for_selector("#bpmn-canvas[data-rendered='true']")
    page.click("#diagram-whole")
    _click_shape(page, "reminder_due")
    assert _selected(page) == ["reminder_due"]
    assert page.input_value("#prop-timeDate") == "reminder_at"
    assert "working_day_deadline" in page.inner_text("#prop-timeDate-help")
    page.fill("#prop-timeDate", "reminder_time(deadline, 3)")
    page.press("#prop-timeDate", "Enter")
    timer = page.evaluate("window.qjModeler.get('elementRegistry').get('reminder_due')"
                          ".businessObject.eventDefinitions[0].timeDate.body")
    assert timer == "reminder_time(deadline, 3)"
    page.click("#diagram-selection")
    screenshot(page, "rules-bpmn-editor")


def _break_and_fix_the_lane(page) -> None:
    page.click("#diagram-whole")
    lane = page.locator('.djs-element[data-element-id="lane_institute"]').first
    lane.click(position={"x": 12, "y": 60})  # the lane's label strip
    assert _selected(page) == ["lane_institute"]
    assert page.input_value("#prop-role") == "institute"
    page.select_option("#prop-role", "")
    _save(page, "草稿已保存，有")
    problems = page.locator("#problems li.own")
    assert problems.count() == 3  # the three user tasks of the institute lane
    first = problems.first
    assert "受理检定申请" in first.inner_text() and "泳道" in first.inner_text()
    assert page.locator("#publish").is_disabled()
    first.locator("button").click()
    assert _selected(page) == ["accept_application"]
    assert "accept_application" in page.inner_text("#properties")
    screenshot(page, "rules-lint-error")
    page.click("#diagram-whole")
    page.locator('.djs-element[data-element-id="lane_institute"]').first.click(position={"x": 12, "y": 60})
    page.select_option("#prop-role", "institute")
    _save(page, "草稿已保存，没有问题")
    assert page.locator("#problems li").count() == 0
    assert page.locator("#publish").is_enabled()


def _change_routing(page, base: str) -> None:
    page.goto(f"{base}/rules/files/application_routing.dmn")
    page.wait_for_selector("#dmn-canvas[data-rendered='true']")
    broken = page.locator('td[data-element-id="rule_working_out_1"]')  # a string without its closing quote
    broken.click()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.click("h1")
    _save(page, "草稿已保存，有 1 处问题")
    page.evaluate("document.getElementById('dmn-canvas').scrollTo(0, 0)")
    page.click("#problems li.own button")
    page.wait_for_selector('td.qj-highlight[data-element-id="rule_working_out_1"]')
    broken.click()
    page.keyboard.press("End")
    page.keyboard.type('"')
    cell = page.locator('td[data-element-id="rule_other_out_2"]')
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type('"类别未注明的，按工作计量器具由指定的法定计量检定机构受理（《通知》一.（三）2）。"')
    page.click("h1")
    _save(page, "草稿已保存，没有问题")
    page.evaluate("document.getElementById('dmn-canvas').scrollTo(0, 0)")
    screenshot(page, "rules-dmn-editor")


def test_policy_changes_the_rules_publishes_and_moves_a_case(app: Flask, live_server, page, clock):
    old = _old_cases(app, clock)
    old_version = current_version(app)
    sign_in(page, live_server, "policy")
    _change_reminder(page, live_server)
    _break_and_fix_the_lane(page)
    _change_routing(page, live_server)

    # The routing change would block moving every case that has been routed, so it waits for later.
    page.click("nav >> text=规则管理")
    page.wait_for_selector("h1:has-text('规则管理')")
    page.uncheck("input[name=file_name][value='application_routing.dmn']")
    page.fill("#publish-note", "检定提醒提前到期限前3个工作日")
    page.click("button:has-text('发布所选草稿')")
    page.wait_for_selector(".flash:has-text('已发布')")
    assert "verification_request.bpmn 第 2 版" in page.inner_text(".flash")
    new_version = current_version(app)
    assert new_version != old_version
    screenshot(page, "rules-list")

    complete(app, old["finish"], "verify", "shenyang_institute", VERIFIED)  # an old case finishes on the old one
    finished = case_row(app, old["finish"])
    assert (finished.status, finished.spec_version_id) == (CaseStatus.COMPLETED.value, old_version)
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            instrument_id = int(finished.subject.split(":")[1])
            fresh = apply_for_verification(s, system.engine, _actor(s, "xinmin_gas"), instrument_id).id
    assert case_row(app, fresh).spec_version_id == new_version  # a new case starts on the new one

    page.click(f"a[href='/rules/versions/{new_version}/migrate']")
    page.wait_for_selector("table.dry-run")
    blocked = page.locator("tr.blocked", has_text=case_row(app, old["reminded"]).number)
    assert "「期限将至」（已完成）在新版本中有改动" in blocked.inner_text()
    assert page.locator("tr.movable").count() == 2
    page.check(f"input[name=case_id][value='{old['waiting']}']")
    page.click("#migrate-selected")
    page.wait_for_selector(".flash:has-text('已迁移 1 件')")
    assert case_row(app, old["waiting"]).spec_version_id == new_version
    assert case_row(app, old["other"]).spec_version_id == old_version
    assert page.locator("table.migrations button:has-text('撤销')").count() == 1
    screenshot(page, "rules-migration")
    with app.app_context(), get_system().readers() as s:
        assert s.scalars(select(Case.id).where(Case.spec_version_id == new_version)).all() == sorted(
            [fresh, old["waiting"]])

    page.goto(f"{live_server}/rules/files/verification_request.bpmn/history")
    changed = page.locator("table.diff tr", has_text="reminder_due")
    assert "reminder_time(deadline, 3)" in changed.inner_text()
    screenshot(page, "rules-history")

    page.goto(f"{live_server}/rules/files/application_routing.dmn")  # now the routing change
    page.click("#publish")
    page.wait_for_selector(".flash:has-text('application_routing.dmn 第 2 版')")
    assert current_version(app) not in (old_version, new_version)


def test_the_form_editor_previews_the_form_and_reports_invalid_json(live_server, page):
    sign_in(page, live_server, "policy")
    page.goto(f"{live_server}/rules/files/record_receipt.schema.json")
    page.wait_for_selector("#form-preview #f-received_on")
    text = page.input_value("#form-json")
    page.fill("#form-json", text.replace('"title": "收到受检器具日期"', '"title": "实际收到日期"', 1))
    page.wait_for_selector("#form-preview label:has-text('实际收到日期')")
    page.fill("#form-json", text[:-5])
    page.wait_for_selector("#form-preview .field-error:has-text('JSON 格式错误')")
    screenshot(page, "rules-form-editor")



def test_a_failed_save_says_why_in_chinese_and_keeps_the_edit(live_server, page):
    sign_in(page, live_server, "policy")
    page.goto(f"{live_server}/rules/files/record_receipt.schema.json")
    page.wait_for_selector("#form-preview #f-received_on")
    edited = page.input_value("#form-json").replace('"title": "收到受检器具日期"', '"title": "实际收到日期"', 1)
    page.fill("#form-json", edited)
    page.route("**/draft", lambda route: route.fulfill(status=502, body="<html>Bad Gateway</html>",
                                                       content_type="text/html"))
    _save(page, "服务器的回复无法识别（状态 502）")
    page.unroute("**/draft")
    page.context.clear_cookies()  # the sign-in expired while the editor was open
    _save(page, "登录已过期，请在新标签页重新登录后再保存")
    assert page.input_value("#form-json") == edited
    assert "Unexpected token" not in page.inner_text("#save-status")

    other = page.context.new_page()  # signs in again in another tab: a new session and CSRF secret
    sign_in(other, live_server, "policy")
    _save(page, "草稿已保存，没有问题")  # the page takes the new token and retries once
    other.goto(f"{live_server}/rules/files/record_receipt.schema.json")  # a colleague's tab saves over it
    other.fill("#form-json", edited.replace("实际收到日期", "收到日期（同事）", 1))
    _save(other, "草稿已保存")
    other.close()
    _save(page, "文件已被他人修改/发布，请刷新后合并")
    assert page.locator("#save-status a:has-text('下载我的修改')").count() == 1
    assert page.input_value("#form-json") == edited
