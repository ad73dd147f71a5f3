"""Managers act on a stuck case: reassign its task, retry it after an error, suspend and resume, terminate.

Only a manager whose organisation handles the case (has or had a task on it) or is above one that does
(``orgs.visible_org_ids``) may act, and each action needs a reason, kept in its audit entry. A caller
that shows the case's version on a form passes it back: a change in between is a ``Conflict``.

- Suspending stops people, not the clock: a suspended case's tasks cannot be claimed or completed, but its
  timers keep firing and escalating, because the 7 working days are a legal deadline (Notice 一.（四）2) that
  only an extension the owner agreed moves.
- Retrying puts a case parked in error back to running, with its timers re-armed (a timer that fell due
  while it was parked fires now), optionally on the current process version, where the fixed rule is.
- Terminating ends the case: its open tasks are cancelled (they leave every inbox), its timers disarmed;
  the sweep never wakes it again. It cannot be undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.cases.activity import note_activity
from engine.cases.case_parking import failure_message
from engine.cases.runtime import CaseRef, Engine
from engine.cases.step import StepRecorder
from engine.organisations.actors import Actor, actor_for
from engine.organisations.orgs import visible_org_ids
from engine.store.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ScriptError, ValidationFailed
from engine.store.models import AuditEntry, Case, SpecVersion, Task, User
from engine.store.status import CaseStatus, Role, TaskStatus

from .task_assignment import ALREADY_ASSIGNED, BulkResult, reassign_tasks

MAX_REASON = 2000
CASE_SUSPENDED, CASE_RESUMED, CASE_RETRIED, CASE_TERMINATED = (
    "case_suspended", "case_resumed", "case_retried", "case_terminated")
NOT_ALLOWED = "只有案件所属单位或其上级单位的管理人员可以处理该案件"
_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))


@dataclass(frozen=True)
class Clerk:
    """Someone a task may be reassigned to, by full name."""

    user_id: int
    name: str


@dataclass(frozen=True)
class OpenTask:
    """An open task of the case and the clerks of its organisation who could take it."""

    task_id: str
    title: str
    assignee_id: int | None
    clerks: tuple[Clerk, ...]


@dataclass(frozen=True)
class CaseControls:
    """What a manager may do with a case now (the case page's panel)."""

    case_id: int
    version: int
    status: str
    tasks: tuple[OpenTask, ...]
    newer_version_id: int | None  # the current version of the process, when the case is on an older one

    @property
    def may_retry(self) -> bool:
        return self.status == CaseStatus.ERROR.value

    @property
    def may_suspend(self) -> bool:
        return self.status == CaseStatus.RUNNING.value

    @property
    def may_resume(self) -> bool:
        return self.status == CaseStatus.SUSPENDED.value

    @property
    def may_terminate(self) -> bool:
        return self.status in (CaseStatus.RUNNING.value, CaseStatus.SUSPENDED.value, CaseStatus.ERROR.value)


@dataclass(frozen=True)
class Suspension:
    """Who suspended a case, when and why (the case page's banner)."""

    actor_id: int | None
    actor: str
    at: datetime
    reason: str


def clean_reason(reason: str | None) -> str:
    """The reason trimmed; blank or longer than ``MAX_REASON`` characters is a field error."""
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": ["请填写理由"]})
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": [f"理由不能超过 {MAX_REASON} 字（现有 {len(text)} 字）"]})
    return text


def case_controls(session: Session, actor: Actor, case_id: int) -> CaseControls | None:
    """The manager's panel for a case, or None when the actor may not act on it."""
    row = session.get(Case, case_id)
    if row is None or not may_control(session, actor, row):
        return None
    open_tasks = session.scalars(select(Task).where(Task.case_id == case_id, Task.status == TaskStatus.READY.value)
                                 .order_by(Task.created_at, Task.id)).all()
    tasks = tuple(OpenTask(t.id, t.title, t.assignee_id, task_clerks(session, t)) for t in open_tasks)
    newer = _newer_version_id(session, row)
    return CaseControls(row.id, row.version, row.status, tasks, newer)


def may_control(session: Session, actor: Actor, row: Case) -> bool:
    """A manager whose organisation is, or is above, one the case involves."""
    if Role.MANAGER.value not in actor.roles or actor.organisation_id is None:
        return False
    return bool(_involved(session, row) & visible_org_ids(session, actor.organisation_id))


def task_clerks(session: Session, task: Task) -> tuple[Clerk, ...]:
    """Active users of the task's organisation who have its role, by full name."""
    users = session.scalars(select(User).where(User.organisation_id == task.organisation_id, User.active.is_(True))
                            .order_by(User.display_name, User.id)).all()
    return tuple(Clerk(u.id, u.display_name) for u in users if task.role in actor_for(u).roles)


def suspension(session: Session, row: Case) -> Suspension | None:
    """Who suspended the case and why, while it is suspended."""
    if row.status != CaseStatus.SUSPENDED.value:
        return None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.case_id == row.id,
                                                     AuditEntry.action == CASE_SUSPENDED)
                            .order_by(AuditEntry.id.desc()).limit(1)).first()
    if entry is None:
        return None
    return Suspension(entry.actor_id, entry.actor, entry.at, str((entry.after or {}).get("reason", "")))


def reassign_case_task(session: Session, engine: Engine, case_id: int, task_id: str, to_user_id: int,
                       reason: str | None, actor: Actor, expected_version: int | None = None) -> BulkResult:
    """Reassign one open task of the case to a clerk of the task's organisation (``reassign_tasks``).

    :raises InvalidTransition: the task is not an open task of this case, or was claimed meanwhile.
    """
    text = clean_reason(reason)
    row = _controlled(session, actor, case_id, expected_version)
    task = session.get(Task, task_id)
    if task is None or task.case_id != row.id or task.status != TaskStatus.READY.value:
        raise InvalidTransition("该任务已办结或不属于本案件，请刷新后查看")
    result = reassign_tasks(session, engine, [task_id], to_user_id, actor, reason=text,
                            within=visible_org_ids(session, cast(int, actor.organisation_id)))
    if result.skipped and result.skipped[0].reason != ALREADY_ASSIGNED:
        raise InvalidTransition("任务刚被他人认领或已办结，请刷新后再转办")
    return result


def suspend_case(session: Session, engine: Engine, case_id: int, reason: str | None, actor: Actor,
                 expected_version: int | None = None) -> CaseRef:
    """Suspend a running case: its tasks wait, its deadline timers keep running."""
    return _set_status(session, engine, case_id, reason, actor, expected_version,
                       (CaseStatus.RUNNING, CaseStatus.SUSPENDED, CASE_SUSPENDED, "只有办理中的案件可以暂停"))


def resume_case(session: Session, engine: Engine, case_id: int, reason: str | None, actor: Actor,
                expected_version: int | None = None) -> CaseRef:
    """Resume a suspended case: its tasks can be claimed and completed again."""
    return _set_status(session, engine, case_id, reason, actor, expected_version,
                       (CaseStatus.SUSPENDED, CaseStatus.RUNNING, CASE_RESUMED, "只有已暂停的案件可以恢复办理"))


def terminate_case(session: Session, engine: Engine, case_id: int, reason: str | None, actor: Actor,
                   expected_version: int | None = None) -> CaseRef:
    """End a case for good: open tasks cancelled, timers disarmed, status ``terminated``."""
    text = clean_reason(reason)
    row = _controlled(session, actor, case_id, expected_version)
    if row.status not in (CaseStatus.RUNNING.value, CaseStatus.SUSPENDED.value, CaseStatus.ERROR.value):
        raise InvalidTransition("案件已办结或已终止，不能再终止")
    now = engine.clock()
    before = {"status": row.status, "next_timer_at": row.next_timer_at.isoformat() if row.next_timer_at else None}
    row.status, row.next_timer_at, row.updated_at = CaseStatus.TERMINATED.value, None, now
    row.last_activity_at, row.open_tasks = now, 0  # the audit entry below; its open tasks are cancelled
    _flush(session, row)
    cancelled = list(session.scalars(select(Task.id).where(Task.case_id == row.id,
                                                          Task.status == TaskStatus.READY.value)))
    session.execute(update(Task).where(Task.case_id == row.id, Task.status == TaskStatus.READY.value)
                    .values(status=TaskStatus.CANCELLED.value, completed_at=now)
                    .execution_options(synchronize_session=False))
    _audit(session, row, actor, now, CASE_TERMINATED, before,
           {"status": row.status, "reason": text, "cancelled_tasks": cancelled})
    return engine.ref(row)


def retry_case(session: Session, engine: Engine, case_id: int, reason: str | None, actor: Actor,
               expected_version: int | None = None, to_current: bool = False) -> CaseRef:
    """Put a case parked in error back to running, its timers re-armed, optionally on the current version.

    The failed step was discarded when the case was parked, so its task is still open and can be completed
    again; a timer that failed, or fell due meanwhile, fires now. Code that still fails refuses the retry.

    :raises InvalidTransition: the case is not in error, or the retry's own timers failed (the message says why).
    """
    text = clean_reason(reason)
    row = _controlled(session, actor, case_id, expected_version)
    if row.status != CaseStatus.ERROR.value:
        raise InvalidTransition("只有运行出错的案件可以重试")
    number, from_version = row.number, row.spec_version_id
    target_id = _newer_version_id(session, row) if to_current else None
    try:
        with session.begin_nested():
            row.status = CaseStatus.RUNNING.value
            if target_id is not None:
                engine.move_case(session, row, engine.registry.get(session, target_id), actor)
            else:
                _rearm(session, engine, row, actor)
    except ScriptError as exc:
        raise InvalidTransition(f"案件 {number} 重试失败，仍为运行出错：{failure_message(exc)}") from exc
    _audit(session, row, actor, engine.clock(), CASE_RETRIED,
           {"status": CaseStatus.ERROR.value, "spec_version_id": from_version},
           {"status": row.status, "spec_version_id": row.spec_version_id, "reason": text})
    return engine.ref(row)


def _rearm(session: Session, engine: Engine, row: Case, actor: Actor) -> None:
    """Refresh the case's timers on its own version and save: ``next_timer_at`` is computed again."""
    now = engine.clock()
    instance = engine.load_case(session, row)
    recorder = StepRecorder(instance)
    with engine.operation(session, row, now):
        recorder.refresh_timers()
    engine.save(session, row, instance, recorder, actor, now)


def _set_status(session: Session, engine: Engine, case_id: int, reason: str | None, actor: Actor,
                expected_version: int | None, change: tuple[CaseStatus, CaseStatus, str, str]) -> CaseRef:
    source, target, action, refusal = change
    text = clean_reason(reason)
    row = _controlled(session, actor, case_id, expected_version)
    if row.status != source.value:
        raise InvalidTransition(refusal)
    now = engine.clock()
    row.status, row.updated_at, row.last_activity_at = target.value, now, now  # the audit entry below
    _flush(session, row)
    _audit(session, row, actor, now, action, {"status": source.value}, {"status": target.value, "reason": text})
    return engine.ref(row)


def _controlled(session: Session, actor: Actor, case_id: int, expected_version: int | None) -> Case:
    """The case row, once the actor may act on it and it is the version they saw."""
    row = session.get(Case, case_id)
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    if not may_control(session, actor, row):
        raise NotAllowed(NOT_ALLOWED)
    if expected_version is not None and expected_version != row.version:
        raise Conflict(f"case {row.number} changed (version {row.version}, you saw {expected_version})")
    return row


def _involved(session: Session, row: Case) -> set[int]:
    """The organisations that have (or had) a task on the case; its owner only while it has none (a case
    parked at its start). The owner is the applicant, not a handler: its county bureau acts on the owner's
    cases only through the organisations that handle them."""
    ids = set(session.scalars(select(Task.organisation_id).where(Task.case_id == row.id).distinct()))
    ids.discard(None)
    if not ids and row.owner_org_id is not None:
        ids.add(row.owner_org_id)
    return cast(set[int], ids)


def _newer_version_id(session: Session, row: Case) -> int | None:
    current = session.scalar(select(SpecVersion.id).where(SpecVersion.process_id == row.process_id,
                                                          SpecVersion.is_current.is_(True)).limit(1))
    return current if current is not None and current != row.spec_version_id else None


def _flush(session: Session, row: Case) -> None:
    number = row.number
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"case {number} was changed by someone else; reload and try again") from exc


def _audit(session: Session, row: Case, actor: Actor, now: datetime, action: str, before: dict[str, Any],
           after: dict[str, Any]) -> None:
    session.connection().execute(_INSERT_AUDIT, [{
        "case_id": row.id, "task_id": None, "actor_id": actor.user_id, "actor": actor.username,
        "action": action, "at": now, "before": before, "after": after}])
    note_activity(session, row, now)
