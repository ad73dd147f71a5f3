"""Bring the queryable rows (case columns, task table) in line with a case's new state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from engine.calendar.workdays import WorkdayCalendar
from engine.organisations.actors import Actor
from engine.store.db import upsert_insert
from engine.store.models import Case
from engine.store.models import Task as TaskRow
from engine.store.status import CaseStatus, TaskStatus

from .case_facts import step_facts, write_events
from .effects import apply_effects
from .instance import CaseInstance, HumanTask, parse_iso
from .step import StepRecorder

AuditRow = tuple[str, Any, Any]
ESCALATION_PROCESS = "escalation"
# Core statements built once; no ORM Task objects are loaded in a write, so none need keeping in step.
_TASKS = cast(Table, TaskRow.__table__)


def _upsert(dialect_name: str) -> Any:
    """One statement for the whole task-table change: new rows are inserted, rows that already exist
    (closed or re-dated) get their status, completion and due time updated."""
    statement = upsert_insert(dialect_name)(_TASKS)
    return statement.on_conflict_do_update(index_elements=[_TASKS.c.id], set_={
        c: statement.excluded[c] for c in ("status", "completed_at", "completed_by_id", "due_at")})


_UPSERT_TASKS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


def sync_case(
    session: Session, row: Case, instance: CaseInstance, recorder: StepRecorder, now: datetime,
    completed: tuple[str, Actor] | None, flush_case: Callable[[Session, Case], None],
    calendar: Callable[[], WorkdayCalendar],
) -> list[AuditRow]:
    """Update the case row, task rows and the figures' facts; return the audit rows that describe the change.

    ``flush_case`` writes the case row (with its version check) before any other row; ``calendar`` gives the
    working-day calendar when a result's working days are counted.
    """
    facts = instance.facts
    _sync_case_row(row, instance, facts, now)
    after_ready = {t.id: t for t in instance.ready_human_tasks}
    row.open_tasks = len(after_ready)
    before = recorder.before_ready
    done = before.get(completed[0]) if completed is not None and completed[0] not in after_ready else None
    opened = [t for task_id, t in after_ready.items() if task_id not in before]
    events = step_facts(row, done, opened, facts, recorder.events, now, calendar)
    flush_case(session, row)
    audit: list[AuditRow] = list(recorder.events)
    audit += [(a["action"], a["before"], a["after"]) for a in apply_effects(session, row, recorder.effects, now)]
    _sync_tasks(session, row, before, after_ready, now, completed)
    write_events(session, row.id, events, now)
    for task in after_ready.values():
        if task.id not in recorder.before_ready and task.process_id == ESCALATION_PROCESS:
            reason = instance.spiff_task(task.id).data.get("escalation_reason")
            audit.append(("escalated", None, {"task": task.spec_name, "organisation_id": task.organisation_id,
                                              "reason": reason}))
    old, new = recorder.before_facts.get("deadline"), facts.get("deadline")
    if new != old and (old is not None or new is not None):
        reason = recorder.deadline_reason or (facts.get("extension_reason") if old else None)
        audit.append(("deadline_changed", {"deadline": old}, {
            "deadline": new, "provisional": bool(facts.get("deadline_provisional")), "reason": reason}))
    return audit


def _sync_tasks(
    session: Session, row: Case, before: dict[str, HumanTask], after: dict[str, HumanTask], now: datetime,
    completed: tuple[str, Actor] | None,
) -> None:
    changes = []
    for task_id in before.keys() - after.keys():
        done = completed is not None and completed[0] == task_id
        changes.append(_task_values(row, before[task_id], now) | {
            "status": (TaskStatus.COMPLETED if done else TaskStatus.CANCELLED).value, "completed_at": now,
            "completed_by_id": completed[1].user_id if done and completed else None,
        })
    for task_id, task in after.items():
        if task_id not in before or before[task_id].due_at != task.due_at:
            changes.append(_task_values(row, task, now))
    if changes:
        conn = session.connection()
        conn.execute(_UPSERT_TASKS[conn.dialect.name], changes)


def _task_values(row: Case, task: HumanTask, now: datetime) -> dict[str, Any]:
    """A full task row (what an INSERT needs); for an existing row only the upserted columns change."""
    return {"id": task.id, "case_id": row.id, "spec_name": task.spec_name, "title": task.title, "role": task.role,
            "organisation_id": task.organisation_id, "form": task.form, "due_at": task.due_at,
            "status": TaskStatus.READY.value, "created_at": now, "completed_at": None, "completed_by_id": None,
            # the case facts the inbox filters on, copied once
            "case_number": row.number, "case_process_id": row.process_id, "owner_org_id": row.owner_org_id,
            "county_code": row.county_code, "instrument_type": row.instrument_type}


def _sync_case_row(row: Case, instance: CaseInstance, facts: dict[str, Any], now: datetime) -> None:
    if instance.completed:
        row.status = CaseStatus.COMPLETED.value
    elif row.status != CaseStatus.SUSPENDED.value:  # a timer firing on a suspended case does not resume it
        row.status = CaseStatus.RUNNING.value
    row.next_timer_at = None if instance.completed else instance.next_timer_at
    row.deadline_at = parse_iso(facts.get("deadline"))
    row.deadline_provisional = bool(facts.get("deadline_provisional", False))
    row.updated_at = now
    row.last_activity_at = now  # the step's audit entries follow in this transaction
