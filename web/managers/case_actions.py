"""Managers act on a stuck case: reassign its task, retry it after an error, suspend and resume, terminate.

The case page (clerks' wing) shows the panel of these forms to a manager who may act on the case
(``engine.case_controls``); each posts here with a required reason and the case version the manager saw. A
refused form (no reason, too long, no clerk chosen) comes back on this wing's own page with the error beside
the field; a done action returns to the case page, whose timeline shows the audit entry. A form sent after
another manager changed the case (its version moved on) comes back too, with the reason kept. A crafted
reassignment to someone who may not take the task (another organisation, no such user) comes back with the
error beside the clerk field (422), not an error page.

Only managers reach these routes (others: 403, audited). A manager gets 404 for a case that does not exist or
that they may not even see — the same answer, so case ids cannot be probed — and 403 for a case they see but
may not act on; both refusals are audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import (
    MAX_REASON,
    Case,
    CaseControls,
    Conflict,
    NotAllowed,
    NotFound,
    Role,
    ValidationFailed,
    audit_refusal,
    case_controls,
    case_tasks,
    get_case,
    may_view_case,
    reassign_case_task,
    resume_case,
    retry_case,
    suspend_case,
    terminate_case,
)

from ..shared import case_origin, form_id, get_session, get_system, guard_role, write_session

bp = Blueprint("case_actions", __name__, url_prefix="/manage/cases")

ACTIONS = {"reassign": "转办任务", "retry": "重试", "suspend": "暂停办理", "resume": "恢复办理",
           "terminate": "终止案件"}
DONE = {"reassign": "任务已转办", "retry": "案件已恢复为办理中，可以重新办理当前任务", "suspend": "案件已暂停办理",
        "resume": "案件已恢复办理", "terminate": "案件已终止"}
NOT_ALLOWED = "只有案件所属单位或其上级单位的管理人员可以处理该案件"
NOT_FOUND = "没有这个案件，或该案件不在您的查看范围内"
NOT_ASSIGNABLE = "所选人员不能办理该任务（须为任务所属单位、具有相应角色的在岗人员），请从列表中重新选择"
NO_SUCH_USER = "找不到所选的办理人，请从列表中重新选择"
CHANGED = "您打开页面之后，该案件已被他人处理（如暂停、恢复或转办）。请查看案件的最新状态，确认仍需操作后再次提交"
ROUTE = "/<id:case_id>/<any(reassign, retry, suspend, resume, terminate):action>"

guard_role(bp, Role.MANAGER, NOT_ALLOWED)


class _Unassignable(Exception):
    """A reassignment the engine refused because of the chosen person: shown beside the clerk field."""


@bp.route(ROUTE, methods=["GET", "POST"])
def act(case_id: int, action: str) -> Any:
    """The action's own form (GET, or a refused POST with the errors beside the fields); a done POST goes back
    to the case page."""
    controls = _controls(case_id)
    if request.method == "GET":
        return _page(controls, action, {}, {})
    values = {key: request.form.get(key, "") for key in ("reason", "task_id", "to_user", "to_current")}
    try:
        with write_session() as session:
            _perform(session, action, case_id, values)
    except ValidationFailed as exc:
        get_session().rollback()
        return _page(controls, action, values, exc.errors), 400
    except _Unassignable as exc:
        get_session().rollback()
        return _page(controls, action, values, {"to_user": [str(exc)]}), 422
    except Conflict:  # another manager acted first: the form again, on the case as it is now, the reason kept
        get_session().rollback()
        return _page(_controls(case_id), action, values, {"_form": [CHANGED]}), 409
    flash(DONE[action])
    origin: dict[str, Any] = case_origin(request.args)  # back to the case page, crumb to the list kept
    return redirect(url_for("cases.detail", case_id=case_id, **origin))


def _controls(case_id: int) -> CaseControls:
    """What the manager may do with the case; a refusal is audited, then 404 or 403 (see the module)."""
    session = get_session()
    controls = case_controls(session, g.actor, case_id)
    if controls is not None:
        return controls
    row = session.get(Case, case_id)
    seen = row is not None and may_view_case(session, g.actor, row, case_tasks(session, case_id))
    session.rollback()
    with write_session() as writer:
        audit_refusal(writer, g.actor, f"{request.method} {request.endpoint or ''}", request.path,
                      get_system().engine.clock())
    if seen:
        raise NotAllowed(NOT_ALLOWED)
    raise NotFound(NOT_FOUND)


def _perform(session: Any, action: str, case_id: int, values: dict[str, str]) -> None:
    engine, actor, reason = get_system().engine, g.actor, values["reason"]
    version = request.form.get("_version", type=form_id)
    if action == "reassign":
        to_user = request.form.get("to_user", type=form_id)
        if to_user is None:
            raise ValidationFailed({"to_user": ["请选择转办给哪位办理人"]})
        try:
            reassign_case_task(session, engine, case_id, values["task_id"], to_user, reason, actor, version)
        except NotFound as exc:  # no such user (a crafted form)
            raise _Unassignable(NO_SUCH_USER) from exc
        except NotAllowed as exc:  # another organisation's clerk, inactive, or without the task's role
            raise _Unassignable(NOT_ASSIGNABLE) from exc
    elif action == "retry":
        retry_case(session, engine, case_id, reason, actor, version, to_current=values["to_current"] == "1")
    else:
        command = {"suspend": suspend_case, "resume": resume_case, "terminate": terminate_case}[action]
        command(session, engine, case_id, reason, actor, version)


def _page(controls: CaseControls, action: str, values: dict[str, str], errors: dict[str, list[str]]) -> str:
    case = get_case(get_session(), controls.case_id)
    return render_template("managers/case_actions/form.html", controls=controls, case=case, action=action,
                           title=ACTIONS[action], values=values, errors=errors, max_reason=MAX_REASON,
                           origin=case_origin(request.args))
