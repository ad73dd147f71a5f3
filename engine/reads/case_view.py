"""What a case page shows, and who may see it.

A case is visible to the organisations that have (or had) a task on it, to its owner organisation, and to
the bureaus and managers whose organisation supervises one of those (``orgs.visible_org_ids``). Everyone
else gets ``NotFound``, so case ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI
from engine.organisations.actors import Actor
from engine.organisations.orgs import visible_org_ids
from engine.store.errors import CalendarError, NotFound
from engine.store.models import AuditEntry, Case, Document, Instrument, Organisation, SpecVersion, Task, User
from engine.store.status import LIVE_CASE_STATUSES, CaseStatus, Role, TaskStatus

from .diagram_marks import activity_ids, activity_marks, process_diagram, process_name
from .queries import case_documents, case_history, case_tasks
from .source import CaseSource

SUPERVISOR_ROLES = frozenset({Role.BUREAU.value, Role.MANAGER.value})
Row = TypeVar("Row", Instrument, Organisation)


@dataclass(frozen=True)
class CaseView:
    """A case with its tasks, audit timeline, documents, diagram and the names the page prints."""

    case: Case
    owner: Organisation | None
    tasks: Sequence[Task]
    history: Sequence[AuditEntry]
    documents: Sequence[Document]
    process_name: str  # the process's title in its diagram (强制检定申请与检定)
    diagram: str  # BPMN XML of the case's process, from the spec version the case runs on
    marks: dict[str, str]  # activity id -> "completed" / "current" / "overdue"
    working_days_left: int | None  # to the legal deadline; negative once it has passed
    forms: dict[str, dict[str, Any]]  # task spec name -> its JSON Schema form (labels for the timeline)
    organisations: dict[int, str]  # organisation id -> name, for ids in tasks, audit entries and people
    people: dict[int, User]  # the users named in the audit log and as task completers


@dataclass(frozen=True)
class DocumentSheet:
    """A certificate or notice with what its printed page names: case, instrument, owner, institute."""

    document: Document
    case: Case
    instrument: Instrument | None
    owner: Organisation | None
    institute: Organisation | None


def case_view(session: Session, engine: CaseSource, case_id: int, actor: Actor) -> CaseView:
    """Everything the case page shows.

    :raises NotFound: no such case, or the actor may not see it.
    """
    case, tasks = _visible_case(session, case_id, actor)
    version = engine.registry.get(session, case.spec_version_id)
    sources = session.get(SpecVersion, case.spec_version_id)
    diagram = process_diagram(sources.sources if sources is not None else {}, case.process_id)
    now = engine.clock()
    overdue = [t.id for t in tasks if t.status == TaskStatus.READY.value and t.due_at is not None and t.due_at < now]
    marks = activity_marks(engine.load_case(session, case), activity_ids(diagram), overdue)
    if case.status == CaseStatus.TERMINATED.value:  # its state stays as it was stopped: nothing waits any more
        marks = {element: mark for element, mark in marks.items() if mark == "completed"}
    history = case_history(session, case_id)
    assignees = {(e.after or {}).get("assignee_id") for e in history if e.action == "task_reassigned"}
    people = _people(session, {e.actor_id for e in history} | {t.completed_by_id for t in tasks} | assignees)
    forms = {t.spec_name: version.forms[t.form] for t in tasks if t.form in version.forms}
    org_ids = {t.organisation_id for t in tasks} | {case.owner_org_id} | _audit_org_ids(history)
    org_ids |= {u.organisation_id for u in people.values()}
    running = case.status in LIVE_CASE_STATUSES  # a suspended case's deadline still runs
    left = working_days_left(session, engine, case.deadline_at) if running else None
    return CaseView(
        case=case, owner=session.get(Organisation, case.owner_org_id) if case.owner_org_id else None,
        tasks=tasks, history=history, documents=case_documents(session, case_id),
        process_name=process_name(diagram, case.process_id), diagram=diagram, marks=marks,
        working_days_left=left, forms=forms, organisations=_names(session, org_ids), people=people,
    )


def case_document(session: Session, case_id: int, number: str, actor: Actor) -> DocumentSheet:
    """A document the case issued, for its printable page.

    :raises NotFound: no such case or document, or the actor may not see the case.
    """
    case, _tasks = _visible_case(session, case_id, actor)
    document = session.scalars(select(Document).where(Document.case_id == case.id, Document.number == number)).first()
    if document is None:
        raise NotFound(f"case {case.number} issued no document {number!r}")
    content = document.content or {}
    return DocumentSheet(
        document, case, _get(session, Instrument, content.get("instrument_id")),
        _get(session, Organisation, content.get("owner_org_id") or case.owner_org_id),
        _get(session, Organisation, content.get("institute_id")),
    )


def working_days_left(session: Session, engine: CaseSource, deadline: datetime | None) -> int | None:
    """Working days from today (Beijing) to the deadline's day, on the engine's cached calendar.

    Negative once the deadline has passed; None without a deadline or when the calendar does not
    cover the days in between.
    """
    if deadline is None:
        return None
    today = engine.clock().astimezone(SHANGHAI).date()
    try:
        return engine.calendar(session).working_days_between(today, deadline.astimezone(SHANGHAI).date())
    except CalendarError:
        return None


def may_view_case(session: Session, actor: Actor, case: Case, tasks: Iterable[Task]) -> bool:
    """Whether the actor's organisation is involved in the case or supervises one that is."""
    if actor.organisation_id is None:
        return False
    involved = {t.organisation_id for t in tasks} | {case.owner_org_id}
    involved.discard(None)
    if actor.organisation_id in involved:
        return True
    if not actor.roles & SUPERVISOR_ROLES:
        return False
    return bool(visible_org_ids(session, actor.organisation_id) & involved)


def _visible_case(session: Session, case_id: int, actor: Actor) -> tuple[Case, Sequence[Task]]:
    case = session.get(Case, case_id)
    tasks = case_tasks(session, case_id) if case is not None else []
    if case is None or not may_view_case(session, actor, case, tasks):
        raise NotFound(f"case {case_id} does not exist")
    return case, tasks


def _audit_org_ids(history: Iterable[AuditEntry]) -> set[int | None]:
    """Organisations named in audit entries (notified, escalated to)."""
    found: set[int | None] = set()
    for entry in history:
        after = entry.after if isinstance(entry.after, dict) else {}
        for key in ("org_id", "organisation_id"):
            if isinstance(after.get(key), int):
                found.add(after[key])
    return found


def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {o.id: o.name for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))}


def _people(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _get(session: Session, model: type[Row], key: object) -> Row | None:
    """The row with this id, or None when the document's content has no usable id."""
    return session.get(model, key) if isinstance(key, int) and not isinstance(key, bool) else None
