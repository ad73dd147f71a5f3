"""Publishing drafts, a file's revision history with a diff between any two texts, and rollback.

Publishing refuses a set with problems (the engine lints it again), so nothing invalid goes live; the
page then lists the problems with links into the editors. Every release is audited by the engine.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import (
    DiagramInvalid,
    NotFound,
    diff_sources,
    drafts,
    file_revisions,
    lint_sources,
    process_versions,
    publish,
    rollback,
    rule_file_rows,
    workspace,
)

from .rule_access import guard_policy
from .rules import KIND_NAMES, SOURCE_NAMES
from .system import get_session, get_system, write_session

bp = Blueprint("rule_releases", __name__, url_prefix="/rules")
guard_policy(bp)
DRAFT = "draft"
CHANGE_KINDS = {"added": "新增", "removed": "删除", "changed": "修改"}


@bp.route("/publish", methods=("POST",))
def publish_drafts() -> Any:
    """Publish the chosen drafts (all when none is chosen) with a note; 422 with the problems if any."""
    chosen = request.form.getlist("file_name") or None
    note = request.form.get("note", "").strip()[:500]
    try:
        with write_session() as session:
            result = publish(session, get_system().engine.registry, g.actor, get_system().engine.clock(),
                             chosen, note)
    except NotFound:
        flash("没有待发布的草稿（可能已被他人发布或放弃）", "error")
        return redirect(url_for("rules.index"))
    except DiagramInvalid:
        session = get_session()
        problems = lint_sources(workspace(session))
        flash("未发布：规则仍有问题，请先修改", "error")
        return render_template("rules/index.html", files=rule_file_rows(session), versions=process_versions(session),
                               problems=problems, kinds=KIND_NAMES, sources=SOURCE_NAMES, drafts=drafts(session),
                               note=note), 422
    numbers = "，".join(f"{name} 第 {number} 版" for name, number in sorted(result.revisions.items()))
    flash(f"已发布：{numbers}。新立案件按新版本办理，在办案件仍按原版本办理（可在迁移页面迁移）")
    return redirect(url_for("rules.index"))


@bp.route("/files/<file_name>/history")
def history(file_name: str) -> Any:
    """The revisions of a file and the changes between two of them (``a`` → ``b``; ``b=draft`` for the draft)."""
    session = get_session()
    revisions = file_revisions(session, file_name)
    texts: dict[str, str] = {str(r.number): r.content for r in revisions}
    draft = drafts(session).get(file_name)
    if draft is not None:
        texts[DRAFT] = draft.content
    newest = DRAFT if draft is not None else str(revisions[0].number)
    older = str(revisions[0].number) if draft is not None else str(revisions[min(1, len(revisions) - 1)].number)
    a, b = request.args.get("a", older), request.args.get("b", newest)
    if a not in texts or b not in texts:
        a, b = older, newest
    changes = diff_sources({file_name: texts[a]}, {file_name: texts[b]})
    return render_template("rules/history.html", file_name=file_name, revisions=revisions, draft=draft,
                           a=a, b=b, changes=[asdict(c) for c in changes], change_kinds=CHANGE_KINDS,
                           sources=SOURCE_NAMES, choices=list(texts), latest=revisions[0].number)


@bp.route("/files/<file_name>/rollback", methods=("POST",))
def roll_back(file_name: str) -> Any:
    """Publish an earlier revision's text again as the newest revision."""
    number = request.form.get("number", type=int)
    if number is None:
        flash("请选择要回滚到的版本", "error")
        return redirect(url_for(".history", file_name=file_name))
    try:
        with write_session() as session:
            result = rollback(session, get_system().engine.registry, g.actor, file_name, number,
                              get_system().engine.clock())
    except DiagramInvalid:
        flash(f"不能回滚到第 {number} 版：它与当前其他规则文件一起未通过检查", "error")
        return redirect(url_for(".history", file_name=file_name))
    flash(f"已回滚：{file_name} 第 {number} 版的内容已发布为第 {result.revisions[file_name]} 版")
    return redirect(url_for(".history", file_name=file_name))
