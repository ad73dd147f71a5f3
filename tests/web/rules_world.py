"""Cases and rule texts for the rule-editor tests: dispensers applied for at the Shenyang city institute,
and the policy change that reminds the institute 3 working days before the deadline instead of 2."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from engine import Case, Instrument, SpecVersion, Task, TaskStatus, apply_for_verification, file_instruments
from web.shared.system import get_system

from .clerks.test_tasks import DISPENSER, _actor

PROCESS = "verification_request"
DIAGRAM = "verification_request.bpmn"
ROUTING = "application_routing.dmn"
OLD_REMINDER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">reminder_at</bpmn:timeDate>'
NEW_REMINDER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">reminder_time(deadline, 3)</bpmn:timeDate>'
LANE_REF = "<bpmn:flowNodeRef>accept_application</bpmn:flowNodeRef>"


def applications(app: Flask, count: int) -> list[int]:
    """``count`` dispensers filed by 新民市东城加油站 and applied for: each case waits at 受理检定申请."""
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            rows = [{**DISPENSER, "serial_no": f"W-{n}"} for n in range(1, count + 1)]
            filing = file_instruments(s, system.engine, _actor(s, "xinmin_gas"), "210181", rows)
        complete(app, filing.id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
        with system.sessions() as s, s.begin():
            ids = list(s.scalars(select(Instrument.id).order_by(Instrument.id)))
            return [apply_for_verification(s, system.engine, _actor(s, "xinmin_gas"), i).id for i in ids]


def complete(app: Flask, case_id: int, spec: str, username: str, data: dict) -> None:
    """Complete the case's open task ``spec`` as ``username``."""
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            task = s.scalars(select(Task).where(Task.case_id == case_id, Task.spec_name == spec,
                                                Task.status == TaskStatus.READY.value)).one()
            system.engine.complete_task(s, task.id, data, _actor(s, username))


def received(app: Flask, case_id: int) -> None:
    """Accept the application and record the dispenser as received on 2026-09-28 (at 检定并出具结果)."""
    complete(app, case_id, "accept_application", "shenyang_institute", {"acceptance": "accept"})
    complete(app, case_id, "record_receipt", "shenyang_institute", {"received_on": "2026-09-28"})


def case_row(app: Flask, case_id: int) -> Case:
    with app.app_context(), get_system().readers() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.expunge(case)
        return case


def current_version(app: Flask) -> int:
    with app.app_context(), get_system().readers() as s:
        return s.scalars(select(SpecVersion.id).where(SpecVersion.process_id == PROCESS,
                                                      SpecVersion.is_current)).one()
