"""The fault test's starting point: demo data, a ledger, and cases whose timers are already due.

The server runs on the real clock, and our timers are working-day deadlines (end of a Beijing day), so
none would come due during a run of minutes. Instead the world is built through the engine with a clock
set weeks back: verification requests are received then, so their reminder and deadline timers are armed
for dates that have passed by the time the server starts. The server's sweep (every
QIANGJIAN_SWEEP_SECONDS) and the clerks' completions then race to fire them while the server is killed.
Between kills, while the server is down, a few more such cases are added (``add_due_cases``), so every
restart finds timers to fire. Spare ledger instruments are left for the owner client to apply for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import SHANGHAI, Actor, actor_for, apply_for_verification, file_instruments, utc_now
from engine.bootstrap import System, open_system, prepare_database
from engine.store.models import Instrument, Task, User

from .common import Clock

OWNER, COUNTY, FILING_HANDLER, INSTITUTE = "xinmin_gas", "210181", "xinmin_institute", "shenyang_institute"
BATCH = 10  # instruments per preloaded filing
DAYS_BACK = 40


@dataclass(frozen=True)
class World:
    """What the clients start from."""

    waiting_cases: int  # verification requests whose timers are due
    spare_instruments: list[int]  # ledger instruments without an application


def build_world(url: str, waiting: int, spare: int) -> World:
    """Migrate and load the demo into ``url``, file and accept instruments, and receive ``waiting`` of them."""
    system, clock = _past_system(url)
    try:
        prepare_database(system, demo=True)
        _receive(system, clock, _instruments(system, waiting, "PRE"))
        return World(waiting, _instruments(system, spare, "SPARE"))
    finally:
        system.db.dispose()


def add_due_cases(url: str, count: int, tag: str) -> None:
    """Add ``count`` more received verification requests with due timers (while the server is down).

    Done between kills, like a batch job sharing the database, so every restart finds timers to fire.
    """
    system, clock = _past_system(url)
    try:
        _receive(system, clock, _instruments(system, count, tag))
    finally:
        system.db.dispose()


def _past_system(url: str) -> tuple[System, Clock]:
    clock = Clock(utc_now() - timedelta(days=DAYS_BACK))
    return open_system(url, clock=clock), clock


def _instruments(system: System, count: int, tag: str) -> list[int]:
    """Ids of ``count`` new ledger instruments, filed in batches and accepted."""
    found: list[int] = []
    while len(found) < count:
        found += _filed(system, f"{tag}-{len(found):05d}", min(BATCH, count - len(found)))
    return found


def _receive(system: System, clock: Clock, instrument_ids: list[int]) -> None:
    """Apply for each instrument, accept and record its receipt today (by ``clock``): timers are armed."""
    received_on = clock().astimezone(SHANGHAI).date().isoformat()
    for instrument_id in instrument_ids:
        with system.sessions() as session, session.begin():
            case_id = apply_for_verification(session, system.engine, _actor(session, OWNER), instrument_id).id
        _complete(system, case_id, "accept_application", INSTITUTE, {"acceptance": "accept"})
        _complete(system, case_id, "record_receipt", INSTITUTE, {"received_on": received_on})


def _filed(system: System, prefix: str, count: int) -> list[int]:
    serials = [f"{prefix}-{n}" for n in range(count)]
    items = [{"name": "燃油加油机", "model": "DJY-222", "serial_no": s, "instrument_type": "fuel_dispenser",
              "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号加油岛"}
             for s in serials]
    with system.sessions() as session, session.begin():
        case_id = file_instruments(session, system.engine, _actor(session, OWNER), COUNTY, items).id
    _complete(system, case_id, "review_filing", FILING_HANDLER, {"filing_decision": "accept"})
    with system.sessions() as session:
        return list(session.scalars(select(Instrument.id).where(Instrument.serial_no.in_(serials))
                                    .order_by(Instrument.id)))


def _complete(system: System, case_id: int, spec_name: str, username: str, data: dict[str, object]) -> None:
    with system.sessions() as session, session.begin():
        task_id = session.scalars(select(Task.id).where(
            Task.case_id == case_id, Task.spec_name == spec_name, Task.status == "ready")).one()
        system.engine.complete_task(session, task_id, data, _actor(session, username))


def _actor(session: Session, username: str) -> Actor:
    return actor_for(session.scalars(select(User).where(User.username == username)).one())
