"""Starting a case: on SQLite, the start's diagram code runs before the write lock is taken.

Like a completion (``optimistic_step``), a start first runs in memory over a read transaction when the
caller's write session has not touched the database yet. The case number derives from the case id, which
is known only once the row is inserted; so the unlocked run takes the id after the largest one it reads,
and the write session, under the lock, inserts the row with that id if the largest id is still the same.
If another case was started meanwhile (or the unlocked run raised), the start runs again under the lock as
before: the row is inserted first and the id it gets is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI
from engine.organisations.actors import Actor
from engine.rules.filing_limits import check_instrument_count
from engine.rules.forms import validate_submission
from engine.store.errors import ScriptError
from engine.store.models import Case
from engine.store.status import CaseStatus

from .case_parking import park_case
from .core import CaseRef, EngineCore
from .facets import case_facets
from .instance import CaseInstance
from .optimistic_step import StepOutcome, read_session, runs_unlocked
from .rights import check_may_start
from .step import StepRecorder

_TOP_CASE_ID = select(func.max(Case.id))


@dataclass(frozen=True)
class StartRequest:
    """What ``Engine.start_case`` was asked to start."""

    process_id: str
    data: dict[str, Any]
    actor: Actor
    owner_org_id: int | None = None
    title: str = ""
    subject: str | None = None


def start_case(engine: EngineCore, session: Session, request: StartRequest,
               under_lock: Callable[[Session], StartRequest] | None = None) -> CaseRef:
    """Start a case (see ``Engine.start_case``), running its diagram code unlocked where that helps.

    ``under_lock`` re-derives the request in the write session before the row is inserted (checks that
    must hold then, such as "no application already running"); it may raise. When it derives another
    request than the one run unlocked, that one is started under the lock instead.
    """
    seen = _run_unlocked(engine, session, request)
    if under_lock is not None:
        checked = under_lock(session)  # on SQLite this takes the write lock
        if checked != request:
            seen, request = None, checked
    top = session.scalar(_TOP_CASE_ID) if seen is not None else None  # on SQLite this takes the write lock
    if seen is not None and (top or 0) == seen[0]:
        row, outcome = seen[1], seen[2]
        session.add(row)  # inserted with its state and number when it is saved
    else:
        row, outcome = compute_start(engine, session, request)
    if outcome.error is not None:
        message = park_case(session, row, outcome.error, request.actor, outcome.now, None, outcome.submitted)
        return engine.ref(row, message)
    engine.save(session, row, outcome.instance, outcome.recorder, request.actor, outcome.now)
    return engine.ref(row)


def compute_start(engine: EngineCore, session: Session, request: StartRequest,
                  case_id: int | None = None) -> tuple[Case, StepOutcome]:
    """Run a start to its first wait; ``case_id`` None inserts the row in ``session`` to get its id."""
    version = engine.registry.current(session, request.process_id)
    check_may_start(version, request.actor)
    check_instrument_count(request.data)
    now = engine.clock()
    actor, data = request.actor, request.data
    owner_org_id = actor.organisation_id if "owner" in actor.roles else request.owner_org_id
    start_schema = version.forms.get(f"{request.process_id}.start.schema.json")
    if start_schema is not None:
        data = validate_submission(start_schema, data, {}, now.astimezone(SHANGHAI).date())
    county_code, instrument_type = case_facets(data)  # plain columns the inbox filters on
    # The number derives from the id: without one, insert with a unique placeholder first.
    row = Case(id=case_id, number=f"new-{uuid4().hex[:24]}", process_id=request.process_id,
               spec_version_id=version.id, status=CaseStatus.RUNNING.value, county_code=county_code,
               instrument_type=instrument_type, title=request.title, subject=request.subject,
               owner_org_id=owner_org_id, state="", created_at=now, updated_at=now)
    if case_id is None:
        session.add(row)
        session.flush()
    row.number = f"QJ{now.year}{row.id:06d}"
    instance = CaseInstance(engine.new_workflow(version, row, data, owner_org_id))
    recorder = StepRecorder(instance)
    recorder.note("case_started", None, dict(data))
    # No autoflush while scripts query: the case number is written with the state, in one statement.
    try:
        with engine.operation(session, row, now), session.no_autoflush:
            recorder.run_engine_steps()
    except ScriptError as exc:  # park the case as it was before its first step
        row.state = engine.serializer.dump_state(engine.new_workflow(version, row, data, owner_org_id))
        return row, StepOutcome(instance, recorder, now, exc, dict(data))
    return row, StepOutcome(instance, recorder, now)


def _run_unlocked(engine: EngineCore, session: Session, request: StartRequest) -> tuple[int, Case, StepOutcome] | None:
    """The start run over a read transaction: (largest case id, new row, outcome), or None to run it locked."""
    if not runs_unlocked(session):
        return None
    try:
        with read_session(session) as reader:
            top = reader.scalar(_TOP_CASE_ID) or 0
            row, outcome = compute_start(engine, reader, request, top + 1)
            return top, row, outcome
    except Exception:  # refusals and errors are decided under the lock
        return None
