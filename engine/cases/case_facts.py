"""The facts the managers' figures count, written by the step that makes them true (issue 10).

A verification's receipt time and its result (China-time day, institute, on time, working days from receipt
to result) go on the case row, in the UPDATE each step sends anyway; extension requests, agreed extensions,
refusals and escalations are events (a case may have several, each counted in the month it happened) in the
narrow ``case_event`` table, one INSERT on the steps where one happens. So every figure is a GROUP BY over an
index, and no figure reads task rows or the audit log. The meaning follows bpmn/verification_request.bpmn:
- receipt: ``record_receipt`` completed (Regulation 第九条: the clock starts at receipt);
- result: ``verify`` completed and neither a new ``verify`` nor an ``answer_extension`` opened in the same
  step (the institute proposing an extension also completes ``verify``; after a result the case ends);
- extension asked: ``answer_extension`` opened by a completed ``verify``; agreed: it was answered "agree";
- refusal: ``review_refusal`` opened by a completed ``accept_application``;
- escalation: a task of the ``escalation`` process opened, credited to the case's institute at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI, WorkdayCalendar
from engine.store.errors import CalendarError
from engine.store.models import Case, CaseEvent

from .instance import HumanTask

VERIFICATION = "verification_request"
RECEIPT, VERIFY, ANSWER, ACCEPT, REFUSAL_REVIEW = (
    "record_receipt", "verify", "answer_extension", "accept_application", "review_refusal")
ESCALATION_PROCESS = "escalation"
ASKED, AGREED, REFUSED, ESCALATED = "extension_asked", "extension_agreed", "refused", "escalated"
_INSERT_EVENTS = insert(cast(Table, CaseEvent.__table__))


def step_facts(
    row: Case, done: HumanTask | None, opened: Iterable[HumanTask], facts: Mapping[str, Any],
    events: Iterable[tuple[str, Any, Any]], now: datetime, calendar: Callable[[], WorkdayCalendar],
) -> list[tuple[str, int]]:
    """Set the receipt and result columns of ``row`` (before it is written); return the events of the step
    as (kind, institute id). ``done``: the task this step completed; ``opened``: the tasks it opened;
    ``events``: the step's audit rows (the completed task's answers are among them)."""
    if row.process_id != VERIFICATION:
        return []
    opened_specs = {t.spec_name for t in opened}
    found: list[tuple[str, int]] = []
    institute = facts.get("institute_id")
    if any(t.process_id == ESCALATION_PROCESS for t in opened) and isinstance(institute, int):
        found.append((ESCALATED, institute))
    if done is None:
        return found
    org = done.organisation_id if isinstance(done.organisation_id, int) else None
    if done.spec_name == RECEIPT:
        row.received_at = now
    elif done.spec_name == VERIFY and org is not None and ANSWER in opened_specs:
        found.append((ASKED, org))
    elif done.spec_name == VERIFY and org is not None and VERIFY not in opened_specs:
        _result(row, org, now, calendar)
    elif done.spec_name == ACCEPT and org is not None and REFUSAL_REVIEW in opened_specs:
        found.append((REFUSED, org))
    elif done.spec_name == ANSWER and isinstance(institute, int) and _answered(events) == "agree":
        found.append((AGREED, institute))
    return found


def _result(row: Case, institute_id: int, now: datetime, calendar: Callable[[], WorkdayCalendar]) -> None:
    day = now.astimezone(SHANGHAI).date()
    row.result_day = day
    row.result_month = day.year * 100 + day.month
    row.result_institute_id = institute_id
    row.result_on_time = row.deadline_at is not None and now <= row.deadline_at
    row.result_working_days = None
    if row.received_at is not None:
        row.result_working_days = working_days(calendar(), row.received_at.astimezone(SHANGHAI).date(), day)


def working_days(calendar: WorkdayCalendar, received: date, resulted: date) -> int | None:
    """Working days in (received, resulted]; None when the calendar lacks a year they span."""
    try:
        return calendar.working_days_between(received, resulted)
    except CalendarError:
        return None


def _answered(events: Iterable[tuple[str, Any, Any]]) -> Any:
    for action, _before, after in events:
        if action == "task_completed" and isinstance(after, dict) and after.get("task") == ANSWER:
            return after.get("extension_answer")
    return None


def write_events(session: Session, case_id: int, found: list[tuple[str, int]], now: datetime) -> None:
    """One INSERT for the step's events (none when the step had none)."""
    if found:
        session.connection().execute(_INSERT_EVENTS, [
            {"case_id": case_id, "kind": kind, "institute_id": institute, "at": now} for kind, institute in found])
