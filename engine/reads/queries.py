"""Read side: the lists screens show, straight from the task and case tables (no JSON parsing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.organisations.actors import Actor
from engine.store.errors import NotFound
from engine.store.models import AuditEntry, Case, Document, Instrument, Organisation, SpecVersion, Task
from engine.store.status import LIVE_CASE_STATUSES, OrgKind, TaskStatus

from .inbox_filters import InboxFilter, inbox_statement, load_rows
from .source import CaseSource


def inbox(session: Session, actor: Actor, limit: int = 50, offset: int = 0) -> Sequence[tuple[Task, Case]]:
    """Open tasks the actor may work on (assigned to them, or unclaimed in their group) with their
    cases; earliest due first, tasks without a due time last. ``inbox_page`` adds filters."""
    ids = session.scalars(inbox_statement(actor, InboxFilter(), None).limit(limit).offset(offset)).all()
    return [(task, case) for task, case, _owner in load_rows(session, ids)]


def overdue_cases(session: Session, now: datetime, org_ids: set[int] | None = None) -> Sequence[Case]:
    """Running (or suspended: their clock runs on) cases with an open task past its due time (at ``org_ids``
    if given), most overdue first."""
    late = select(Task.case_id, func.min(Task.due_at).label("due")).where(
        Task.status == TaskStatus.READY.value, Task.due_at < now)
    if org_ids is not None:
        late = late.where(Task.organisation_id.in_(org_ids))
    late_sub = late.group_by(Task.case_id).subquery()
    query = (select(Case).join(late_sub, late_sub.c.case_id == Case.id)
             .where(Case.status.in_(LIVE_CASE_STATUSES)).order_by(late_sub.c.due))
    return session.scalars(query).all()


def get_case(session: Session, case_id: int) -> Case:
    """The case row, or NotFound."""
    row = session.get(Case, case_id)
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    return row


def case_tasks(session: Session, case_id: int) -> Sequence[Task]:
    """Every task row of a case, oldest first."""
    return session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.created_at)).all()


def case_history(session: Session, case_id: int) -> Sequence[AuditEntry]:
    """The audit timeline of a case, oldest first."""
    return session.scalars(
        select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)
    ).all()


def case_documents(session: Session, case_id: int) -> Sequence[Document]:
    """Certificates and notices a case issued."""
    return session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)).all()


def ledger(session: Session, owner_org_id: int) -> Sequence[Instrument]:
    """An owner's instrument ledger, earliest next due date first (undated last)."""
    return session.scalars(
        select(Instrument).where(Instrument.owner_org_id == owner_org_id)
        .order_by(Instrument.next_due.is_(None), Instrument.next_due, Instrument.id)
    ).all()


def owner_cases(session: Session, owner_org_id: int, limit: int = 50) -> Sequence[Case]:
    """An owner's cases, newest first."""
    return session.scalars(
        select(Case).where(Case.owner_org_id == owner_org_id).order_by(Case.id.desc()).limit(limit)
    ).all()


def counties(session: Session) -> Sequence[Organisation]:
    """County-level bureaus (the places instruments are filed in), by region code."""
    return session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.COUNTY_BUREAU.value).order_by(Organisation.region_code)
    ).all()


@dataclass(frozen=True)
class InboxChoices:
    """What the inbox's filter bar offers: (value, label) pairs."""

    processes: Sequence[tuple[str, str]]
    tasks: Sequence[tuple[str, str]]
    counties: Sequence[tuple[str, str]]


def inbox_choices(session: Session, engine: CaseSource, actor: Actor) -> InboxChoices:
    """Processes whose cases can reach the actor, their user tasks in the actor's lanes (called processes
    included), and the counties; read from the deployed specs (cached), not from the task table."""
    current = session.scalars(select(SpecVersion.id).where(SpecVersion.is_current).order_by(SpecVersion.id)).all()
    versions = [engine.registry.get(session, version_id) for version_id in current]
    called = {name for v in versions for name in v.subprocess_specs}
    processes: list[tuple[str, str]] = []
    tasks: dict[str, str] = {}
    for version in versions:
        if version.process_id in called:
            continue  # its tasks belong to the cases of the processes that call it
        specs = (version.spec, *version.subprocess_specs.values())
        mine = [(t.bpmn_id or t.name, t.bpmn_name or t.name) for spec in specs for t in spec.task_specs.values()
                if getattr(t, "manual", False) and t.lane in actor.roles]
        if mine:
            processes.append((version.process_id, version.spec.description or version.process_id))
            tasks.update((name, title) for name, title in mine if name not in tasks)
    places = [(o.region_code, o.name.removesuffix("市场监督管理局")) for o in counties(session)]
    return InboxChoices(processes, list(tasks.items()), places)
