"""The calendar's database side: seeding from the libraries, loading, admin edits, confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import chinese_calendar
import pytest
from holidays.utils import country_holidays
from holidays.version import __version__ as holidays_version
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.holiday_table import confirm_year, load_calendar, seed_calendar, set_day
from engine.calendar.workdays import SHANGHAI
from engine.store import models
from engine.store.db import Base, make_db_engine
from engine.store.errors import CalendarError
from engine.store.status import DayKind, YearStatus

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def session() -> Iterator[Session]:
    db = make_db_engine("sqlite://")
    Base.metadata.create_all(db)
    with Session(db) as s:
        yield s
    db.dispose()


@pytest.fixture
def seeded(session: Session) -> Session:
    seed_calendar(session, [2026, 2027], NOW)
    session.commit()
    return session


def _year(session: Session, year: int) -> models.CalendarYear:
    row = session.get(models.CalendarYear, year)
    assert row is not None
    return row


def test_seed_marks_2026_confirmed_and_2027_provisional(seeded: Session) -> None:
    y2026, y2027 = _year(seeded, 2026), _year(seeded, 2027)
    assert y2026.status == YearStatus.CONFIRMED
    assert y2026.source == f"chinese-calendar {chinese_calendar.__version__}"
    assert y2027.status == YearStatus.PROVISIONAL
    assert y2027.source == f"holidays {holidays_version} (statutory only, no 调休)"


def test_seed_stores_only_exceptions_to_the_week(seeded: Session) -> None:
    days = {d.day: d.kind for d in seeded.scalars(select(models.CalendarDay))}
    work_2026 = sorted(d for d, k in days.items() if k == DayKind.WORKDAY)
    assert work_2026 == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert days[date(2026, 10, 1)] == DayKind.HOLIDAY
    assert date(2026, 10, 3) not in days  # a Saturday inside the holiday is a rest day anyway
    assert days[date(2027, 1, 1)] == DayKind.HOLIDAY
    assert days[date(2027, 10, 4)] == DayKind.HOLIDAY  # National Day Sat 10-02 moved to Monday
    assert all(d.weekday() < 5 for d in days if d.year == 2027)


def test_loaded_calendar_gives_the_domain_deadlines(seeded: Session) -> None:
    cal = load_calendar(seeded)
    assert cal.add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)
    assert cal.add_working_days(date(2026, 12, 28), 7) == date(2027, 1, 7)
    assert cal.provisional_between(date(2026, 12, 28), date(2027, 1, 7))
    with pytest.raises(CalendarError, match="2028"):
        cal.add_working_days(date(2027, 12, 27), 7)


def test_seed_does_not_commit(session: Session) -> None:
    seed_calendar(session, [2026], NOW)
    session.rollback()
    assert session.get(models.CalendarYear, 2026) is None


def test_reseed_keeps_admin_edits(seeded: Session) -> None:
    stamp = _year(seeded, 2026).updated_at
    set_day(seeded, date(2026, 10, 10), None)  # the administrator cancels a 调休 Saturday
    set_day(seeded, date(2027, 2, 11), DayKind.HOLIDAY, "Spring Festival (local)")
    seeded.commit()
    seed_calendar(seeded, [2026, 2027], datetime(2026, 12, 1, tzinfo=SHANGHAI))
    seeded.commit()
    cal = load_calendar(seeded)
    assert not cal.is_working_day(date(2026, 10, 10))
    assert cal.add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 16)
    assert not cal.is_working_day(date(2027, 2, 11))
    assert _year(seeded, 2026).updated_at == stamp


def test_set_day_updates_and_removes(seeded: Session) -> None:
    set_day(seeded, date(2026, 12, 31), DayKind.HOLIDAY, "extra")
    set_day(seeded, date(2026, 12, 31), DayKind.HOLIDAY, "renamed")
    row = seeded.get(models.CalendarDay, date(2026, 12, 31))
    assert row is not None and row.name == "renamed"
    assert not load_calendar(seeded).is_working_day(date(2026, 12, 31))
    set_day(seeded, date(2026, 12, 31), None)
    set_day(seeded, date(2026, 12, 30), None)  # removing a day that is no exception is a no-op
    assert load_calendar(seeded).is_working_day(date(2026, 12, 31))


@pytest.mark.parametrize(
    ("day", "kind", "message"),
    [
        (date(2026, 10, 3), DayKind.HOLIDAY, "weekend day and cannot be a holiday"),
        (date(2026, 10, 8), DayKind.WORKDAY, "weekday and cannot be a make-up"),
        (date(2030, 1, 1), DayKind.HOLIDAY, "2030 is not loaded"),
    ],
)
def test_set_day_rejects_impossible_edits(seeded: Session, day: date, kind: DayKind, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        set_day(seeded, day, kind)


def test_confirm_year_flips_provisional_and_changes_deadlines(seeded: Session) -> None:
    before = load_calendar(seeded)
    assert before.add_working_days(date(2026, 12, 28), 7) == date(2027, 1, 7)
    # A made-up official schedule (the real 2027 one is not published): Sat 2027-01-02 is 调休.
    holidays_2027 = [d for d in country_holidays("CN", years=2027) if d.weekday() < 5]
    confirm_year(seeded, 2027, holidays_2027, [date(2027, 1, 2)], "State Council notice (test)", NOW)
    after = load_calendar(seeded)
    assert _year(seeded, 2027).status == YearStatus.CONFIRMED
    assert _year(seeded, 2027).source == "State Council notice (test)"
    assert not after.is_provisional(date(2027, 1, 7))
    assert after.add_working_days(date(2026, 12, 28), 7) == date(2027, 1, 6)
    assert not after.provisional_between(date(2026, 12, 28), date(2027, 1, 6))


def test_confirm_year_replaces_the_old_exceptions(seeded: Session) -> None:
    confirm_year(seeded, 2027, [date(2027, 1, 1)], [], "test", NOW)
    cal = load_calendar(seeded)
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 10, 4))  # no longer a holiday


def test_confirm_year_can_add_an_unseeded_year(session: Session) -> None:
    confirm_year(session, 2028, [date(2028, 1, 3)], [], "test", NOW)
    assert not load_calendar(session).is_working_day(date(2028, 1, 3))


@pytest.mark.parametrize(
    ("rest", "work", "message"),
    [
        ([date(2027, 10, 2)], [], "weekend day and cannot be a holiday"),
        ([], [date(2027, 10, 8)], "weekday and cannot be a make-up"),
        ([date(2026, 12, 31)], [], "not in 2027"),
    ],
)
def test_confirm_year_rejects_bad_dates(
    seeded: Session, rest: list[date], work: list[date], message: str
) -> None:
    with pytest.raises(CalendarError, match=message):
        confirm_year(seeded, 2027, rest, work, "test", NOW)


def test_load_rejects_unknown_kind(seeded: Session) -> None:
    row = seeded.get(models.CalendarDay, date(2026, 10, 1))
    assert row is not None
    row.kind = "half_day"
    with pytest.raises(CalendarError, match="unknown kind"):
        load_calendar(seeded)
