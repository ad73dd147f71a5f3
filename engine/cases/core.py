"""What every write to a case shares: load it over its cached spec, run diagram code, save it back.

``Engine`` (``runtime.py``) builds its commands on this, and so do the unlocked variants of completing,
starting and firing timers (``optimistic_*``), which is why it lives apart from the commands: they import
this module, the runtime imports them, and no import runs in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.calendar.service import CalendarService, Clock
from engine.calendar.workdays import WorkdayCalendar
from engine.organisations.actors import Actor
from engine.rules.serializer import StateSerializer
from engine.rules.specs import ProcessVersion, SpecRegistry
from engine.sandbox import Budget, SandboxScriptEngine
from engine.sandbox.script_env import OperationContext, current, diagram_functions, operation
from engine.store.errors import Conflict, InvalidTransition, NotFound
from engine.store.models import AuditEntry, Case
from engine.store.models import Task as TaskRow
from engine.store.status import TaskStatus

from .activity import note_activity
from .instance import CaseInstance
from .step import StepRecorder
from .sync import sync_case

# Hot-path statements are built once: SQLAlchemy memoizes a statement object's cache key, so reusing
# the object skips rebuilding the statement and its key on every call.
_LOAD_TASK = select(TaskRow, Case).join(Case, TaskRow.case_id == Case.id).where(TaskRow.id == bindparam("task_id"))
_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))


@dataclass(frozen=True)
class CaseRef:
    """Identity and version of a case after an operation."""

    id: int
    number: str
    version: int
    status: str
    error_message: str = ""  # why the case is parked in error, when its step just failed


class EngineCore:
    """The specs, the state serializer, the clock and calendar, and the load–run–save steps of a write."""

    def __init__(self, registry: SpecRegistry, serializer: StateSerializer, clock: Clock,
                 budget: Budget | None = None) -> None:
        self.registry = registry
        self.serializer = serializer
        self.clock = clock
        self.calendars = CalendarService(clock)
        # The sandbox reads "now" from the operation in progress, so timers obey the injected clock.
        self.script_engine = SandboxScriptEngine(diagram_functions(), clock=lambda: current().now, budget=budget)

    def calendar(self, session: Session) -> WorkdayCalendar:
        """The working-day calendar (cached a minute by the calendar service)."""
        return self.calendars.calendar(session)

    def forget_calendar(self) -> None:
        """Drop the cached calendar after an administrator changed it."""
        self.calendars.forget()

    def load_case(self, session: Session, row: Case) -> CaseInstance:
        """The case's workflow, rebuilt over its cached spec version, for reading (nothing is saved)."""
        return self.load_state(row.state, self.registry.get(session, row.spec_version_id))

    def load_state(self, state: str, version: ProcessVersion) -> CaseInstance:
        """A stored state rebuilt over ``version``, ready to run diagram code."""
        workflow = self.serializer.load_state(state, version.specs)
        workflow.script_engine = self.script_engine  # the serializer never stores the engine
        return CaseInstance(workflow)

    def load_task(self, session: Session, task_id: str) -> tuple[TaskRow, Case]:
        """A ready task's row and its case row (on SQLite a write session takes the lock here)."""
        found = session.execute(_LOAD_TASK, {"task_id": task_id}).first()
        if found is None:
            raise NotFound(f"task {task_id} does not exist")
        task_row, row = found
        if task_row.status != TaskStatus.READY.value:
            raise InvalidTransition(f"task {task_row.title} is already {task_row.status}")
        return task_row, row

    def new_workflow(self, version: ProcessVersion, row: Case, data: dict[str, Any],
                     owner_org_id: int | None) -> BpmnWorkflow:
        """A fresh workflow of ``version`` with the start data, the case number and the owner on its first task."""
        workflow = BpmnWorkflow(version.spec, version.subprocess_specs, script_engine=self.script_engine)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(data, case_number=row.number,
                                                                 owner_org_id=owner_org_id)
        return workflow

    def operation(self, session: Session, row: Case, now: datetime) -> Any:
        """The context diagram functions read (session, calendar, now, case number) while code of ``row`` runs."""
        return operation(OperationContext(session, self.calendar(session), now, case_number=row.number))

    def save(
        self, session: Session, row: Case, instance: CaseInstance, recorder: StepRecorder, actor: Actor,
        now: datetime, completed: tuple[str, Actor] | None = None,
    ) -> None:
        """Write the state, the task rows and the audit entries of a step (the version check decides first)."""
        row.state = self.serializer.dump_state(instance.workflow)
        with session.no_autoflush:
            rows = sync_case(session, row, instance, recorder, now, completed, self._flush_case,
                             lambda: self.calendar(session))
        self.audit(session, rows, row, completed[0] if completed else None, actor, at=now)

    @staticmethod
    def _flush_case(session: Session, row: Case) -> None:
        """Write the case row first: its version check decides whether the rest may follow."""
        number = row.number  # the failed flush expires the row; read it first
        try:
            session.flush()
        except StaleDataError as exc:
            raise Conflict(f"case {number} was changed by someone else; reload and try again") from exc

    def audit(self, session: Session, entries: list[tuple[str, Any, Any]], row: Case,
              task_id: str | None, actor: Actor, at: datetime | None = None) -> None:
        """Append audit entries for ``row`` in one statement (at ``at``, default now), and keep the case's
        latest activity time (a step has set it already; a claim or release moves it here)."""
        if not entries:
            return
        now = at or self.clock()
        session.connection().execute(_INSERT_AUDIT, [
            {"case_id": row.id, "task_id": task_id, "actor_id": actor.user_id, "actor": actor.username,
             "action": action, "at": now, "before": before, "after": after}
            for action, before, after in entries
        ])
        note_activity(session, row, now)

    @staticmethod
    def ref(row: Case, error_message: str = "") -> CaseRef:
        """The caller's view of ``row`` after an operation."""
        return CaseRef(row.id, row.number, row.version, row.status, error_message)
