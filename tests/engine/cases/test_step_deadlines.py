"""Every waiting step has a working-day due date and escalates (or lapses) when it passes, not before.

The lengths are internal limits in bpmn/ (no article states them): acceptance 3 working days,
refusal review 5, filing review 5, correction by the owner 15. Each test moves the injected clock
over a weekend or the National Day holiday and sweeps the timers just before and just after.
"""

from __future__ import annotations

import pytest

from tests.engine.scenario import Scenario, instrument


@pytest.fixture
def sc(any_database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(any_database, clock, restart=False)


def _dispenser(sc: Scenario, serial: str = "JYJ-001") -> int:
    return sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(serial))


def _reasons(sc: Scenario, case_id: int) -> list[str]:
    return [e.after["reason"] for e in sc.audit(case_id, "escalated")]


def test_an_application_not_accepted_in_3_working_days_escalates_to_the_same_level_bureau(sc):
    instrument_id = _dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")  # Wednesday before the National Day holiday
    case_id = sc.apply("xinmin_gas", instrument_id)
    task = sc.open_task(case_id, "accept_application")
    assert task.due_at.isoformat() == "2026-10-10T15:59:59+00:00"  # 10-08, 10-09, 10-10 (a 调休 Saturday)
    sc.at("2026-10-10T23:30:00+08:00")
    assert sc.sweep() == 0 and not _reasons(sc, case_id)
    sc.at("2026-10-11T00:30:00+08:00")
    assert sc.sweep() == 1
    assert _reasons(sc, case_id) == ["not_accepted"]
    escalation = sc.open_task(case_id, "handle_escalation")
    assert escalation.organisation_id == sc.org("210100-bureau")
    assert sorted(sc.open_tasks(case_id)) == ["accept_application", "handle_escalation"]
    assert sc.sweep() == 0  # once only


def test_a_refusal_not_reviewed_in_5_working_days_is_reported_to_the_bureau_above(sc):
    instrument_id = _dispenser(sc)
    sc.at("2026-10-09T10:00:00+08:00")  # Friday
    case_id = sc.apply("xinmin_gas", instrument_id)
    sc.complete(case_id, "accept_application", "shenyang_institute",
                {"acceptance": "refuse", "refusal_reason": "本所该类标准装置送上级检定，暂时无法开展检定"})
    review = sc.open_task(case_id, "review_refusal")
    assert review.due_at.isoformat() == "2026-10-15T15:59:59+00:00"  # 10-10 (调休), 10-12 … 10-15
    sc.at("2026-10-15T23:30:00+08:00")
    assert sc.sweep() == 0
    sc.at("2026-10-16T00:30:00+08:00")
    assert sc.sweep() == 1
    assert [a.after["timer"] for a in sc.audit(case_id, "timer_fired")][-1] == "审核期限届满"
    assert "review_refusal" in sc.open_tasks(case_id)  # the bureau above is told; the review stays open


def test_a_filing_not_reviewed_in_5_working_days_escalates_to_the_handlers_supervisor(sc):
    sc.at("2026-10-21T10:00:00+08:00")  # Wednesday
    case_id = sc.file("xinmin_gas", "210181", [instrument("JYJ-009")])
    review = sc.open_task(case_id, "review_filing")
    assert review.due_at.isoformat() == "2026-10-28T15:59:59+00:00"  # 10-22, 23, 26, 27, 28 (weekend skipped)
    sc.at("2026-10-28T23:30:00+08:00")
    assert sc.sweep() == 0
    sc.at("2026-10-29T00:30:00+08:00")
    assert sc.sweep() == 1
    assert _reasons(sc, case_id) == ["filing_review_overdue"]
    escalation = sc.open_task(case_id, "handle_escalation")
    assert escalation.organisation_id == sc.org("210181-bureau")  # the delegating county bureau
    assert sorted(sc.open_tasks(case_id)) == ["handle_escalation", "review_filing"]


def test_a_filing_not_corrected_in_15_working_days_lapses(sc):
    case_id = sc.file("xinmin_gas", "210181", [instrument("JYJ-010")])
    sc.at("2026-09-29T10:00:00+08:00")  # Tuesday before the holiday
    sc.complete(case_id, "review_filing", "xinmin_institute",
                {"filing_decision": "return", "filing_reason": "缺少型号"})
    correction = sc.open_task(case_id, "correct_filing")
    assert correction.due_at.isoformat() == "2026-10-26T15:59:59+00:00"  # 15 working days, holiday skipped
    sc.at("2026-10-26T23:30:00+08:00")
    assert sc.sweep() == 0
    sc.at("2026-10-27T00:30:00+08:00")
    assert sc.sweep() == 1
    case = sc.case(case_id)
    assert case.status == "completed" and sc.open_tasks(case_id) == []
    assert not sc.ledger("210181-xinmin_gas")  # nothing entered the ledger
