"""On SQLite a step's diagram code runs before the write lock is taken (engine/optimistic_step.py).

Nothing here measures time: the tests assert orderings (another writer committed while the step still ran)
and which path ran (unlocked, then again under the lock when the same case changed meanwhile).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from engine import optimistic_step
from engine.actors import Actor
from engine.errors import InvalidTransition
from engine.models import AuditEntry, Case, Task
from engine.runtime import Engine
from engine.sandbox import Budget
from engine.serializer import StateSerializer
from engine.specs import SpecRegistry
from tests.conftest import FakeClock
from tests.engine.test_script_budget import LOOP, _clerk, _start

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
