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


def _move(sc: Scenario, new: int, case_id: int) -> None:
    with sc.session() as s:
        [result] = migrate_cases(s, sc.engine, sc.actor(s, "policy"), new, [case_id])
    assert result.moved, result.reasons
    assert sc.case(case_id).spec_version_id == new


def test_a_refusal_waiting_for_review_gets_the_deadline_when_moved(sc):
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("JYJ-2"))
    _publish(sc, {**read_sources(BPMN_DIR), **{p.name: p.read_text() for p in BEFORE.iterdir()}})
    case_id = sc.apply("xinmin_gas", instrument_id)
    sc.complete(case_id, "accept_application", "shenyang_institute",
                {"acceptance": "refuse", "refusal_reason": "本所该类标准装置送上级检定，暂时无法开展检定"})
    assert sc.open_task(case_id, "review_refusal").due_at is None
    new = _publish(sc, read_sources(BPMN_DIR))
    sc.at("2026-10-09T10:00:00+08:00")  # Friday; 10-10 is a make-up working day
    _move(sc, new, case_id)
    task = sc.open_task(case_id, "review_refusal")
    assert task.due_at.isoformat() == "2026-10-15T15:59:59+00:00"  # 10-10, 10-12, 10-13, 10-14, 10-15
    assert sc.case(case_id).next_timer_at == task.due_at
    assert sc.open_tasks(case_id) == ["review_refusal"]


def _old_filing(sc: Scenario) -> int:
    _publish(sc, {**read_sources(BPMN_DIR), **{p.name: p.read_text() for p in BEFORE.iterdir()}})
    return sc.file("xinmin_gas", "210181", [instrument("JYJ-3")])


def _filing_version(sc: Scenario) -> int:
    with sc.session() as s:
        return s.scalars(select(SpecVersion.id).where(SpecVersion.process_id == "filing",
                                                      SpecVersion.is_current)).one()


def test_a_filing_waiting_for_review_gets_the_deadline_when_moved(sc):
    case_id = _old_filing(sc)
    assert sc.open_task(case_id, "review_filing").due_at is None
    _publish(sc, read_sources(BPMN_DIR))
    sc.at("2026-10-21T10:00:00+08:00")  # Wednesday
    _move(sc, _filing_version(sc), case_id)
    task = sc.open_task(case_id, "review_filing")
    assert task.due_at.isoformat() == "2026-10-28T15:59:59+00:00"  # 10-22, 23, 26, 27, 28
    assert sc.case(case_id).next_timer_at == task.due_at
    assert sc.open_tasks(case_id) == ["review_filing"]


def test_a_filing_waiting_for_correction_gets_the_deadline_when_moved(sc):
    case_id = _old_filing(sc)
    sc.complete(case_id, "review_filing", "xinmin_institute",
                {"filing_decision": "return", "filing_reason": "请补充安装位置"})
    assert sc.open_task(case_id, "correct_filing").due_at is None
    _publish(sc, read_sources(BPMN_DIR))
    sc.at("2026-10-21T10:00:00+08:00")  # Wednesday; 15 working days: 10-22 … 11-11
    _move(sc, _filing_version(sc), case_id)
    task = sc.open_task(case_id, "correct_filing")
    assert task.due_at.isoformat() == "2026-11-11T15:59:59+00:00"
    assert sc.case(case_id).next_timer_at == task.due_at
    assert sc.open_tasks(case_id) == ["correct_filing"]
