"""Races on SQLite and PostgreSQL: one completion wins, a stale write is a Conflict, timers fire once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.cases.timers import fire_due_timers
from engine.organisations.actors import Actor, actor_for
from engine.rules.specs import read_sources
from engine.store.db import make_db_engine, make_sessionmaker
from engine.store.errors import Conflict, InvalidTransition
from engine.store.models import AuditEntry, Case, Organisation, Task, User
from tests.conftest import make_engine

TINY = Path(__file__).resolve().parents[2] / "bpmn" / "tiny"


def _start(db, engine, clock) -> int:
    with db.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(TINY), clock())
        org = {o.code: o.id for o in s.scalars(select(Organisation))}
        data = {"received_on": "2026-09-30", "institute_id": org["210100-institute"],
                "bureau_id": org["210100-bureau"]}
        return engine.start_case(s, "deadline_task", data, Actor.system()).id


def _clerk(s) -> Actor:
    return actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())


def _count(db, case_id: int, action: str) -> int:
    with db.factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.case_id == case_id, AuditEntry.action == action))


def _race(workers) -> list[object]:
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = workers[i]()
        except Exception as exc:  # the loser's error is the result under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_stale_version_is_a_conflict(any_database, engine, clock):
    case_id = _start(any_database, engine, clock)
    with any_database.factory() as s:
        seen = s.get(Case, case_id).version
        task_id = s.scalars(select(Task.id).where(Task.case_id == case_id)).one()
    with any_database.factory() as s, s.begin():
        s.get(Case, case_id).title = "changed by someone else"
    with any_database.factory() as s, s.begin():
        with pytest.raises(Conflict):
            engine.complete_task(s, task_id, {"decision": "yes"}, _clerk(s), expected_version=seen)
    assert _count(any_database, case_id, "task_completed") == 0


def test_two_clerks_completing_at_once_one_wins(any_database, engine, clock):
    case_id = _start(any_database, engine, clock)
    with any_database.factory() as s:
        task_id = s.scalars(select(Task.id).where(Task.case_id == case_id)).one()
    dbs = [make_db_engine(any_database.url) for _ in range(2)]
    engines = [make_engine(clock) for _ in range(2)]

    def worker(i: int):
        def complete():
            with make_sessionmaker(dbs[i])() as s, s.begin():
                return engines[i].complete_task(s, task_id, {"decision": "yes"}, _clerk(s))
        return complete

    results = _race([worker(0), worker(1)])
    for db in dbs:
        db.dispose()
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], (Conflict, InvalidTransition)), results
    assert _count(any_database, case_id, "task_completed") == 1


def test_two_schedulers_fire_a_timer_exactly_once(any_database, engine, clock):
    case_id = _start(any_database, engine, clock)
    clock.set("2026-10-16T08:00:00+08:00")
    dbs = [make_db_engine(any_database.url) for _ in range(3)]
    engines = [make_engine(clock) for _ in range(3)]

    def sweeper(i: int):
        def sweep():
            with make_sessionmaker(dbs[i])() as s, s.begin():
                return fire_due_timers(s, engines[i], clock())
        return sweep

    results = _race([sweeper(i) for i in range(3)])
    for db in dbs:
        db.dispose()
    assert sorted(results) == [0, 0, 1], results
    assert _count(any_database, case_id, "timer_fired") == 1
    with any_database.factory() as s:
        tasks = s.scalars(select(Task.spec_name).where(Task.case_id == case_id)).all()
    assert sorted(tasks) == ["approve", "escalate"]


def test_restarted_scheduler_does_not_refire(any_database, engine, clock):
    case_id = _start(any_database, engine, clock)
    clock.set("2026-10-16T08:00:00+08:00")
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 1
    fresh = make_engine(clock)  # a new process: empty caches, same database
    clock.advance(days=3)
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, fresh, clock()) == 0
    assert _count(any_database, case_id, "timer_fired") == 1


def test_a_case_whose_timer_branch_fails_is_parked_not_retried(any_database, engine, clock):
    sources = read_sources(TINY)
    sources["deadline_task.bpmn"] = sources["deadline_task.bpmn"].replace(
        '<bpmn:sequenceFlow id="f4" sourceRef="overdue" targetRef="escalate" />',
        '<bpmn:sequenceFlow id="f4" sourceRef="overdue" targetRef="broken" />'
        '<bpmn:scriptTask id="broken"><bpmn:script>x = 1 / 0</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f4b" sourceRef="broken" targetRef="escalate" />')
    with any_database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, sources, clock())
        org = {o.code: o.id for o in s.scalars(select(Organisation))}
        case_id = engine.start_case(s, "deadline_task", {"received_on": "2026-09-30", "bureau_id": 1,
                                                         "institute_id": org["210100-institute"]}, Actor.system()).id
    healthy = _start(any_database, engine, clock)
    clock.set("2026-10-16T08:00:00+08:00")
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 1  # the healthy case still fires
    with any_database.factory() as s:
        broken = s.get(Case, case_id)
        assert broken.status == "error" and broken.next_timer_at is None
        assert s.get(Case, healthy).status == "running"
    assert _count(any_database, case_id, "script_failed") == 1  # a script after the timer: a parked rule
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 0


def test_readers_do_not_block_a_writer_on_sqlite(database, engine, clock):
    case_id = _start(database, engine, clock)
    with database.reader() as reader:
        assert reader.get(Case, case_id) is not None  # an open read transaction
        with database.factory() as s, s.begin():  # a writer proceeds meanwhile
            s.get(Case, case_id).title = "written while a page was being read"
        assert reader.scalar(select(func.count()).select_from(Case)) >= 1


def test_a_sweep_that_dies_before_commit_loses_no_timer(any_database, engine, clock):
    case_id = _start(any_database, engine, clock)
    clock.set("2026-10-16T08:00:00+08:00")
    with any_database.factory() as s:
        s.begin()
        assert fire_due_timers(s, engine, clock()) == 1
        s.rollback()  # the scheduler process died before its commit
    fresh = make_engine(clock)
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, fresh, clock()) == 1
    assert _count(any_database, case_id, "timer_fired") == 1
