"""Stuck-cases latency with 100,000 running cases: counts of every tab plus one page, and a 10,000-row export.

Usage: python -m bench.bench_stuck [--db URL] [--tasks 100000] [--repeat 30] [--only WHAT ...]

``--only`` narrows a run while iterating (a manager's username, a case name such as ``idle 5``, or
``export``; several may be given, each kind narrowing its own part); the figures reported in
bench/RESULTS.md come from full runs without it.

The world is bench_inbox's (demo organisations, 600 owner units, ``--tasks`` open tasks with their running
cases spread over every institute, bureau and owner, due times from 10 days ago to 20 days ahead) plus three
audit entries per case aged 0–30 days; each case's latest activity (``case.last_activity_at``) is then set
from those entries by migration 0007's backfill, as the engine keeps it. Timed in process (engine read model,
no HTTP): ``stuck_page`` (all eight counts and one page of 20) for the province and a city manager, per tab
and with filters, and ``stuck_export`` of up to 10,000 rows (idle and overdue tabs, 3 runs each). Targets
(issue 10): page p95 < 200 ms, export < 2 s.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import insert, select, text

from engine import AuditEntry, Case, StuckFilter, stuck_export, stuck_page, stuck_scope, utc_now
from engine.organisations.orgs import get_user_by_username

from .common import Clock, fresh_system, percentile, settle_heap
from .inbox_rows import open_task_world

BACKFILL = importlib.import_module("engine.store.migrations.versions.0007_manager_facts")
CASES: list[tuple[str, dict[str, object]]] = [
    ("overdue", {}), ("escalations", {"tab": "escalations"}), ("applications", {"tab": "applications"}),
    ("idle 5", {"tab": "idle"}), ("error", {"tab": "error"}), ("overdue age>=3", {"age": 3}),
    ("filings county", {"tab": "filings", "county": "210181"}), ("page 50", {"page": 50}),
]

USERS = ("liaoning_bureau", "shenyang_bureau")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", nargs="+", default=[], help="managers, cases (e.g. 'idle 5') or 'export'")
    args = parser.parse_args()
    clock = Clock(utc_now())
    system, scratch = fresh_system(args.db, clock)
    try:
        open_task_world(system, args.tasks, clock.now)
        _audit(system, clock.now)
        with system.db.begin() as conn:
            BACKFILL.backfill(conn)
        if system.db.dialect.name == "postgresql":  # what autovacuum would have done by the time anyone looks
            with system.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        settle_heap()  # as the server does once started
        print(f"bench_stuck: database {system.db.dialect.name}, {args.tasks} open tasks")
        only = set(args.only)
        users = [u for u in USERS if u in only] or list(USERS)
        for username in users:
            _measure(system, username, args.repeat, only)
    finally:
        scratch.close()


def _audit(system: object, now: object) -> None:
    rnd = random.Random(5)
    with system.sessions() as session, session.begin():  # type: ignore[attr-defined]
        ids = session.scalars(select(Case.id)).all()
        rows = [{"case_id": i, "actor": "bench", "action": "step", "at": now - timedelta(days=rnd.uniform(0, 30))}
                for i in ids for _ in range(3)]
        for start in range(0, len(rows), 20_000):
            session.execute(insert(AuditEntry), rows[start:start + 20_000])


def _measure(system: object, username: str, repeat: int, only: set[str]) -> None:
    cases = [(name, params) for name, params in CASES if name in only] or (CASES if not only - set(USERS) else [])
    exports = ("idle", "overdue") if "export" in only or not only - set(USERS) else ()
    with system.sessions() as session:  # type: ignore[attr-defined]
        scope = stuck_scope(session, get_user_by_username(session, username).organisation_id)
        for name, params in cases:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                page = stuck_page(session, system.engine, scope, StuckFilter(**params))  # type: ignore[arg-type, attr-defined]
                times.append((time.perf_counter() - started) * 1000)
            print(f"  {username:16} {name:18} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
                  f"  ({page.total} rows)")
        for tab in exports:
            took = []
            for _ in range(3):
                started = time.perf_counter()
                rows = stuck_export(session, system.engine, scope, StuckFilter(tab=tab))  # type: ignore[attr-defined]
                took.append((time.perf_counter() - started) * 1000)
            print(f"  {username:16} export {tab:11} median {statistics.median(took):7.1f} ms  max {max(took):7.1f} ms"
                  f"  ({len(rows)} rows)")


if __name__ == "__main__":
    main()
