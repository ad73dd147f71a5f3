"""The managers' stuck-cases screen: which tab, which filters, and the working-day limits they become.

``StuckFilter`` is what the page asks for; ``WorkdayLimits`` turns "late at least N working days" and
"no activity for N working days" into plain datetime limits on the working-day calendar (Asia/Shanghai),
computed once in Python, so the database only compares times with constants.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.calendar.workdays import SHANGHAI, WorkdayCalendar
from engine.store.errors import CalendarError, ValidationFailed

from .list_filter import ListFilter

logger = logging.getLogger(__name__)

# Tab -> label. Task tabs list open tasks of running cases; case tabs (idle, error) list cases with
# their open tasks, if any.
STUCK_TABS: dict[str, str] = {
    "overdue": "已逾期", "escalations": "上报未处理", "extensions": "延期未答复", "refusals": "拒绝受理待审核",
    "applications": "申请未受理", "filings": "备案未审核", "idle": "长期无进展", "error": "运行出错",
}
CASE_TABS = ("idle", "error")
# The user task each step tab waits on (the task ids of bpmn/verification_request.bpmn and filing.bpmn).
TAB_STEPS: dict[str, str] = {
    "escalations": "handle_escalation", "extensions": "answer_extension", "refusals": "review_refusal",
    "applications": "accept_application", "filings": "review_filing",
}
DEFAULT_IDLE_DAYS = 5
MAX_DAYS = 365
MAX_PAGE_SIZE = 100
# An internal limit of this system (no article): one export holds at most this many rows.
STUCK_EXPORT_LIMIT = 10_000
_TEXT_FIELDS = ("city", "county", "process_id", "spec_name")


@dataclass(frozen=True)
class StuckFilter(ListFilter):
    """What the stuck-cases page shows. ``city``/``county``: region codes; ``institute``: organisation id;
    ``age``: working days late at least; ``idle_days``: N of the "no activity for N working days" tab.

    :raises ValidationFailed: a value outside these choices (messages in Chinese, for the screen).
    """

    tab: str = "overdue"
    city: str | None = None
    county: str | None = None
    institute: int | None = None
    process_id: str | None = None
    spec_name: str | None = None
    age: int | None = None
    idle_days: int = DEFAULT_IDLE_DAYS
    page: int = 1
    size: int = 20

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        self._trim_text(_TEXT_FIELDS, errors, 100)
        if self.tab not in STUCK_TABS:
            errors["tab"] = ["取值无效"]
        checks: dict[str, tuple[Any, int, int]] = {
            "institute": (self.institute, 1, 2**31 - 1), "age": (self.age, 0, MAX_DAYS),
            "idle_days": (self.idle_days, 1, MAX_DAYS), "page": (self.page, 1, 10**6),
            "size": (self.size, 1, MAX_PAGE_SIZE)}
        for name, (value, low, high) in checks.items():
            optional = name in ("institute", "age")
            if (value is None and optional) or (isinstance(value, int) and low <= value <= high):
                continue
            errors[name] = [f"必须是 {low} 到 {high} 之间的整数"]
        if errors:
            raise ValidationFailed(errors)


@dataclass(frozen=True)
class WorkdayLimits:
    """"Now", today in Beijing time, and the calendar's working-day arithmetic with a Monday–Friday
    fallback outside the loaded years (a page must still show when a year is missing)."""

    now: datetime
    today: date
    is_working_day: Callable[[date], bool]

    @classmethod
    def at(cls, calendar: WorkdayCalendar, now: datetime) -> WorkdayLimits:
        def working(day: date) -> bool:
            try:
                return calendar.is_working_day(day)
            except CalendarError:
                logger.warning("No working-day calendar for %s; counting Monday to Friday", day)
                return day.weekday() < 5

        return cls(now, now.astimezone(SHANGHAI).date(), working)

    def older_than(self, days: int) -> datetime:
        """The moment before which something is at least ``days`` working days old: midnight (Beijing) of
        the ``days``-th working day up to today. A deadline at the end of a day D is ``days`` late once
        (D, today] holds ``days`` working days, i.e. when D lies before that working day."""
        day, remaining = self.today + timedelta(days=1), days
        while remaining:
            day -= timedelta(days=1)
            remaining -= self.is_working_day(day)
        return datetime.combine(day, time(0), tzinfo=SHANGHAI)

    def days_late(self, due: datetime | None, cache: dict[date, int]) -> int:
        """Working days in (the due day, today] for a due time already past, else 0; ``cache`` by due day."""
        if due is None or due >= self.now:
            return 0
        day = due.astimezone(SHANGHAI).date()
        if day not in cache:
            count, cursor = 0, day + timedelta(days=1)
            while cursor <= self.today:
                count += self.is_working_day(cursor)
                cursor += timedelta(days=1)
            cache[day] = count
        return cache[day]
