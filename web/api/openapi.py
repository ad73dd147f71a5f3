"""The OpenAPI 3 document of the JSON API, built from the marshmallow schemas and the blueprint's routes.

Each view declares its ``Operation`` with ``@documented``; ``openapi_document`` walks the app's URL map,
so a route without a declaration fails loudly instead of going undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema
from werkzeug.routing import Rule

from ..shared import JSON_REQUIRED
from . import schemas

View = TypeVar("View", bound=Callable[..., Any])
OPENAPI_VERSION = "3.0.3"
DESCRIPTION = """辽宁省强制检定工作流系统（强检）的 JSON 接口，与网页版规则一致：只能办理本单位、本角色的任务。

**身份验证**：与网页相同的会话 Cookie（经 /auth/login 登录），或供脚本使用的 HTTP Basic（用户名和密码）。
用会话 Cookie 调用写接口（POST）时必须带 `X-CSRFToken` 请求头（值为页面表单中的 csrf_token），否则返回 400；
用 HTTP Basic 的请求不需要该请求头，但来自其他网站页面的写请求一律拒绝。

**登录限制**：HTTP Basic 与登录页共用同一套限制：同一来源地址或同一账号登录失败过多时返回 429，
`Retry-After` 响应头和 `retry_after` 字段给出需等待的秒数，在此之前即使密码正确也不受理。

**错误**：统一为 `{"error", "detail", "fields"}`；
`fields` 把字段路径（如 `instruments.0.serial_no`）映射到中文错误信息。
请求体不是 JSON 时返回 415，JSON 无效时返回 400，字段错误返回 422。

**延期答复**：检定机构申请延期后，送检单位（owner）收到任务 `answer_extension`，
同样用 `POST /api/tasks/{task_id}/complete` 答复，如 `{"data": {"extension_answer": "agree"}}`。"""

ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "地址、查询参数或凭据中含有不允许的字符（如 NUL），请求体不是有效的 JSON"
                        "（或嵌套超过 32 层、含 NaN/Infinity），用会话 Cookie 的写请求缺少 X-CSRFToken，"
                        "或其他网站的页面用 HTTP Basic 发出写请求"),
    401: ("Unauthorized", "未登录，或 HTTP Basic 用户名、密码不正确"),
    403: ("Forbidden", "无权执行此操作（如任务已被他人认领、非使用单位启动案件）"),
    404: ("NotFound", "记录不存在，或不属于本单位、本角色"),
    409: ("Conflict", "任务已办结、案件已被他人修改，或该器具已有正在办理的申请"),
    415: ("UnsupportedMediaType", JSON_REQUIRED),
    422: ("ValidationError", "字段错误，见 fields"),
    429: ("TooManySignInAttempts",
          "HTTP Basic 登录失败次数过多（按来源地址或按账号限制）：在 Retry-After 秒内不再核对密码"),
}
RETRY_AFTER = {"description": "多少秒后可以再试", "schema": {"type": "integer"}}
CSRF_HEADER = {"in": "header", "name": "X-CSRFToken", "required": False, "schema": {"type": "string"},
               "description": "用会话 Cookie 调用时必填：页面表单中的 csrf_token；用 HTTP Basic 时不需要"}


@dataclass(frozen=True)
class Operation:
    """What the document says about one route: summary, inputs, the success response and the errors."""

    summary: str
    description: str = ""
    ok: type[Schema] | None = None
    ok_status: int = 200
    body: type[Schema] | dict[str, Any] | None = None
    query: type[Schema] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False


OPERATIONS: dict[str, Operation] = {}


def documented(operation: Operation) -> Callable[[View], View]:
    """Declare the OpenAPI operation of a view (the view itself is unchanged)."""

    def register(view: View) -> View:
        OPERATIONS[_key(view)] = operation
        return view

    return register


def _key(view: Callable[..., Any]) -> str:
    return f"{view.__module__}.{view.__qualname__}"


def openapi_document(app: Flask, blueprint: str = "api") -> dict[str, Any]:
    """The OpenAPI 3 document of every route of ``blueprint``."""
    spec = APISpec(
        title="强检 Qiangjian API", version="1", openapi_version=OPENAPI_VERSION, plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION}, security=[{"basicAuth": []}, {"cookieAuth": []}],
    )
    spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})
    spec.components.security_scheme(
        "cookieAuth", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]})
    spec.components.schema("Error", schema=schemas.Error)
    for status, (name, description) in ERRORS.items():
        response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": "Error"}}}
        if status == 429:
            response["headers"] = {"Retry-After": RETRY_AFTER}
        spec.components.response(name, response)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] == blueprint]
    for rule in sorted(rules, key=lambda r: r.rule):
        operation = OPERATIONS[_key(app.view_functions[rule.endpoint])]
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=openapi_path(rule), operations={m.lower(): _operation(operation, rule, m) for m in methods})
    return spec.to_dict()


def openapi_path(rule: Rule) -> str:
    """``/tasks/<task_id>`` → ``/tasks/{task_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _operation(operation: Operation, rule: Rule, method: str) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}} for name in sorted(rule.arguments)
    ]
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    errors = set(operation.errors) | {400}  # any request may carry characters no database can keep
    if method != "GET":
        parameters.append(CSRF_HEADER)
    if not operation.public:
        errors.update({401, 429})
    ok: dict[str, Any] = {"description": "成功"}
    if operation.ok is not None:
        ok["content"] = {"application/json": {"schema": operation.ok}}
    result: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_"), "summary": operation.summary,
        "parameters": parameters, "responses": {str(operation.ok_status): ok},
    }
    if operation.description:
        result["description"] = operation.description
    if operation.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": operation.body}}}
        errors.update({415, 422})
    for status in sorted(errors):
        result["responses"][str(status)] = ERRORS[status][0]
    if operation.public:
        result["security"] = []
    return result
