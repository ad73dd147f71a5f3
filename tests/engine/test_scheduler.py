"""APScheduler wiring: one interval job that runs the sweep, one transaction per due case."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event, select

from engine.bootstrap import System
from engine.cases.timers import due_case_ids
from engine.organisations.actors import Actor
from engine.rules.specs import read_sources
from engine.scheduler import make_scheduler, sweep_once
from engine.store.models import AuditEntry, Case, Organisation

TINY = Path(__file__).resolve().parent.parent / "bpmn" / "tiny"


def test_scheduler_registers_one_coalescing_sweep_job(database, engine):
    system = System(db=None, sessions=database.factory, readers=database.reader, engine=engine)  # type: ignore[arg-type]
    scheduler = make_scheduler(system, interval_seconds=15)
    [job] = scheduler.get_jobs()
    assert job.id == "timer_sweep" and job.max_instances == 1 and job.coalesce
    assert job.trigger.interval.total_seconds() == 15 and job.args == (system,)
    # The first sweep is due at once (timers that came due while the server was down), not after 15 s.
    assert (job.next_run_time - datetime.now(timezone.utc)).total_seconds() < 1


def test_the_job_function_fires_due_timers(database, engine, clock):
    system = System(db=None, sessions=database.factory, readers=database.reader, engine=engine)  # type: ignore[arg-type]
    with database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(TINY), clock())
        org = {o.code: o.id for o in s.scalars(select(Organisation))}
        engine.start_case(s, "deadline_task", {"received_on": "2026-09-30", "institute_id": org["210100-institute"],
                                                "bureau_id": org["210100-bureau"]}, Actor.system())
    assert sweep_once(system) == 0
    clock.set("2026-10-16T00:00:05+08:00")
    assert sweep_once(system) == 1
    with database.factory() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "timer_fired")).all()
    assert entry.actor == "scheduler"


def test_each_due_case_commits_on_its_own(database, engine, clock):
    """A batch of due timers never holds the write lock for the whole sweep: one commit per case."""
    system = System(db=None, sessions=database.factory, readers=database.reader, engine=engine)  # type: ignore[arg-type]
    with database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(TINY), clock())
        org = {o.code: o.id for o in s.scalars(select(Organisation))}
        for _ in range(3):
            engine.start_case(s, "deadline_task", {"received_on": "2026-09-30", "institute_id": org["210100-institute"],
                                                    "bureau_id": org["210100-bureau"]}, Actor.system())
    clock.set("2026-10-16T00:00:05+08:00")
    commits: list[object] = []

    def count(session: object) -> None:
        commits.append(session)

    event.listen(database.factory, "after_commit", count)
    try:
        assert sweep_once(system, limit=2) == 2
        assert len({id(session) for session in commits}) == 2  # two sessions, each committed
    finally:
        event.remove(database.factory, "after_commit", count)
    assert sweep_once(system) == 1
    assert sweep_once(system) == 0


def test_a_timer_due_exactly_now_waits_for_the_next_sweep_without_blocking_others(database, engine, clock):
    """A timer fires only once "now" is past it; the sweep must not pick (and keep re-picking) such a case
    ahead of cases it can fire: with a limit of one, the later case still fires."""
    system = System(db=None, sessions=database.factory, readers=database.reader, engine=engine)  # type: ignore[arg-type]
    with database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(TINY), clock())
        org = {o.code: o.id for o in s.scalars(select(Organisation))}
        ids = [engine.start_case(s, "deadline_task", {"received_on": day, "institute_id": org["210100-institute"],
                                                       "bureau_id": org["210100-bureau"]}, Actor.system()).id
               for day in ("2026-09-29", "2026-09-30")]
        later = s.get(Case, ids[1]).next_timer_at
    assert later is not None
    clock.now = later  # the second case's timer is due exactly now, the first one's earlier
    with database.factory() as s:
        assert due_case_ids(s, clock(), limit=1) == [ids[0]]
        assert due_case_ids(s, clock()) == [ids[0]]
    assert sweep_once(system, limit=1) == 1
    clock.now = later + timedelta(microseconds=1)
    assert sweep_once(system, limit=1) == 1
