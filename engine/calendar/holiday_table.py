"""The working-day calendar as database rows: seeding, loading and administrator edits.

Only exceptions to the Monday–Friday week are stored (weekday holidays and weekend make-up
working days, 调休), plus one row per year saying whether its schedule is official. Functions
take the session first and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

import chinese_calendar
from holidays.utils import country_holidays
from holidays.version import __version__ as holidays_version
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.store.errors import CalendarError
from engine.store.models import CalendarDay, CalendarYear
from engine.store.status import DayKind, YearStatus

from .workdays import WorkdayCalendar

logger = logging.getLogger(__name__)

_NAME_MAX = 100


def seed_calendar(session: Session, years: Iterable[int], now: datetime) -> None:
    """Load each missing year: official data from chinese_calendar, else statutory holidays only.

    Years already present are skipped, so an administrator's edits survive a reseed.
    """
    for year in sorted(set(years)):
        if session.get(CalendarYear, year) is not None:
            logger.info("Calendar year %s already loaded; not reseeding", year)
            continue
        if _chinese_calendar_knows(year):
            rest, work = _official_exceptions(year)
            source = f"chinese-calendar {chinese_calendar.__version__}"
            status = YearStatus.CONFIRMED
        else:
            # The State Council publishes make-up days late in the previous year; until then
            # only the statutory holidays (with weekend holidays moved to weekdays) are known.
            rest, work = _statutory_holidays(year), {}
            source = f"holidays {holidays_version} (statutory only, no 调休)"
            status = YearStatus.PROVISIONAL
        _replace_year(session, year, rest, work, status, source, now)
        logger.info("Seeded calendar year %s as %s from %s", year, status.value, source)


def _chinese_calendar_knows(year: int) -> bool:
    try:
        chinese_calendar.is_holiday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _official_exceptions(year: int) -> tuple[dict[date, str], dict[date, str]]:
    # chinese_calendar lists every rest day of a holiday week; weekend ones are rest days anyway.
    rest = {d: str(n) for d, n in chinese_calendar.holidays.items() if d.year == year and d.weekday() < 5}
    work = {d: str(n) for d, n in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= 5}
    return rest, work


def _statutory_holidays(year: int) -> dict[date, str]:
    found = country_holidays("CN", years=year, language="en_US")
    return {d: str(n) for d, n in found.items() if d.year == year and d.weekday() < 5}


def load_calendar(session: Session) -> WorkdayCalendar:
    """The calendar as currently stored.

    :raises CalendarError: a stored row has an unknown kind or status, or contradicts the week.
    """
    confirmed: set[int] = set()
    provisional: set[int] = set()
    for row in session.scalars(select(CalendarYear)):
        if row.status == YearStatus.CONFIRMED:
            confirmed.add(row.year)
        elif row.status == YearStatus.PROVISIONAL:
            provisional.add(row.year)
        else:
            raise CalendarError(f"Calendar year {row.year} has unknown status {row.status!r}")
    rest: set[date] = set()
    work: set[date] = set()
    for day in session.scalars(select(CalendarDay)):
        if day.kind == DayKind.HOLIDAY:
            rest.add(day.day)
        elif day.kind == DayKind.WORKDAY:
            work.add(day.day)
        else:
            raise CalendarError(f"Calendar day {day.day.isoformat()} has unknown kind {day.kind!r}")
    return WorkdayCalendar(
        holidays=rest, workdays=work, confirmed_years=confirmed, provisional_years=provisional
    )


def set_day(session: Session, day: date, kind: DayKind | None, name: str = "") -> None:
    """Record an administrator's edit of one day; ``kind=None`` removes the exception.

    :raises CalendarError: the year is not loaded, or the kind does not fit the day of the week.
    """
    if session.get(CalendarYear, day.year) is None:
        raise CalendarError(f"Calendar year {day.year} is not loaded; seed or confirm it before editing days")
    row = session.get(CalendarDay, day)
    if kind is None:
        if row is not None:
            session.delete(row)
            logger.info("Calendar exception on %s removed", day)
        return
    _check_day(day, DayKind(kind), name)
    if row is None:
        session.add(CalendarDay(day=day, kind=DayKind(kind).value, name=name))
    else:
        row.kind, row.name = DayKind(kind).value, name
    logger.info("Calendar day %s set to %s (%s)", day, DayKind(kind).value, name)


def confirm_year(
    session: Session,
    year: int,
    holidays: Iterable[date],
    workdays: Iterable[date],
    source: str,
    now: datetime,
) -> None:
    """Replace a year's exceptions with the official schedule and mark the year confirmed.

    :raises CalendarError: a date is outside ``year`` or does not fit its kind.
    """
    rest = {d: "" for d in holidays}
    work = {d: "" for d in workdays}
    for day in sorted(rest.keys() | work.keys()):
        if day.year != year:
            raise CalendarError(f"{day.isoformat()} is not in {year}, the year being confirmed")
    _replace_year(session, year, rest, work, YearStatus.CONFIRMED, source, now)
    logger.info(
        "Calendar year %s confirmed from %s (%s holidays, %s workdays)", year, source, len(rest), len(work)
    )


def _check_day(day: date, kind: DayKind, name: str) -> None:
    # Weekends are rest days already, so a weekend "holiday" means the data is confused.
    if kind == DayKind.HOLIDAY and day.weekday() >= 5:
        raise CalendarError(f"{day.isoformat()} is a weekend day and cannot be a holiday (it is a rest day)")
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        raise CalendarError(f"{day.isoformat()} is a weekday and cannot be a make-up working day (调休)")
    if len(name) > _NAME_MAX:
        raise CalendarError(f"Name for {day.isoformat()} is longer than {_NAME_MAX} characters")


def _replace_year(
    session: Session,
    year: int,
    rest: dict[date, str],
    work: dict[date, str],
    status: YearStatus,
    source: str,
    now: datetime,
) -> None:
    rows = [(d, DayKind.HOLIDAY, n[:_NAME_MAX]) for d, n in rest.items()]
    rows += [(d, DayKind.WORKDAY, n[:_NAME_MAX]) for d, n in work.items()]
    for day, kind, name in rows:
        _check_day(day, kind, name)
    if len(source) > _NAME_MAX:
        raise CalendarError(f"Calendar source is longer than {_NAME_MAX} characters")
    session.execute(delete(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    session.add_all(CalendarDay(day=d, kind=k.value, name=n) for d, k, n in sorted(rows))
    row = session.get(CalendarYear, year)
    if row is None:
        session.add(CalendarYear(year=year, status=status.value, source=source, updated_at=now))
    else:
        row.status, row.source, row.updated_at = status.value, source, now
