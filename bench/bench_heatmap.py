"""Process heatmap latency with 100,000 running cases: the per-activity counts and one page of the cases at a step.

Usage: python -m bench.bench_heatmap [--db URL] [--tasks 100000] [--repeat 20]

The world is bench_inbox's (as bench_stuck's: demo organisations, 600 owner units, ``--tasks`` open tasks of
running cases over every institute, bureau and owner, due times from 10 days ago to 20 days ahead). Timed in
process (engine read model, no HTTP): ``activity_counts`` for each process and ``activity_cases`` (one page
of 20 at the verification step) for the province and a city manager.
"""

from __future__ import annotations

import argparse
import time

from engine import activity_cases, activity_counts, stuck_scope, utc_now
from engine.organisations.orgs import get_user_by_username

from .common import Clock, fresh_system, percentile
from .inbox_rows import open_task_world

PROCESSES = ("verification_request", "filing", "escalation")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    clock = Clock(utc_now())
    system, scratch = fresh_system(args.db, clock)
    try:
        open_task_world(system, args.tasks, clock.now)
        print(f"bench_heatmap: database {system.db.dialect.name}, {args.tasks} open tasks")
        for username in ("liaoning_bureau", "shenyang_bureau"):
            _measure(system, username, args.repeat, clock.now)
    finally:
        scratch.close()


def _measure(system: object, username: str, repeat: int, now: object) -> None:
    with system.sessions() as session:  # type: ignore[attr-defined]
        scope = stuck_scope(session, get_user_by_username(session, username).organisation_id)
        runs = [(f"counts {p}", lambda p=p: activity_counts(session, now, scope, p)) for p in PROCESSES]
        runs.append(("cases verify p1", lambda: activity_cases(session, now, scope, "verification_request", "verify")))
        runs.append(("cases verify p50", lambda: activity_cases(session, now, scope, "verification_request", "verify",
                                                                page=50)))
        for name, run in runs:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                result = run()
                times.append((time.perf_counter() - started) * 1000)
            size = sum(c.waiting for c in result.counts) if hasattr(result, "counts") else len(result.rows)
            print(f"  {username:16} {name:28} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
                  f"  ({size})")


if __name__ == "__main__":
    main()
