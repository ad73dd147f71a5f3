"""Bulk work on the inbox: claim many tasks at once; supervisors reassign tasks to a colleague.

A task that cannot be claimed or reassigned any more (closed, claimed by someone else in the meantime, its
case suspended by a manager) is skipped and reported; a request the actor has no right to make is refused as a
whole (``NotAllowed``) before anything is written. Every reassignment writes an audit row, as every engine command does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from engine.cases.activity import mark_activity
from engine.cases.runtime import Engine
from engine.organisations.actors import Actor, actor_for
from engine.reads.inbox_filters import LANE_ROLES
from engine.store.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from engine.store.models import AuditEntry, Case, Task, User
from engine.store.status import CaseStatus, Role, TaskStatus

MAX_BULK = 100
_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))

# Why a task was skipped (the web shows each in Chinese).
NOT_FOUND, CLOSED, OTHER_GROUP, CLAIMED_BY_OTHER, ALREADY_MINE, ALREADY_ASSIGNED, SUSPENDED = (
    "not_found", "closed", "other_group", "claimed_by_other", "already_mine", "already_assigned", "suspended")


@dataclass(frozen=True)
class Skipped:
    """A task a bulk action left alone, and why."""

    task_id: str
    case_number: str | None
    reason: str


@dataclass(frozen=True)
class BulkResult:
    """Ids of the tasks a bulk action changed, and the tasks it skipped."""

    done: tuple[str, ...]
    skipped: tuple[Skipped, ...]


def claim_tasks(session: Session, engine: Engine, task_ids: Iterable[str], actor: Actor) -> BulkResult:
    """Claim each task for the actor (through ``Engine.claim_task``, audited); tasks of another group,
    closed, of a suspended case, or claimed by someone else — also in the meantime — are skipped with the reason."""
    ids = _unique(task_ids)
    found = _load(session, ids)
    case_ids = {task.case_id for task, _number in found.values()}
    statuses = {c: status for c, status in session.execute(select(Case.id, Case.status).where(Case.id.in_(case_ids)))}
    done: list[str] = []
    skipped: list[Skipped] = []
    for task_id in ids:
        task, number = _entry(found, task_id)
        reason = _claim_refusal(task, statuses.get(task.case_id) if task else None, actor)
        if reason is None:
            try:
                engine.claim_task(session, task_id, actor)
                done.append(task_id)
                continue
            except Conflict:
                reason = CLAIMED_BY_OTHER
            except (InvalidTransition, NotAllowed):  # the case was suspended or ended meanwhile
                reason = SUSPENDED if _case_status(session, task) == CaseStatus.SUSPENDED.value else CLOSED
        skipped.append(Skipped(task_id, number, reason))
    return BulkResult(tuple(done), tuple(skipped))


def _case_status(session: Session, task: Task | None) -> str | None:
    """The case's status now (after a claim was refused meanwhile)."""
    return None if task is None else session.scalar(select(Case.status).where(Case.id == task.case_id))


def _claim_refusal(task: Task | None, case_status: str | None, actor: Actor) -> str | None:
    if task is None:
        return NOT_FOUND
    if task.status != TaskStatus.READY.value:
        return CLOSED
    if case_status == CaseStatus.SUSPENDED.value:  # its tasks stay open, but nobody may take them up
        return SUSPENDED
    if not actor.can_work_on(task.role, task.organisation_id):
        return OTHER_GROUP
    if task.assignee_id == actor.user_id:
        return ALREADY_MINE
    return CLAIMED_BY_OTHER if task.assignee_id is not None else None


def reassign_tasks(session: Session, engine: Engine, task_ids: Iterable[str], to_user_id: int,
                   actor: Actor, reason: str | None = None, within: Collection[int] | None = None) -> BulkResult:
    """Assign open tasks to a colleague of the tasks' organisation who has each task's role.

    ``within`` are the organisations the actor may reassign for (default: the actor's own; a manager acting on
    a stuck case passes the organisations under theirs); ``reason`` is kept in the audit entry.

    :raises NotAllowed: the actor is not a supervisor (role manager); the colleague is of another
        organisation, inactive, or lacks the role of one of the tasks; a task belongs to another organisation.
    :raises NotFound: no such user.
    """
    if Role.MANAGER.value not in actor.roles or actor.organisation_id is None:
        raise NotAllowed("只有监督管理人员可以转办任务")
    scope = set(within) if within is not None else {actor.organisation_id}
    target = session.get(User, to_user_id)
    if target is None:
        raise NotFound(f"找不到要转办的同事（用户 {to_user_id}）")
    if target.organisation_id not in scope or not target.active:
        raise NotAllowed("只能转办给本单位在岗人员")
    ids = _unique(task_ids)
    found = _load(session, ids)
    target_roles = actor_for(target).roles
    for row, _number in found.values():
        if row.organisation_id not in scope:
            raise NotAllowed(f"任务「{row.title}」不属于本单位")
        if row.organisation_id != target.organisation_id:
            raise NotAllowed(f"只能转办给任务「{row.title}」所属单位的在岗人员")
        if row.role not in target_roles and row.status == TaskStatus.READY.value:
            raise NotAllowed(f"{target.display_name} 没有办理「{row.title}」所需的角色")
    done: list[str] = []
    skipped: list[Skipped] = []
    audit: list[dict[str, Any]] = []
    # The cases' rows before the task rows, the order a step locks them in (else PostgreSQL can find a
    # reassignment and a completion of the same case waiting on each other).
    now = engine.clock()
    mark_activity(session, [row.case_id for row, _n in found.values() if row.status == TaskStatus.READY.value], now)
    for task_id in ids:
        task, number = _entry(found, task_id)
        refusal = _reassign_refusal(session, task, target.id)
        if refusal is not None:
            skipped.append(Skipped(task_id, number, refusal))
            continue
        assert task is not None
        done.append(task_id)
        audit.append({"case_id": task.case_id, "task_id": task_id, "actor_id": actor.user_id,
                      "actor": actor.username, "action": "task_reassigned", "at": now,
                      "before": {"assignee_id": task.assignee_id},
                      "after": {"task": task.spec_name, "assignee_id": target.id}
                      | ({"reason": reason} if reason else {})})
    if audit:
        session.connection().execute(_INSERT_AUDIT, audit)
    return BulkResult(tuple(done), tuple(skipped))


def _reassign_refusal(session: Session, task: Task | None, to_user_id: int) -> str | None:
    """None once the task is reassigned; the guard on the old assignee makes a concurrent claim win."""
    if task is None:
        return NOT_FOUND
    if task.status != TaskStatus.READY.value:
        return CLOSED
    if task.assignee_id == to_user_id:
        return ALREADY_ASSIGNED
    same_assignee = Task.assignee_id.is_(None) if task.assignee_id is None else Task.assignee_id == task.assignee_id
    result = session.execute(
        update(Task).where(Task.id == task.id, Task.status == TaskStatus.READY.value, same_assignee)
        .values(assignee_id=to_user_id).execution_options(synchronize_session=False))
    return None if result.rowcount == 1 else CLAIMED_BY_OTHER  # type: ignore[attr-defined]


def colleagues(session: Session, actor: Actor) -> Sequence[User]:
    """Active users of the actor's organisation who work on tasks (have a lane role), by name."""
    if actor.organisation_id is None:
        return []
    users = session.scalars(select(User).where(User.organisation_id == actor.organisation_id, User.active.is_(True))
                            .order_by(User.display_name, User.id)).all()
    return [u for u in users if actor_for(u).roles & set(LANE_ROLES)]


def _unique(task_ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(str(t) for t in task_ids))
    if not ids:
        raise ValidationFailed({"task_id": ["请先勾选任务"]})
    if len(ids) > MAX_BULK:
        raise ValidationFailed({"task_id": [f"一次最多处理 {MAX_BULK} 项"]})
    return ids


def _entry(found: dict[str, tuple[Task, str]], task_id: str) -> tuple[Task | None, str | None]:
    task, number = found.get(task_id, (None, None))
    return task, number


def _load(session: Session, ids: list[str]) -> dict[str, tuple[Task, str]]:
    rows = session.execute(select(Task, Case.number).join(Case, Task.case_id == Case.id).where(Task.id.in_(ids)))
    return {task.id: (task, number) for task, number in rows}
