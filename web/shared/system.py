"""The engine system for the app, and one database session per request (closed on teardown)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from engine import Budget, System, open_system, utc_now

EXTENSION = "qiangjian"


def init_app(app: Flask) -> None:
    """Open the engine system for the configured database and close sessions after each request."""
    clock = app.config.get("CLOCK") or utc_now  # tests inject a settable clock
    budget = Budget(float(app.config["SCRIPT_SECONDS"]), int(app.config["SCRIPT_MEMORY_MB"]))
    app.extensions[EXTENSION] = open_system(app.config["DATABASE_URL"], clock=clock, script_budget=budget)
    app.teardown_appcontext(_close_session)


def get_system() -> System:
    """The app's engine system: its engine and its session factories."""
    system: System = current_app.extensions[EXTENSION]
    return system


def get_session() -> Session:
    """The request's read session (never takes SQLite's write lock)."""
    if "db_session" not in g:
        g.db_session = get_system().readers()
    session: Session = g.db_session
    return session


@contextmanager
def write_session() -> Iterator[Session]:
    """A separate session for one write, committed when the block ends without an error."""
    with get_system().sessions() as session, session.begin():
        yield session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
