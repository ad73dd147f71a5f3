"""Engine behaviour on a tiny diagram: task rows, rights, validation, deadline timer, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.timers import fire_due_timers
from engine.organisations.actors import Actor, actor_for
from engine.rules.specs import read_sources
from engine.store.errors import InvalidTransition, NotAllowed, ValidationFailed
from engine.store.models import AuditEntry, Case, Organisation, Task, User

TINY = Path(__file__).resolve().parents[2] / "bpmn" / "tiny"


def _actor(session, username: str) -> Actor:
    return actor_for(session.scalars(select(User).where(User.username == username)).one())


def _org(session, code: str) -> int:
    return session.scalars(select(Organisation.id).where(Organisation.code == code)).one()


@pytest.fixture
def started(database, engine, clock):
    with database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(TINY), clock())
        data = {"received_on": "2026-09-30", "institute_id": _org(s, "210100-institute"),
                "bureau_id": _org(s, "210100-bureau")}
        ref = engine.start_case(s, "deadline_task", data, Actor.system())
    return ref


def test_start_creates_a_task_row_with_the_working_day_deadline(database, started):
    with database.factory() as s:
        task = s.scalars(select(Task).where(Task.case_id == started.id)).one()
        case = s.get(Case, started.id)
    assert task.spec_name == "approve" and task.role == "institute" and task.status == "ready"
    assert task.due_at.isoformat() == "2026-10-15T15:59:59+00:00"  # end of 2026-10-15 in Beijing
    assert case.next_timer_at == task.due_at


def test_clerk_of_another_institute_may_not_complete(database, engine, started):
    with database.factory() as s, s.begin():
        task = s.scalars(select(Task).where(Task.case_id == started.id)).one()
        with pytest.raises(NotAllowed):
            engine.complete_task(s, task.id, {"decision": "yes"}, _actor(s, "dalian_institute"))


def test_bad_input_is_refused_per_field_and_nothing_changes(database, engine, started):
    with database.factory() as s, s.begin():
        task = s.scalars(select(Task).where(Task.case_id == started.id)).one()
        with pytest.raises(ValidationFailed) as err:
            engine.complete_task(s, task.id, {"decision": "maybe", "fee": 5, "deadline": "x"},
                                 _actor(s, "shenyang_institute"))
    assert set(err.value.errors) == {"decision", "fee", "deadline"}
    assert err.value.errors["fee"] == ["强制检定停征收费，费用必须为0"]
    with database.factory() as s:
        assert s.get(Case, started.id).version == started.version


def test_overdue_timer_fires_once_and_escalates(database, engine, clock, started):
    clock.set("2026-10-16T00:00:01+08:00")
    with database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 1
    with database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 0
    with database.factory() as s:
        tasks = {t.spec_name: t for t in s.scalars(select(Task).where(Task.case_id == started.id))}
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.case_id == started.id))]
    assert tasks["escalate"].role == "bureau" and tasks["approve"].status == "ready"
    assert actions.count("timer_fired") == 1


def test_completion_closes_the_task_and_the_case(database, engine, started):
    with database.factory() as s, s.begin():
        task = s.scalars(select(Task).where(Task.case_id == started.id)).one()
        ref = engine.complete_task(s, task.id, {"decision": "yes"}, _actor(s, "shenyang_institute"))
    assert ref.status == "completed" and ref.version == started.version + 1
    with database.factory() as s, s.begin():
        task = s.get(Task, task.id)
        assert task.status == "completed" and task.completed_by_id is not None
        with pytest.raises(InvalidTransition):
            engine.complete_task(s, task.id, {"decision": "yes"}, _actor(s, "shenyang_institute"))


def test_late_completion_before_the_sweep_still_records_the_deadline(database, engine, clock, started):
    clock.set("2026-10-16T10:00:00+08:00")  # deadline passed; the scheduler has not run yet
    with database.factory() as s, s.begin():
        task = s.scalars(select(Task).where(Task.case_id == started.id, Task.spec_name == "approve")).one()
        engine.complete_task(s, task.id, {"decision": "yes"}, _actor(s, "shenyang_institute"))
    with database.factory() as s:
        tasks = {t.spec_name: t.status for t in s.scalars(select(Task).where(Task.case_id == started.id))}
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.case_id == started.id)
                                               .order_by(AuditEntry.id))]
    assert tasks == {"approve": "completed", "escalate": "ready"}
    assert actions.index("timer_fired") < actions.index("task_completed")


def test_claim_and_release(database, engine, started):
    with database.factory() as s, s.begin():
        task = s.scalars(select(Task).where(Task.case_id == started.id)).one()
        engine.claim_task(s, task.id, _actor(s, "shenyang_institute"))
    with database.factory() as s, s.begin():
        assert s.get(Task, task.id).assignee_id is not None
        with pytest.raises(NotAllowed):  # another clerk of a different institute
            engine.claim_task(s, task.id, _actor(s, "dalian_institute"))
        engine.release_task(s, task.id, _actor(s, "shenyang_institute"))
    with database.factory() as s:
        assert s.get(Task, task.id).assignee_id is None


def test_only_the_start_lane_role_may_start_a_case(database, engine, clock):
    with database.factory() as s, s.begin():
        engine.registry.deploy_directory(s, TINY.parent.parent.parent / "bpmn", clock())
        with pytest.raises(NotAllowed):
            engine.start_case(s, "filing", {"county_code": "210181", "instruments": []},
                              _actor(s, "shenyang_institute"))
