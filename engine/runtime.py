"""The engine facade: start cases, complete and claim tasks, fire timers.

Every method takes the caller's ``session`` first and never commits: the web request or
the scheduler job owns the transaction. Each write loads the case row, rebuilds the
workflow over the cached spec, refreshes its timers (so a deadline that passed is never
lost to a late completion), acts, and writes the state, the task rows and the audit log
back with an optimistic version check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import optimistic_start, optimistic_step, optimistic_timers
from .actors import Actor
from .calendar_store import load_calendar
from .case_migration import SpecDiffs, blockers, migrate
from .errors import Conflict, InvalidTransition, NotAllowed, NotFound
from .instance import CaseInstance
from .models import AuditEntry, Case
from .models import Task as TaskRow
from .recompute import rebase_deadline
from .rights import check_may_act
from .sandbox import Budget, SandboxScriptEngine
from .sandbox.script_env import OperationContext, current, diagram_functions, operation
from .serializer import StateSerializer
from .specs import ProcessVersion, SpecRegistry
from .status import TaskStatus
from .step import StepRecorder
from .sync import sync_case
from .workdays import WorkdayCalendar

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CALENDAR_TTL_SECONDS = 60
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


class Engine:
    """Runs cases from stored process versions; one instance serves the whole process."""

    def __init__(self, registry: SpecRegistry, serializer: StateSerializer, clock: Clock,
                 budget: Budget | None = None) -> None:
        self.registry = registry
        self.serializer = serializer
        self.clock = clock
        # The sandbox reads "now" from the operation in progress, so timers obey the injected clock.
        self.script_engine = SandboxScriptEngine(diagram_functions(), clock=lambda: current().now, budget=budget)
        self._calendar: WorkdayCalendar | None = None
        self._calendar_loaded_at: datetime | None = None

    # -- calendar ---------------------------------------------------------------------------
    def calendar(self, session: Session) -> WorkdayCalendar:
        """The working-day calendar, reloaded at most once a minute (admins edit it rarely)."""
        now = self.clock()
        loaded = self._calendar_loaded_at
        stale = loaded is None or (now - loaded).total_seconds() > CALENDAR_TTL_SECONDS
        if self._calendar is None or stale:
            self._calendar = load_calendar(session)
            self._calendar_loaded_at = now
        return self._calendar

    def forget_calendar(self) -> None:
        """Drop the cached calendar after an administrator changed it."""
        self._calendar = None

    # -- commands ---------------------------------------------------------------------------
    def start_case(
        self, session: Session, process_id: str, data: dict[str, Any], actor: Actor,
        owner_org_id: int | None = None, title: str = "", subject: str | None = None,
    ) -> CaseRef:
        """Start a case on the current version of ``process_id`` and run it to its first wait.

        The actor needs the role of the start event's lane. ``data`` is validated against
        ``<process_id>.start.schema.json`` when the process has one. An owner always starts cases
        for its own organisation. On SQLite the start's diagram code runs before the write lock is taken.
        """
        request = optimistic_start.StartRequest(process_id, data, actor, owner_org_id, title, subject)
        return optimistic_start.start_case(self, session, request)

    def complete_task(
        self, session: Session, task_id: str, data: dict[str, Any], actor: Actor,
        expected_version: int | None = None,
    ) -> CaseRef:
        """Validate ``data`` against the task's form, complete the task and advance the case.

        A rule that fails or runs over budget parks the case: the ref has status "error" and ``error_message``.
        On SQLite the step's diagram code runs before the write lock is taken (see ``optimistic_step``).

        :raises NotAllowed: the task belongs to another group or is claimed by someone else.
        :raises InvalidTransition: the task is no longer ready (done, or closed by a deadline).
        :raises ValidationFailed: field errors from the form schema.
        :raises Conflict: the case changed since ``expected_version`` or concurrently.
        """
        return optimistic_step.complete_task(self, session, task_id, data, actor, expected_version)

    def fire_timers(self, session: Session, case_id: int, now: datetime | None = None) -> int:
        """Fire the due timers of one case; returns how many fired (0 if none was due).

        :raises ScriptError: a timer expression or the code after a timer event failed (the sweep parks the case).
        """
        row = session.get(Case, case_id)
        if row is None:
            raise NotFound(f"case {case_id} does not exist")
        outcome = optimistic_timers.compute_timers(self, session, row, now or self.clock())
        return optimistic_timers.save_timers(self, session, row, outcome)

    def recompute_deadline(self, session: Session, case_id: int, actor: Actor) -> bool:
        """Recompute a provisional deadline on the current calendar; True if the case changed."""
        row = session.get(Case, case_id)
        if row is None:
            raise NotFound(f"case {case_id} does not exist")
        now = self.clock()
        instance = self._load_state(row.state, self.registry.get(session, row.spec_version_id))
        recorder = StepRecorder(instance)
        recorder.deadline_reason = "calendar_year_confirmed"
        with self._operation(session, row, now):
            if rebase_deadline(instance) is None:
                return False
            recorder.refresh_timers()  # a recomputed deadline may already lie in the past
        self._save(session, row, instance, recorder, actor, now)
        return True

    def move_case(self, session: Session, row: Case, target: ProcessVersion, actor: Actor,
                  diffs: SpecDiffs | None = None) -> None:
        """Move a running case onto ``target`` and re-arm its timers from the new version.

        ``diffs`` lets a batch share the spec diffs of one version pair.

        :raises InvalidTransition: the move is not safe; the message lists why.
        :raises ScriptError: a timer expression of the new version fails for this case.
        :raises Conflict: the case changed since it was read.
        """
        source = self.registry.get(session, row.spec_version_id)
        instance = self._load_state(row.state, source)
        diffs = diffs or SpecDiffs(self.serializer.registry)
        reasons = blockers(instance, source, target, diffs)
        if reasons:
            raise InvalidTransition("；".join(reasons))
        now = self.clock()
        recorder = StepRecorder(instance)
        recorder.note("case_migrated", {"spec_version_id": row.spec_version_id}, {"spec_version_id": target.id})
        with self._operation(session, row, now):
            migrate(instance, source, target, diffs)
            recorder.refresh_timers()
        row.spec_version_id = target.id
        self._save(session, row, instance, recorder, actor, now)

    def restore_case(self, session: Session, row: Case, state: str, version_id: int, actor: Actor) -> None:
        """Put a case back to a stored state on ``version_id`` (undoing a migration), firing what fell due."""
        current_instance = self.load_case(session, row)
        recorder = StepRecorder(current_instance)
        recorder.note("case_migration_reverted", {"spec_version_id": row.spec_version_id},
                      {"spec_version_id": version_id})
        restored = self._load_state(state, self.registry.get(session, version_id))
        now = self.clock()
        with self._operation(session, row, now):
            step = StepRecorder(restored)
            step.refresh_timers()
        recorder.fired_timers, recorder.effects = step.fired_timers, step.effects
        recorder.events += step.events
        row.spec_version_id = version_id
        self._save(session, row, restored, recorder, actor, now)

    def claim_task(self, session: Session, task_id: str, actor: Actor) -> None:
        """Assign an open task of the actor's group to the actor."""
        task_row, row = self._load_task(session, task_id)
        check_may_act(task_row, actor)
        if task_row.assignee_id == actor.user_id:
            return
        result = session.execute(
            update(TaskRow).where(TaskRow.id == task_id, TaskRow.assignee_id.is_(None))
            .values(assignee_id=actor.user_id).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("the task was claimed by someone else first")
        self._audit(session, [("task_claimed", None, {"task": task_row.spec_name})], row, task_id, actor)

    def release_task(self, session: Session, task_id: str, actor: Actor) -> None:
        """Give a claimed task back to the group."""
        task_row, row = self._load_task(session, task_id)
        if task_row.assignee_id != actor.user_id:
            raise NotAllowed("only the clerk who claimed a task can release it")
        task_row.assignee_id = None
        self._audit(session, [("task_released", None, {"task": task_row.spec_name})], row, task_id, actor)

    # -- internals --------------------------------------------------------------------------
    def _operation(self, session: Session, row: Case, now: datetime) -> Any:
        return operation(OperationContext(session, self.calendar(session), now, case_number=row.number))

    def _new_workflow(self, version: ProcessVersion, row: Case, data: dict[str, Any],
                      owner_org_id: int | None) -> BpmnWorkflow:
        workflow = BpmnWorkflow(version.spec, version.subprocess_specs, script_engine=self.script_engine)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(data, case_number=row.number,
                                                                 owner_org_id=owner_org_id)
        return workflow

    def _load_task(self, session: Session, task_id: str) -> tuple[TaskRow, Case]:
        found = session.execute(_LOAD_TASK, {"task_id": task_id}).first()
        if found is None:
            raise NotFound(f"task {task_id} does not exist")
        task_row, row = found
        if task_row.status != TaskStatus.READY.value:
            raise InvalidTransition(f"task {task_row.title} is already {task_row.status}")
        return task_row, row

    def load_case(self, session: Session, row: Case) -> CaseInstance:
        """The case's workflow, rebuilt over its cached spec version, for reading (nothing is saved)."""
        return self._load_state(row.state, self.registry.get(session, row.spec_version_id))

    def _load_state(self, state: str, version: ProcessVersion) -> CaseInstance:
        workflow = self.serializer.load_state(state, version.specs)
        workflow.script_engine = self.script_engine  # the serializer never stores the engine
        return CaseInstance(workflow)

    def _save(
        self, session: Session, row: Case, instance: CaseInstance, recorder: StepRecorder, actor: Actor,
        now: datetime, completed: tuple[str, Actor] | None = None,
    ) -> None:
        row.state = self.serializer.dump_state(instance.workflow)
        with session.no_autoflush:
            rows = sync_case(session, row, instance, recorder, now, completed, self._flush_case)
        self._audit(session, rows, row, completed[0] if completed else None, actor)

    @staticmethod
    def _flush_case(session: Session, row: Case) -> None:
        """Write the case row first: its version check decides whether the rest may follow."""
        number = row.number  # the failed flush expires the row; read it first
        try:
            session.flush()
        except StaleDataError as exc:
            raise Conflict(f"case {number} was changed by someone else; reload and try again") from exc

    def _audit(self, session: Session, entries: list[tuple[str, Any, Any]], row: Case,
               task_id: str | None, actor: Actor) -> None:
        if not entries:
            return
        now = self.clock()
        session.connection().execute(_INSERT_AUDIT, [
            {"case_id": row.id, "task_id": task_id, "actor_id": actor.user_id, "actor": actor.username,
             "action": action, "at": now, "before": before, "after": after}
            for action, before, after in entries
        ])

    @staticmethod
    def _ref(row: Case, error_message: str = "") -> CaseRef:
        return CaseRef(row.id, row.number, row.version, row.status, error_message)

