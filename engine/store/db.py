"""Engine and session factories; the only place that knows about connection URLs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Dialect, TypeDecorator, create_engine, event
from sqlalchemy import Engine as SAEngine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every table."""


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite keeps no offset, so one is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the engine stores aware datetimes only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
PG_SYNCHRONOUS_COMMIT = ("on", "off", "local", "remote_write", "remote_apply")


def make_db_engine(
    url: str, *, sqlite_synchronous: str = "NORMAL", pg_synchronous_commit: str = "on", echo: bool = False,
) -> SAEngine:
    """Create a SQLAlchemy engine; SQLite gets WAL, foreign keys and the chosen fsync level.

    SQLite WAL + synchronous=NORMAL survives an application crash but may lose the last commits
    on power loss; pass sqlite_synchronous="FULL" to trade speed for that guarantee. PostgreSQL
    keeps synchronous_commit=on unless asked otherwise: "off" makes a commit not wait for its
    WAL flush (a server crash may lose the last fraction of a second of commits, never corrupts).
    """
    if sqlite_synchronous.upper() not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
    if pg_synchronous_commit not in PG_SYNCHRONOUS_COMMIT:
        raise ValueError(f"pg_synchronous_commit must be one of {PG_SYNCHRONOUS_COMMIT}")
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif url.startswith("postgresql") and pg_synchronous_commit != "on":
        kwargs["connect_args"] = {"options": f"-c synchronous_commit={pg_synchronous_commit}"}
    db = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        _configure_sqlite(db, sqlite_synchronous.upper())
    return db


def _configure_sqlite(db: SAEngine, synchronous: str) -> None:
    @event.listens_for(db, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so SELECT ... then UPDATE run in one transaction.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if ":memory:" not in str(db.url):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(db, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers BEGIN IMMEDIATE: they take the write lock up front and queue instead of failing
        # when a read-then-write transaction finds the database changed under it. Readers BEGIN
        # DEFERRED and never block anyone (WAL lets them read while one writer writes).
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


BEGIN_OPTION = "qiangjian_sqlite_begin"


def upsert_insert(dialect_name: str) -> Any:
    """The INSERT construct with ON CONFLICT support for this database (PostgreSQL or SQLite)."""
    return pg_insert if dialect_name == "postgresql" else sqlite_insert


def make_sessionmaker(db: SAEngine, *, write: bool = True) -> sessionmaker[Session]:
    """Session factory bound to ``db``; sessions do not expire objects on commit.

    ``write=True`` (engine commands, the scheduler) makes SQLite transactions take the write lock
    at BEGIN; ``write=False`` is for read-only work such as page views and reports.
    """
    bind = db.execution_options(**{BEGIN_OPTION: "IMMEDIATE" if write else "DEFERRED"})
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error, always close."""
    with factory() as session, session.begin():
        yield session
