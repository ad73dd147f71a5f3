"""The clerks' inbox screen: a typed filter, due windows on the working-day calendar, and its queries.

``InboxFilter`` says which open tasks a clerk looks at (view, process, task, county, instrument type,
due window, text), in what order and which page. ``inbox_page`` and ``inbox_counts`` filter, sort and
count on the task table alone, whose rows carry copies of the case facts the filters need (number,
process, owner, county, instrument type) and whose inbox index holds every column they read; only the
page's own rows are then joined to their cases and owner units. Nothing parses case JSON. A due window
becomes datetime limits computed in Python from the engine's cached calendar (``DueWindow``): the
database only compares due times with constants.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, defer

from engine.calendar.workdays import SHANGHAI, WorkdayCalendar
from engine.organisations.actors import Actor
from engine.store.errors import CalendarError, NotAllowed, ValidationFailed
from engine.store.models import Case, Organisation, Task
from engine.store.status import Role, TaskStatus

from .list_filter import ListFilter
from .source import CalendarSource

logger = logging.getLogger(__name__)

VIEWS = ("mine", "group", "all", "team")
DUE_WINDOWS = ("overdue", "today", "2wd")
SORTS = ("due", "-due")
MAX_PAGE_SIZE = 100
MAX_TEXT = 100
NEAR_WORKING_DAYS = 2
# Every lane role, so the supervisors' "team" view still uses the (organisation, role, status, due) index.
LANE_ROLES = tuple(sorted(r.value for r in (Role.OWNER, Role.INSTITUTE, Role.BUREAU, Role.FILING_HANDLER)))
_TEXT_FIELDS = ("process_id", "spec_name", "county_code", "instrument_type", "due", "text")


@dataclass(frozen=True)
class InboxFilter(ListFilter):
    """What the inbox shows. ``view``: "mine" (claimed by me), "group" (unclaimed in my group), "all"
    (both), "team" (every open task of my organisation, supervisors only). ``due``: "overdue", "today"
    or "2wd" (due within 2 working days, not yet overdue). ``text``: a case number prefix or part of
    the owner unit's name. ``sort``: "due" (earliest first) or "-due"; undated tasks always come last.

    :raises ValidationFailed: a value outside these choices (messages in Chinese, for the screen).
    """

    view: str = "all"
    process_id: str | None = None
    spec_name: str | None = None
    county_code: str | None = None
    instrument_type: str | None = None
    due: str | None = None
    text: str | None = None
    sort: str = "due"
    page: int = 1
    size: int = 20

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        self._trim_text(_TEXT_FIELDS, errors, MAX_TEXT)
        choices = {"view": VIEWS, "due": (*DUE_WINDOWS, None), "sort": SORTS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed and name not in errors:
                errors[name] = [f"取值无效，应为：{'、'.join(a for a in allowed if a)}"]
        if not isinstance(self.page, int) or self.page < 1:
            errors["page"] = ["页码必须是正整数"]
        if not isinstance(self.size, int) or not 1 <= self.size <= MAX_PAGE_SIZE:
            errors["size"] = [f"每页条数必须在 1 到 {MAX_PAGE_SIZE} 之间"]
        if errors:
            raise ValidationFailed(errors)


@dataclass(frozen=True)
class DueWindow:
    """Due-time limits at one moment: overdue before ``now``; "today" until ``today_end``; "within
    2 working days" until ``near_end`` (the end of the 2nd working day after today; today counts too)."""

    now: datetime
    today_end: datetime
    near_end: datetime

    @classmethod
    def at(cls, calendar: WorkdayCalendar, now: datetime) -> DueWindow:
        """The limits for ``now`` on ``calendar``; outside the loaded years, Monday–Friday is assumed."""
        today = now.astimezone(SHANGHAI).date()
        try:
            near = calendar.add_working_days(today, NEAR_WORKING_DAYS)
        except CalendarError:
            logger.warning("No working-day calendar around %s; near-due counts Monday to Friday", today)
            near = _weekdays_after(today, NEAR_WORKING_DAYS)
        return cls(now, _midnight_after(today), _midnight_after(near))

    def bounds(self, due: str) -> tuple[datetime | None, datetime | None]:
        """(from, before) limits of a due window on ``Task.due_at``."""
        if due == "overdue":
            return None, self.now
        return self.now, self.today_end if due == "today" else self.near_end

    def state(self, due_at: datetime | None) -> str:
        """How a due time stands out on screen: "overdue", "near" (within 2 working days) or ""."""
        if due_at is None:
            return ""
        if due_at < self.now:
            return "overdue"
        return "near" if due_at < self.near_end else ""


def _midnight_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def _weekdays_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= day.weekday() < 5
    return day


def due_window(session: Session, engine: CalendarSource) -> DueWindow:
    """The due window now, on the engine's clock and cached working-day calendar."""
    return DueWindow.at(engine.calendar(session), engine.clock())


@dataclass(frozen=True)
class InboxRow:
    """One inbox line: the task, its case (without the state JSON), the owner unit's name, due state."""

    task: Task
    case: Case
    owner_name: str | None
    due_state: str


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox and whether another follows."""

    rows: Sequence[InboxRow]
    has_next: bool
    filter: InboxFilter


@dataclass(frozen=True)
class InboxCounts:
    """Tab counts under the current filter (view and due window aside)."""

    mine: int
    group: int
    overdue: int


def inbox_page(session: Session, actor: Actor, flt: InboxFilter, window: DueWindow,
               offset: int | None = None) -> InboxPage:
    """The filtered, sorted page of open tasks the actor may see; ``offset`` overrides the filter's page.

    :raises NotAllowed: the "team" view for someone who is not a supervisor (role manager).
    """
    query = inbox_statement(actor, flt, window).limit(flt.size + 1).offset(flt.offset if offset is None else offset)
    ids = session.scalars(query).all()
    rows = [InboxRow(task, case, owner, window.state(task.due_at)) for task, case, owner in
            load_rows(session, ids[:flt.size])]
    return InboxPage(rows, len(ids) > flt.size, flt)


def inbox_counts(session: Session, actor: Actor, flt: InboxFilter, window: DueWindow) -> InboxCounts:
    """My claimed tasks, my group's unclaimed tasks and the overdue ones among both, in one query."""
    query = select(
        func.count().filter(Task.assignee_id == actor.user_id),
        func.count().filter(Task.assignee_id.is_(None)),
        func.count().filter(Task.due_at < window.now),
    ).where(*_scope(actor, "all"), *_facets(flt, window, with_due=False))
    counted = session.execute(query).one()
    return InboxCounts(*(int(n) for n in counted))


def inbox_statement(actor: Actor, flt: InboxFilter, window: DueWindow | None) -> Select[tuple[str]]:
    """The ids of the tasks the filter selects, in inbox order, unpaged (``load_rows`` fetches a page).

    Undated tasks come last either way. The order is an expression, so no index can serve it: each database
    then starts from the group's task index rather than walking every open task in due order, and sorts the
    group's rows, read from the index alone. ``window`` may be None only when the filter has no due window.
    """
    order = Task.due_at.desc() if flt.sort == "-due" else Task.due_at.asc()
    return (
        select(Task.id).where(*_scope(actor, flt.view), *_facets(flt, window, with_due=True))
        .order_by(Task.due_at.is_(None), order, Task.created_at, Task.id)
    )


def load_rows(session: Session, ids: Sequence[str]) -> list[tuple[Task, Case, str | None]]:
    """(task, case without its state JSON, owner unit's name) for these task ids, in their order."""
    if not ids:
        return []
    query = (select(Task, Case, Organisation.name).join(Case, Task.case_id == Case.id)
             .outerjoin(Organisation, Case.owner_org_id == Organisation.id)
             .where(Task.id.in_(ids)).options(defer(Case.state)))
    found = {task.id: (task, case, owner) for task, case, owner in session.execute(query)}
    return [found[task_id] for task_id in ids if task_id in found]


def _scope(actor: Actor, view: str) -> list[ColumnElement[bool]]:
    """Whose open tasks a view covers; every branch starts with an indexed prefix of the task table."""
    if actor.organisation_id is None or not actor.roles:
        return [false()]
    ready = Task.status == TaskStatus.READY.value
    group = and_(Task.organisation_id == actor.organisation_id, Task.role.in_(sorted(actor.roles)), ready)
    if view == "mine":
        return [Task.assignee_id == actor.user_id, group]
    if view == "group":
        return [group, Task.assignee_id.is_(None)]
    if view == "team":
        if Role.MANAGER.value not in actor.roles:
            raise NotAllowed("只有本单位的监督管理人员可以查看本单位全部任务")
        return [Task.organisation_id == actor.organisation_id, Task.role.in_(LANE_ROLES), ready]
    return [group, or_(Task.assignee_id.is_(None), Task.assignee_id == actor.user_id)]


def _facets(flt: InboxFilter, window: DueWindow | None, with_due: bool) -> list[ColumnElement[bool]]:
    """The filter's conditions on the task row's own columns (an owner's name is looked up by id)."""
    conditions: list[ColumnElement[bool]] = []
    if flt.process_id:
        conditions.append(Task.case_process_id == flt.process_id)
    if flt.spec_name:
        conditions.append(Task.spec_name == flt.spec_name)
    if flt.county_code:
        conditions.append(Task.county_code == flt.county_code)
    if flt.instrument_type:
        conditions.append(Task.instrument_type == flt.instrument_type)
    if flt.text:
        owners = select(Organisation.id).where(Organisation.name.like("%" + _escape(flt.text) + "%", escape="\\"))
        conditions.append(or_(Task.case_number.like(_escape(flt.text.upper()) + "%", escape="\\"),
                              Task.owner_org_id.in_(owners)))
    if with_due and flt.due:
        if window is None:
            raise ValueError("a due-window filter needs a DueWindow")
        lower, upper = window.bounds(flt.due)
        if lower is not None:
            conditions.append(Task.due_at >= lower)
        if upper is not None:
            conditions.append(Task.due_at < upper)
    return conditions


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
