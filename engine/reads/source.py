"""What the read side needs from the engine, as protocols: the clock, the calendar, specs and stored cases.

Reads never import the runtime; ``Engine`` (and, for the calendar alone, ``CalendarService``) fits these
shapes, so callers pass whichever they hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from engine.calendar.workdays import WorkdayCalendar
from engine.cases.instance import CaseInstance
from engine.rules.specs import SpecRegistry
from engine.store.models import Case


class CalendarSource(Protocol):
    """"Now" and the working-day calendar."""

    def clock(self) -> datetime: ...

    def calendar(self, session: Session) -> WorkdayCalendar: ...


class CaseSource(CalendarSource, Protocol):
    """The calendar, the stored specs, and a case's workflow rebuilt for reading."""

    registry: SpecRegistry

    def load_case(self, session: Session, row: Case) -> CaseInstance: ...
