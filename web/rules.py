"""The rule editor for policy staff: the model list, an editor per file, drafts saved as JSON, form previews.

Diagrams open in the bpmn-js modeler, decision tables in dmn-js, forms as JSON with a live preview drawn
the way task pages draw them. A save stores a draft and answers with every problem of the set as it
would be published, so the page can point at each element; publishing is in ``rule_releases``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields

from engine import (
    CALENDAR_FUNCTIONS,
    Conflict,
    NotFound,
    Problem,
    ValidationFailed,
    discard_draft,
    drafts,
    file_kind,
    file_title,
    lint_sources,
    live_sources,
    process_versions,
    rule_file_rows,
    save_draft,
    workspace,
)

from .rule_access import guard_policy
from .schema_form import build_fields
from .system import get_session, get_system, write_session

bp = Blueprint("rules", __name__, url_prefix="/rules")
guard_policy(bp)

# Lane names are role codes; these are the roles that do tasks, with the names policy staff use.
LANE_ROLES = {"owner": "使用单位", "institute": "检定机构", "bureau": "市场监管部门", "filing_handler": "备案受理单位"}
KIND_NAMES = {"process": "流程图", "decision": "决策表", "form": "表单"}
SOURCE_NAMES = {"installed": "安装", "editor": "发布", "rollback": "回滚"}


class DraftIn(Schema):
    """The body of a draft save: the exported text and the draft version the editor started from."""

    content = fields.String(required=True)
    version = fields.Integer(load_default=None, allow_none=True)


class PreviewIn(Schema):
    """The body of a form preview: the JSON Schema text being edited."""

    content = fields.String(required=True)


def workspace_problems() -> list[Problem]:
    """The problems of the set as it would be published now (none without drafts)."""
    session = get_session()
    return lint_sources(workspace(session)) if drafts(session) else []


@bp.route("/")
def index() -> Any:
    """Every process, decision table and form with its revision, draft and (for processes) versions."""
    session = get_session()
    files = rule_file_rows(session)
    problems = workspace_problems()
    return render_template("rules/index.html", files=files, versions=process_versions(session), problems=problems,
                           kinds=KIND_NAMES, sources=SOURCE_NAMES, drafts=drafts(session))


@bp.route("/files/<file_name>")
def editor(file_name: str) -> Any:
    """The editor of one file, holding its draft if there is one, else the published text."""
    session = get_session()
    draft = drafts(session).get(file_name)
    live = live_sources(session)
    if draft is None and file_name not in live:
        raise NotFound(f"rule file {file_name} does not exist")
    text = draft.content if draft else live[file_name]
    kind = file_kind(file_name)
    forms = sorted(n for n in workspace(session) if n.endswith(".schema.json"))
    data = {
        "file": file_name, "kind": kind, "content": text, "version": draft.version if draft else None,
        "problems": [asdict(p) for p in workspace_problems()], "roles": LANE_ROLES, "forms": forms,
        "calendar_functions": sorted(CALENDAR_FUNCTIONS),
        "urls": {"save": url_for(".save", file_name=file_name), "preview": url_for(".preview_form"),
                 "editor": url_for(".editor", file_name="FILE"),
                 "moddle": url_for("static", filename="spiffworkflow_moddle.json")},
    }
    return render_template(f"rules/editor_{kind}.html", file_name=file_name, title=file_title(file_name, text),
                           kind=kind, kinds=KIND_NAMES, draft=draft, data=data, drafts=drafts(session))


@bp.route("/files/<file_name>/draft", methods=("POST",))
def save(file_name: str) -> Any:
    """Store the editor's text as the draft; JSON with the new version and the problems of the set."""
    try:
        body = DraftIn().load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        return jsonify({"error": "提交的数据有误", "fields": exc.messages}), 422
    try:
        with write_session() as session:
            draft = drafts(session).get(file_name)
            if body["version"] is None and draft is not None:
                raise Conflict(f"draft {file_name} was started by {draft.updated_by} meanwhile")
            problems = save_draft(session, g.actor, file_name, body["content"], get_system().engine.clock(),
                                  body["version"])
            version = drafts(session)[file_name].version
    except ValidationFailed as exc:
        return jsonify({"error": "提交的数据有误", "fields": exc.errors}), 422
    except Conflict:
        return jsonify({"error": "草稿已被他人修改", "detail": "您打开编辑器之后，有人保存了这个文件的草稿；"
                                                        "请复制您的修改，刷新页面后重新编辑"}), 409
    return jsonify({"version": version, "problems": [asdict(p) for p in problems]})


@bp.route("/files/<file_name>/discard", methods=("POST",))
def discard(file_name: str) -> Any:
    """Throw the draft away; the editor reopens on the published text."""
    try:
        with write_session() as session:
            discard_draft(session, g.actor, file_name)
    except NotFound:
        flash(f"{file_name} 没有草稿（可能已被发布或放弃）", "error")
    else:
        flash(f"已放弃 {file_name} 的草稿")
    return redirect(url_for(".editor", file_name=file_name))


@bp.route("/forms/preview", methods=("POST",))
def preview_form() -> Any:
    """The form a JSON Schema text draws, as task pages draw it (an HTML fragment), or why it cannot."""
    try:
        body = PreviewIn().load(request.get_json(silent=True) or {})
        schema = json.loads(body["content"])
    except ValidationError:
        return render_template("rules/_form_preview.html", error="缺少表单内容"), 422
    except json.JSONDecodeError as exc:
        return render_template("rules/_form_preview.html",
                               error=f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列附近"), 422
    if not isinstance(schema, dict):
        return render_template("rules/_form_preview.html", error="表单应是一个 JSON 对象"), 422
    today = get_system().engine.clock().date().isoformat()
    try:
        found = build_fields(schema, {}, today)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:  # a schema shaped unlike a form
        return render_template("rules/_form_preview.html", error=f"无法按此结构绘制表单：{exc}"), 422
    return render_template("rules/_form_preview.html", fields=found, title=schema.get("title", ""))
