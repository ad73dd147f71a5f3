"""What the task page does with a form posted for a task that left the user while they typed.

A colleague claimed it or a supervisor reassigned it: the task is still open, so the input becomes the
user's draft (loaded again when the task comes back to them). A colleague completed it or its deadline
closed it: a draft could never be used, so the input is shown read-only, to copy. Either way nothing
typed is thrown away, and a task of another group still gets the plain refusal.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from engine import SHANGHAI, Task, TaskStatus, get_case

from ..shared import Schema, build_fields, compact, form_id, get_session, get_system, read_form
from .drafts import delete_draft, save_draft

TAKEN = "该任务已被他人认领或已转办，您填写的内容已保存为草稿"
NO_FORM: Schema = {"type": "object", "properties": {}}


def keep_input(task_id: str) -> Any | None:
    """A redirect to the inbox with the input saved as a draft, or a read-only page of the input (409);
    None when the task is not one of the user's group, so the caller's refusal stands and reveals nothing."""
    session = get_session()
    session.rollback()  # read the task as it is now, not as this request first saw it
    task = session.get(Task, task_id)
    if task is None or not g.actor.can_work_on(task.role, task.organisation_id):
        return None
    if request.form.get("_action") == "discard_draft":
        delete_draft(g.user.id, task_id)
        flash("草稿已删除")
        return redirect(url_for("tasks.index"))
    case = get_case(session, task.case_id)
    schema: Schema = get_system().engine.registry.get(session, case.spec_version_id).forms.get(task.form or "", NO_FORM)
    values = compact(read_form(request.form, schema), schema)
    now = get_system().engine.clock()
    if task.status == TaskStatus.READY.value and task.assignee_id not in (None, g.user.id):
        save_draft(g.user.id, task_id, values, now, version=request.form.get("_version", type=form_id))
        flash(TAKEN, "error")
        return redirect(url_for("tasks.index"))
    fields = build_fields(schema, values, now.astimezone(SHANGHAI).date().isoformat())
    return render_template("clerks/tasks/closed.html", task=task, case=case, fields=fields), 409
