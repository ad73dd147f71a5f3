"""One place mapping errors to HTTP: pages get a Chinese error page, /api gets JSON; the English stays in the log.

Every HTTP status (404, 405, 413, ...) goes through one werkzeug ``HTTPException`` handler. Engine errors
are mapped by class to a status and a Chinese summary and detail; where the English message says something
a user can act on, ``EXPLANATIONS`` gives it in Chinese. Engine messages written in Chinese (for users,
such as a reassignment refused) are shown as they are.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError as InputInvalid
from werkzeug.exceptions import HTTPException

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

from .fields import field_errors

logger = logging.getLogger(__name__)

JSON_REQUIRED = "请求体必须是 JSON（Content-Type: application/json）"
CSRF_DETAIL = "页面已过期或缺少安全令牌（CSRF），请刷新后重试；用会话 Cookie 调用 API 写接口须带 X-CSRFToken 请求头"
MESSAGES = {400: "请求有误", 401: "未登录或身份验证失败", 403: "无权执行此操作", 404: "找不到该页面或记录",
            405: "不支持该请求方法", 409: "当前状态下不能执行此操作", 413: "提交的内容太大",
            415: "请求体不是 JSON", 422: "提交的数据有误", 429: "请求过于频繁，请稍后重试",
            500: "系统内部错误，请稍后重试", 503: "系统暂时不可用，请稍后重试"}
HTTP_DETAILS = {404: "地址有误，或记录不存在、不属于您的单位", 405: "该地址不接受 {method} 请求",
                413: "请求体超过了允许的大小", 415: JSON_REQUIRED}


@dataclass(frozen=True)
class Meaning:
    """What an engine error means to a user: the status, a summary and a detail, in Chinese."""

    status: int
    summary: str
    detail: str = ""


# By class (the nearest class of an error applies); the English message goes to the log only.
ENGINE_ERRORS: dict[type[QiangjianError], Meaning] = {
    NotFound: Meaning(404, MESSAGES[404], "记录不存在，或不属于您的单位、角色"),
    NotAllowed: Meaning(403, MESSAGES[403], "您的单位或角色不能执行此操作"),
    InvalidTransition: Meaning(409, MESSAGES[409], "案件或任务的状态已经变化，请刷新后查看"),
    Conflict: Meaning(409, "数据已被他人修改，请刷新后重试", "您打开页面之后，案件已被他人办理或修改"),
    ValidationFailed: Meaning(422, MESSAGES[422]),
    DiagramInvalid: Meaning(422, "流程图或决策表未通过检查", "请按检查结果修改后重新提交"),
    ScriptError: Meaning(500, MESSAGES[500], "流程规则执行出错，已记录，请联系系统管理员"),
    CalendarError: Meaning(500, MESSAGES[500], "工作日历缺少所需的日期或数据有误，请联系系统管理员"),
    QiangjianError: Meaning(500, MESSAGES[500]),
}


@dataclass(frozen=True)
class Explanation:
    """A Chinese detail (and optionally summary) for one engine message; groups of ``pattern`` fill ``detail``."""

    error: type[QiangjianError]
    pattern: re.Pattern[str]
    detail: str
    summary: str | None = None


EXPLANATIONS = (
    Explanation(InvalidTransition, re.compile(r"^instrument .+ already has a running application (?P<number>\S+)$"),
                "该器具已有正在办理的检定申请（案件 {number}），办结后才能再次申请", "重复申请"),
    Explanation(InvalidTransition, re.compile(r"^case (?P<number>\S+) is parked in error"),
                "案件 {number} 运行出错，已停止办理；案件页说明了出错原因，问题排除后由管理人员重试", "案件运行出错"),
    Explanation(InvalidTransition, re.compile(r"^task (?P<title>.+) is no longer open"),
                "任务「{title}」已不能办理（可能已过办理期限），请刷新后查看"),
    Explanation(InvalidTransition, re.compile(r"^task (?P<title>.+) is already \w+$"), "任务「{title}」已办结或已关闭"),
    Explanation(Conflict, re.compile(r"^the task was claimed by someone else first$"), "任务已被他人抢先认领"),
    Explanation(NotAllowed, re.compile(r"^only an owner unit"), "只有使用单位可以备案器具或申请检定"),
    Explanation(NotAllowed, re.compile(r"^only the clerk who claimed a task can release it$"),
                "只有认领人可以退回任务"),
    Explanation(NotAllowed, re.compile(r"^task (?P<title>.+) belongs to another group$"),
                "任务「{title}」不属于您的单位和角色"),
    Explanation(NotAllowed, re.compile(r"^task (?P<title>.+) is claimed by another clerk$"),
                "任务「{title}」已由他人认领"),
    Explanation(NotAllowed, re.compile(r"^starting \S+ needs the role"), "您的角色不能启动这个流程"),
    Explanation(NotFound, re.compile(r"^instrument (?P<id>\d+) is not in your ledger$"),
                "本单位的器具台账中没有编号为 {id} 的器具"),
)
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_PROSE = re.compile(r"[A-Za-z]+ [A-Za-z]+")  # two English words in a row


def init_app(app: Flask) -> None:
    """Register the handlers: engine errors, input errors, CSRF, every HTTP status, and numbers too large."""
    app.register_error_handler(QiangjianError, _engine_error)
    app.register_error_handler(InputInvalid, _input_invalid)
    app.register_error_handler(CSRFError, lambda exc: _respond(400, MESSAGES[400], CSRF_DETAIL))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OverflowError, _overflow)


def explain(exc: QiangjianError) -> Meaning:
    """The status, summary and detail a user sees for an engine error (never the engine's English)."""
    meaning = next(ENGINE_ERRORS[cls] for cls in type(exc).__mro__ if cls in ENGINE_ERRORS)
    message = str(exc)
    for explanation in EXPLANATIONS:
        found = explanation.pattern.search(message) if isinstance(exc, explanation.error) else None
        if found:
            return Meaning(meaning.status, explanation.summary or meaning.summary,
                           explanation.detail.format(**found.groupdict()))
    if _CHINESE.search(message) and not _ENGLISH_PROSE.search(message):
        return Meaning(meaning.status, meaning.summary, message)  # the engine wrote it for users
    return meaning


def _respond(status: int, summary: str, detail: str = "", fields: dict[str, list[str]] | None = None,
             headers: list[tuple[str, str]] | None = None) -> Any:
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    if request.path.startswith("/api/"):
        body: dict[str, Any] = {"error": summary, "detail": detail}
        if fields:
            body["fields"] = fields
        return jsonify(body), status, headers or []
    page = render_template("shared/error.html", status=status, message=summary, detail=detail)
    return page, status, headers or []


def _engine_error(exc: QiangjianError) -> Any:
    meaning = explain(exc)
    if meaning.status >= 500:
        logger.error("%s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc)
    else:
        logger.info("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc)
    fields = exc.errors if isinstance(exc, ValidationFailed) else None
    detail = "；".join(m for messages in fields.values() for m in messages) if fields else meaning.detail
    return _respond(meaning.status, meaning.summary, detail, fields)


def _input_invalid(exc: InputInvalid) -> Any:
    """A marshmallow schema refused the input at the view edge: 422 with dotted field paths."""
    fields = field_errors(exc.messages)
    return _respond(422, MESSAGES[422], "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()), fields)


def _http_error(exc: HTTPException) -> Any:
    """Any HTTP status: the Chinese summary, and the view's own description or a Chinese default as detail."""
    status = exc.code or 500
    # Werkzeug's stock descriptions are English; only a description a view chose is shown.
    chosen = exc.description is not None and exc.description != type(exc).description
    detail = str(exc.description) if chosen else HTTP_DETAILS.get(status, "").format(method=request.method)
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]  # keeps Allow, WWW-Authenticate
    summary = MESSAGES.get(status) or ("系统内部错误，请稍后重试" if status >= 500 else "请求无法处理")
    return _respond(status, summary, detail, headers=headers)


def _overflow(exc: OverflowError) -> Any:
    """A number too large for a database integer (``/cases/99999999999999999999``) can name no record: 404."""
    if "too large to convert" not in str(exc):
        logger.error("OverflowError on %s %s", request.method, request.path, exc_info=exc)
        return _respond(500, MESSAGES[500])
    logger.info("Number too large for the database on %s %s: %s", request.method, request.path, exc)
    return _respond(404, MESSAGES[404], HTTP_DETAILS[404])
