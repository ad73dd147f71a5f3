"""APScheduler wiring only: run the timer sweep on an interval, one short transaction per due case.

Never started by tests or at import; the CLI's ``scheduler`` command and the web app's
factory (outside the reloader's parent process) start it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from .bootstrap import System
from .cases.optimistic_timers import fire_next_due

logger = logging.getLogger(__name__)


def sweep_once(system: System, limit: int = 100) -> int:
    """Fire the due timers of up to ``limit`` cases, one short transaction per case; returns how many fired.

    Each case commits on its own so a clerk's write never waits behind a whole batch of timers (on
    SQLite one writer at a time); a case that is no longer due when its turn comes, or that another
    sweep holds, is skipped by the same due query with a limit of one. On SQLite each case's timer code
    runs before its transaction takes the write lock (``optimistic_timers``).
    """
    now = system.engine.clock()
    fired = 0
    for _ in range(limit):
        with system.sessions() as session, session.begin():
            count = fire_next_due(session, system.engine, now)
            if count is None:
                break
            fired += count
    if fired:
        logger.info("Timer sweep fired %s timers", fired)
    return fired


def make_scheduler(system: System, interval_seconds: float = 30, blocking: bool = False) -> BaseScheduler:
    """A scheduler that sweeps every ``interval_seconds``; one run at a time, late runs merged.

    The first sweep runs as soon as the scheduler starts, not one interval later: timers that came due
    while the server was down (a restart, a crash) fire before clerks get to those cases.
    """
    scheduler: BaseScheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    scheduler.add_job(sweep_once, "interval", args=[system], seconds=interval_seconds,
                      id="timer_sweep", max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))
    return scheduler
