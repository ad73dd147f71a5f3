"""The page to work on one task: the rule, the case facts and the form drawn from the task's schema.

The form completes the task, saves or discards a draft, or adds and removes table rows (no JavaScript
needed). The views are routed by the ``tasks`` blueprint (web/clerks/tasks.py). When the task leaves the user
while they type, web/clerks/taken_task.py keeps what they typed.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from engine import (
    SHANGHAI,
    CaseStatus,
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    TaskForm,
    ValidationFailed,
    case_error_message,
    due_window,
    get_case,
    task_form,
)

from ..shared import (
    Values,
    add_row,
    build_fields,
    clean_values,
    compact,
    explain,
    form_id,
    get_session,
    get_system,
    initial_values,
    login_required,
    place_errors,
    read_form,
    remove_row,
    to_data,
    write_session,
)
from .case_errors import explain_error
from .drafts import Draft, delete_draft, find_draft, save_draft
from .facts import case_facts
from .taken_task import keep_input

ROW_NUMBER = re.compile(r"[0-9]{1,4}")  # ASCII digits only: "²".isdigit() is True but int("²") fails
HALTED = (CaseStatus.SUSPENDED, CaseStatus.TERMINATED)  # a manager stopped the case: completion refused


@login_required
def detail(task_id: str) -> Any:
    """The task page, with the user's draft if one was saved, at the case version it was typed against."""
    view = task_form(get_session(), get_system().engine, task_id, g.actor)
    draft = find_draft(g.user.id, task_id)
    if draft is None:
        return _page(view, initial_values(view.schema, view.facts))
    return _page(view, clean_values(draft.values, view.schema), draft=draft, version=draft.version)


@login_required
def act(task_id: str) -> Any:
    """Complete the task, save or discard a draft, or add/remove a row of a table; if the task was taken
    over or closed meanwhile, the input is kept (as a draft, or shown to copy) instead of an error page."""
    try:
        return _act(task_id)
    except (NotFound, NotAllowed, InvalidTransition):
        kept = keep_input(task_id)
        if kept is None:  # not the user's group's task: the refusal stands
            raise
        return kept


def _act(task_id: str) -> Any:
    view = task_form(get_session(), get_system().engine, task_id, g.actor)
    values = read_form(request.form, view.schema)
    action, _, target = request.form.get("_action", "complete").partition(":")
    version = request.form.get("_version", type=form_id)
    if action == "complete":
        return _complete(view, values, version)
    if action == "save_draft":
        save_draft(g.user.id, task_id, compact(values, view.schema), get_system().engine.clock(), version=version)
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
        row = int(index) if ROW_NUMBER.fullmatch(index) else -1
        return _page(view, remove_row(values, view.schema, table, row), version=version)
    abort(400)


def _complete(view: TaskForm, values: Values, version: int | None) -> Any:
    """Complete against the case version the user saw; errors re-render the page with the input kept."""
    if version is None:
        abort(400)
    values = compact(values, view.schema)  # row numbers in the engine's messages count non-blank rows
    try:
        with write_session() as session:
            ref = get_system().engine.complete_task(
                session, view.task.id, to_data(values, view.schema), g.actor, expected_version=version)
    except ValidationFailed as exc:
        return _page(view, values, errors=exc.errors, version=version, status=422)
    except Conflict:
        return _after_conflict(view, values)
    except InvalidTransition as exc:  # the case was suspended or terminated: keep what was typed, say why
        get_session().rollback()
        if get_case(get_session(), view.case.id).status not in HALTED:
            raise
        save_draft(g.user.id, view.task.id, values, get_system().engine.clock(), version=version)
        flash(explain(exc).detail, "error")
        return redirect(url_for("tasks.detail", task_id=view.task.id))
    if ref.status == CaseStatus.ERROR:  # a rule failed: the step was discarded; keep what was typed
        save_draft(g.user.id, view.task.id, values, get_system().engine.clock(), version=ref.version)
        flash(f"未办结：{ref.error_message}", "error")
        return redirect(url_for("tasks.detail", task_id=view.task.id))
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
    """The task page; ``version`` is the case version the values were typed against (default: the current)."""
    now = get_system().engine.clock()
    fields = build_fields(view.schema, values, now.astimezone(SHANGHAI).date().isoformat())
    summary = place_errors(fields, errors or {})
    state = due_window(get_session(), get_system().engine).state(view.task.due_at)
    shown = view.case.version if version is None else version
    parked = view.case.status == CaseStatus.ERROR
    page = render_template(
        "clerks/tasks/detail.html", view=view, fields=fields, summary=summary,
        facts=case_facts(view.schema, view.facts),
        state=state, version=shown, conflict=conflict, draft=draft,
        draft_outdated=draft is not None and shown != view.case.version,
        parked_message=explain_error(case_error_message(get_session(), view.case.id)) if parked else None,
        suspended=view.case.status == CaseStatus.SUSPENDED,
    )
    return page, status
