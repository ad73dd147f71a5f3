"""The case page: where a case stands on its diagram, its deadline, timeline and documents; printable documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, render_template, request

from engine import (
    INSTRUMENT_TYPES,
    SHANGHAI,
    CaseStatus,
    TaskStatus,
    case_controls,
    case_document,
    case_view,
    suspension,
)

from ..shared import DOCUMENT_KINDS, ROLE_NAMES, case_origin, get_session, get_system, login_required, origin_crumb
from .case_timeline import CASE_STATUS, extension_history, parked_message, timeline

bp = Blueprint("cases", __name__, url_prefix="/cases")
MARKS = {"completed": "已完成", "current": "办理中", "overdue": "已逾期"}


@bp.route("/<id:case_id>")
@login_required
def detail(case_id: int) -> Any:
    """The case page; 404 unless the user's organisation is involved in the case or supervises one that is."""
    session = get_session()
    view = case_view(session, get_system().engine, case_id, g.actor)
    now = get_system().engine.clock()
    open_tasks = [t for t in view.tasks if t.status == TaskStatus.READY.value]
    origin = case_origin(request.args)  # opened from the managers' stuck list: the crumb leads back there
    diagram = {"xml": view.diagram, "marks": view.marks, "labels": MARKS, "roles": ROLE_NAMES}
    return render_template(
        "clerks/cases/detail.html", view=view, case=view.case,
        status=CASE_STATUS.get(view.case.status, view.case.status),
        events=timeline(view), extensions=extension_history(view), open_tasks=open_tasks, diagram=diagram,
        overdue=_overdue(view.case.deadline_at, now, view.case.status), kinds=DOCUMENT_KINDS, marks=MARKS, now=now,
        parked=parked_message(view), suspended=suspension(session, view.case),
        controls=case_controls(session, g.actor, case_id),  # the managers' panel, None for everyone else
        origin=origin, crumb=origin_crumb(origin),
    )


@bp.route("/<id:case_id>/documents/<number>")
@login_required
def document(case_id: int, number: str) -> Any:
    """A certificate or notice as a printable page."""
    sheet = case_document(get_session(), case_id, number, g.actor)
    content = sheet.document.content or {}
    return render_template(
        "clerks/cases/document.html", sheet=sheet, content=content,
        title=DOCUMENT_KINDS.get(sheet.document.kind, "文书"),
        instrument_type=INSTRUMENT_TYPES.get(sheet.instrument.instrument_type, sheet.instrument.instrument_type)
        if sheet.instrument else "—",
        issued_on=sheet.document.issued_at.astimezone(SHANGHAI).date(),
    )


def _overdue(deadline: datetime | None, now: datetime, status: str) -> bool:
    live = (CaseStatus.RUNNING.value, CaseStatus.SUSPENDED.value)  # a suspended case's deadline still runs
    return deadline is not None and status in live and deadline < now
