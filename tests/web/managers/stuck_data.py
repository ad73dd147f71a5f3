"""Stuck cases for the web tests, built through the engine on the production diagrams.

新民's dispenser is received on Wed 2026-09-30 (verify due end of Thu 10-15); the clock then moves to
Tue 10-20 10:00 and the sweep escalates it to 沈阳: on 10-20 it is 3 working days late (10-16, 10-19, 10-20).
瓦房店 (大连) files a sphygmomanometer that nobody reviews. 沈阳's institute gets a second verifier (韩雪梅,
``REASSIGNEE``), so a manager can hand the late case's verification to someone else there by full name.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from engine import Case, Instrument, Task, User, actor_for, apply_for_verification, file_instruments, fire_due_timers
from web.shared.system import get_system

from ...engine.scenario import instrument

REASSIGNEE = "韩雪梅"


def seed_stuck(app: Flask, clock: Any) -> dict[str, str]:
    """The cases above; returns their numbers by name ("late", "dalian")."""
    with app.app_context():
        system = get_system()
        engine = system.engine
        with system.sessions() as s, s.begin():
            _add_verifier(s, "shenyang_institute")
            filing = file_instruments(s, engine, _actor(s, "xinmin_gas"), "210181", [instrument("JYJ-WEB")])
            _complete(s, engine, filing.id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
        clock.set("2026-09-30T10:00:00+08:00")
        with system.sessions() as s, s.begin():
            item = s.scalars(select(Instrument).where(Instrument.serial_no == "JYJ-WEB")).one()
            case = apply_for_verification(s, engine, _actor(s, "xinmin_gas"), item.id)
            _complete(s, engine, case.id, "accept_application", "shenyang_institute", {"acceptance": "accept"})
            _complete(s, engine, case.id, "record_receipt", "shenyang_institute", {"received_on": "2026-09-30"})
            late = s.get(Case, case.id).number
        clock.set("2026-10-20T10:00:00+08:00")
        with system.sessions() as s, s.begin():
            fire_due_timers(s, engine, clock())
            dalian = file_instruments(s, engine, _actor(s, "wafangdian_hospital"), "210281",
                                      [instrument("XYJ-WEB", "sphygmomanometer", "medical_health")])
            return {"late": late, "dalian": s.get(Case, dalian.id).number}


def _add_verifier(s: Any, colleague: str) -> None:
    """A second clerk with the colleague's organisation and roles; no usable password (never signs in)."""
    peer = s.scalars(select(User).where(User.username == colleague)).one()
    s.add(User(username=f"{colleague}_2", display_name=REASSIGNEE, password_hash="!", active=True,
               organisation_id=peer.organisation_id, roles=peer.roles))


def _actor(s: Any, username: str) -> Any:
    return actor_for(s.scalars(select(User).where(User.username == username)).one())


def _complete(s: Any, engine: Any, case_id: int, spec: str, username: str, data: dict[str, Any]) -> None:
    task = s.scalars(select(Task).where(Task.case_id == case_id, Task.spec_name == spec, Task.status == "ready")).one()
    engine.complete_task(s, task.id, data, _actor(s, username))
