"""Clerks' inbox and task page: my tasks and my group's unclaimed tasks; claim, release, work on one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from engine import SHANGHAI, Conflict, TaskForm, ValidationFailed, inbox, task_form

from .auth import login_required
from .drafts import Draft, delete_draft, find_draft, save_draft
from .facts import case_facts
from .form_values import Values, add_row, clean_values, compact, initial_values, read_form, remove_row, to_data
from .schema_form import build_fields, place_errors
from .system import get_session, get_system, write_session

bp = Blueprint("tasks", __name__)
NEAR_DUE = timedelta(days=2)


@bp.route("/")
@login_required
def index() -> Any:
    """The inbox, earliest due first; overdue and near-due rows are marked."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    size = current_app.config["PAGE_SIZE"]
    rows = inbox(get_session(), g.actor, limit=size + 1, offset=(page - 1) * size)
    now = get_system().engine.clock()
    items = [{"task": t, "case": c, "state": _due_state(t.due_at, now)} for t, c in rows[:size]]
    return render_template("tasks/inbox.html", items=items, page=page, has_next=len(rows) > size)


def _due_state(due: datetime | None, now: datetime) -> str:
    if due is None:
        return ""
    if due < now:
        return "overdue"
    return "near" if due - now < NEAR_DUE else ""


@bp.route("/tasks/<task_id>/claim", methods=("POST",))
@login_required
def claim(task_id: str) -> Any:
    with write_session() as session:
        get_system().engine.claim_task(session, task_id, g.actor)
    flash("已认领任务")
    return redirect(request.referrer or url_for("tasks.index"))


@bp.route("/tasks/<task_id>/release", methods=("POST",))
@login_required
def release(task_id: str) -> Any:
    with write_session() as session:
        get_system().engine.release_task(session, task_id, g.actor)
    flash("已退回任务")
    return redirect(request.referrer or url_for("tasks.index"))


@bp.route("/tasks/<task_id>")
@login_required
def detail(task_id: str) -> Any:
    """The task page: the rule, the case facts and the form, with the user's draft if one was saved."""
    view = task_form(get_session(), get_system().engine, task_id, g.actor)
    draft = find_draft(g.user.id, task_id)
    values = clean_values(draft.values, view.schema) if draft else initial_values(view.schema, view.facts)
    return _page(view, values, draft=draft)


@bp.route("/tasks/<task_id>", methods=("POST",))
@login_required
def act(task_id: str) -> Any:
    """Complete the task, save or discard a draft, or add/remove a row of a table (no JavaScript needed)."""
    view = task_form(get_session(), get_system().engine, task_id, g.actor)
    values = read_form(request.form, view.schema)
    action, _, target = request.form.get("_action", "complete").partition(":")
    version = request.form.get("_version", type=int)
    if action == "complete":
        return _complete(view, values, version)
    if action == "save_draft":
        save_draft(g.user.id, task_id, compact(values, view.schema), get_system().engine.clock())
        flash("草稿已保存")
        return redirect(url_for("tasks.detail", task_id=task_id))
    if action == "discard_draft":
        delete_draft(g.user.id, task_id)
        flash("草稿已删除")
        return redirect(url_for("tasks.detail", task_id=task_id))
    if action == "add_row":
        return _page(view, add_row(values, view.schema, target), version=version)
    if action == "remove_row":
        table, _, index = target.partition(":")
        row = int(index) if index.isdigit() else -1
        return _page(view, remove_row(values, view.schema, table, row), version=version)
    abort(400)


def _complete(view: TaskForm, values: Values, version: int | None) -> Any:
    """Complete against the case version the user saw; errors re-render the page with the input kept."""
    if version is None:
        abort(400)
    values = compact(values, view.schema)  # row numbers in the engine's messages count non-blank rows
    try:
        with write_session() as session:
            get_system().engine.complete_task(
                session, view.task.id, to_data(values, view.schema), g.actor, expected_version=version)
    except ValidationFailed as exc:
        return _page(view, values, errors=exc.errors, version=version, status=422)
    except Conflict:
        return _after_conflict(view, values)
    delete_draft(g.user.id, view.task.id)
    flash(f"已完成：{view.task.title}")
    return redirect(url_for("tasks.index"))


def _after_conflict(view: TaskForm, values: Values) -> Any:
    """The page again over the case as it is now, with the user's input kept, so resubmitting is one click."""
    get_session().rollback()  # end the request's snapshot so the current case is read
    fresh = task_form(get_session(), get_system().engine, view.task.id, g.actor)
    return _page(fresh, values, conflict=True, status=409)


def _page(view: TaskForm, values: Values, *, errors: dict[str, list[str]] | None = None,
          version: int | None = None, conflict: bool = False, draft: Draft | None = None, status: int = 200) -> Any:
    now = get_system().engine.clock()
    fields = build_fields(view.schema, values, now.astimezone(SHANGHAI).date().isoformat())
    summary = place_errors(fields, errors or {})
    page = render_template(
        "tasks/detail.html", view=view, fields=fields, summary=summary, facts=case_facts(view.schema, view.facts),
        state=_due_state(view.task.due_at, now), version=view.case.version if version is None else version,
        conflict=conflict, draft=draft,
    )
    return page, status
