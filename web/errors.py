"""One place mapping engine errors to HTTP: pages get a Chinese error page, /api gets JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request

from engine import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed

MESSAGES = {404: "找不到该页面或记录", 403: "无权执行此操作", 409: "数据已被他人修改或状态已变化，请刷新后重试",
            422: "提交的数据有误", 500: "系统内部错误，请稍后重试"}
STATUS = {NotFound: 404, NotAllowed: 403, InvalidTransition: 409, Conflict: 409, ValidationFailed: 422}


def init_app(app: Flask) -> None:
    for error, status in STATUS.items():
        app.register_error_handler(error, _engine_error(status))
    for status in (403, 404, 500):
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


def _http_error(status: int) -> Any:
    def handle(exc: Exception) -> Any:
        return _respond(status)
    return handle
