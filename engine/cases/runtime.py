"""The engine facade: start cases, complete and claim tasks, fire timers.

Every method takes the caller's ``session`` first and never commits: the web request or
the scheduler job owns the transaction. Each write loads the case row, rebuilds the
workflow over the cached spec, refreshes its timers (so a deadline that passed is never
lost to a late completion), acts, and writes the state, the task rows and the audit log
back with an optimistic version check.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.organisations.actors import Actor
from engine.rules.specs import ProcessVersion
from engine.store.errors import Conflict, InvalidTransition, NotAllowed, NotFound
from engine.store.models import Case
from engine.store.models import Task as TaskRow
from engine.store.status import TaskStatus

from . import optimistic_start, optimistic_step, optimistic_timers
from .activity import note_activity
from .case_migration import SpecDiffs, blockers, migrate
from .case_parking import check_not_halted
from .core import CaseRef, EngineCore
from .recompute import rebase_deadline
from .rights import check_may_act
from .step import StepRecorder

__all__ = ["CaseRef", "Engine"]

logger = logging.getLogger(__name__)


class Engine(EngineCore):
    """Runs cases from stored process versions; one instance serves the whole process."""

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
        return optimistic_timers.fire_case_timers(self, session, case_id, now or self.clock())

    def recompute_deadline(self, session: Session, case_id: int, actor: Actor) -> bool:
        """Recompute a provisional deadline on the current calendar; True if the case changed."""
        row = session.get(Case, case_id)
        if row is None:
            raise NotFound(f"case {case_id} does not exist")
        now = self.clock()
        instance = self.load_state(row.state, self.registry.get(session, row.spec_version_id))
        recorder = StepRecorder(instance)
        recorder.deadline_reason = "calendar_year_confirmed"
        with self.operation(session, row, now):
            if rebase_deadline(instance) is None:
                return False
            recorder.refresh_timers()  # a recomputed deadline may already lie in the past
        self.save(session, row, instance, recorder, actor, now)
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
        instance = self.load_state(row.state, source)
        diffs = diffs or SpecDiffs(self.serializer.registry)
        reasons = blockers(instance, source, target, diffs)
        if reasons:
            raise InvalidTransition("；".join(reasons))
        now = self.clock()
        recorder = StepRecorder(instance)
        recorder.note("case_migrated", {"spec_version_id": row.spec_version_id}, {"spec_version_id": target.id})
        with self.operation(session, row, now):
            migrate(instance, source, target, diffs)
            recorder.refresh_timers()
        row.spec_version_id = target.id
        self.save(session, row, instance, recorder, actor, now)

    def restore_case(self, session: Session, row: Case, state: str, version_id: int, actor: Actor) -> None:
        """Put a case back to a stored state on ``version_id`` (undoing a migration), firing what fell due."""
        current_instance = self.load_case(session, row)
        recorder = StepRecorder(current_instance)
        recorder.note("case_migration_reverted", {"spec_version_id": row.spec_version_id},
                      {"spec_version_id": version_id})
        restored = self.load_state(state, self.registry.get(session, version_id))
        now = self.clock()
        with self.operation(session, row, now):
            step = StepRecorder(restored)
            step.refresh_timers()
        recorder.fired_timers, recorder.effects = step.fired_timers, step.effects
        recorder.events += step.events
        row.spec_version_id = version_id
        self.save(session, row, restored, recorder, actor, now)

    def claim_task(self, session: Session, task_id: str, actor: Actor) -> None:
        """Assign an open task of the actor's group to the actor."""
        task_row, row = self.load_task(session, task_id)
        check_may_act(task_row, actor)
        check_not_halted(row)
        if task_row.assignee_id == actor.user_id:
            return
        # The case row first, the task row second: the order a step locks them in (PostgreSQL would
        # otherwise find a claim and a completion of the same case waiting on each other).
        now = self.clock()
        note_activity(session, row, now)
        result = session.execute(
            update(TaskRow).where(TaskRow.id == task_id, TaskRow.assignee_id.is_(None),
                                  TaskRow.status == TaskStatus.READY.value)
            .values(assignee_id=actor.user_id).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("the task was claimed by someone else first, or closed meanwhile")
        self.audit(session, [("task_claimed", None, {"task": task_row.spec_name})], row, task_id, actor, now)

    def release_task(self, session: Session, task_id: str, actor: Actor) -> None:
        """Give a claimed task back to the group."""
        task_row, row = self.load_task(session, task_id)
        if task_row.assignee_id != actor.user_id:
            raise NotAllowed("only the clerk who claimed a task can release it")
        now = self.clock()
        note_activity(session, row, now)  # the case row before the task row, as a step locks them
        task_row.assignee_id = None
        self.audit(session, [("task_released", None, {"task": task_row.spec_name})], row, task_id, actor, now)
