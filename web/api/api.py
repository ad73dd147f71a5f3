"""The JSON API beside the pages, under the same rules; its OpenAPI document is at /api/openapi.json.

Who is acting: HTTP Basic credentials when the request sends them (scripts), else the pages' session
cookie. ``create_app`` exempts this blueprint from Flask-WTF's global CSRF check so Basic requests work;
cookie-session writes are checked here instead (X-CSRFToken header), and Basic writes sent by another
site's page (a browser replaying remembered credentials) are refused (400).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from engine import (
    FILING,
    VERIFICATION_REQUEST,
    Case,
    InboxFilter,
    Organisation,
    Task,
    actor_for,
    apply_for_verification,
    due_window,
    file_instruments,
    get_case,
    inbox_page,
    task_form,
)

from ..shared import JSON_REQUIRED, get_session, get_system, sign_in_guard, write_session
from . import schemas
from .openapi import Operation, documented, openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
CHALLENGE = 'Basic realm="qiangjian", charset="UTF-8"'
CROSS_SITE_BASIC = "不接受其他网站的页面用 HTTP Basic 凭据发出的写请求（Sec-Fetch-Site 表明请求来自其他网站）"


@bp.before_request
def authenticate() -> Response | None:
    """Put the acting user on ``g`` from Basic credentials or the session; 401 JSON when there is none."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    credentials = request.authorization
    if credentials is not None and credentials.type == "basic":
        try:
            user = sign_in_guard.authenticate(credentials.username or "", credentials.password or "", "basic")
        except sign_in_guard.SignInRefused as refused:
            return sign_in_guard.too_many_response(refused)
        if user is None:
            return _unauthorized("用户名或密码不正确")
        g.user, g.actor = user, actor_for(user)
        g.organisation = get_session().get(Organisation, user.organisation_id)
        if request.method not in SAFE_METHODS and _sent_by_another_site():
            raise BadRequest(CROSS_SITE_BASIC)
        return None
    if g.get("user") is None:
        return _unauthorized("请先登录，或用 HTTP Basic 提供用户名和密码")
    if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        current_app.extensions["csrf"].protect()  # the session cookie alone must not authorise a write
    return None


def _sent_by_another_site() -> bool:
    """Browsers say where a request comes from (Sec-Fetch-Site); scripts send no such header."""
    return request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none")


def _unauthorized(detail: str) -> Response:
    response = jsonify(error="未登录或身份验证失败", detail=detail)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def _json_body() -> Any:
    """The request's JSON value; 415 when the body is not declared JSON, 400 when it does not parse."""
    if not request.is_json:
        raise UnsupportedMediaType(JSON_REQUIRED)
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("请求体不是有效的 JSON")
    return body


def _visible_task(task_id: str) -> Task:
    """The task row if it belongs to the actor's group; NotFound otherwise, so ids reveal nothing."""
    task = get_session().get(Task, task_id)
    if task is None or not g.actor.can_work_on(task.role, task.organisation_id):
        raise NotFound(f"任务 {task_id} 不存在")
    return task


def _task_json(task: Task, case: Case, now: datetime) -> dict[str, Any]:
    return {
        "id": task.id, "title": task.title, "spec_name": task.spec_name, "role": task.role,
        "case_id": case.id, "case_number": case.number, "case_title": case.title, "due_at": task.due_at,
        "overdue": task.due_at is not None and task.due_at < now, "assignee_id": task.assignee_id,
    }


def _fresh_task(task_id: str) -> dict[str, Any]:
    """The task as it is after this request's write, as JSON."""
    session = get_session()
    session.rollback()  # a new read snapshot, which sees the write just committed
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在")
    case = get_case(session, task.case_id)
    dumped: dict[str, Any] = schemas.task_out.dump(_task_json(task, case, get_system().engine.clock()))
    return dumped


@bp.get("/tasks")
@documented(Operation("我的待办任务", "本人已认领和本组待认领的任务，期限最早的在前；可按视图、流程、任务、区县、"
                      "器具类型、期限（按工作日计算）和案件编号或使用单位筛选，与网页待办任务相同。",
                      ok=schemas.TaskPage, query=schemas.TaskListQuery, errors=(403, 422)))
def list_tasks() -> Any:
    args = schemas.task_list_query.load(request.args)
    limit, offset = args.pop("limit"), args.pop("offset")
    session = get_session()
    window = due_window(session, get_system().engine)
    page = inbox_page(session, g.actor, InboxFilter(**args, size=limit), window, offset=offset)
    items = [_task_json(row.task, row.case, window.now) for row in page.rows]
    return schemas.task_page.dump({"items": items, "limit": limit, "offset": offset, "has_more": page.has_next})


@bp.get("/tasks/<task_id>")
@documented(Operation("任务详情", "任务、表单（JSON Schema）、依据的规定和案件数据。",
                      ok=schemas.TaskDetail, errors=(403, 404)))
def task_detail(task_id: str) -> Any:
    form = task_form(get_session(), get_system().engine, task_id, g.actor)
    task = _task_json(form.task, form.case, get_system().engine.clock())
    return schemas.task_detail.dump({"task": task, "case_version": form.case.version, "form": form.schema,
                                     "documentation": form.documentation, "facts": form.facts})


@bp.post("/tasks/<task_id>/claim")
@documented(Operation("认领任务", ok=schemas.TaskOut, errors=(403, 404, 409)))
def claim(task_id: str) -> Any:
    _visible_task(task_id)
    with write_session() as session:
        get_system().engine.claim_task(session, task_id, g.actor)
    return _fresh_task(task_id)


@bp.post("/tasks/<task_id>/release")
@documented(Operation("退回任务", "把本人认领的任务退回本组。", ok=schemas.TaskOut, errors=(403, 404, 409)))
def release(task_id: str) -> Any:
    _visible_task(task_id)
    with write_session() as session:
        get_system().engine.release_task(session, task_id, g.actor)
    return _fresh_task(task_id)


@bp.post("/tasks/<task_id>/complete")
@documented(Operation(
    "办理任务", "按任务表单提交并推进案件；表单规则不满足时返回 422 与字段错误。"
    "送检单位答复延期申请（任务 answer_extension）也用本接口：{\"data\": {\"extension_answer\": \"agree\"}}。",
    ok=schemas.CaseRefOut, body=schemas.CompleteTask, errors=(403, 404, 409)))
def complete(task_id: str) -> Any:
    _visible_task(task_id)
    body = schemas.complete_task_body.load(_json_body())
    with write_session() as session:
        ref = get_system().engine.complete_task(session, task_id, body["data"], g.actor, body["expected_version"])
    return schemas.case_ref_out.dump(ref)


@bp.post("/cases")
@documented(Operation(
    "使用单位启动案件", "process 为 filing（备案器具清单）或 verification_request（申请检定台账中的器具）。",
    ok=schemas.CaseRefOut, ok_status=201, errors=(403, 404, 409),
    body={"oneOf": [schemas.FilingStart, schemas.VerificationStart], "discriminator": {
        "propertyName": "process", "mapping": {
            FILING: "#/components/schemas/FilingStart",
            VERIFICATION_REQUEST: "#/components/schemas/VerificationStart"}}}))
def start_case() -> Any:
    body = schemas.load_start_case(_json_body())
    engine = get_system().engine
    with write_session() as session:
        if body["process"] == FILING:
            ref = file_instruments(session, engine, g.actor, body["county_code"], body["instruments"])
        else:
            ref = apply_for_verification(session, engine, g.actor, body["instrument_id"], body["assessing_org_id"])
    return schemas.case_ref_out.dump(ref), 201


@bp.get("/openapi.json")
@documented(Operation("本接口的 OpenAPI 3 文档", public=True))
def openapi() -> Any:
    return openapi_document(current_app)
