"""A case waiting at accept_application on the version before deadlines gets its deadline when moved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.actions.case_moves import migrate_cases
from engine.rules.specs import read_sources
from engine.store.models import SpecVersion
from tests.engine.scenario import BPMN_DIR, Scenario, instrument

# The production diagrams as they were before the waiting steps had deadlines.
BEFORE = Path(__file__).resolve().parents[2] / "bpmn" / "before_deadlines"


@pytest.fixture
def sc(any_database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(any_database, clock, restart=False)


def _publish(sc: Scenario, sources: dict[str, str]) -> int:
    with sc.session() as s:
        sc.engine.registry.deploy_sources(s, sources, sc.clock(), created_by="policy")
        return s.scalars(select(SpecVersion.id).where(SpecVersion.process_id == "verification_request",
                                                      SpecVersion.is_current)).one()


def test_a_case_waiting_for_acceptance_gets_the_deadline_when_moved(sc):
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("JYJ-1"))
    old = _publish(sc, {**read_sources(BPMN_DIR), **{p.name: p.read_text() for p in BEFORE.iterdir()}})
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.apply("xinmin_gas", instrument_id)
    assert sc.case(case_id).spec_version_id == old
    assert sc.open_task(case_id, "accept_application").due_at is None
    assert sc.case(case_id).next_timer_at is None
    new = _publish(sc, read_sources(BPMN_DIR))
    sc.at("2026-10-09T10:00:00+08:00")
    with sc.session() as s:
        [result] = migrate_cases(s, sc.engine, sc.actor(s, "policy"), new, [case_id])
    assert result.moved, result.reasons
    assert sc.case(case_id).spec_version_id == new
    task = sc.open_task(case_id, "accept_application")
    assert task.due_at is not None
    assert sc.case(case_id).next_timer_at == task.due_at
