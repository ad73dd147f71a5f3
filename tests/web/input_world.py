"""Issue 8's bad-input world: the app on SQLite or PostgreSQL, row counts, and a case brought to a step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine import AuditEntry, Case, Document, Instrument, SavedFilter, Task, prepare_database
from tests.conftest import Database, FakeClock
from web import create_app
from web.system import get_system

OWNER = ("xinmin_gas", "demo1234")
HANDLER = ("xinmin_institute", "demo1234")
INSTITUTE = ("shenyang_institute", "demo1234")
DISPENSER = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "W-1", "instrument_type": "fuel_dispenser",
             "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}
TABLES = (Case, Task, AuditEntry, Instrument, Document, SavedFilter)
HUGE = 2**31  # one past PostgreSQL's INTEGER
BIG_IDS = [HUGE, 11926491981, 2**63 - 1, 2**63, 10**30]


@pytest.fixture
def app(any_database: Database, tmp_path: Path, clock: FakeClock) -> Iterator[Flask]:
    """The app on a fresh SQLite or PostgreSQL database (this module's requests must behave alike on both)."""
    clock.set("2026-09-28T09:00:00+08:00")
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": any_database.url, "CLOCK": clock,
                      "DRAFTS_DIR": tmp_path / "drafts"})  # not TESTING: a 500 is answered, not raised
    with app.app_context():
        prepare_database(get_system(), demo=True)
    yield app
    with app.app_context():
        get_system().db.dispose()  # before the database is dropped


def counts(app: Flask) -> dict[str, int]:
    with app.app_context(), get_system().readers() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def start(client, instruments: list[dict], auth=OWNER):
    return client.post("/api/cases", json={"process": "filing", "county_code": "210181", "instruments": instruments},
                       auth=auth)


def task_id(client, auth, case_id: int, spec: str) -> str:
    items = client.get("/api/tasks?limit=100", auth=auth).get_json()["items"]
    [task] = [i["id"] for i in items if i["case_id"] == case_id and i["spec_name"] == spec]
    return task


def complete(client, auth, case_id: int, spec: str, data: dict):
    return client.post(f"/api/tasks/{task_id(client, auth, case_id, spec)}/complete", json={"data": data}, auth=auth)


def filed(app: Flask, client, row: dict) -> int:
    """The instrument ``row`` filed, accepted into the ledger; its ledger id."""
    started = start(client, [row])
    assert started.status_code == 201, started.get_json()
    assert complete(client, HANDLER, started.get_json()["case_id"], "review_filing",
                     {"filing_decision": "accept"}).status_code == 200
    with app.app_context(), get_system().readers() as s:
        return s.scalars(select(Instrument.id).where(Instrument.serial_no == row["serial_no"])).one()


def at_verify(app: Flask, client, row: dict = DISPENSER) -> int:
    instrument = filed(app, client, row)
    applied = client.post("/api/cases", json={"process": "verification_request", "instrument_id": instrument},
                          auth=OWNER)
    assert applied.status_code == 201, applied.get_json()
    case_id = applied.get_json()["case_id"]
    assert complete(client, INSTITUTE, case_id, "accept_application", {"acceptance": "accept"}).status_code == 200
    assert complete(client, INSTITUTE, case_id, "record_receipt", {"received_on": "2026-09-28"}).status_code == 200
    return case_id
