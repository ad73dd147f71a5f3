"""One place mapping engine errors to HTTP: pages get a Chinese error page, /api gets JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError as InputInvalid
from werkzeug.exceptions import HTTPException

from engine import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed

from .schemas import field_errors

MESSAGES = {400: "请求有误", 404: "找不到该页面或记录", 403: "无权执行此操作",
            409: "数据已被他人修改或状态已变化，请刷新后重试",
            415: "请求体必须是 JSON（Content-Type: application/json）",
            422: "提交的数据有误", 500: "系统内部错误，请稍后重试"}
CSRF_DETAIL = "页面已过期或缺少安全令牌（CSRF），请刷新后重试；用会话 Cookie 调用 API 写接口须带 X-CSRFToken 请求头"
STATUS = {NotFound: 404, NotAllowed: 403, InvalidTransition: 409, Conflict: 409, ValidationFailed: 422}


def init_app(app: Flask) -> None:
    for error, status in STATUS.items():
        app.register_error_handler(error, _engine_error(status))
    app.register_error_handler(InputInvalid, _input_invalid)
    app.register_error_handler(CSRFError, lambda exc: _respond(400, CSRF_DETAIL))
    for status in (400, 403, 404, 415, 500):
        app.register_error_handler(status, _http_error(status))


def _respond(status: int, detail: str = "", fields: dict[str, list[str]] | None = None) -> Any:
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    if request.path.startswith("/api/"):
        body: dict[str, Any] = {"error": MESSAGES.get(status, "错误"), "detail": detail}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=MESSAGES.get(status, "错误"), detail=detail), status


def _engine_error(status: int) -> Any:
    def handle(exc: Exception) -> Any:
        return _respond(status, str(exc), getattr(exc, "errors", None))
    return handle


def _input_invalid(exc: InputInvalid) -> Any:
    """A marshmallow schema refused the input at the view edge: 422 with dotted field paths."""
    fields = field_errors(exc.messages)
    return _respond(422, "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()), fields)


def _http_error(status: int) -> Any:
    def handle(exc: HTTPException) -> Any:
        # Werkzeug's stock descriptions are English; only a description a view chose is shown.
        chosen = exc.description != type(exc).description
        return _respond(status, str(exc.description) if chosen else "")
    return handle
