"""The working-day calendar as a small service: the clock and the calendar, cached for a minute.

The runtime (deadlines, timers) and the read side (due windows, working days left) both need "now" and the
calendar; they share this service instead of the read side reaching into the runtime for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from .holiday_table import load_calendar
from .workdays import WorkdayCalendar

Clock = Callable[[], datetime]
CALENDAR_TTL_SECONDS = 60


class CalendarService:
    """The injected clock and the working-day calendar, reloaded at most once a minute (admins edit it rarely)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._calendar: WorkdayCalendar | None = None
        self._loaded_at: datetime | None = None

    def calendar(self, session: Session) -> WorkdayCalendar:
        """The calendar as stored, from the cache while it is younger than a minute."""
        now = self.clock()
        loaded = self._loaded_at
        stale = loaded is None or (now - loaded).total_seconds() > CALENDAR_TTL_SECONDS
        if self._calendar is None or stale:
            self._calendar = load_calendar(session)
            self._loaded_at = now
        return self._calendar

    def forget(self) -> None:
        """Drop the cached calendar after an administrator changed it."""
        self._calendar = None
