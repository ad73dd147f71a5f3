"""Assemble a working system (database, engine, diagrams) from a URL; used by the CLI and the web app."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine as SAEngine
from sqlalchemy.orm import Session, sessionmaker

from .calendar.holiday_table import seed_calendar
from .calendar.service import Clock
from .cases.runtime import Engine
from .organisations.demo import DemoSummary, load_demo_data
from .rules.rule_files import install_directory
from .rules.serializer import StateSerializer
from .rules.specs import SpecRegistry
from .sandbox import Budget
from .store.db import make_db_engine, make_sessionmaker
from .store.errors import NotFound
from .store.schema import upgrade_database

RULES_PACKAGE = "qiangjian_rules"  # the repository's bpmn/, shipped in the wheel under this name (see setup.py)
DEFAULT_DB_URL = "sqlite:///instance/qiangjian.sqlite"


def utc_now() -> datetime:
    """The real clock, in UTC; everything else takes a clock as a parameter."""
    return datetime.now(timezone.utc)


@dataclass
class System:
    """The pieces a process needs: the database, its session factories and the engine.

    ``sessions`` is for work that writes (engine commands, the scheduler); ``readers`` for
    read-only work, which on SQLite must not take the write lock.
    """

    db: SAEngine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    engine: Engine


def open_system(
    url: str = DEFAULT_DB_URL, clock: Clock = utc_now, sqlite_synchronous: str | None = None,
    pg_synchronous_commit: str | None = None, script_budget: Budget | None = None,
) -> System:
    """Connect to ``url`` and build an engine over it (no schema changes).

    Durability settings default to the environment (QIANGJIAN_SQLITE_SYNCHRONOUS,
    QIANGJIAN_PG_SYNCHRONOUS_COMMIT), else SQLite NORMAL and PostgreSQL on; the script budget to
    QIANGJIAN_SCRIPT_SECONDS and QIANGJIAN_SCRIPT_MEMORY_MB, else 1 s and 256 MB.
    """
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db = make_db_engine(
        url,
        sqlite_synchronous=sqlite_synchronous or os.environ.get("QIANGJIAN_SQLITE_SYNCHRONOUS", "NORMAL"),
        pg_synchronous_commit=pg_synchronous_commit or os.environ.get("QIANGJIAN_PG_SYNCHRONOUS_COMMIT", "on"),
    )
    serializer = StateSerializer()
    engine = Engine(SpecRegistry(serializer), serializer, clock, script_budget or Budget.from_environment())
    return System(db, make_sessionmaker(db), make_sessionmaker(db, write=False), engine)


def rules_dir() -> Path:
    """The directory of rule files installed at start: QIANGJIAN_RULES_DIR, else the copy shipped in the package.

    The shipped copy is the checkout's bpmn/ itself in an editable install, so edits there are seen directly.
    """
    configured = os.environ.get("QIANGJIAN_RULES_DIR")
    if configured:
        if not Path(configured).is_dir():
            raise NotFound(f"QIANGJIAN_RULES_DIR={configured!r} is not a directory")
        return Path(configured)
    spec = importlib.util.find_spec(RULES_PACKAGE)
    # A folder of data without __init__.py: a namespace package, whose locations may include an import hook's.
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    raise NotFound(f"the rule files are not installed (package {RULES_PACKAGE}); set QIANGJIAN_RULES_DIR")


def prepare_database(system: System, bpmn_dir: Path | None = None, demo: bool = False) -> DemoSummary | None:
    """Migrate, seed the calendar (last year to next year), install the rule files, and optionally the demo.

    The rule files come from ``bpmn_dir``, by default ``rules_dir()``.
    """
    upgrade_database(system.db)
    now = system.engine.clock()
    summary = None
    with system.sessions() as session, session.begin():
        seed_calendar(session, range(now.year - 1, now.year + 2), now)
        install_directory(session, system.engine.registry, bpmn_dir or rules_dir(), now)
        if demo:
            summary = load_demo_data(session)
    return summary
