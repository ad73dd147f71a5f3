"""Working-day arithmetic for the PRC public-holiday calendar, with no database.

Verification must finish within 7 consecutive working days (Notice 一.（四）2), counted by the
Civil Code's rule for periods (民法典 第二百零一条: the start day is not counted). Complaints are
answered within 20 calendar days (Regulation 第三十二条), and a period ending on a rest day moves
to the next working day (民法典 第二百零三条). Diagrams reach these rules through
``calendar_functions``, which speaks ISO strings only.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from engine.store.errors import CalendarError

SHANGHAI = timezone(timedelta(hours=8))

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkdayCalendar:
    """Which days are working days, for the years whose schedule is loaded.

    ``holidays`` are weekday rest days; ``workdays`` are weekend make-up working days (调休).
    A year in ``provisional_years`` knows its statutory holidays but not its make-up days yet.
    """

    holidays: Set[date]
    workdays: Set[date]
    confirmed_years: Set[int]
    provisional_years: Set[int]

    def __post_init__(self) -> None:
        # Freeze the inputs so a shared calendar cannot change under a running computation.
        for name in ("holidays", "workdays", "confirmed_years", "provisional_years"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        both = self.confirmed_years & self.provisional_years
        if both:
            raise CalendarError(f"Years {sorted(both)} are marked both confirmed and provisional")
        for day in self.holidays:
            self._check_exception(day, "holiday", weekend=False)
        for day in self.workdays:
            self._check_exception(day, "make-up working day", weekend=True)

    def _check_exception(self, day: date, what: str, *, weekend: bool) -> None:
        if (day.weekday() >= 5) != weekend:
            where = "a weekday" if weekend else "a weekend day"
            raise CalendarError(f"{day.isoformat()} cannot be a {what}: it is {where}")
        self._check_year(day)

    def _check_year(self, day: date) -> None:
        if day.year not in self.confirmed_years and day.year not in self.provisional_years:
            raise CalendarError(
                f"No working-day calendar for {day.year} (needed for {day.isoformat()}): "
                f"the year is neither confirmed nor provisional; an administrator must load it"
            )

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day: Mon–Fri unless a holiday, Sat/Sun only if 调休."""
        self._check_year(d)
        if d.weekday() >= 5:
            return d in self.workdays
        return d not in self.holidays

    def is_provisional(self, d: date) -> bool:
        """Whether ``d`` lies in a year whose official schedule is not yet confirmed."""
        self._check_year(d)
        return d.year in self.provisional_years

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it when n < 0); ``d`` itself never counts.

        :raises ValueError: n == 0, which has no meaning under 民法典 第二百零一条.
        """
        if n == 0:
            raise ValueError("n must be non-zero: the start day is never counted")
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        day = d
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (minus those in (end, start]) if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def period_end_calendar_days(self, start: date, days: int) -> date:
        """Last day of a ``days``-calendar-day period from ``start``, moved off rest days (民法典 203)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        end = start + timedelta(days=days)
        # A 调休 Saturday is a working day, so the period may end on it.
        while not self.is_working_day(end):
            end += _ONE_DAY
        return end

    def working_day_from(self, d: date) -> date:
        """``d`` if it is a working day, else the first working day after it (民法典 第二百零三条).

        For a deadline fixed as a calendar date (the yearly report "by 20 November", Notice 三) that
        falls on a rest day; a 调休 Saturday is a working day, so the date stays on it.
        """
        day = d
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def provisional_between(self, start: date, end: date) -> bool:
        """Whether any day in (start, end] lies in a provisional year."""
        first = start + _ONE_DAY
        if end < first:
            return False
        for year in range(first.year, end.year + 1):
            self._check_year(date(year, 1, 1))
            if year in self.provisional_years:
                return True
        return False


def end_of_day(d: date) -> datetime:
    """23:59:59 China time on ``d``: a deadline day is usable to its end (民法典 第二百零三条)."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=SHANGHAI)


def start_of_working_day(d: date) -> datetime:
    """09:00 China time on ``d``, when reminders go out."""
    return datetime.combine(d, time(9, 0), tzinfo=SHANGHAI)


def verification_deadline(cal: WorkdayCalendar, received: date, days: int = 7) -> datetime:
    """End of the ``days``-th working day after receipt (Notice 一.（四）2; 民法典 第二百零一条)."""
    return end_of_day(cal.add_working_days(received, days))


def add_months(d: date, n: int) -> date:
    """``d`` moved by n months, clamped to the month end (01-31 + 1 month = 02-28/29)."""
    index = d.year * 12 + d.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise CalendarError(f"{d.isoformat()} + {n} months is outside the supported years")
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def parse_day(value: object, what: str = "date") -> date:
    """The China-time date of an ISO date ('YYYY-MM-DD') or offset-aware ISO datetime string."""
    if not isinstance(value, str):
        raise CalendarError(f"{what} must be an ISO date string, got {type(value).__name__} {value!r}")
    try:
        if _DATE_RE.fullmatch(value):
            return date.fromisoformat(value)
        if _DATETIME_RE.fullmatch(value):
            return datetime.fromisoformat(value).astimezone(SHANGHAI).date()
    except ValueError as exc:
        raise CalendarError(f"{what} {value!r} is not a valid date: {exc}") from exc
    raise CalendarError(
        f"{what} {value!r} is not an ISO date 'YYYY-MM-DD' or a datetime with an offset such as "
        f"'2026-10-15T23:59:59+08:00'"
    )


def _count(value: object, what: str, *, minimum: int | None = None, nonzero: bool = False) -> int:
    # bool is an int subclass, but True working days is a diagram bug, not a count.
    if not isinstance(value, int) or isinstance(value, bool):
        raise CalendarError(f"{what} must be an integer, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise CalendarError(f"{what} must be at least {minimum}, got {value}")
    if nonzero and value == 0:
        raise CalendarError(f"{what} must not be 0: the start day is never counted")
    return value


class _DiagramFunctions:
    """String-in, string-out wrappers that diagram expressions call."""

    def __init__(self, cal: WorkdayCalendar, today: Callable[[], date]) -> None:
        self._cal = cal
        self._today = today

    def _now_day(self) -> date:
        value = self._today()
        return value.date() if isinstance(value, datetime) else value

    def add_working_days(self, day: str, n: int) -> str:
        start = parse_day(day, "day")
        return self._cal.add_working_days(start, _count(n, "n", nonzero=True)).isoformat()

    def working_day_deadline(self, day: str, n: int) -> str:
        start = parse_day(day, "day")
        return end_of_day(self._cal.add_working_days(start, _count(n, "n", minimum=1))).isoformat()

    def reminder_time(self, deadline: str, n: int) -> str:
        due = parse_day(deadline, "deadline")
        day = self._cal.add_working_days(due, -_count(n, "n", minimum=1))
        return start_of_working_day(day).isoformat()

    def end_of_day(self, day: str) -> str:
        return end_of_day(parse_day(day, "day")).isoformat()

    def add_months(self, day: str, n: int) -> str:
        return add_months(parse_day(day, "day"), _count(n, "n")).isoformat()

    def today(self) -> str:
        return self._now_day().isoformat()

    def is_provisional(self, day_or_datetime: str) -> bool:
        return self._cal.is_provisional(parse_day(day_or_datetime, "day"))

    def working_days_left(self, deadline: str) -> int:
        return self._cal.working_days_between(self._now_day(), parse_day(deadline, "deadline"))

    def calendar_period_end(self, day: str, days: int) -> str:
        start = parse_day(day, "day")
        return self._cal.period_end_calendar_days(start, _count(days, "days", minimum=1)).isoformat()

    def working_day_from(self, day: str) -> str:
        return self._cal.working_day_from(parse_day(day, "day")).isoformat()


DIAGRAM_FUNCTION_NAMES = (
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
)


def calendar_functions(cal: WorkdayCalendar, today: Callable[[], date]) -> dict[str, Callable[..., Any]]:
    """The calendar functions diagram expressions may call, keyed by the name they use.

    ``today`` is injected so tests and the scheduler decide what "today" is (no wall clock here).
    Every function raises CalendarError for a malformed date or count.
    """
    functions = _DiagramFunctions(cal, today)
    return {name: getattr(functions, name) for name in DIAGRAM_FUNCTION_NAMES}
