"""Completing a task: on SQLite, diagram code runs before the write lock is taken.

SQLite has one write lock for the whole database, and engine write sessions take it at their first
statement (BEGIN IMMEDIATE). A step's diagram code (scripts, conditions, decision cells) may run for up
to its time budget, and under the lock every other writer would queue behind it. So on SQLite, when the
caller's write session has not touched the database yet, the step first runs in memory over a short
read transaction (BEGIN DEFERRED: no lock); then the write session loads the task and case, which takes
the lock, and persists the result if the case version is unchanged. If another writer changed the case
meanwhile, or the unlocked run raised, the step runs again under the lock exactly as before, so no
spurious Conflict appears. PostgreSQL needs none of this: row locks keep writers of other cases apart.

Diagram functions that read the database (organisation look-ups) read the committed data of the read
transaction; their effects are applied in the write transaction, as always.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from engine.organisations.actors import Actor
from engine.rules.filing_limits import check_instrument_count
from engine.rules.forms import validate_submission
from engine.store.db import BEGIN_OPTION
from engine.store.errors import Conflict, InvalidTransition, ScriptError
from engine.store.models import Case
from engine.store.models import Task as TaskRow

from .case_parking import check_not_halted, check_not_parked, park_case
from .core import CaseRef, EngineCore
from .instance import CaseInstance
from .rights import check_may_act
from .step import StepRecorder


@dataclass
class StepOutcome:
    """A step computed in memory: the advanced workflow and what to write, or the error that parks the case."""

    instance: CaseInstance
    recorder: StepRecorder
    now: datetime
    error: ScriptError | None = None
    submitted: dict[str, Any] | None = None  # a start's validated data, kept in the audit when the start fails


def complete_task(engine: EngineCore, session: Session, task_id: str, data: dict[str, Any], actor: Actor,
                  expected_version: int | None) -> CaseRef:
    """Complete a task (see ``Engine.complete_task``), running its diagram code unlocked where that helps."""
    seen = _run_unlocked(engine, session, task_id, data, actor, expected_version)
    task_row, row = engine.load_task(session, task_id)  # on SQLite this takes the write lock
    if seen is not None and seen[0] == row.version and row.state == seen[1]:
        check_may_act(task_row, actor)  # a claim changes the task row, not the case version
        outcome = seen[2]
    else:  # the case changed under the unlocked run (or it failed): run the step again, now under the lock
        outcome = compute_completion(engine, session, task_row, row, data, actor, expected_version)
    return persist_completion(engine, session, row, outcome, task_id, data, actor)


def compute_completion(
    engine: EngineCore, session: Session, task_row: TaskRow, row: Case, data: dict[str, Any], actor: Actor,
    expected_version: int | None,
) -> StepOutcome:
    """Validate ``data`` and run the step in memory; diagram code reads through ``session``, nothing is written."""
    check_may_act(task_row, actor)
    check_not_parked(row)
    check_not_halted(row)
    check_instrument_count(data)
    if expected_version is not None and expected_version != row.version:
        raise Conflict(f"case {row.number} changed (version {row.version}, you saw {expected_version})")
    version = engine.registry.get(session, row.spec_version_id)
    instance = engine.load_state(row.state, version)
    now = engine.clock()
    recorder = StepRecorder(instance)
    try:
        with engine.operation(session, row, now) as ctx:
            recorder.refresh_timers()
            task = instance.spiff_task(task_row.id)
            if task.state != TaskState.READY:
                raise InvalidTransition(f"task {task_row.title} is no longer open (its deadline may have passed)")
            schema = version.forms.get(task_row.form or "", {"type": "object"})
            accepted = validate_submission(schema, data, task.data, ctx.today)
            recorder.note("task_completed", {k: task.data.get(k) for k in accepted},
                          {"task": task_row.spec_name, **accepted})
            task.set_data(**accepted)
            recorder.run_task(task)
    except ScriptError as exc:  # nothing was written: the case stays as it was before the step
        return StepOutcome(instance, recorder, now, exc)
    return StepOutcome(instance, recorder, now)


def persist_completion(engine: EngineCore, session: Session, row: Case, outcome: StepOutcome, task_id: str,
                       data: dict[str, Any], actor: Actor) -> CaseRef:
    """Write a computed step over ``row`` (a row of ``session``), or park the case when the step failed."""
    if outcome.error is not None:
        return engine.ref(row, park_case(session, row, outcome.error, actor, outcome.now, task_id, data))
    engine.save(session, row, outcome.instance, outcome.recorder, actor, outcome.now, completed=(task_id, actor))
    return engine.ref(row)


def runs_unlocked(session: Session) -> bool:
    """True on SQLite when ``session`` has not begun its database transaction nor holds unflushed changes.

    A session that already read or wrote holds the lock (or sees its own uncommitted rows), so the step runs
    in it as before.
    """
    bind = session.get_bind()
    if isinstance(bind, Connection) or bind.dialect.name != "sqlite" or bind.url.database in (None, "", ":memory:"):
        return False
    transaction = session.get_transaction()
    connected = transaction is not None and bool(transaction._connections)
    return not (connected or session.new or session.dirty or session.deleted)


def _run_unlocked(engine: EngineCore, session: Session, task_id: str, data: dict[str, Any], actor: Actor,
                  expected_version: int | None) -> tuple[int, str, StepOutcome] | None:
    """The step run over a read transaction: (case version, case state, outcome), or None to run it locked."""
    if not runs_unlocked(session):
        return None
    try:
        with read_session(session) as reader:
            task_row, row = engine.load_task(reader, task_id)
            outcome = compute_completion(engine, reader, task_row, row, data, actor, expected_version)
            return row.version, row.state, outcome
    except Exception:  # refusals and errors are decided under the lock, over the case as it is then
        return None


@contextmanager
def read_session(session: Session) -> Iterator[Session]:
    """Where to read before writing in ``session``: a read transaction beside it while it runs unlocked
    (SQLite: BEGIN DEFERRED, no lock), else ``session`` itself."""
    if not runs_unlocked(session):
        yield session
        return
    bind = session.get_bind().execution_options(**{BEGIN_OPTION: "DEFERRED"})
    with Session(bind, expire_on_commit=False) as reader, reader.begin():
        yield reader
