"""Shared fixtures: a migrated database with calendar and demo data, a settable clock, the engine."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from engine.calendar.holiday_table import seed_calendar
from engine.cases.runtime import Engine
from engine.organisations.demo import load_demo_data
from engine.rules.serializer import StateSerializer
from engine.rules.specs import SpecRegistry
from engine.store.db import make_db_engine, make_sessionmaker
from engine.store.schema import upgrade_database

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("QJ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("QJ_REQUIRE_POSTGRES") == "1"
SEED_YEARS = range(2025, 2028)
# The suite signs in thousands of times: scrypt at a lower cost (same algorithm and code paths) instead of
# werkzeug's default ~0.2 s a hash (engine/organisations/passwords.py; tests/engine/organisations/test_passwords.py
# checks the default). Set before any template database hashes the demo password.
os.environ.setdefault("QIANGJIAN_PASSWORD_METHOD", "scrypt:1024:8:1")


class FakeClock:
    """A clock tests move by hand; the engine reads it, nothing sleeps."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso).astimezone(timezone.utc)

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 9, 28, 1, 0, tzinfo=timezone.utc))


def _prepare(url: str) -> None:
    db = make_db_engine(url)
    upgrade_database(db)
    factory = make_sessionmaker(db)
    with factory() as session, session.begin():
        seed_calendar(session, SEED_YEARS, datetime(2026, 1, 1, tzinfo=timezone.utc))
        load_demo_data(session)
    db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _prepare(f"sqlite:///{path}")
    return path


def postgres_available() -> bool:
    """True when PG_URL answers; a server that answers without PG_URL's database gets it created first."""
    if _answers(PG_URL):
        return True
    server, name = PG_URL.rsplit("/", 1)
    if not _answers(server + "/postgres"):
        return False
    admin = make_db_engine(server + "/postgres").execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return _answers(PG_URL)


def _answers(url: str) -> bool:
    try:
        db = make_db_engine(url)
        with db.connect() as conn:
            conn.execute(text("select 1"))
        db.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not postgres_available():
        if REQUIRE_PG:
            pytest.fail(f"QJ_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}; the PostgreSQL variants are skipped")
    name = f"qj_tmpl_{uuid.uuid4().hex[:8]}"
    admin = make_db_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    _prepare(url)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Database:
    """A fresh database for one test, with its URL and session factory."""

    url: str
    factory: sessionmaker[Session]
    reader: sessionmaker[Session]
    dialect: str


@pytest.fixture(params=["sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _database(request, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Used by persistence, concurrency and timer tests: they run on both databases."""
    yield from _database(request, tmp_path)


def _database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "qj.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        db = make_db_engine(url)
        yield Database(url, make_sessionmaker(db), make_sessionmaker(db, write=False), "sqlite")
        db.dispose()
        return
    template = request.getfixturevalue("postgres_template")
    name = f"qj_test_{uuid.uuid4().hex[:8]}"
    admin = make_db_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    db = make_db_engine(url)
    yield Database(url, make_sessionmaker(db), make_sessionmaker(db, write=False), "postgresql")
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_engine(clock: FakeClock) -> Engine:
    serializer = StateSerializer()
    return Engine(SpecRegistry(serializer), serializer, clock)


@pytest.fixture
def engine(clock: FakeClock) -> Engine:
    return make_engine(clock)
