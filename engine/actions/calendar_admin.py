"""Administrator actions on the working-day calendar that also touch running cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.holiday_table import confirm_year
from engine.cases.runtime import Engine
from engine.organisations.actors import Actor
from engine.store.models import Case
from engine.store.status import LIVE_CASE_STATUSES


def confirm_calendar_year(
    session: Session, engine: Engine, year: int, holidays: Iterable[date], workdays: Iterable[date],
    source: str, actor: Actor,
) -> list[str]:
    """Confirm a year's official schedule and recompute every provisional deadline; returns moved case numbers."""
    confirm_year(session, year, holidays, workdays, source, engine.clock())
    session.flush()
    engine.forget_calendar()
    moved = []
    cases = session.scalars(
        select(Case).where(Case.status.in_(LIVE_CASE_STATUSES), Case.deadline_provisional.is_(True))
    ).all()
    for case in cases:
        if engine.recompute_deadline(session, case.id, actor):
            moved.append(case.number)
    return moved
