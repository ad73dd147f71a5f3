"""Drive the real engine through past working days, as if clerks and the timer sweep had been at work.

The engine reads time only from its injected clock, so the demo sets that clock to a working day some days
before today, acts as the users would (filing, applying, completing tasks, each through the engine's
commands) and runs the timer sweep at every step, the way the scheduler would have run all along. Nothing
writes case state directly: whatever is late, escalated or parked got there by the diagrams' own timers.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actions.owner_actions import apply_for_verification, file_instruments
from engine.bootstrap import System
from engine.calendar.workdays import SHANGHAI
from engine.cases.optimistic_timers import fire_next_due
from engine.organisations.actors import Actor, actor_for
from engine.store.models import Instrument, Organisation, Task, User


class DemoClock:
    """A clock the demo moves by hand; the engine built over it reads it for every step."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class World:
    """Users' steps and timer sweeps at chosen working days before ``today`` (Beijing time)."""

    def __init__(self, system: System, clock: DemoClock, real_now: datetime) -> None:
        self.system, self.clock, self.real_now = system, clock, real_now
        self._minutes = 0
        with system.readers() as session:
            calendar = system.engine.calendar(session)
        # The first year after those the calendar holds: a date in it has no working days yet.
        self.unloaded_year = max(calendar.confirmed_years | calendar.provisional_years) + 1
        today = real_now.astimezone(SHANGHAI).date()
        self._days: list[date] = []
        day = today - timedelta(days=1)
        while len(self._days) < 40:  # enough working days back for every stage
            if calendar.is_working_day(day):
                self._days.append(day)
            day -= timedelta(days=1)

    # -- time ---------------------------------------------------------------------------------
    def day(self, k: int) -> date:
        """The k-th working day before today (1 = the last working day before today)."""
        return self._days[k - 1]

    def at(self, k: int) -> date:
        """Move the clock to working day ``k`` before today (9:00 and a few minutes per step), then sweep."""
        day = self.day(k)
        if self.clock.now.astimezone(SHANGHAI).date() != day:
            self._minutes = 3  # not on the hour: the reminders fall due at 9:00 sharp
        self.clock.now = datetime.combine(day, time(9), SHANGHAI) + timedelta(minutes=self._minutes)
        self._minutes += 7
        self.sweep()
        return day

    def finish(self) -> int:
        """Back to the real time, and the sweep the scheduler would run now; how many timers fired."""
        self.clock.now = self.real_now
        return self.sweep()

    def sweep(self, limit: int = 100) -> int:
        """Fire the due timers at the clock's time, one short transaction per case, as ``sweep_once`` does."""
        fired = 0
        for _ in range(limit):
            with self.system.sessions() as session, session.begin():
                count = fire_next_due(session, self.system.engine, self.clock.now)
            if count is None:
                break
            fired += count
        return fired

    # -- steps --------------------------------------------------------------------------------
    def file(self, owner: str, items: list[dict[str, Any]]) -> int:
        """The owner files instruments used in its own county; the filing case's id."""
        with self.system.sessions() as session, session.begin():
            actor = self._actor(session, owner)
            county = session.scalars(select(Organisation.region_code)
                                     .where(Organisation.id == actor.organisation_id)).one()
            return file_instruments(session, self.system.engine, actor, county, items).id

    def apply(self, owner: str, serial: str) -> int:
        """The owner applies for verification of a ledger instrument; the application case's id."""
        with self.system.sessions() as session, session.begin():
            instrument_id = session.scalars(select(Instrument.id).where(Instrument.serial_no == serial)).one()
            return apply_for_verification(session, self.system.engine, self._actor(session, owner), instrument_id).id

    def complete(self, case_id: int, spec_name: str, username: str, data: dict[str, Any]) -> str:
        """Complete the case's open task ``spec_name`` as ``username``; the case status afterwards."""
        with self.system.sessions() as session, session.begin():
            task_id = session.scalars(select(Task.id).where(
                Task.case_id == case_id, Task.spec_name == spec_name, Task.status == "ready")).one()
            return self.system.engine.complete_task(session, task_id, data, self._actor(session, username)).status

    @staticmethod
    def _actor(session: Session, username: str) -> Actor:
        return actor_for(session.scalars(select(User).where(User.username == username)).one())
