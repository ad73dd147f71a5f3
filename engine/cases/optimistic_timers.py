"""Firing a case's timers: on SQLite, in the sweep, the diagram code runs before the write lock is taken.

A timer's expression and the scripts after its event are diagram code with a time budget, like a step's
(``optimistic_step``). So on SQLite, when the sweep's write session has not touched the database yet, the
earliest due case is read and fired in memory over a read transaction (no lock); then the write session
re-reads the case, which takes the lock, and saves the result if its version and next timer are
unchanged. If another writer (a clerk, another sweep) changed the case meanwhile, or the unlocked run
raised something other than a script error, the due case is fired again under the lock exactly as
before. The version column still guards the save, so a timer fires once. A timer whose code fails parks
the case (``timers.fire_case``), from either path. PostgreSQL needs none of this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from engine.organisations.actors import Actor
from engine.store.errors import NotFound, ScriptError
from engine.store.models import Case
from engine.store.status import LIVE_CASE_STATUSES

from .core import EngineCore
from .optimistic_step import StepOutcome, read_session, runs_unlocked
from .step import StepRecorder
from .timers import due_case_ids, fire_case

SCHEDULER = Actor.system("scheduler")


@dataclass(frozen=True)
class _Fired:
    """A due case fired over a read transaction: what it was then, and the outcome."""

    case_id: int
    version: int
    next_timer_at: datetime | None
    outcome: StepOutcome


def compute_timers(engine: EngineCore, session: Session, row: Case, now: datetime) -> StepOutcome:
    """Fire what is due on ``row`` at ``now`` in memory; diagram code reads through ``session``, nothing is written."""
    instance = engine.load_state(row.state, engine.registry.get(session, row.spec_version_id))
    recorder = StepRecorder(instance)
    try:
        with engine.operation(session, row, now):
            recorder.refresh_timers()
    except ScriptError as exc:  # nothing was written: the case parks as it was
        return StepOutcome(instance, recorder, now, exc)
    return StepOutcome(instance, recorder, now)


def save_timers(engine: EngineCore, session: Session, row: Case, outcome: StepOutcome) -> int:
    """Write fired timers over ``row``; returns how many fired. A failed outcome raises its ScriptError."""
    if outcome.error is not None:
        raise outcome.error
    engine.save(session, row, outcome.instance, outcome.recorder, SCHEDULER, outcome.now)
    return len(outcome.recorder.fired_timers)


def fire_next_due(session: Session, engine: EngineCore, now: datetime) -> int | None:
    """Fire the earliest due case in ``session``'s transaction: how many timers fired, or None if none is due."""
    fired = _fire_unlocked(engine, session, now)
    if fired is False:
        return None
    if isinstance(fired, _Fired):
        row = session.get(Case, fired.case_id)  # on SQLite this takes the write lock
        if row is not None and (row.version, row.next_timer_at) == (fired.version, fired.next_timer_at):
            return fire_case(session, row.id, now, partial(_save_seen, engine, row, fired.outcome))
    # The case changed under the unlocked run (or it failed): fire the earliest due case under the lock.
    if not due_case_ids(session, now, 1):
        return None
    return sum(fire_case(session, case_id, now, partial(fire_case_timers, engine))
               for case_id in due_case_ids(session, now, 1))


def fire_case_timers(engine: EngineCore, session: Session, case_id: int, now: datetime) -> int:
    """Fire the due timers of one case under the caller's transaction; how many fired (``Engine.fire_timers``)."""
    row = session.get(Case, case_id)
    if row is None:
        raise NotFound(f"case {case_id} does not exist")
    if row.status not in LIVE_CASE_STATUSES:  # terminated, completed or parked meanwhile: nothing fires
        return 0
    return save_timers(engine, session, row, compute_timers(engine, session, row, now))


def _save_seen(engine: EngineCore, row: Case, outcome: StepOutcome, session: Session, _case_id: int,
               _now: datetime) -> int:
    return save_timers(engine, session, row, outcome)


def _fire_unlocked(engine: EngineCore, session: Session, now: datetime) -> _Fired | bool | None:
    """The earliest due case fired over a read transaction; False when none is due, None to fire it locked."""
    if not runs_unlocked(session):
        return None
    try:
        with read_session(session) as reader:
            due = due_case_ids(reader, now, 1)
            if not due:
                return False
            row = reader.get(Case, due[0])
            if row is None:
                return None
            case_id, version, next_timer_at = row.id, row.version, row.next_timer_at
            return _Fired(case_id, version, next_timer_at, compute_timers(engine, reader, row, now))
    except Exception:  # decided under the lock, over the case as it is then
        return None
