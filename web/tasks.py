"""Clerks' inbox and task page: filtered views of the group's open tasks, saved filters, claim and release
(one or many), supervisors' reassignment, and the page to work on one task."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from engine import (
    INSTRUMENT_TYPES,
    SHANGHAI,
    Conflict,
    InboxFilter,
    NotAllowed,
    NotFound,
    TaskForm,
    ValidationFailed,
    claim_tasks,
    colleagues,
    delete_filter,
    due_window,
    inbox_choices,
    inbox_counts,
    inbox_page,
    list_filters,
    reassign_tasks,
    save_filter,
    task_form,
)

from .auth import login_required
from .drafts import Draft, delete_draft, find_draft, save_draft
from .facts import case_facts
from .form_values import Values, add_row, clean_values, compact, initial_values, read_form, remove_row, to_data
from .inbox_params import (
    DUE_NAMES,
    back_url,
    bulk_message,
    describe_errors,
    filter_query,
    inbox_url,
    is_supervisor,
    read_filter,
    tabs,
)
from .schema_form import build_fields, place_errors
from .system import get_session, get_system, write_session

bp = Blueprint("tasks", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    """The inbox: tabs with counts, the filter bar, saved filters, one page of tasks and the bulk actions;
    bad filter values are reported and left out (400), the rest of the filter still applies."""
    session, engine = get_session(), get_system().engine
    flt, errors = read_filter(request.args, current_app.config["PAGE_SIZE"])
    if flt.view == "team" and not is_supervisor(g.actor):
        flt, errors = flt.but(view="all"), {**errors, "view": ["只有监督管理人员可以查看本单位全部任务"]}
    window = due_window(session, engine)
    page = inbox_page(session, g.actor, flt, window)
    people = colleagues(session, g.actor) if is_supervisor(g.actor) else []
    context = {
        "page": page, "flt": flt, "window": window, "errors": describe_errors(errors),
        "tabs": tabs(flt, inbox_counts(session, g.actor, flt, window), g.actor),
        "choices": inbox_choices(session, engine, g.actor), "instrument_types": INSTRUMENT_TYPES,
        "due_names": DUE_NAMES, "saved": list_filters(session, g.actor), "colleagues": people,
        "names": {u.id: u.display_name for u in people}, "back": filter_query(flt),
        "sort_url": inbox_url(flt.but(sort="-due" if flt.sort == "due" else "due", page=1)),
        "prev_url": inbox_url(flt.but(page=flt.page - 1)) if flt.page > 1 else None,
        "next_url": inbox_url(flt.but(page=flt.page + 1)) if page.has_next else None,
        "clear_url": inbox_url(InboxFilter(view=flt.view)), "first_url": inbox_url(flt.but(page=1)),
        "filtered": flt.but(view="all", sort="due", page=1) != InboxFilter(size=flt.size),
    }
    return render_template("tasks/inbox.html", **context), (400 if errors else 200)


@bp.route("/tasks/bulk", methods=("POST",))
@login_required
def bulk() -> Any:
    """批量认领 for everyone, 批量转办 to a colleague for supervisors; skipped tasks are reported."""
    ids = request.form.getlist("task_id")
    action = request.form.get("action")
    if action not in ("claim", "reassign"):
        abort(400)
    engine = get_system().engine
    try:
        with write_session() as session:
            if action == "claim":
                result = claim_tasks(session, engine, ids, g.actor)
            else:
                to_user = request.form.get("to_user_id", type=int)
                if to_user is None:
                    raise ValidationFailed({"to_user_id": ["请选择转办给谁"]})
                result = reassign_tasks(session, engine, ids, to_user, g.actor)
    except ValidationFailed as exc:
        flash("；".join(m for messages in exc.errors.values() for m in messages), "error")
    except (NotAllowed, NotFound) as exc:  # a refused reassignment: nothing was written
        flash(f"未转办：{exc}", "error")
    else:
        flash(bulk_message("已认领" if action == "claim" else "已转办", result))
    return redirect(back_url(request.form.get("back", "")))


@bp.route("/filters", methods=("POST",), endpoint="save_filter")
@login_required
def save_filter_view() -> Any:
    """Save the filter the page shows under a name, optionally shared with the organisation."""
    flt, errors = read_filter(request.form, current_app.config["PAGE_SIZE"])
    if errors:
        abort(400, "筛选条件有误，未保存")
    try:
        with write_session() as session:
            saved = save_filter(session, g.actor, request.form.get("name", ""), flt,
                                request.form.get("shared") == "1", get_system().engine.clock())
            name = saved.name
    except ValidationFailed as exc:
        flash("未保存：" + "；".join(m for messages in exc.errors.values() for m in messages), "error")
        return redirect(back_url(filter_query(flt)))
    flash(f"已保存常用筛选「{name}」")
    return redirect(back_url(filter_query(flt)))


@bp.route("/filters/<int:filter_id>/delete", methods=("POST",), endpoint="delete_filter")
@login_required
def delete_filter_view(filter_id: int) -> Any:
    """Delete one of the user's own saved filters."""
    with write_session() as session:
        delete_filter(session, g.actor, filter_id)
    flash("已删除常用筛选")
    return redirect(back_url(request.form.get("back", "")))


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
    state = due_window(get_session(), get_system().engine).state(view.task.due_at)
    page = render_template(
        "tasks/detail.html", view=view, fields=fields, summary=summary, facts=case_facts(view.schema, view.facts),
        state=state, version=view.case.version if version is None else version,
        conflict=conflict, draft=draft,
    )
    return page, status
