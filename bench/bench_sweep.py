"""Timer sweep with many waiting cases and none due: it must read only the indexed column.

Usage: python -m bench.bench_sweep [--cases 100000] [--db URL]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, text

from engine.bootstrap import System
from engine.cases.timers import due_case_ids, fire_due_timers
from engine.store.models import Case

from .common import UTC, Clock, counting_statements, fresh_system, summary_ms

TARGET_MS = 5.0


def fill_waiting_cases(system: System, count: int, now: datetime) -> None:
    """Insert ``count`` case rows whose next timer is due in the future (1 h to ~11 days ahead)."""
    with system.sessions() as session, session.begin():
        version_id = session.scalar(text("select id from spec_version order by id limit 1"))
        session.execute(delete(Case))
        batch = []
        for i in range(count):
            batch.append({
                "number": f"B{i:09d}", "process_id": "verification_request", "spec_version_id": version_id,
                "status": "running", "title": "", "state": "{}", "created_at": now, "updated_at": now,
                "next_timer_at": now + timedelta(hours=1, seconds=i * 10), "version": 1,
                "deadline_provisional": False,
            })
            if len(batch) == 10_000:
                session.execute(insert(Case), batch)
                batch = []
        if batch:
            session.execute(insert(Case), batch)
    if system.db.dialect.name == "postgresql":
        with system.db.connect() as conn:
            conn.execute(text('ANALYZE "case"'))
            conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    clock = Clock(datetime(2026, 10, 12, 1, 0, tzinfo=UTC))
    system, scratch = fresh_system(args.db, clock)
    try:
        run(system, clock, args)
    finally:
        scratch.close()


def run(system: System, clock: Clock, args: argparse.Namespace) -> None:
    fill_waiting_cases(system, args.cases, clock.now)
    timings = []
    with counting_statements(system) as counter:
        for _ in range(args.runs):
            start = time.perf_counter()
            with system.sessions() as session, session.begin():
                fired = fire_due_timers(session, system.engine, clock.now)
            timings.append(time.perf_counter() - start)
            assert fired == 0
    with system.sessions() as session:
        plan = session.execute(text(
            ("EXPLAIN QUERY PLAN " if system.db.dialect.name == "sqlite" else "EXPLAIN ")
            + str(select(Case.id).where(Case.next_timer_at <= clock.now).order_by(Case.next_timer_at).limit(100)
                  .compile(system.db, compile_kwargs={"literal_binds": True}))
        )).all()
        assert due_case_ids(session, clock.now) == []
    median_ms = statistics.median(timings) * 1000
    verbs = ", ".join(f"{verb} {n / args.runs:g}" for verb, n in sorted(counter.verbs.items()))
    print(f"[{system.db.dialect.name}] empty timer sweep over {args.cases} waiting cases ({args.runs} runs, "
          f"one transaction each): {summary_ms(timings)}; "
          f"{counter.count / args.runs:.1f} SQL statements per sweep ({verbs}); "
          f"target < {TARGET_MS} ms: {'met' if median_ms < TARGET_MS else 'MISSED'}")
    print("  plan:", " | ".join(str(row[-1]) for row in plan))


if __name__ == "__main__":
    main()
