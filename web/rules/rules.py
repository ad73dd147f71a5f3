"""The rule editor for policy staff: the model list with the drafts to publish, an editor per file.

Diagrams open in the bpmn-js modeler, decision tables in dmn-js, forms as JSON with a live preview drawn
the way task pages draw them. Saving and previewing are the JSON endpoints of ``rule_drafts``;
publishing is in ``rule_releases``. Each draft is linted on its own over the published set, so a
colleague's broken draft does not stop anyone publishing theirs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import (
    CALENDAR_FUNCTIONS,
    Conflict,
    NotFound,
    Problem,
    ValidationFailed,
    discard_draft,
    draft_problems_alone,
    drafts,
    file_kind,
    file_title,
    latest_revision,
    lint_sources,
    live_sources,
    process_versions,
    revision_case_counts,
    rule_file_rows,
    save_draft,
    workspace,
)

from ..shared import get_session, get_system, write_session
from . import rule_drafts
from .rule_access import guard_policy

bp = Blueprint("rules", __name__, url_prefix="/rules")
guard_policy(bp)
bp.register_blueprint(rule_drafts.bp)

# Lane names are role codes; these are the roles that do tasks, with the names policy staff use.
LANE_ROLES = {"owner": "使用单位", "institute": "检定机构", "bureau": "市场监管部门", "filing_handler": "备案受理单位"}
KIND_NAMES = {"process": "流程图", "decision": "决策表", "form": "表单"}
SOURCE_NAMES = {"installed": "安装", "editor": "发布", "rollback": "回滚"}


def workspace_problems() -> list[Problem]:
    """The problems of the set as it would be published now (none without drafts)."""
    session = get_session()
    return lint_sources(workspace(session)) if drafts(session) else []


def index_page(note: str = "", status: int = 200) -> Any:
    """The model list: every file with its revision and draft, each draft with whether it can be published alone."""
    session = get_session()
    files = rule_file_rows(session)
    latest = {f.file_name: f.number for f in files}
    open_drafts = drafts(session)
    alone = draft_problems_alone(session)
    stale = {n: latest.get(n) for n, d in open_drafts.items() if d.base_number != latest.get(n)}
    blocking = [p for name in open_drafts for p in alone[name]]
    titles = {f.file_name: f.title for f in files} | {
        n: file_title(n, d.content) for n, d in open_drafts.items() if n not in latest}
    mine = {n for n, d in open_drafts.items() if d.updated_by_id == g.user.id}
    return render_template("rules/index.html", files=files, versions=process_versions(session), drafts=open_drafts,
                           revision_cases=revision_case_counts(session),
                           alone=alone, stale=stale, problems=list(dict.fromkeys(blocking)), titles=titles,
                           mine=mine, kinds=KIND_NAMES, sources=SOURCE_NAMES, note=note), status


@bp.route("/")
def index() -> Any:
    """Every process, decision table and form with its revision, draft and (for processes) versions."""
    return index_page()


@bp.route("/files/<file_name>")
def editor(file_name: str) -> Any:
    """The editor of one file, holding its draft if there is one, else the published text."""
    session = get_session()
    draft = drafts(session).get(file_name)
    live = live_sources(session)
    if draft is None and file_name not in live:
        raise NotFound(f"rule file {file_name} does not exist")
    text = draft.content if draft else live[file_name]
    base = latest_revision(session, file_name)
    stale = draft is not None and draft.base_number != base
    alone = lint_sources({**live, file_name: draft.content}) if draft else []
    kind = file_kind(file_name)
    forms = sorted(n for n in workspace(session) if n.endswith(".schema.json"))
    data = {
        "file": file_name, "kind": kind, "content": text, "base_revision": base,
        "token": draft.token if draft else None, "publishable": draft is not None and not stale and not alone,
        "problems": [asdict(p) for p in workspace_problems()], "roles": LANE_ROLES, "forms": forms,
        "calendar_functions": sorted(CALENDAR_FUNCTIONS),
        "urls": {"save": url_for(".rule_drafts.save", file_name=file_name),
                 "preview": url_for(".rule_drafts.preview_form"), "editor": url_for(".editor", file_name="FILE"),
                 "moddle": url_for("static", filename="rules/spiffworkflow_moddle.json")},
    }
    return render_template(f"rules/editor_{kind}.html", file_name=file_name, title=file_title(file_name, text),
                           kind=kind, kinds=KIND_NAMES, draft=draft, data=data, stale=stale, base=base)


@bp.route("/files/<file_name>/discard", methods=("POST",))
def discard(file_name: str) -> Any:
    """Throw the draft away; the editor reopens on the published text (the list, for a never-published file)."""
    try:
        with write_session() as session:
            discard_draft(session, g.actor, file_name)
            published = latest_revision(session, file_name) is not None
    except NotFound:
        flash(f"{file_name} 没有草稿（可能已被发布或放弃）", "error")
        published = latest_revision(get_session(), file_name) is not None
    else:
        flash(f"已放弃 {file_name} 的草稿")
    return redirect(url_for(".editor", file_name=file_name) if published else url_for(".index"))


@bp.route("/forms/new", methods=("POST",))
def new_form() -> Any:
    """Start a new form file as a draft (an empty JSON Schema with its title) and open it in the editor."""
    name = request.form.get("name", "").strip().removesuffix(".schema.json")
    title = request.form.get("title", "").strip()
    file_name = f"{name}.schema.json"
    if not title:
        flash("请填写表单标题", "error")
        return redirect(url_for(".index", _anchor="kind-form"))
    if file_name in workspace(get_session()):
        flash(f"{file_name} 已存在，请换一个文件名", "error")
        return redirect(url_for(".index", _anchor="kind-form"))
    starter = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, "type": "object",
               "properties": {}, "required": []}
    try:
        with write_session() as session:
            save_draft(session, g.actor, file_name, json.dumps(starter, ensure_ascii=False, indent=2) + "\n",
                       get_system().engine.clock(), base_revision=None, draft_token=None)
    except ValidationFailed as exc:
        flash("；".join(m for messages in exc.errors.values() for m in messages), "error")
        return redirect(url_for(".index", _anchor="kind-form"))
    except Conflict:
        flash(f"{file_name} 刚被同事新建，请换一个文件名", "error")
        return redirect(url_for(".index", _anchor="kind-form"))
    flash(f"已新建表单草稿 {file_name}")
    return redirect(url_for(".editor", file_name=file_name))
