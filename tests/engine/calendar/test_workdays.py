"""Working-day arithmetic against the official 2026 schedule (国务院办公厅 2026 年部分节假日安排).

2026 make-up working days (调休), as chinese_calendar 1.11 and holidays 0.109 both list them:
Sun 01-04, Sat 02-14, Sat 02-28, Sat 05-09, Sun 09-20, Sat 10-10.
2027 is provisional: statutory holidays from ``holidays`` (weekend ones moved to weekdays), no 调休.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import chinese_calendar
import pytest
from holidays.utils import country_holidays

from engine.calendar.workdays import (
    SHANGHAI,
    WorkdayCalendar,
    add_months,
    calendar_functions,
    end_of_day,
    start_of_working_day,
    verification_deadline,
)
from engine.store.errors import CalendarError


def _calendar_2026_2027() -> WorkdayCalendar:
    rest = {d for d in chinese_calendar.holidays if d.year == 2026 and d.weekday() < 5}
    work = {d for d in chinese_calendar.workdays if d.year == 2026}
    rest |= {d for d in country_holidays("CN", years=2027) if d.weekday() < 5}
    return WorkdayCalendar(holidays=rest, workdays=work, confirmed_years={2026}, provisional_years={2027})


@pytest.fixture
def cal() -> WorkdayCalendar:
    return _calendar_2026_2027()


@pytest.fixture
def fns(cal: WorkdayCalendar) -> dict[str, Callable[..., Any]]:
    return calendar_functions(cal, lambda: date(2026, 10, 9))


def test_library_2026_make_up_days_are_the_official_ones() -> None:
    work = sorted(d for d in chinese_calendar.workdays if d.year == 2026)
    assert work == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_domain_example_passes_the_make_up_saturday(cal: WorkdayCalendar) -> None:
    # DOMAIN.md: received Wed 2026-09-30 -> 10-08, 10-09, 10-10 (调休), 10-12 .. 10-15.
    assert cal.is_working_day(date(2026, 10, 10))
    assert cal.add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)
    assert verification_deadline(cal, date(2026, 9, 30)).isoformat() == "2026-10-15T23:59:59+08:00"
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 15)) == 7


def test_week_and_holidays(cal: WorkdayCalendar) -> None:
    assert cal.is_working_day(date(2026, 10, 9))  # Friday
    assert not cal.is_working_day(date(2026, 10, 11))  # Sunday
    assert not cal.is_working_day(date(2026, 10, 1))  # National Day
    assert not cal.is_working_day(date(2026, 9, 25))  # Mid-Autumn Festival, a Friday


def test_receipt_on_make_up_saturday_before_spring_festival(cal: WorkdayCalendar) -> None:
    # Sat 02-14 is a working day but not counted; 02-15..02-23 is the Spring Festival break,
    # then 02-24..02-27 (4), Sat 02-28 (调休, 5), 03-02 (6), 03-03 (7).
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.add_working_days(date(2026, 2, 14), 7) == date(2026, 3, 3)


def test_receipt_on_friday_before_spring_festival(cal: WorkdayCalendar) -> None:
    # Fri 02-13: Sat 02-14 (1), 02-24..02-27 (2-5), Sat 02-28 (6), Mon 03-02 (7).
    assert cal.add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)


def test_receipt_on_friday_before_national_day_week(cal: WorkdayCalendar) -> None:
    # Fri 09-25 is itself Mid-Autumn Festival: 09-28, 09-29, 09-30, 10-08, 10-09, Sat 10-10, 10-12.
    assert cal.add_working_days(date(2026, 9, 25), 7) == date(2026, 10, 12)
    # Fri 09-18: Sun 09-20 (调休, 1), 09-21..09-24 (2-5), [Fri 09-25 holiday], 09-28 (6), 09-29 (7).
    assert cal.add_working_days(date(2026, 9, 18), 7) == date(2026, 9, 29)


def test_deadline_crossing_into_provisional_2027(cal: WorkdayCalendar) -> None:
    # 12-29, 12-30, 12-31, [Fri 2027-01-01 New Year's Day], 01-04 .. 01-07.
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.add_working_days(date(2026, 12, 28), 7) == date(2027, 1, 7)
    assert cal.provisional_between(date(2026, 12, 28), date(2027, 1, 7))
    assert not cal.provisional_between(date(2026, 12, 1), date(2026, 12, 31))
    assert cal.is_provisional(date(2027, 1, 7))
    assert not cal.is_provisional(date(2026, 12, 31))


def test_provisional_2027_uses_statutory_holidays_moved_off_weekends(cal: WorkdayCalendar) -> None:
    # Spring Festival 2027: Fri 02-05 (eve) to Wed 02-10 (weekend days moved to Tue/Wed).
    assert [cal.is_working_day(date(2027, 2, d)) for d in (4, 5, 8, 9, 10, 11)] == [
        True,
        False,
        False,
        False,
        False,
        True,
    ]


def test_year_not_loaded_raises(cal: WorkdayCalendar) -> None:
    with pytest.raises(CalendarError, match="2028"):
        cal.is_working_day(date(2028, 1, 3))
    with pytest.raises(CalendarError, match="2025"):
        cal.add_working_days(date(2026, 1, 5), -3)
    with pytest.raises(CalendarError, match="2028"):
        cal.add_working_days(date(2027, 12, 20), 30)
    with pytest.raises(CalendarError, match="2028"):
        cal.is_provisional(date(2028, 1, 3))


def test_backwards_counting_for_reminders(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(date(2026, 10, 15), -2) == date(2026, 10, 13)
    assert cal.add_working_days(date(2026, 10, 12), -1) == date(2026, 10, 10)  # 调休 Saturday
    assert cal.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert cal.working_days_between(date(2026, 10, 15), date(2026, 9, 30)) == -7


def test_zero_working_days_is_rejected(cal: WorkdayCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 15), 0)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 3, 1), date(2026, 3, 23)),  # 03-21 is a Saturday -> Monday
        (date(2026, 9, 11), date(2026, 10, 8)),  # 10-01 National Day -> first working day after
        (date(2026, 9, 20), date(2026, 10, 10)),  # ends on the 调休 Saturday: not moved
        (date(2026, 1, 25), date(2026, 2, 14)),  # ends on the 调休 Saturday: not moved
        (date(2026, 5, 1), date(2026, 5, 21)),  # a plain Thursday
    ],
)
def test_calendar_day_period_of_20_days(cal: WorkdayCalendar, start: date, expected: date) -> None:
    assert cal.period_end_calendar_days(start, 20) == expected


def _calendar(rest: set[date], work: set[date], years: set[int], provisional: set[int]) -> WorkdayCalendar:
    return WorkdayCalendar(holidays=rest, workdays=work, confirmed_years=years, provisional_years=provisional)


def test_bad_calendar_data_is_rejected() -> None:
    with pytest.raises(CalendarError, match="weekend"):
        _calendar({date(2026, 10, 3)}, set(), {2026}, set())
    with pytest.raises(CalendarError, match="weekday"):
        _calendar(set(), {date(2026, 10, 8)}, {2026}, set())
    with pytest.raises(CalendarError, match="both"):
        _calendar(set(), set(), {2026}, {2026})
    with pytest.raises(CalendarError, match="2030"):
        _calendar({date(2030, 1, 1)}, set(), {2026}, set())


def test_time_helpers() -> None:
    assert end_of_day(date(2026, 10, 15)) == datetime(2026, 10, 15, 23, 59, 59, tzinfo=SHANGHAI)
    assert start_of_working_day(date(2026, 10, 13)).isoformat() == "2026-10-13T09:00:00+08:00"
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -13) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_diagram_functions(fns: dict[str, Callable[..., Any]]) -> None:
    assert fns["add_working_days"]("2026-09-30", 7) == "2026-10-15"
    assert fns["add_working_days"]("2026-10-12", -1) == "2026-10-10"
    assert fns["working_day_deadline"]("2026-09-30", 7) == "2026-10-15T23:59:59+08:00"
    assert fns["reminder_time"]("2026-10-15T23:59:59+08:00", 2) == "2026-10-13T09:00:00+08:00"
    assert fns["end_of_day"]("2026-10-15") == "2026-10-15T23:59:59+08:00"
    assert fns["add_months"]("2026-01-31", 1) == "2026-02-28"
    assert fns["today"]() == "2026-10-09"
    assert fns["is_provisional"]("2027-01-07T23:59:59+08:00") is True
    assert fns["is_provisional"]("2026-12-31") is False
    assert fns["calendar_period_end"]("2026-09-11", 20) == "2026-10-08"


def test_a_calendar_date_on_a_rest_day_moves_to_the_next_working_day(fns: dict[str, Callable[..., Any]]) -> None:
    working_day_from = fns["working_day_from"]
    assert working_day_from("2026-11-20") == "2026-11-20"  # a Friday stays
    assert working_day_from("2026-10-10") == "2026-10-10"  # a 调休 Saturday is a working day
    assert working_day_from("2026-10-03") == "2026-10-08"  # inside the National Day holiday (10-01..10-07)


def test_working_days_left(fns: dict[str, Callable[..., Any]]) -> None:
    left = fns["working_days_left"]
    # today() is Fri 2026-10-09: Sat 10-10 (调休), 10-12 .. 10-15 are left.
    assert left("2026-10-15T23:59:59+08:00") == 5
    assert left("2026-10-09T23:59:59+08:00") == 0
    assert left("2026-09-30T23:59:59+08:00") == -2  # 10-08 and 10-09 have passed


def test_datetime_is_read_in_china_time(fns: dict[str, Callable[..., Any]]) -> None:
    # 2026-10-09 16:30 UTC is already Saturday 10-10 00:30 in China.
    assert fns["end_of_day"]("2026-10-09T16:30:00+00:00") == "2026-10-10T23:59:59+08:00"


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("add_working_days", ("2026-13-01", 7), "not a valid date"),
        ("add_working_days", ("30/09/2026", 7), "not an ISO date"),
        ("add_working_days", ("20260930", 7), "not an ISO date"),
        ("add_working_days", (20260930, 7), "must be an ISO date string"),
        ("add_working_days", ("2026-09-30", "7"), "must be an integer"),
        ("add_working_days", ("2026-09-30", 7.0), "must be an integer"),
        ("add_working_days", ("2026-09-30", True), "must be an integer"),
        ("add_working_days", ("2026-09-30", 0), "must not be 0"),
        ("working_day_deadline", ("2026-09-30", -1), "at least 1"),
        ("reminder_time", ("2026-10-15T23:59:59", 2), "not an ISO date"),  # no offset
        ("reminder_time", ("2026-10-15", None), "must be an integer"),
        ("end_of_day", (None,), "must be an ISO date string"),
        ("add_months", ("2026-02-30", 1), "not a valid date"),
        ("add_months", ("2026-01-31", 1.5), "must be an integer"),
        ("add_months", ("9999-12-31", 1), "outside"),
        ("is_provisional", ("",), "not an ISO date"),
        ("is_provisional", ("2028-01-03",), "2028"),
        ("working_days_left", ("soon",), "not an ISO date"),
        ("calendar_period_end", ("2026-09-11", 0), "at least 1"),
        ("working_day_from", ("11-20",), "not an ISO date"),
    ],
)
def test_bad_inputs_raise_calendar_error(
    fns: dict[str, Callable[..., Any]], name: str, args: tuple[object, ...], message: str
) -> None:
    function = fns[name]
    with pytest.raises(CalendarError, match=message):
        function(*args)


def test_diagram_function_names_are_exactly_the_contract(fns: dict[str, Callable[..., Any]]) -> None:
    assert sorted(fns) == sorted(
        [
            "add_working_days",
            "working_day_deadline",
            "reminder_time",
            "end_of_day",
            "add_months",
            "today",
            "is_provisional",
            "working_days_left",
            "calendar_period_end",
            "working_day_from",
        ]
    )
