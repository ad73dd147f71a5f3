"""Versions: one stored spec per content hash; running cases stay on the version they started on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.organisations.actors import Actor, actor_for
from engine.rules.specs import read_sources
from engine.store.errors import DiagramInvalid
from engine.store.models import Case, Organisation, SpecVersion, Task, User

TINY = Path(__file__).resolve().parents[2] / "bpmn" / "tiny"


def _start(s, engine) -> int:
    org = {o.code: o.id for o in s.scalars(select(Organisation))}
    return engine.start_case(s, "deadline_task", {"received_on": "2026-09-30", "institute_id": org["210100-institute"],
                                                  "bureau_id": org["210100-bureau"]}, Actor.system()).id


def test_redeploying_unchanged_files_stores_nothing_new(any_database, engine, clock):
    with any_database.factory() as s, s.begin():
        first = engine.registry.deploy_sources(s, read_sources(TINY), clock())
        again = engine.registry.deploy_sources(s, read_sources(TINY), clock())
        assert first == again
        assert s.scalar(select(func.count()).select_from(SpecVersion)) == 1


def test_running_case_keeps_its_version_while_new_cases_use_the_new_one(any_database, engine, clock):
    sources = read_sources(TINY)
    with any_database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, sources, clock())
        old_case = _start(s, engine)
    # Policy changes the deadline from 7 to 10 working days.
    changed = dict(sources)
    changed["deadline_task.bpmn"] = sources["deadline_task.bpmn"].replace(
        "working_day_deadline(received_on, 7)", "working_day_deadline(received_on, 10)")
    with any_database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, changed, clock())
        new_case = _start(s, engine)
    with any_database.factory() as s:
        old, new = s.get(Case, old_case), s.get(Case, new_case)
        assert old.spec_version_id != new.spec_version_id
        assert old.deadline_at.isoformat() == "2026-10-15T15:59:59+00:00"
        assert new.deadline_at.isoformat() == "2026-10-20T15:59:59+00:00"
        task_id = s.scalars(select(Task.id).where(Task.case_id == old_case)).one()
    with any_database.factory() as s, s.begin():
        clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
        assert engine.complete_task(s, task_id, {"decision": "yes"}, clerk).status == "completed"


def test_a_diagram_that_does_not_parse_is_refused_with_the_element(any_database, engine, clock):
    broken = read_sources(TINY)
    broken["deadline_task.bpmn"] = broken["deadline_task.bpmn"].replace('targetRef="approve"', 'targetRef="nowhere"')
    with any_database.factory() as s, s.begin():
        with pytest.raises(DiagramInvalid) as err:
            engine.registry.deploy_sources(s, broken, clock())
    assert "nowhere" in str(err.value) or err.value.problems
