"""Clerks' inbox: my tasks and my group's unclaimed tasks; claim and release."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from engine import inbox

from .auth import login_required
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


