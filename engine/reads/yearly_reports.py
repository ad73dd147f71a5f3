"""The yearly reports (Notice 一.（五）1, 三) as bureaus and institutes see them: who has submitted, each report.

One case of the diagram ``yearly_report`` per institute and year, found by its subject
``yearly_report:<institute id>:<year>`` (indexed), never by deserializing a case: the status comes from the
row of its task ``submit_report`` (its due time is the report's due date, its completion the submission),
the figures from the case's start data and the text from the submission, both kept in the audit log.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.calendar.workdays import SHANGHAI
from engine.organisations.orgs import visible_org_ids
from engine.store.errors import NotFound
from engine.store.models import AuditEntry, Case, Organisation, Task, User
from engine.store.status import CaseStatus, OrgKind, TaskStatus

REPORT_PROCESS = "yearly_report"
SUBMIT_TASK = "submit_report"
REPORT_STATUSES = ("not_started", "drafting", "overdue", "submitted", "error", "terminated")


def report_subject(institute_id: int, year: int) -> str:
    """The subject of an institute's report case for a year (one case each)."""
    return f"{REPORT_PROCESS}:{institute_id}:{year}"


@dataclass(frozen=True)
class ReportRow:
    """One institute's report of the year, as the bureau's list shows it."""

    institute_id: int
    institute_name: str
    bureau_name: str  # the same-level bureau it reports to (Organisation.supervisor_id)
    case_id: int | None
    case_number: str | None
    status: str  # one of REPORT_STATUSES
    due_at: datetime | None
    submitted_at: datetime | None
    late: bool  # submitted after the due time


@dataclass(frozen=True)
class ReportSheet:
    """One report as printed: the figures of its start, the text of its submission (None before)."""

    case_id: int
    case_number: str
    institute_name: str
    bureau_name: str
    year: int
    figures: dict[str, Any]
    narrative: str | None
    suggestions: str | None
    due_at: datetime | None
    submitted_at: datetime | None
    submitted_by: str | None
    late: bool = field(default=False)


@dataclass(frozen=True)
class ReportNotice:
    """A reminder of an open report, shown on the institute's inbox."""

    task_id: str
    message: str
    at: datetime


def _institutes(session: Session, org_id: int) -> list[Organisation]:
    visible = visible_org_ids(session, org_id)
    return list(session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.INSTITUTE.value, Organisation.id.in_(visible),
                                   Organisation.supervisor_id.is_not(None))
        .order_by(Organisation.supervisor_id, Organisation.code)))


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {int(i): n for i, n in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))}


def _cases(session: Session, subjects: Collection[str]) -> list[tuple[Case, Task | None]]:
    submit = aliased(Task)
    query = (select(Case, submit).outerjoin(submit, (submit.case_id == Case.id) & (submit.spec_name == SUBMIT_TASK))
             .where(Case.subject.in_(subjects), Case.process_id == REPORT_PROCESS))
    return [(case, task) for case, task in session.execute(query).tuples()]


def _status(case: Case | None, task: Task | None, now: datetime) -> tuple[str, bool]:
    if case is None:
        return "not_started", False
    if task is not None and task.status == TaskStatus.COMPLETED.value:
        return "submitted", bool(task.due_at and task.completed_at and task.completed_at > task.due_at)
    if case.status == CaseStatus.ERROR.value:
        return "error", False
    if case.status == CaseStatus.TERMINATED.value or task is None or task.status != TaskStatus.READY.value:
        return "terminated", False
    return ("overdue" if task.due_at is not None and now > task.due_at else "drafting"), False


def report_list(session: Session, org_id: int, year: int, now: datetime) -> list[ReportRow]:
    """Every institute reporting to ``org_id`` or a bureau below it, with its report's status for ``year``.

    :raises NotFound: the organisation does not exist.
    """
    institutes = _institutes(session, org_id)
    found = {case.subject: (case, task) for case, task in
             _cases(session, [report_subject(i.id, year) for i in institutes])}
    bureaus = _names(session, (i.supervisor_id for i in institutes))
    rows = []
    for institute in institutes:
        case, task = found.get(report_subject(institute.id, year), (None, None))
        status, late = _status(case, task, now)
        rows.append(ReportRow(
            institute.id, institute.name, bureaus.get(institute.supervisor_id or 0, ""),
            case.id if case else None, case.number if case else None, status,
            task.due_at if task else None, task.completed_at if status == "submitted" and task else None, late))
    return rows


def report_sheets(session: Session, org_id: int, year: int) -> list[ReportSheet]:
    """The reports of ``year`` of every institute in scope that has one, in the order of the list."""
    institutes = _institutes(session, org_id)
    found = {case.subject: (case, task) for case, task in
             _cases(session, [report_subject(i.id, year) for i in institutes])}
    pairs = [found[s] for s in (report_subject(i.id, year) for i in institutes) if s in found]
    return _sheets(session, pairs, {i.id: i for i in institutes})


def report_sheet(session: Session, org_id: int, case_id: int) -> ReportSheet:
    """One report, if its institute reports to ``org_id`` or a bureau below it.

    :raises NotFound: no such report case, or one outside the organisation's scope (not told apart).
    """
    case = session.get(Case, case_id)
    institute_id = _institute_of(case)
    institutes = {i.id: i for i in _institutes(session, org_id)}
    if case is None or institute_id not in institutes:
        raise NotFound(f"no yearly report {case_id} in scope")
    [pair] = _cases(session, [str(case.subject)])
    return _sheets(session, [pair], institutes)[0]


def _institute_of(case: Case | None) -> int | None:
    if case is None or case.process_id != REPORT_PROCESS:
        return None
    _, _, rest = (case.subject or "").partition(":")
    institute, _, _ = rest.partition(":")
    return int(institute) if institute.isdigit() else None


def _sheets(session: Session, pairs: list[tuple[Case, Task | None]], institutes: dict[int, Organisation]
            ) -> list[ReportSheet]:
    ids = [case.id for case, _ in pairs]
    started: dict[int, dict[str, Any]] = {}
    submitted: dict[int, AuditEntry] = {}
    for entry in session.scalars(select(AuditEntry).where(
            AuditEntry.case_id.in_(ids), AuditEntry.action.in_(("case_started", "task_completed")))
            .order_by(AuditEntry.id)):
        after = entry.after or {}
        if entry.action == "case_started":
            started[int(entry.case_id or 0)] = after
        elif after.get("task") == SUBMIT_TASK:
            submitted[int(entry.case_id or 0)] = entry
    people = {u.id: u.display_name for u in session.scalars(
        select(User).where(User.id.in_({e.actor_id for e in submitted.values() if e.actor_id})))}
    bureaus = _names(session, (i.supervisor_id for i in institutes.values()))
    sheets = []
    for case, task in pairs:
        data = started.get(case.id, {})
        institute = institutes[_institute_of(case) or 0]
        submission = submitted.get(case.id)
        text = (submission.after or {}) if submission else {}
        who = (people.get(submission.actor_id or 0) or submission.actor) if submission else None
        done = task is not None and task.status == TaskStatus.COMPLETED.value
        sheets.append(ReportSheet(
            case.id, case.number, institute.name, bureaus.get(institute.supervisor_id or 0, ""),
            int(data.get("report_year") or 0), data, text.get("narrative"), text.get("suggestions"),
            task.due_at if task else None, task.completed_at if done and task else None,
            who,
            bool(done and task and task.due_at and task.completed_at and task.completed_at > task.due_at)))
    return sheets


def report_notices(session: Session, org_id: int, now: datetime) -> list[ReportNotice]:
    """Reminders addressed to the organisation on its open reports of this year and the last (newest first)."""
    year = now.astimezone(SHANGHAI).year
    pairs = [(case, task) for case, task in _cases(session, [report_subject(org_id, y) for y in (year - 1, year)])
             if task is not None and task.status == TaskStatus.READY.value]
    if not pairs:
        return []
    tasks = {case.id: task for case, task in pairs}
    notices = []
    for entry in session.scalars(select(AuditEntry).where(
            AuditEntry.case_id.in_(tasks), AuditEntry.action == "notify").order_by(AuditEntry.at.desc())):
        after = entry.after or {}
        if after.get("org_id") == org_id:
            notices.append(ReportNotice(tasks[int(entry.case_id or 0)].id, str(after.get("message", "")), entry.at))
    return notices
