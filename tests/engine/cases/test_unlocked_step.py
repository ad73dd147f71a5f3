"""On SQLite a step's diagram code runs before the write lock is taken (engine/cases/optimistic_step.py, optimistic_start.py).

Nothing here measures time: the tests assert orderings (another writer committed while the step still ran)
and which path ran (unlocked, then again under the lock when the same case changed meanwhile).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.actions.owner_actions import apply_for_verification
from engine.bootstrap import System
from engine.cases import optimistic_start, optimistic_step, optimistic_timers
from engine.cases.runtime import Engine
from engine.organisations.actors import Actor
from engine.rules.serializer import StateSerializer
from engine.rules.specs import SpecRegistry
from engine.sandbox import Budget
from engine.scheduler import sweep_once
from engine.store.errors import InvalidTransition
from engine.store.models import AuditEntry, Case, Organisation, Task
from tests.conftest import FakeClock
from tests.engine.sandbox.test_script_budget import LOOP, _clerk, _sources, _start
from tests.engine.scenario import Scenario, instrument

LONG_BUDGET = Budget(seconds=3, memory_mb=64)  # long enough for another writer's commit to land within it
SHORT_BUDGET = Budget(seconds=0.2, memory_mb=64)


class HookedClock(FakeClock):
    """The test clock, calling ``hook`` once when the engine next reads it (inside the step, before its code)."""

    hook: Callable[[], None] | None = None

    def __call__(self):
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return self.now


@pytest.fixture
def hooked_clock(clock: FakeClock) -> HookedClock:
    return HookedClock(clock.now)


def _engine(clock: FakeClock, budget: Budget = SHORT_BUDGET) -> Engine:
    serializer = StateSerializer()
    return Engine(SpecRegistry(serializer), serializer, clock, budget)


@pytest.fixture
def paths(monkeypatch) -> list[str]:
    """Which path computed each step: "unlocked" (over a read transaction) or "locked" (in the caller's session)."""
    seen: list[str] = []
    compute = optimistic_step.compute_completion

    def spy(engine, session, *args):
        seen.append("locked" if session.get_bind().get_execution_options().get("qiangjian_sqlite_begin")
                    == "IMMEDIATE" else "unlocked")
        return compute(engine, session, *args)

    monkeypatch.setattr(optimistic_step, "compute_completion", spy)
    return seen


def _actor(db) -> Actor:
    with db.reader() as s:
        return _clerk(s)


def _set_title(db, case_id: int, title: str) -> None:
    with db.factory() as s, s.begin():
        s.get(Case, case_id).title = title


def _completions(db, task_id: str) -> int:
    with db.reader() as s:
        return len(s.scalars(select(AuditEntry).where(AuditEntry.task_id == task_id,
                                                      AuditEntry.action == "task_completed")).all())


def test_another_case_is_written_while_a_step_runs_over_budget(database, hooked_clock, paths):
    engine = _engine(hooked_clock, LONG_BUDGET)
    looping, task_id = _start(database, engine, hooked_clock, script=LOOP)
    other, _ = _start(database, engine, hooked_clock, script="done = True")
    actor = _actor(database)
    running, results = threading.Event(), []
    hooked_clock.hook = running.set

    def step() -> None:
        with database.factory() as s, s.begin():
            results.append(engine.complete_task(s, task_id, {}, actor))

    worker = threading.Thread(target=step)
    worker.start()
    assert running.wait(30)  # the step has read its case and is about to run its code
    _set_title(database, other.id, "written while the script looped")
    step_done_when_written = bool(results)
    worker.join(60)
    assert not step_done_when_written  # the other writer did not wait for the looping step
    assert [r.status for r in results] == ["error"] and results[0].error_message.startswith("脚本超出时间限制")
    assert paths == ["unlocked"]  # the other case's write does not make the step run again
    with database.reader() as s:
        assert s.get(Case, other.id).title == "written while the script looped"
        assert s.get(Case, looping.id).status == "error"
        assert s.get(Task, task_id).status == "ready"


def test_a_change_of_the_same_case_meanwhile_runs_the_step_again_under_the_lock(database, hooked_clock, paths):
    engine = _engine(hooked_clock)
    ref, task_id = _start(database, engine, hooked_clock, script="done = True")
    actor = _actor(database)
    hooked_clock.hook = lambda: _set_title(database, ref.id, "changed during the step")
    with database.factory() as s, s.begin():
        result = engine.complete_task(s, task_id, {"note": "已核对"}, actor)
    assert paths == ["unlocked", "locked"]
    assert (result.status, result.version) == ("completed", ref.version + 2)  # no spurious Conflict
    with database.reader() as s:
        case = s.get(Case, ref.id)
        assert (case.title, case.status) == ("changed during the step", "completed")
        assert s.get(Task, task_id).status == "completed"
    assert _completions(database, task_id) == 1


def test_the_same_task_completed_meanwhile_is_refused_under_the_lock(database, hooked_clock, paths):
    engine = _engine(hooked_clock)
    ref, task_id = _start(database, engine, hooked_clock, script="done = True")
    actor = _actor(database)

    def complete_first() -> None:
        with database.factory() as s, s.begin():
            engine.complete_task(s, task_id, {"note": "先办"}, actor)

    hooked_clock.hook = complete_first
    with database.factory() as s, s.begin(), pytest.raises(InvalidTransition):
        engine.complete_task(s, task_id, {"note": "后办"}, actor)
    assert _completions(database, task_id) == 1  # the unlocked result was dropped, not written twice
    with database.reader() as s:
        assert s.get(Case, ref.id).status == "completed"


def test_a_session_that_already_read_runs_the_step_under_the_lock(database, hooked_clock, paths):
    engine = _engine(hooked_clock)
    ref, task_id = _start(database, engine, hooked_clock, script="done = True")
    with database.factory() as s, s.begin():
        result = engine.complete_task(s, task_id, {}, _clerk(s))  # _clerk read in s: it holds the lock already
    assert paths == ["locked"] and result.status == "completed"


def test_an_unchanged_case_is_computed_once(database, hooked_clock, paths):
    engine = _engine(hooked_clock)
    ref, task_id = _start(database, engine, hooked_clock, script="total = 6 * 7")
    with database.factory() as s, s.begin():
        result = engine.complete_task(s, task_id, {}, _actor(database))
    assert paths == ["unlocked"] and (result.status, result.version) == ("completed", ref.version + 1)


# -- starts ------------------------------------------------------------------------------------------
@pytest.fixture
def start_paths(monkeypatch) -> list[str]:
    """Which path computed each start: "unlocked" (the id chosen over a read transaction) or "locked"."""
    seen: list[str] = []
    compute = optimistic_start.compute_start

    def spy(engine, session, request, case_id=None):
        seen.append("locked" if case_id is None else "unlocked")
        return compute(engine, session, request, case_id)

    monkeypatch.setattr(optimistic_start, "compute_start", spy)
    return seen


def _deploy(db, engine, clock, **texts: str) -> dict[str, object]:
    """Deploy the budget diagram; returns the start data of its cases."""
    with db.factory() as s, s.begin():
        engine.registry.deploy_sources(s, _sources(**texts), clock())
        institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
    return {"institute_id": institute, "kind": "a"}


def _start_fresh(db, engine, data):
    with db.factory() as s, s.begin():
        return engine.start_case(s, "budget_loop", data, Actor.system())


def test_another_case_is_written_while_a_start_runs_over_budget(database, hooked_clock, start_paths):
    engine = _engine(hooked_clock, LONG_BUDGET)
    other, _ = _start(database, engine, hooked_clock, script="done = True")
    data = _deploy(database, engine, hooked_clock, timer="str(sum(range(10**12)))")  # loops at the start
    start_paths.clear()  # the other case's start above ran in the deploying session, under the lock
    running, results = threading.Event(), []
    hooked_clock.hook = running.set

    def start() -> None:
        results.append(_start_fresh(database, engine, data))

    worker = threading.Thread(target=start)
    worker.start()
    assert running.wait(30)
    _set_title(database, other.id, "written while the start looped")
    start_done_when_written = bool(results)
    worker.join(60)
    assert not start_done_when_written
    assert start_paths == ["unlocked"]
    [ref] = results
    assert ref.status == "error" and "时间限制" in ref.error_message and ref.number == f"QJ2026{ref.id:06d}"
    with database.reader() as s:
        assert s.get(Case, other.id).title == "written while the start looped"
        assert s.get(Case, ref.id).status == "error"
        assert [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.case_id == ref.id))] \
            == ["script_failed"]


def test_a_case_started_meanwhile_runs_the_start_again_under_the_lock(database, hooked_clock, start_paths):
    engine = _engine(hooked_clock)
    data = _deploy(database, engine, hooked_clock)
    other: list = []
    hooked_clock.hook = lambda: other.append(_start_fresh(database, engine, data))  # takes the id it chose
    ref = _start_fresh(database, engine, data)
    assert start_paths == ["unlocked", "unlocked", "locked"]  # the second start, inside the first, went first
    [first] = other
    assert ref.id == first.id + 1 and ref.number == f"QJ2026{ref.id:06d}" and ref.status == "running"
    with database.reader() as s:
        for case_ref in (first, ref):
            case = s.get(Case, case_ref.id)
            facts = engine.load_case(s, case).workflow.get_tasks(state=TaskState.READY)
            assert {t.data["case_number"] for t in facts} == {case.number}  # the state carries its own number
            assert s.scalars(select(Task.id).where(Task.case_id == case.id)).all()


def test_an_unchanged_start_inserts_the_id_it_chose(database, hooked_clock, start_paths):
    engine = _engine(hooked_clock)
    earlier, _ = _start(database, engine, hooked_clock)
    data = _deploy(database, engine, hooked_clock)
    start_paths.clear()
    with database.reader() as s:
        top = s.scalar(select(func.max(Case.id)))
    assert top == earlier.id
    ref = _start_fresh(database, engine, data)
    assert start_paths == ["unlocked"] and (ref.id, ref.status) == (top + 1, "running")
    with database.reader() as s:
        assert [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.case_id == ref.id))] \
            == ["case_started"]


# -- the timer sweep ---------------------------------------------------------------------------------
DUE = '"2026-09-30T17:00:00+08:00"'  # the deadline the sweep finds due once the clock passes it


@pytest.fixture
def timer_paths(monkeypatch) -> tuple[list[str], list[Callable[[], None]]]:
    """Which path fired each case ("unlocked" over a read transaction, or "locked"), and hooks run at the
    next unlocked fire, inside its read transaction, before the timer's code."""
    seen: list[str] = []
    hooks: list[Callable[[], None]] = []
    compute = optimistic_timers.compute_timers

    def spy(engine, session, row, now):
        locked = session.get_bind().get_execution_options().get("qiangjian_sqlite_begin") == "IMMEDIATE"
        seen.append("locked" if locked else "unlocked")
        if not locked and hooks:
            hooks.pop(0)()
        return compute(engine, session, row, now)

    monkeypatch.setattr(optimistic_timers, "compute_timers", spy)
    return seen, hooks


def _start_timer_case(db, engine, clock, script: str):
    """A case whose deadline falls due, and whose deadline path runs ``script`` (the Run script task)."""
    sources = _sources(script=script, timer=DUE)
    sources["budget_loop.bpmn"] = sources["budget_loop.bpmn"].replace(
        'sourceRef="deadline" targetRef="end_late"', 'sourceRef="deadline" targetRef="run"')
    with db.factory() as s, s.begin():
        engine.registry.deploy_sources(s, sources, clock())
    return _start_fresh(db, engine, _deploy_data(db))


def _deploy_data(db) -> dict[str, object]:
    with db.reader() as s:
        return {"institute_id": s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute"))
                .one(), "kind": "a"}


def _system(db, engine: Engine) -> System:
    return System(db=None, sessions=db.factory, readers=db.reader, engine=engine)  # type: ignore[arg-type]


def _audit_actions(db, case_id: int) -> list[str]:
    with db.reader() as s:
        return [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id)
                                             .order_by(AuditEntry.id))]


def test_another_case_is_written_while_a_timer_runs_over_budget_in_the_sweep(database, hooked_clock, timer_paths):
    paths, hooks = timer_paths
    engine = _engine(hooked_clock, LONG_BUDGET)
    looping = _start_timer_case(database, engine, hooked_clock, LOOP)
    other, _ = _start(database, engine, hooked_clock, script="done = True")  # its deadline is in 2099
    hooked_clock.set("2026-10-01T09:00:00+08:00")
    running, results = threading.Event(), []
    hooks.append(running.set)
    worker = threading.Thread(target=lambda: results.append(sweep_once(_system(database, engine))))
    worker.start()
    assert running.wait(30)  # the sweep has read the due case and is about to run its timer's code
    _set_title(database, other.id, "written while the timer looped")
    with database.reader() as s:
        looping_status_when_written = s.get(Case, looping.id).status
    worker.join(60)
    assert looping_status_when_written == "running"  # the write did not wait for the sweep's case to be parked
    assert results == [0] and paths == ["unlocked"]
    with database.reader() as s:
        assert s.get(Case, other.id).title == "written while the timer looped"
        case = s.get(Case, looping.id)
        assert (case.status, case.next_timer_at) == ("error", None)  # parked as before, and no longer swept
    assert _audit_actions(database, looping.id) == ["case_started", "script_failed"]


def test_a_change_of_the_same_case_meanwhile_fires_its_timer_again_under_the_lock_once(
        database, hooked_clock, timer_paths):
    paths, hooks = timer_paths
    engine = _engine(hooked_clock)
    ref = _start_timer_case(database, engine, hooked_clock, "done = True")
    hooked_clock.set("2026-10-01T09:00:00+08:00")
    hooks.append(lambda: _set_title(database, ref.id, "changed during the sweep"))
    assert sweep_once(_system(database, engine)) == 1
    assert paths == ["unlocked", "locked"]
    with database.reader() as s:
        case = s.get(Case, ref.id)
        assert (case.title, case.status, case.version) == ("changed during the sweep", "completed", ref.version + 2)
    assert _audit_actions(database, ref.id).count("timer_fired") == 1
    assert sweep_once(_system(database, engine)) == 0


def test_an_unchanged_due_case_is_fired_once_unlocked(database, hooked_clock, timer_paths):
    paths, _ = timer_paths
    engine = _engine(hooked_clock)
    ref = _start_timer_case(database, engine, hooked_clock, "done = True")
    hooked_clock.set("2026-10-01T09:00:00+08:00")
    assert sweep_once(_system(database, engine)) == 1
    assert paths == ["unlocked"]
    with database.reader() as s:
        case = s.get(Case, ref.id)
        assert (case.status, case.version, case.next_timer_at) == ("completed", ref.version + 1, None)


# -- applications for verification ---------------------------------------------------------------------
@pytest.fixture
def application(database, hooked_clock, monkeypatch):
    """A filed instrument of 新民燃气 (its ledger id), the owner, and hooks run at the next unlocked start."""
    sc = Scenario(database, hooked_clock, restart=False)
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("JY-1"))
    with database.reader() as s:
        owner = sc.actor(s, "xinmin_gas")
    hooks: list[Callable[[], None]] = []
    compute = optimistic_start.compute_start

    def spy(engine, session, request, case_id=None):
        if case_id is not None and hooks:  # the unlocked run, inside its read transaction
            hooks.pop(0)()
        return compute(engine, session, request, case_id)

    monkeypatch.setattr(optimistic_start, "compute_start", spy)
    return instrument_id, owner, hooks


def _apply(db, engine, owner: Actor, instrument_id: int):
    with db.factory() as s, s.begin():
        return apply_for_verification(s, engine, owner, instrument_id)


def test_another_case_is_written_while_an_application_runs_over_budget(database, hooked_clock, application):
    instrument_id, owner, hooks = application
    engine = _engine(hooked_clock, LONG_BUDGET)
    other, _ = _start(database, engine, hooked_clock, script="done = True")
    sources = _sources(timer="str(sum(range(10**12)))")  # an application process whose start loops
    sources["budget_loop.bpmn"] = sources["budget_loop.bpmn"].replace('id="budget_loop"', 'id="verification_request"')
    with database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, sources, hooked_clock())
    running, results = threading.Event(), []
    hooks.append(running.set)
    worker = threading.Thread(target=lambda: results.append(_apply(database, engine, owner, instrument_id)))
    worker.start()
    assert running.wait(30)
    _set_title(database, other.id, "written while the application looped")
    with database.reader() as s:
        applications_when_written = s.scalar(select(func.count()).where(Case.subject == f"instrument:{instrument_id}"))
    worker.join(60)
    assert applications_when_written == 0  # the write did not wait for the application to be inserted
    [ref] = results
    assert ref.status == "error" and "时间限制" in ref.error_message
    with database.reader() as s:
        assert s.get(Case, other.id).title == "written while the application looped"
        case = s.get(Case, ref.id)
        assert (case.status, case.subject) == ("error", f"instrument:{instrument_id}")


def test_an_application_started_meanwhile_is_refused_under_the_lock(database, hooked_clock, application):
    instrument_id, owner, hooks = application
    engine = _engine(hooked_clock)
    first: list = []
    hooks.append(lambda: first.append(_apply(database, engine, owner, instrument_id)))
    with pytest.raises(InvalidTransition, match="already has a running application"):
        _apply(database, engine, owner, instrument_id)
    with database.reader() as s:
        running = s.scalars(select(Case.id).where(Case.subject == f"instrument:{instrument_id}")).all()
    assert [r.id for r in first] == running  # one application: the one that went first


def test_an_unchanged_application_starts_the_case_it_ran_unlocked(database, hooked_clock, application, start_paths):
    instrument_id, owner, _ = application
    ref = _apply(database, _engine(hooked_clock), owner, instrument_id)
    assert start_paths == ["unlocked"] and ref.status == "running"
    assert _audit_actions(database, ref.id)[0] == "case_started"
