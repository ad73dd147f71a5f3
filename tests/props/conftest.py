"""Property-based suite fixtures: hypothesis profiles, one app per database with seeded cases, signed-in clients,
and the row counts that show a rejected request wrote nothing.

Profiles: "ci" (the default: ``QJ_PROPS_EXAMPLES`` examples per property, default 20, derandomized so a run is
repeatable) and "deep" (``QJ_PROPS_PROFILE=deep``: hundreds of examples, random seeds, for a longer hunt).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
from flask import Flask, got_request_exception
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import func, inspect, select, text
from werkzeug.test import TestResponse

from engine import (
    AuditEntry,
    Case,
    Document,
    InboxFilter,
    Instrument,
    SavedFilter,
    Task,
    User,
    actor_for,
    apply_for_verification,
    file_instruments,
    prepare_database,
    save_filter,
)
from tests.conftest import PG_URL, FakeClock, make_db_engine
from web import create_app
from web.system import get_system

settings.register_profile(
    "ci", max_examples=int(os.environ.get("QJ_PROPS_EXAMPLES", "20")), derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
settings.register_profile(
    "deep", max_examples=int(os.environ.get("QJ_PROPS_EXAMPLES", "300")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
settings.load_profile(os.environ.get("QJ_PROPS_PROFILE", "ci"))

PASSWORD = "demo1234"
MONDAY = datetime.fromisoformat("2026-09-28T09:00:00+08:00").astimezone(timezone.utc)  # as in tests/web
OWNER, INSTITUTE, HANDLER, BUREAU, POLICY = "xinmin_gas", "shenyang_institute", "xinmin_institute", \
    "shenyang_bureau", "policy"

# What a request may write even when it is refused; everything else must stay as it was.
# - alembic_version changes only when the schema is migrated, never during a request.
# - audit_entry rows with these actions record a refusal itself (issue 8 wants refused rule-editor visits and
#   failed sign-ins audited); add the action names of any new refusal audit here, nothing else.
IGNORED_TABLES = frozenset({"alembic_version"})
REFUSAL_AUDIT_ACTIONS = frozenset({"rules_refused", "sign_in_failed", "sign_in_locked"})
# The tables a refused sign-in must not touch: the business records (sign-in bookkeeping such as throttling
# counters, sessions or the audit of failures may change).
BUSINESS_TABLES = frozenset({"case", "task", "instrument", "document", "saved_filter", "case_migration",
                             "rule_file_revision", "rule_file_draft", "spec_version", "organisation", "capability"})


@dataclass
class World:
    """Ids of the seeded records the strategies mix in with hostile values, so requests reach deep code."""

    case_ids: dict[str, int] = field(default_factory=dict)
    task_ids: dict[str, str] = field(default_factory=dict)
    instrument_ids: list[int] = field(default_factory=list)
    document_numbers: list[str] = field(default_factory=list)
    filter_ids: list[int] = field(default_factory=list)


@dataclass
class PropApp:
    """An app over one database (sqlite or postgresql) with the demo and a few cases at various steps."""

    app: Flask
    dialect: str
    world: World
    driver: Driver
    clients: dict[str, SignedIn] = field(default_factory=dict)

    def client(self, username: str) -> SignedIn:
        """A client signed in as ``username`` through the real form (one per user, reused)."""
        if username not in self.clients:
            self.clients[username] = SignedIn.sign_in(self.app, username)
        return self.clients[username]


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class SignedIn:
    """A test client holding a session cookie, and the CSRF token of that session."""

    client: FlaskClient
    username: str
    csrf: str

    @classmethod
    def sign_in(cls, app: Flask, username: str) -> SignedIn:
        client = app.test_client()
        token = csrf_on(client, "/auth/login")
        response = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, f"sign-in of {username} failed: {response.status_code}"
        return cls(client, username, csrf_on(client, "/auth/login"))

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> TestResponse:
        """One request; a 5xx fails here, with the exception the app met (so the report names the bug)."""
        failures: list[BaseException] = []

        def record(_sender: Flask, exception: BaseException, **_extra: Any) -> None:
            failures.append(exception)

        with got_request_exception.connected_to(record):
            response = self.client.open(path, method=method, **kwargs)
        if response.status_code >= 500:
            cause = f"{type(failures[0]).__name__}: {str(failures[0])[:400]}" if failures else "no exception"
            raise AssertionError(f"5xx: {method} {path[:200]!r} answered {response.status_code} ({cause})")
        return response


def csrf_on(client: FlaskClient, path: str) -> str:
    found = CSRF_INPUT.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def prop_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PropApp]:
    """One app per database for the whole suite; tests and examples share it (what accepted requests write stays)."""
    tmp = tmp_path_factory.mktemp("props")
    drop: str | None = None
    if request.param == "sqlite":
        path = tmp / "props.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        template = request.getfixturevalue("postgres_template")
        drop = f"qj_props_{uuid.uuid4().hex[:8]}"
        admin = make_db_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{drop}" TEMPLATE "{template}"'))
        admin.dispose()
        url = PG_URL.rsplit("/", 1)[0] + "/" + drop
    clock = FakeClock(MONDAY)
    # Unhandled exceptions become 500 answers as in production (the request is closed), not test errors.
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SECRET_KEY": "props", "DATABASE_URL": url,
                      "CLOCK": clock, "DRAFTS_DIR": tmp / "drafts"})
    with app.app_context():
        prepare_database(get_system(), demo=True)
    driver = Driver(app)
    prop = PropApp(app, request.param, seed_world(app, driver), driver)
    for username in (OWNER, INSTITUTE, HANDLER, BUREAU, POLICY):  # before any test's failed sign-ins
        prop.client(username)
    yield prop
    with app.app_context():
        get_system().db.dispose()
    if drop is not None:
        admin = make_db_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'))
        admin.dispose()


DISPENSER = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "P-1", "instrument_type": "fuel_dispenser",
             "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}
VERIFIED = {"action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": "PROPS-2026-1",
            "next_due": "2027-09-27", "fee": 0}


class Driver:
    """Moves cases through the engine directly (set-up, not the requests under test)."""

    def __init__(self, app: Flask) -> None:
        self.app, self.serials = app, itertools.count(1)
        self.cases: set[int] = set()  # made here with ordinary values; tasks are taken from these only

    def actor(self, username: str) -> Any:
        with self.app.app_context(), get_system().readers() as s:
            return actor_for(s.scalars(select(User).where(User.username == username)).one())

    def complete(self, case_id: int, spec: str, username: str, data: dict[str, Any]) -> None:
        with self.app.app_context():
            system = get_system()
            with system.sessions() as s, s.begin():
                task = s.scalars(select(Task).where(Task.case_id == case_id, Task.spec_name == spec,
                                                    Task.status == "ready")).one()
                system.engine.complete_task(s, task.id, data, self.actor(username))

    def file(self) -> int:
        """A one-dispenser filing of the Xinmin gas station, waiting for review by the Xinmin institute."""
        item = {**DISPENSER, "serial_no": f"P-{next(self.serials)}"}
        with self.app.app_context():
            system = get_system()
            with system.sessions() as s, s.begin():
                return file_instruments(s, system.engine, self.actor(OWNER), "210181", [item]).id

    def instrument(self) -> int:
        """A new dispenser in the ledger."""
        case_id = self.file()
        self.complete(case_id, "review_filing", HANDLER, {"filing_decision": "accept"})
        with self.app.app_context(), get_system().readers() as s:
            return s.scalars(select(Instrument.id).where(Instrument.filing_case_id == case_id)).one()

    def case_at(self, spec: str) -> int:
        """A new case whose open task is ``spec`` (review_filing, accept_application or verify), or certified."""
        if spec == "review_filing":
            case_id = self.file()
            self.cases.add(case_id)
            return case_id
        with self.app.app_context():
            system = get_system()
            with system.sessions() as s, s.begin():
                case_id = apply_for_verification(s, system.engine, self.actor(OWNER), self.instrument()).id
        self.cases.add(case_id)
        if spec == "accept_application":
            return case_id
        self.complete(case_id, "accept_application", INSTITUTE, {"acceptance": "accept"})
        self.complete(case_id, "record_receipt", INSTITUTE, {"received_on": "2026-09-28"})
        if spec != "verify":
            self.complete(case_id, "verify", INSTITUTE, VERIFIED)
        return case_id

    def ready_task(self, spec: str, username: str) -> str:
        """An open, unclaimed-or-own task ``spec`` of ``username``'s group on a case made here (not one another test
        started with hostile values); a new case is made when none is left."""
        actor = self.actor(username)
        query = select(Task.id).where(Task.spec_name == spec, Task.status == "ready", Task.case_id.in_(self.cases),
                                      Task.organisation_id == actor.organisation_id,
                                      (Task.assignee_id.is_(None)) | (Task.assignee_id == actor.user_id))
        with self.app.app_context(), get_system().readers() as s:
            found = s.scalars(query.order_by(Task.created_at)).first()
        if found is not None:
            return found
        case_id = self.case_at(spec)
        with self.app.app_context(), get_system().readers() as s:
            return s.scalars(select(Task.id).where(Task.case_id == case_id, Task.status == "ready")).one()


def seed_world(app: Flask, driver: Driver) -> World:
    """A filing under review, applications waiting to be accepted and verified, a certified case, a saved filter."""
    world = World()
    for spec in ("review_filing", "accept_application", "verify", "certified"):
        world.case_ids[spec] = driver.case_at(spec)
    with app.app_context(), get_system().readers() as s:
        for name, case_id in world.case_ids.items():
            task_id = s.scalars(select(Task.id).where(Task.case_id == case_id, Task.status == "ready")).first()
            if task_id is not None:
                world.task_ids[name] = task_id
        world.instrument_ids = list(s.scalars(select(Instrument.id).order_by(Instrument.id)))
        world.document_numbers = list(s.scalars(select(Document.number)))
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            saved = save_filter(s, driver.actor(INSTITUTE), "常用", InboxFilter(view="mine"), False,
                                system.engine.clock())
            world.filter_ids.append(saved.id)
    return world


def row_counts(app: Flask) -> dict[str, int]:
    """Rows of every table (audit entries per action, refusal audits left out), plus markers of in-place updates:
    the sum of case versions and the number of claimed and of open tasks."""
    with app.app_context(), get_system().readers() as s:
        tables = sorted(set(inspect(s.connection()).get_table_names()) - IGNORED_TABLES)
        counts = {t: s.execute(select(func.count()).select_from(text(f'"{t}"'))).scalar_one()
                  for t in tables if t != "audit_entry"}
        for action, count in s.execute(select(AuditEntry.action, func.count()).group_by(AuditEntry.action)):
            if action not in REFUSAL_AUDIT_ACTIONS:
                counts[f"audit_entry[{action}]"] = count
        counts["case.version_sum"] = s.scalar(select(func.coalesce(func.sum(Case.version), 0))) or 0
        counts["task.claimed"] = s.scalar(select(func.count()).where(Task.assignee_id.is_not(None))) or 0
        counts["task.ready"] = s.scalar(select(func.count()).where(Task.status == "ready")) or 0
        counts["saved_filter.shared"] = s.scalar(select(func.count()).where(SavedFilter.shared)) or 0
    return counts


def business_counts(app: Flask) -> dict[str, int]:
    """``row_counts`` of the business tables only (for sign-in, which may keep its own bookkeeping)."""
    return {k: v for k, v in row_counts(app).items() if k.split(".")[0].split("[")[0] in BUSINESS_TABLES}
