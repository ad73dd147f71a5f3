"""A scripted case from filing to certificate, on the demo data, for ``qiangjian demo-case``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actions.owner_actions import apply_for_verification, file_instruments
from .bootstrap import System
from .calendar.workdays import SHANGHAI, add_months
from .organisations.actors import Actor, actor_for
from .store.models import Case, Document, Instrument, Task, User


def _actor(session: Session, username: str) -> Actor:
    return actor_for(session.scalars(select(User).where(User.username == username)).one())


def _complete(system: System, case_id: int, spec_name: str, username: str, data: dict[str, object]) -> str:
    with system.sessions() as session, session.begin():
        task = session.scalars(select(Task).where(
            Task.case_id == case_id, Task.spec_name == spec_name, Task.status == "ready")).one()
        system.engine.complete_task(session, task.id, data, _actor(session, username))
        return f"  {username} completed 「{task.title}」"


def run_demo_case(system: System) -> Iterator[str]:
    """File a fuel dispenser, apply, receive and verify it; yields one line per step."""
    today: date = system.engine.clock().astimezone(SHANGHAI).date()
    serial = f"DEMO-{system.engine.clock():%Y%m%d%H%M%S}"
    item = {"name": "燃油加油机", "model": "DJY-222", "serial_no": serial, "instrument_type": "fuel_dispenser",
            "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号加油岛"}
    with system.sessions() as session, session.begin():
        filing = file_instruments(session, system.engine, _actor(session, "xinmin_gas"), "210181", [item])
    yield f"Filing {filing.number}: 新民市东城加油站 files fuel dispenser {serial}"
    yield _complete(system, filing.id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    with system.sessions() as session, session.begin():
        instrument = session.scalars(select(Instrument).where(Instrument.serial_no == serial)).one()
        application = apply_for_verification(session, system.engine, _actor(session, "xinmin_gas"), instrument.id)
    yield f"Application {application.number}: routed by the capability ledger to 沈阳市计量测试研究院"
    yield _complete(system, application.id, "accept_application", "shenyang_institute", {"acceptance": "accept"})
    yield _complete(system, application.id, "record_receipt", "shenyang_institute", {"received_on": today.isoformat()})
    with system.sessions() as session:
        case = session.get(Case, application.id)
        deadline = case.deadline_at.astimezone(SHANGHAI) if case and case.deadline_at else None
    yield f"  verification due by {deadline:%Y-%m-%d %H:%M} (7 working days after receipt)" if deadline else ""
    result = {"action": "result", "outcome": "pass", "verified_on": today.isoformat(), "fee": 0,
              "certificate_no": f"LNJD-{serial}", "next_due": add_months(today, 12).isoformat()}
    yield _complete(system, application.id, "verify", "shenyang_institute", result)
    with system.sessions() as session:
        document = session.scalars(select(Document).where(Document.case_id == application.id)).one()
        instrument = session.scalars(select(Instrument).where(Instrument.serial_no == serial)).one()
    yield (f"Issued {document.kind} {document.number}; ledger: {instrument.name} {instrument.serial_no} "
           f"{instrument.status}, next due {instrument.next_due}")
