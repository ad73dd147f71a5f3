"""Errors reach users in Chinese: every engine error class, every HTTP status; the English stays in the log."""

from __future__ import annotations

import logging
import re

import pytest

from engine import (
    CalendarError,
    Conflict,
    DiagramInvalid,
    InvalidTransition,
    NotAllowed,
    NotFound,
    QiangjianError,
    ScriptError,
    ValidationFailed,
)
from web.shared.errors import explain

from ..conftest import csrf_token

ENGLISH = re.compile(r"[A-Za-z]+ [A-Za-z]+")


@pytest.mark.parametrize(("error", "status", "summary"), [
    (NotFound("case 7 does not exist"), 404, "找不到该页面或记录"),
    (NotAllowed("task 受理 belongs to another group"), 403, "无权执行此操作"),
    (InvalidTransition("task 检定 is already completed"), 409, "当前状态下不能执行此操作"),
    (InvalidTransition("instrument W-1 already has a running application QJ2026-0001"), 409, "重复申请"),
    (Conflict("case QJ2026-0001 changed (version 3, you saw 2)"), 409, "数据已被他人修改，请刷新后重试"),
    (ValidationFailed({"fee": ["强制检定停征收费，费用必须为0"]}), 422, "提交的数据有误"),
    (DiagramInvalid("verification_request: missing files x.json"), 422, "流程图或决策表未通过检查"),
    (ScriptError("Script uses a forbidden name 'open'"), 500, "系统内部错误，请稍后重试"),
    (CalendarError("Calendar year 2031 is not loaded; seed or confirm it before editing days"), 500,
     "系统内部错误，请稍后重试"),
    (QiangjianError("something else"), 500, "系统内部错误，请稍后重试"),
])
def test_each_engine_error_class_has_a_chinese_summary_and_detail(error, status, summary):
    meaning = explain(error)
    assert (meaning.status, meaning.summary) == (status, summary)
    assert not ENGLISH.search(meaning.summary + meaning.detail), meaning


def test_a_useful_engine_message_gets_its_own_chinese_detail():
    duplicate = InvalidTransition("instrument W-1 already has a running application QJ2026-0001")
    assert explain(duplicate).detail == "该器具已有正在办理的检定申请（案件 QJ2026-0001），办结后才能再次申请"
    claimed = NotAllowed("task 受理检定申请 is claimed by another clerk")
    assert explain(claimed).detail == "任务「受理检定申请」已由他人认领"
    assert explain(NotAllowed("只能转办给本单位在岗人员")).detail == "只能转办给本单位在岗人员"  # written for users


def test_an_error_page_shows_the_reason_and_the_log_keeps_the_english(app, client, auth, caplog):
    auth.login("xinmin_gas")
    with caplog.at_level(logging.INFO, logger="web.shared.errors"):
        response = client.get("/cases/424242")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "记录不存在，或不属于您的单位、角色" in page
    assert "case 424242 does not exist" in caplog.text and "does not exist" not in page


def test_a_body_too_large_gets_the_chinese_page(app, client):
    token = csrf_token(client, "/auth/login")
    app.config["MAX_CONTENT_LENGTH"] = 200
    response = client.post("/auth/login", data={"username": "x" * 500, "password": "p", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "提交的内容太大" in page and "请求体超过了允许的大小" in page
    assert "Request Entity Too Large" not in page
