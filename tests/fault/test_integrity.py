"""The integrity checker the fault test relies on: silent on a whole database, and it finds each kind of break.

A small world on the production diagrams (a filing accepted into the ledger, a verification whose deadline
passed and was swept, then verified with a certificate, its escalation still open and timed) is checked
as it is, then with one inconsistency planted at a time, written straight into the tables as a crash or
a bug would leave it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bench.integrity import check_integrity
from engine.store.db import make_db_engine, make_sessionmaker
from engine.store.models import AuditEntry, Case, Document, Instrument, Task
from tests.conftest import PG_URL, Database, FakeClock
from tests.engine.scenario import Scenario, instrument, passing_result

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class World:
    filing_id: int
    verification_id: int
    instrument_id: int


@dataclass(frozen=True)
class Planted:
    """A copy of the world in its own database, for one test to break."""

    url: str
    factory: sessionmaker[Session]
    world: World


def _build(database: Database) -> World:
    clock = FakeClock(datetime(2026, 9, 28, 1, 0, tzinfo=timezone.utc))
    scenario = Scenario(database, clock, restart=False)
    instrument_id = scenario.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("FAULT-1"))
    case_id = scenario.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-28")
    scenario.at(NOW.isoformat())
    assert scenario.sweep() == 2  # the reminder and the deadline, fired by the sweep
    scenario.complete(case_id, "verify", "shenyang_institute", passing_result("2026-11-02", "2027-11-02"))
    assert scenario.open_tasks(case_id) == ["handle_escalation"]
    with database.factory() as s:
        filing_id = s.scalars(select(Instrument.filing_case_id).where(Instrument.id == instrument_id)).one()
    return World(filing_id, case_id, instrument_id)


def _pg_admin() -> Any:
    return make_db_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")


def _pg_copy(template: str) -> str:
    name = f"qj_test_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name


def _pg_drop(name: str) -> None:
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The world built once per database kind (the diagrams are parsed once); tests get copies."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("world") / "world.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        name = _pg_copy(request.getfixturevalue("postgres_template"))
        url = _pg_url(name)
    db = make_db_engine(url)
    world = _build(Database(url, make_sessionmaker(db), make_sessionmaker(db, write=False), request.param))
    db.dispose()
    yield (path if request.param == "sqlite" else name), world
    if request.param == "postgresql":
        _pg_drop(name)


@pytest.fixture
def planted(world_template: Any, tmp_path: Path) -> Iterator[Planted]:
    source, world = world_template
    if isinstance(source, Path):
        url = f"sqlite:///{tmp_path / 'qj.sqlite'}"
        shutil.copy(source, tmp_path / "qj.sqlite")
        name = None
    else:
        name = _pg_copy(source)
        url = _pg_url(name)
    db = make_db_engine(url)
    yield Planted(url, make_sessionmaker(db), world)
    db.dispose()
    if name is not None:
        _pg_drop(name)


def test_a_whole_database_has_no_problems(planted: Planted) -> None:
    report = check_integrity(planted.url)
    assert report.problems == []
    assert (report.cases, report.open_tasks, report.timers_fired, report.ledger_entries, report.documents) == (
        2, 1, 2, 1, 1)
    assert report.completions == 4  # review_filing, accept_application, record_receipt, verify
    assert "integrity OK" in report.summary()


def _open_task_id(s: Session, w: World) -> str:
    return s.scalars(select(Task.id).where(Task.case_id == w.verification_id, Task.status == "ready")).one()


def _completed_task_id(s: Session, w: World, spec_name: str = "verify") -> str:
    return s.scalars(select(Task.id).where(Task.case_id == w.verification_id, Task.spec_name == spec_name)).one()


def _copy_audit(s: Session, w: World, action: str) -> None:
    entry = s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).first()
    assert entry is not None
    s.execute(insert(AuditEntry).values(case_id=entry.case_id, task_id=entry.task_id, actor_id=entry.actor_id,
                                        actor=entry.actor, action=entry.action, at=entry.at, before=entry.before,
                                        after=entry.after))


def _delete_audit(s: Session, w: World, action: str) -> None:
    """Lose an audit entry; the database's append-only guard is lifted first (the checker must not rely on it)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        s.execute(text("DROP TRIGGER audit_entry_no_delete"))
    entry_id = s.scalars(select(AuditEntry.id).where(AuditEntry.case_id == w.verification_id,
                                                     AuditEntry.action == action)).first()
    s.execute(delete(AuditEntry).where(AuditEntry.id == entry_id))


def _second_document(s: Session, w: World) -> None:
    s.execute(insert(Document).values(case_id=w.verification_id, kind="verification_certificate",
                                      number="LNJD-PLANTED", issued_at=NOW, content={}))


def _unannounced_instrument(s: Session, w: World) -> None:
    owner = s.get(Instrument, w.instrument_id)
    assert owner is not None
    s.execute(insert(Instrument).values(owner_org_id=owner.owner_org_id, filing_case_id=w.filing_id, name="x",
                                        model="m", serial_no="PLANTED-1", instrument_type="fuel_dispenser",
                                        category="working", purpose="trade_settlement", location="x",
                                        county_code="210181", period_months=12, status="in_use"))


def _open_row(**values: Any) -> Plant:
    return lambda s, w: s.execute(update(Task).where(Task.id == _open_task_id(s, w)).values(**values))


def _case_row(**values: Any) -> Plant:
    return lambda s, w: s.execute(update(Case).where(Case.id == w.verification_id).values(**values))


Plant = Callable[[Session, World], Any]
PLANTS: dict[str, tuple[Plant, str]] = {
    "state_unreadable": (_case_row(state='{"tasks": '), "state does not load"),
    "open_row_lost": (lambda s, w: s.execute(delete(Task).where(Task.id == _open_task_id(s, w))),
                      "has no open row in the task table"),
    "done_row_reopened": (lambda s, w: s.execute(update(Task).where(Task.id == _completed_task_id(s, w))
                                                 .values(status="ready")), "is open but the task is not READY"),
    "open_row_closed": (_open_row(status="completed"), "is completed but the task is READY"),
    "cancelled_row_still_ready": (_open_row(status="cancelled"), "cancelled but the task is READY"),
    "due_time_changed": (_open_row(due_at=NOW), "has due/group"),
    "completion_audited_twice": (lambda s, w: _copy_audit(s, w, "task_completed"), "recorded 2 times"),
    "completion_not_audited": (lambda s, w: _delete_audit(s, w, "task_completed"), "has no audit entry"),
    "timer_audited_twice": (lambda s, w: _copy_audit(s, w, "timer_fired"), "3 timer_fired audit entries"),
    "timer_not_audited": (lambda s, w: _delete_audit(s, w, "timer_fired"), "1 timer_fired audit entries"),
    "timer_column_lost": (_case_row(next_timer_at=None), "earliest waiting timer"),
    "case_marked_completed": (_case_row(status="completed"), "but the workflow is running"),
    "case_parked": (_case_row(status="error"), "parked in error"),
    "second_certificate": (_second_document, "issued 2 documents"),
    "certificate_announced_twice": (lambda s, w: _copy_audit(s, w, "issue_document"), "announced by 2"),
    "certificate_not_announced": (lambda s, w: _delete_audit(s, w, "issue_document"),
                                  "without a issue_document audit entry"),
    "ledger_row_unannounced": (_unannounced_instrument, "without a register_instruments audit entry"),
    "registration_announced_twice": (lambda s, w: _copy_audit(s, w, "register_instruments"), "announced by 2"),
    "registered_instrument_missing": (lambda s, w: s.execute(delete(Instrument).where(
        Instrument.id == w.instrument_id)), "but is not in the ledger"),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_each_planted_inconsistency_is_found(planted: Planted, plant: str) -> None:
    action, expected = PLANTS[plant]
    with planted.factory() as s, s.begin():
        action(s, planted.world)
    report = check_integrity(planted.url)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems
