"""APScheduler wiring only: run the timer sweep on an interval in its own transaction.

Never started by tests or at import; the CLI's ``scheduler`` command and the web app's
factory (outside the reloader's parent process) start it.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from .bootstrap import System
from .timers import fire_due_timers

logger = logging.getLogger(__name__)


def sweep_once(system: System) -> int:
    """One sweep in one transaction; returns how many timers fired."""
    with system.sessions() as session, session.begin():
        fired = fire_due_timers(session, system.engine, system.engine.clock())
    if fired:
        logger.info("Timer sweep fired %s timers", fired)
    return fired


def make_scheduler(system: System, interval_seconds: float = 30, blocking: bool = False) -> BaseScheduler:
    """A scheduler that sweeps every ``interval_seconds``; one run at a time, late runs merged."""
    scheduler: BaseScheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    scheduler.add_job(sweep_once, "interval", args=[system], seconds=interval_seconds,
                      id="timer_sweep", max_instances=1, coalesce=True)
    return scheduler
