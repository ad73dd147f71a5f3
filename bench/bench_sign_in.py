"""The account-lock lookup and the session check with a large sign-in audit.

Usage: python -m bench.bench_sign_in [--db URL] [--failures 200000] [--calls 500]

The audit gets ``--failures`` ``sign_in_failed`` rows spread over 20,000 usernames within the last
15 minutes (a password-spraying flood), plus 9 for the measured clerk, and 100,000 other audit rows.
Then ``--calls`` timed calls of each: ``account_locked_until`` (what every sign-in attempt asks, on the
index ``ix_audit_entry_action_actor_at``) and ``session_user`` (what every signed-in request asks).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from engine import AuditEntry, LockPolicy, User, account_locked_until, open_user_session, session_user

from .common import UTC, Clock, fresh_system, summary_ms

CLERK = "shenyang_institute"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--failures", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    now = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)
    system, scratch = fresh_system(args.db, Clock(now))
    try:
        _fill(system, args.failures, now)
        with system.sessions() as session, session.begin():
            user_id = session.scalars(select(User.id).where(User.username == CLERK)).one()
            session_id = open_user_session(session, user_id, "10.0.0.1", now - timedelta(hours=1))
        lock, check = [], []
        with system.readers() as session:
            for _ in range(args.calls):
                started = time.perf_counter()
                assert account_locked_until(session, CLERK, LockPolicy(), now) is None  # 9 < 10
                lock.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert session_user(session, session_id) is not None
                check.append(time.perf_counter() - started)
        print(f"database: {system.db.dialect.name}; sign_in_failed rows: {args.failures + 9:,}")
        print(f"account_locked_until: {summary_ms(lock)}")
        print(f"session_user:         {summary_ms(check)}")
    finally:
        scratch.close()


def _fill(system: object, failures: int, now: datetime) -> None:
    rows = [{"actor": f"sprayed{n % 20_000}", "action": "sign_in_failed", "at": now - timedelta(seconds=n % 800),
             "after": {"address": "203.0.113.9"}} for n in range(failures)]
    rows += [{"actor": CLERK, "action": "sign_in_failed", "at": now - timedelta(seconds=60 + n), "after": {}}
             for n in range(9)]
    rows += [{"actor": CLERK, "action": "task_completed", "at": now - timedelta(days=n % 300), "after": {}}
             for n in range(100_000)]
    with system.sessions() as session, session.begin():  # type: ignore[attr-defined]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(AuditEntry), rows[start:start + 10_000])


if __name__ == "__main__":
    main()
