"""Shared helpers for the benchmarks: a fresh system, a SQL statement counter, percentiles."""

from __future__ import annotations

import gc
import statistics
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from engine.bootstrap import System, open_system, prepare_database
from engine.store.db import make_db_engine


class Clock:
    """A settable clock, so benchmarks control what is due."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Scratch:
    """Where a benchmark's database lives; ``close()`` removes it (temp SQLite file or PostgreSQL database)."""

    def __init__(self, url: str, tmp: tempfile.TemporaryDirectory[str] | None = None,
                 admin_url: str | None = None, pg_name: str | None = None) -> None:
        self.url, self._tmp, self._admin_url, self.pg_name = url, tmp, admin_url, pg_name
        self._system: System | None = None

    def close(self) -> None:
        if self._system is not None:
            self._system.db.dispose()
            self._system = None
        if self._admin_url is not None and self.pg_name is not None:
            admin = make_db_engine(self._admin_url).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            admin.dispose()
            self.pg_name = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def scratch_database(url: str | None) -> Scratch:
    """A temp SQLite file by default; for a PostgreSQL URL, a fresh database on that server.

    The PostgreSQL database is named after the URL's database plus a random suffix, created through the
    server's ``postgres`` maintenance database and dropped by ``Scratch.close()``. Other URLs are used as
    they are (the caller owns them).
    """
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        return Scratch(f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}", tmp)
    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        return Scratch(url)
    name = f"{parsed.database or 'qiangjian'}_bench_{uuid.uuid4().hex[:8]}"
    admin_url = parsed.set(database="postgres").render_as_string(hide_password=False)
    admin = make_db_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Scratch(parsed.set(database=name).render_as_string(hide_password=False), admin_url=admin_url,
                   pg_name=name)


def fresh_system(url: str | None, clock: Clock) -> tuple[System, Scratch]:
    """A migrated database with calendar, diagrams and demo data; SQLite in a temp dir by default.

    Call ``close()`` on the returned Scratch when done (it drops a PostgreSQL scratch database).
    """
    scratch = scratch_database(url)
    try:
        system = open_system(scratch.url, clock=clock)
        scratch._system = system
        prepare_database(system, demo=True)
    except BaseException:
        scratch.close()
        raise
    return system, scratch


@dataclass
class StatementCounter:
    """Counts SQL statements sent to the database (an executemany counts once), and their verbs."""

    count: int = 0
    verbs: Counter[str] = field(default_factory=Counter)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any, **kwargs: Any) -> None:
        self.count += 1
        self.verbs[statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"] += 1


@contextmanager
def counting_statements(system: System) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(system.db, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(system.db, "before_cursor_execute", counter)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def settle_heap() -> None:
    """What the server does once started (``web.__main__.settle_heap``): collect, then freeze the objects left
    (here the world just built) out of the garbage collector's full scans before anything is timed."""
    gc.collect()
    gc.freeze()


def summary_ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.3f} ms, p95 {percentile(values, 95) * 1000:.3f} ms"


UTC = timezone.utc
