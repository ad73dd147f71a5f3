"""The clerks' inbox and what its buttons post: saved filters, bulk claim and reassignment, claim and release.

The views are routed by the ``tasks`` blueprint (web/clerks/tasks.py). A claim or release that lost a race with a
colleague is reported on the page the user came from, never as an error page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from engine import (
    INSTRUMENT_TYPES,
    Conflict,
    InboxFilter,
    InvalidTransition,
    NotAllowed,
    NotFound,
    Task,
    TaskStatus,
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
    report_notices,
    save_filter,
)

from ..shared import explain, form_id, get_session, get_system, login_required, same_site_referrer, write_session
from .inbox_params import (
    DUE_NAMES,
    back_url,
    bulk_message,
    describe_errors,
    filter_query,
    inbox_url,
    is_supervisor,
    join_messages,
    read_filter,
    tabs,
)

CLOSED = "该任务已办结或已关闭"
CLAIM_LOST: dict[type[Exception], str] = {
    Conflict: "该任务已被他人认领", NotAllowed: "该任务已被他人认领", InvalidTransition: CLOSED}
RELEASE_LOST: dict[type[Exception], str] = {
    NotAllowed: "该任务已不由您认领（可能已被转办），无需退回", InvalidTransition: CLOSED}


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
        # Reminders of the institute's open yearly report (Notice 三), kept where clerks look every day.
        "report_notices": report_notices(session, g.actor.organisation_id, engine.clock())
        if "institute" in g.actor.roles and g.actor.organisation_id else [],
    }
    return render_template("clerks/tasks/inbox.html", **context), (400 if errors else 200)


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
                to_user = request.form.get("to_user_id", type=form_id)
                if to_user is None:
                    raise ValidationFailed({"to_user_id": ["请选择转办给谁"]})
                result = reassign_tasks(session, engine, ids, to_user, g.actor)
    except ValidationFailed as exc:
        flash(join_messages(exc.errors), "error")
    except (NotAllowed, NotFound) as exc:  # a refused reassignment: nothing was written
        flash(f"未转办：{exc}", "error")
    else:
        flash(bulk_message("已认领" if action == "claim" else "已转办", result))
    return redirect(back_url(request.form.get("back", "")))


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
        flash("未保存：" + join_messages(exc.errors), "error")
        return redirect(back_url(filter_query(flt)))
    flash(f"已保存常用筛选「{name}」")
    return redirect(back_url(filter_query(flt)))


@login_required
def delete_filter_view(filter_id: int) -> Any:
    """Delete one of the user's own saved filters."""
    with write_session() as session:
        delete_filter(session, g.actor, filter_id)
    flash("已删除常用筛选")
    return redirect(back_url(request.form.get("back", "")))


@login_required
def claim(task_id: str) -> Any:
    """Claim one open task of the user's group; a colleague who was quicker is reported, not an error page."""
    try:
        with write_session() as session:
            get_system().engine.claim_task(session, task_id, g.actor)
    except (Conflict, NotAllowed, InvalidTransition) as exc:
        return _lost(task_id, exc, CLAIM_LOST)
    flash("已认领任务")
    return redirect(_back())


@login_required
def release(task_id: str) -> Any:
    """Give a task the user claimed back to the group; one reassigned or closed meanwhile is reported."""
    try:
        with write_session() as session:
            get_system().engine.release_task(session, task_id, g.actor)
    except (NotAllowed, InvalidTransition) as exc:
        return _lost(task_id, exc, RELEASE_LOST)
    flash("已退回任务")
    return redirect(_back())


def _lost(task_id: str, exc: Exception, messages: dict[type[Exception], str]) -> Any:
    """Back with a message when the task is the group's but changed hands or closed; for another group's
    task the engine's refusal stands (an error page), so the answer says nothing about it."""
    session = get_session()
    session.rollback()  # read the task as it is now
    task = session.get(Task, task_id)
    if task is None or not g.actor.can_work_on(task.role, task.organisation_id):
        raise exc
    message = next(text for kind, text in messages.items() if isinstance(exc, kind))
    if isinstance(exc, InvalidTransition) and task.status == TaskStatus.READY.value:
        message = explain(exc).detail  # the task is open but its case was suspended or terminated
    flash(message, "error")
    return redirect(_back(leaving=task_id))


def _back(leaving: str | None = None) -> str:
    """The page the form was posted from, if it is on this site, else the inbox; never the page of
    the task ``leaving`` (it would refuse the user now)."""
    inbox = url_for("tasks.index")
    back = same_site_referrer(request.referrer, request.host_url, inbox)
    if leaving is not None and urlsplit(back).path == url_for("tasks.detail", task_id=leaving):
        return inbox
    return back
