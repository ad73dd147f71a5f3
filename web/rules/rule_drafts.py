"""The rule editor's JSON endpoints: saving a draft and previewing a form; every failure is JSON too.

The editor page calls these with ``fetch`` and must keep the unsaved diagram whatever goes wrong, so no
failure answers with a page or a redirect: an expired sign-in is 401, a stale CSRF token 400 with a
fresh token (the page retries once), a too-large body 413, and so on, each with a Chinese ``error`` the
page shows. The blueprint is nested in ``rules`` (its URLs and its policy-only guard).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

from flask import Blueprint, g, jsonify, render_template, request
from flask import session as cookie_session
from flask_wtf.csrf import CSRFError, generate_csrf
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import HTTPException

from engine import Conflict, QiangjianError, ValidationFailed, save_draft

from ..shared import MESSAGES, build_fields, explain, get_system, write_session
from .rule_access import LOGIN_EXPIRED

bp = Blueprint("rule_drafts", __name__)
logger = logging.getLogger(__name__)
CHANGED = "文件已被他人修改/发布，请刷新后合并"
HTTP_ERRORS = {401: LOGIN_EXPIRED, 404: "找不到该规则文件或地址", 413: "提交的内容太大（不超过 4MB），未保存",
               500: "系统内部错误，未保存；修改仍在页面上，请稍后再试"}


class DraftIn(Schema):
    """The body of a draft save: the exported text and what the editor started from.

    ``base_revision`` is the file's latest revision when the editor opened (null: never published) and
    ``token`` the draft's token it loaded or last saved (null: it opened without a draft).
    """

    content = fields.String(required=True)
    base_revision = fields.Integer(required=True, allow_none=True)
    token = fields.String(required=True, allow_none=True)


class PreviewIn(Schema):
    """The body of a form preview: the JSON Schema text being edited."""

    content = fields.String(required=True)


@bp.route("/files/<file_name>/draft", methods=("POST",))
def save(file_name: str) -> Any:
    """Store the editor's text as the draft; JSON with the new token and the problems found."""
    try:
        body = DraftIn().load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        return _failure(422, "提交的数据有误，未保存", fields=exc.messages)
    try:
        with write_session() as session:
            saved = save_draft(session, g.actor, file_name, body["content"], get_system().engine.clock(),
                               base_revision=body["base_revision"], draft_token=body["token"])
    except ValidationFailed as exc:
        return _failure(422, "提交的数据有误，未保存", fields=exc.errors)
    except Conflict as exc:
        return _failure(409, CHANGED, str(exc))
    return jsonify({"token": saved.token, "problems": [asdict(p) for p in saved.problems],
                    "alone": [asdict(p) for p in saved.alone]})


@bp.route("/forms/preview", methods=("POST",))
def preview_form() -> Any:
    """The form a JSON Schema text draws, as task pages draw it (an HTML fragment); JSON saying why not."""
    try:
        body = PreviewIn().load(request.get_json(silent=True) or {})
        schema = json.loads(body["content"])
    except ValidationError:
        return _failure(422, "缺少表单内容")
    except json.JSONDecodeError as exc:
        return _failure(422, f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列附近")
    if not isinstance(schema, dict):
        return _failure(422, "表单应是一个 JSON 对象")
    today = get_system().engine.clock().date().isoformat()
    try:
        found = build_fields(schema, {}, today)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:  # a schema shaped unlike a form
        return _failure(422, f"无法按此结构绘制表单：{exc}")
    return render_template("rules/_form_preview.html", fields=found, title=schema.get("title", ""))


@bp.errorhandler(CSRFError)
def _csrf_failed(_exc: CSRFError) -> Any:
    if "user_id" not in cookie_session:  # the session (and its CSRF secret) expired
        return _failure(401, LOGIN_EXPIRED)
    # Signed in again in another tab: a new session secret. A cross-site page cannot read this reply.
    return _failure(400, "页面的安全令牌已失效，未保存", "已换上新的令牌，请再保存一次", csrf_token=generate_csrf())


@bp.errorhandler(HTTPException)
def _http_failed(exc: HTTPException) -> Any:
    status = exc.code or 500
    if status >= 500:
        logger.error("HTTP %s on %s %s", status, request.method, request.path, exc_info=exc)
    chosen = exc.description is not None and exc.description != type(exc).description
    message = str(exc.description) if chosen else HTTP_ERRORS.get(status) or MESSAGES.get(status, "请求无法处理")
    return _failure(status, message)


@bp.errorhandler(QiangjianError)
def _engine_failed(exc: QiangjianError) -> Any:
    meaning = explain(exc)
    if meaning.status >= 500:
        logger.error("%s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc)
    else:
        logger.info("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc)
    return _failure(meaning.status, meaning.summary, meaning.detail)


def _failure(status: int, error: str, detail: str = "", **extra: Any) -> Any:
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    return jsonify({"error": error, "detail": detail, **extra}), status
