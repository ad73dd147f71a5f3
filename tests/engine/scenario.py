"""A driver for scenario tests over the production diagrams, through the engine's public API.

With ``restart=True`` every step is followed by a save/restore check: each running case's
stored state must load and serialize back to the same JSON, and the next step runs on a
brand-new engine (empty spec and calendar caches), as after a process restart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actions.owner_actions import apply_for_verification, file_instruments
from engine.cases.timers import fire_due_timers
from engine.organisations.actors import Actor, actor_for
from engine.store.models import AuditEntry, Case, Document, Instrument, Organisation, Task, User
from tests.conftest import make_engine

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def instrument(serial: str, instrument_type: str = "fuel_dispenser", purpose: str = "trade_settlement",
               **extra: Any) -> dict[str, Any]:
    """One row of a filing list."""
    return {"name": extra.pop("name", "燃油加油机"), "model": "DJY-222", "serial_no": serial,
            "instrument_type": instrument_type, "category": "working", "in_catalogue": True,
            "purpose": purpose, "location": "一号岛", **extra}


class Scenario:
    """Drives cases step by step with a controlled clock."""

    def __init__(self, database: Any, clock: Any, restart: bool) -> None:
        self.db, self.clock, self.restart = database, clock, restart
        self.engine = make_engine(clock)
        with self.session() as s:
            self.engine.registry.deploy_directory(s, BPMN_DIR, clock())

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.db.factory() as s, s.begin():
            yield s
        if self.restart:
            self._check_round_trip_and_restart()

    def _check_round_trip_and_restart(self) -> None:
        with self.db.factory() as s:
            for case in s.scalars(select(Case).where(Case.status == "running")):
                version = self.engine.registry.get(s, case.spec_version_id)
                workflow = self.engine.serializer.load_state(case.state, version.specs)
                restored = json.loads(self.engine.serializer.dump_state(workflow))
                assert restored == json.loads(case.state), case.number
        self.engine = make_engine(self.clock)

    # -- lookups -------------------------------------------------------------------------------
    def actor(self, s: Session, username: str) -> Actor:
        return actor_for(s.scalars(select(User).where(User.username == username)).one())

    def org(self, code: str) -> int:
        with self.db.factory() as s:
            return s.scalars(select(Organisation.id).where(Organisation.code == code)).one()

    def open_task(self, case_id: int, spec_name: str) -> Task:
        with self.db.factory() as s:
            return s.scalars(select(Task).where(Task.case_id == case_id, Task.spec_name == spec_name,
                                                Task.status == "ready")).one()

    def open_tasks(self, case_id: int) -> list[str]:
        with self.db.factory() as s:
            return sorted(s.scalars(select(Task.spec_name).where(Task.case_id == case_id, Task.status == "ready")))

    def case(self, case_id: int) -> Case:
        with self.db.factory() as s:
            return s.get(Case, case_id)

    def audit(self, case_id: int, action: str | None = None) -> list[AuditEntry]:
        with self.db.factory() as s:
            query = select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)
            rows = s.scalars(query).all()
        return [r for r in rows if action is None or r.action == action]

    def documents(self, case_id: int) -> list[Document]:
        with self.db.factory() as s:
            return list(s.scalars(select(Document).where(Document.case_id == case_id)))

    def ledger(self, owner_code: str) -> list[Instrument]:
        owner = self.org(owner_code)
        with self.db.factory() as s:
            return list(s.scalars(select(Instrument).where(Instrument.owner_org_id == owner).order_by(Instrument.id)))

    # -- steps ---------------------------------------------------------------------------------
    def file(self, owner: str, county: str, instruments: list[dict[str, Any]]) -> int:
        with self.session() as s:
            return file_instruments(s, self.engine, self.actor(s, owner), county, instruments).id

    def apply(self, owner: str, instrument_id: int, **kwargs: Any) -> int:
        with self.session() as s:
            return apply_for_verification(s, self.engine, self.actor(s, owner), instrument_id, **kwargs).id

    def complete(self, case_id: int, spec_name: str, username: str, data: dict[str, Any]) -> None:
        task = self.open_task(case_id, spec_name)
        with self.session() as s:
            self.engine.complete_task(s, task.id, data, self.actor(s, username))

    def sweep(self) -> int:
        with self.session() as s:
            return fire_due_timers(s, self.engine, self.clock())

    def at(self, iso: str) -> None:
        self.clock.set(iso)

    # -- composite steps -----------------------------------------------------------------------
    def filed_instrument(self, owner: str, county: str, handler: str, item: dict[str, Any]) -> int:
        """File one instrument and have the handler accept it; returns its ledger id."""
        case_id = self.file(owner, county, [item])
        self.complete(case_id, "review_filing", handler, {"filing_decision": "accept"})
        return [i for i in self.ledger(_owner_code(self, owner)) if i.serial_no == item["serial_no"]][-1].id

    def received(self, owner: str, instrument_id: int, institute: str, received_on: str) -> int:
        """Apply, have the institute accept, and record receipt on ``received_on``; returns the case id."""
        case_id = self.apply(owner, instrument_id)
        self.complete(case_id, "accept_application", institute, {"acceptance": "accept"})
        self.complete(case_id, "record_receipt", institute, {"received_on": received_on})
        return case_id


def _owner_code(scenario: Scenario, username: str) -> str:
    with scenario.db.factory() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return s.get(Organisation, user.organisation_id).code


def passing_result(verified_on: str, next_due: str, certificate_no: str = "LNJD-2026-0001") -> dict[str, Any]:
    return {"action": "result", "outcome": "pass", "verified_on": verified_on, "certificate_no": certificate_no,
            "next_due": next_due, "fee": 0}
