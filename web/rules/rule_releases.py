"""Publishing drafts, a file's revision history with a diff between any two texts, and rollback.

Publishing refuses a set with problems (the engine lints it again), so nothing invalid goes live; the
page then lists the problems with links into the editors. Only the drafts ticked are published, each
with the token the user saw, so a colleague's draft or a change made meanwhile is never published
unseen. Every release is audited by the engine.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import (
    Conflict,
    DiagramInvalid,
    NotFound,
    Problem,
    diff_sources,
    drafts,
    file_revisions,
    lint_sources,
    live_sources,
    publish,
    rollback,
)

from ..shared import form_id, get_session, get_system, write_session
from .rule_access import guard_policy
from .rules import SOURCE_NAMES, index_page

bp = Blueprint("rule_releases", __name__, url_prefix="/rules")
guard_policy(bp)
DRAFT = "draft"
CHANGE_KINDS = {"added": "新增", "removed": "删除", "changed": "修改"}


@bp.route("/publish", methods=("POST",))
def publish_drafts() -> Any:
    """Publish the ticked drafts (``file_name`` with ``token:<file_name>``) with a note; nothing unticked."""
    chosen = request.form.getlist("file_name")
    note = request.form.get("note", "").strip()[:500]
    if not chosen:
        flash("请勾选要发布的草稿", "error")
        return redirect(url_for("rules.index"))
    tokens = {name: request.form.get(f"token:{name}") or None for name in chosen}
    try:
        with write_session() as session:
            result = publish(session, get_system().engine.registry, g.actor, get_system().engine.clock(),
                             tokens, note)
    except Conflict as exc:
        flash(f"未发布：{exc}", "error")
        return index_page(note, 409)
    except DiagramInvalid:
        flash("未发布：所选草稿一起发布仍有问题，请先修改", "error")
        return index_page(note, 422)
    numbers = "，".join(f"{name} 第 {number} 版" for name, number in sorted(result.revisions.items()))
    flash(f"已发布：{numbers}。新立案件按新版本办理，在办案件仍按原版本办理（可在迁移页面迁移）")
    return redirect(url_for("rules.index"))


@bp.route("/files/<file_name>/history")
def history(file_name: str) -> Any:
    """The revisions of a file and the changes between two of them (``a`` → ``b``; ``b=draft`` for the draft)."""
    return _history_page(file_name)


def _history_page(file_name: str, problems: list[Problem] | None = None, status: int = 200) -> Any:
    session = get_session()
    draft = drafts(session).get(file_name)
    try:
        revisions = file_revisions(session, file_name)
    except NotFound:
        if draft is None:
            raise
        revisions = []  # a new file, so far only a draft
    texts: dict[str, str] = {str(r.number): r.content for r in revisions}
    if draft is not None:
        texts[DRAFT] = draft.content
    numbers = [str(r.number) for r in revisions]
    if draft is None:
        newest, older = numbers[0], numbers[1] if len(numbers) > 1 else numbers[0]
    else:
        newest, older = DRAFT, numbers[0] if numbers else DRAFT
    a, b = request.args.get("a", older), request.args.get("b", newest)
    if a not in texts or b not in texts:
        a, b = older, newest
    before = {file_name: texts[a]} if revisions else {}
    changes = diff_sources(before, {file_name: texts[b]})
    return render_template("rules/history.html", file_name=file_name, revisions=revisions, draft=draft,
                           a=a, b=b, changes=[asdict(c) for c in changes], change_kinds=CHANGE_KINDS,
                           sources=SOURCE_NAMES, choices=list(texts),
                           latest=revisions[0].number if revisions else None, problems=problems or []), status


@bp.route("/files/<file_name>/rollback", methods=("POST",))
def roll_back(file_name: str) -> Any:
    """Publish an earlier revision's text again as the newest revision; the problems that block it, if any."""
    number = request.form.get("number", type=form_id)
    if number is None:
        flash("请选择要回滚到的版本", "error")
        return redirect(url_for(".history", file_name=file_name))
    try:
        with write_session() as session:
            result = rollback(session, get_system().engine.registry, g.actor, file_name, number,
                              get_system().engine.clock())
    except DiagramInvalid:
        session = get_session()
        old = next((r.content for r in file_revisions(session, file_name) if r.number == number), "")
        problems = lint_sources({**live_sources(session), file_name: old})
        flash(f"不能回滚到第 {number} 版：它与当前其他规则文件一起未通过检查（{len(problems)} 处问题，见下）", "error")
        return _history_page(file_name, problems, 422)
    flash(f"已回滚：{file_name} 第 {number} 版的内容已发布为第 {result.revisions[file_name]} 版")
    return redirect(url_for(".history", file_name=file_name))
