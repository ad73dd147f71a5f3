"""The managers' stuck cases: tabs with counts, one page of rows, and the export, all set-based.

Scope is the manager's organisation and everything under it (``visible_org_ids``): a row is in scope when
the organisation that must act, or the case's owner unit, is. Task tabs read open task rows by their plain
columns (spec name, organisation, due time, and the copies of owner, county and process), answered from
``ix_task_stuck`` alone, minus the tasks of the few halted (suspended, error) cases. Overdue means past the
task's due time: every waiting step carries one, and the verification's is the legal deadline (7 working days
or the agreed date). The idle tab reads running cases whose latest audit entry (``case.last_activity_at``,
kept by every writer of one) is older than the limit, a range of ``ix_case_idle``; nothing parses case
JSON. Ids are sorted and paged first; only the rows shown (a page, or an export of at most
``STUCK_EXPORT_LIMIT``) are then read and named: organisations and ledger instruments in one query each, and
lateness counted per distinct due day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from engine.organisations.catalogue import INSTRUMENT_TYPES
from engine.organisations.orgs import visible_org_ids
from engine.store.models import Case, Instrument, Organisation, Task
from engine.store.status import CaseStatus, OrgKind, TaskStatus

from .source import CalendarSource
from .stuck_filter import CASE_TABS, STUCK_EXPORT_LIMIT, STUCK_TABS, TAB_STEPS, StuckFilter, WorkdayLimits

_DUE = Task.due_at
# Case statuses other than running that keep open tasks (suspension and a failed step leave them open).
_HALTED = (CaseStatus.SUSPENDED.value, CaseStatus.ERROR.value)
_COLUMNS = (Case.id, Case.number, Case.process_id, Case.title, Case.subject, Case.instrument_type,
            Case.owner_org_id, Case.status, Task.title, Task.organisation_id, _DUE)


@dataclass(frozen=True)
class StuckScope:
    """The organisations a manager oversees; ``org_ids`` None = all of them (the province)."""

    org_id: int
    org_ids: frozenset[int] | None


@dataclass(frozen=True)
class StuckRow:
    """One line: the case, its instrument and owner, the step waiting and who must act, how late."""

    case_id: int
    case_number: str
    process_id: str
    instrument: str
    owner: str
    acting_org: str
    step: str
    due_at: datetime | None
    days_late: int
    case_status: str


@dataclass(frozen=True)
class StuckPage:
    """The tab counts, one page of rows of the chosen tab, and whether a next page exists."""

    counts: dict[str, int]
    rows: Sequence[StuckRow]
    has_next: bool
    total: int


def stuck_scope(session: Session, org_id: int) -> StuckScope:
    """The organisations a manager at ``org_id`` oversees (theirs and every one below)."""
    ids = visible_org_ids(session, org_id)
    everything = session.scalar(select(func.count()).select_from(Organisation))
    return StuckScope(org_id, None if len(ids) >= (everything or 0) else frozenset(ids))


def stuck_page(session: Session, source: CalendarSource, scope: StuckScope, flt: StuckFilter) -> StuckPage:
    """Counts of every tab and one page of ``flt.tab``, most overdue first."""
    limits = WorkdayLimits.at(source.calendar(session), source.clock())
    # A case tab's page sorts all its rows anyway: its count comes with the page (a window count), instead of
    # joining every idle case to its tasks a second time; only a page past the end counts separately. (The
    # province's idle count without a join is cheaper than the window.)
    together = flt.tab in CASE_TABS and not _idle_without_join(scope, flt, flt.tab)
    counts = stuck_counts(session, scope, flt, limits, skip=flt.tab if together else None)
    query = _tab_query(scope, flt, limits)
    if together:
        query = query.add_columns(func.count().over())
    found = session.execute(query.limit(flt.size + 1).offset(flt.offset)).all()
    if together:
        counts[flt.tab] = int(found[0][2]) if found else _count_tab(session, scope, flt, limits, flt.tab)
    ids = [(case_id, task_id) for case_id, task_id, *_total in found]
    rows = _named(session, _load(session, ids[:flt.size]), limits)
    return StuckPage(counts, rows, len(ids) > flt.size, counts[flt.tab])


def stuck_export(session: Session, source: CalendarSource, scope: StuckScope, flt: StuckFilter) -> list[StuckRow]:
    """Every row of ``flt.tab`` (filters applied, paging ignored), at most ``STUCK_EXPORT_LIMIT``, as on the page."""
    limits = WorkdayLimits.at(source.calendar(session), source.clock())
    query = _tab_query(scope, flt, limits).limit(STUCK_EXPORT_LIMIT)
    return _named(session, _load(session, session.execute(query).all()), limits)


def stuck_counts(session: Session, scope: StuckScope, flt: StuckFilter, limits: WorkdayLimits,
                 skip: str | None = None) -> dict[str, int]:
    """Rows per tab with the page's filters: the task tabs in one query, each case tab in one more (but
    ``skip``, a case tab the caller counts itself; it is 0 here)."""
    conditions = [func.count().filter(_tab_condition(tab, flt, limits)).label(tab)
                  for tab in STUCK_TABS if tab not in CASE_TABS]
    query = _task_rows(select(*conditions), scope, flt, limits)
    counts = {k: int(v or 0) for k, v in session.execute(query).one()._mapping.items()}
    for tab in CASE_TABS:
        counts[tab] = 0 if tab == skip else _count_tab(session, scope, flt, limits, tab)
    return {tab: counts[tab] for tab in STUCK_TABS}


def _count_tab(session: Session, scope: StuckScope, flt: StuckFilter, limits: WorkdayLimits, tab: str) -> int:
    """Rows of a case tab. Without a filter on the tasks, a narrower scope's idle rows are those of its owners'
    cases, counted from ``ix_case_idle`` alone, plus the rows of other owners' cases whose open task waits on
    one of its organisations: only those cases are joined to their tasks."""
    if _idle_without_join(scope, flt, tab):
        return _idle_count(session, flt, limits)
    condition = _tab_condition(tab, flt, limits)
    if tab == "idle" and scope.org_ids is not None and _no_task_filter(flt):
        ids = sorted(scope.org_ids)
        others = _case_rows(select(func.count()), StuckScope(scope.org_id, None), flt, limits).where(
            condition, or_(Case.owner_org_id.is_(None), Case.owner_org_id.not_in(ids)), Task.organisation_id.in_(ids))
        return _idle_count(session, flt, limits, Case.owner_org_id.in_(ids)) + int(session.scalar(others) or 0)
    counted = _case_rows(select(func.count()), scope, flt, limits).where(condition)
    return int(session.scalar(counted) or 0)


def _idle_without_join(scope: StuckScope, flt: StuckFilter, tab: str) -> bool:
    return tab == "idle" and scope.org_ids is None and _no_task_filter(flt)


def _no_task_filter(flt: StuckFilter) -> bool:
    return flt.institute is None and flt.spec_name is None and flt.age is None


def _idle_count(session: Session, flt: StuckFilter, limits: WorkdayLimits,
                owned: ColumnElement[bool] | None = None) -> int:
    """The idle tab's rows of the cases ``owned`` (all: None) without a filter on the task's organisation,
    step or due time: each idle case shows its open tasks, or one row without any (``case.open_tasks``, read
    from ``ix_case_idle``), so no case is joined to its tasks. (Other owners' cases in a narrower scope still
    join: reaching its organisations' tasks from the task side cost more than the join, the case rows being
    wide.)"""
    rows = case((Case.open_tasks > 1, Case.open_tasks), else_=1)
    query = select(func.coalesce(func.sum(rows), 0)).where(_tab_condition("idle", flt, limits), *_case_filters(flt))
    if owned is not None:
        query = query.where(owned)
    return int(session.scalar(query) or 0)


def _case_filters(flt: StuckFilter) -> list[ColumnElement[bool]]:
    """The filters on the case's own columns (city, county, process)."""
    found: list[ColumnElement[bool]] = []
    if flt.city:
        found.append(Case.county_code.in_(_counties_of(flt.city)))
    if flt.county:
        found.append(Case.county_code == flt.county)
    if flt.process_id:
        found.append(Case.process_id == flt.process_id)
    return found


def _tab_query(scope: StuckScope, flt: StuckFilter, limits: WorkdayLimits) -> Select[Any]:
    """(case id, task id) of the tab's rows, most overdue first (no due time last)."""
    if flt.tab in CASE_TABS:
        query = _case_rows(select(Case.id, Task.id), scope, flt, limits)
        order = (_DUE.is_(None), _DUE, Case.id, Task.id)
    else:
        query = _task_rows(select(Task.case_id, Task.id), scope, flt, limits)
        order = (_DUE.is_(None), _DUE, Task.case_id, Task.id)
    return query.where(_tab_condition(flt.tab, flt, limits)).order_by(*order)


def _load(session: Session, ids: Sequence[Any]) -> list[Any]:
    """The shown rows' columns, in the order of ``ids`` ((case id, task id or None) pairs)."""
    case_ids, task_ids = {c for c, _t in ids}, {t for _c, t in ids if t is not None}
    found: dict[tuple[int, str | None], Any] = {}
    for start in range(0, max(len(case_ids), 1), 5_000):
        chunk = sorted(case_ids)[start:start + 5_000]
        query = select(*_COLUMNS, Task.id).select_from(Case).outerjoin(
            Task, and_(Task.case_id == Case.id, Task.id.in_(task_ids) if task_ids else false()))
        for row in session.execute(query.where(Case.id.in_(chunk))):
            found[(row[0], row[-1])] = row[:-1]
    return [found[(c, t)] for c, t in ids if (c, t) in found]


def _tab_condition(tab: str, flt: StuckFilter, limits: WorkdayLimits) -> ColumnElement[bool]:
    if tab == "overdue":
        return _DUE < limits.now
    if tab == "error":
        return Case.status == CaseStatus.ERROR.value
    if tab == "idle":
        # the case's latest audit entry is older than the limit (case.last_activity_at, ix_case_idle)
        return and_(Case.status == CaseStatus.RUNNING.value, Case.last_activity_at < limits.older_than(flt.idle_days))
    return Task.spec_name == TAB_STEPS[tab]


def _task_rows(query: Select[Any], scope: StuckScope, flt: StuckFilter, limits: WorkdayLimits) -> Select[Any]:
    """Open tasks of running cases, in scope and filtered. Open tasks belong to running cases except the few
    of halted ones (a case that completes or is terminated has its tasks closed), so those are set aside by
    id instead of joining every task to its case."""
    halted = select(Case.id).where(Case.status.in_(_HALTED))
    query = query.select_from(Task).where(Task.status == TaskStatus.READY.value, Task.case_id.not_in(halted))
    return _filtered(query, scope, flt, limits, (Task.owner_org_id, Task.county_code, Task.case_process_id))


def _case_rows(query: Select[Any], scope: StuckScope, flt: StuckFilter, limits: WorkdayLimits) -> Select[Any]:
    """Cases with their open tasks (one row without a task when none is open), in scope and filtered.

    The status is compared as ``status || ''`` so that no index can serve it: left to itself SQLite reached
    the tasks through ``ix_task_stuck (status=?)`` and read every open task for each case (1.7 s for 2,500
    idle cases) instead of the case's few tasks through ``ix_task_case_id``."""
    query = query.select_from(Case).outerjoin(
        Task, and_(Task.case_id == Case.id, Task.status.concat("") == TaskStatus.READY.value))
    return _filtered(query, scope, flt, limits, (Case.owner_org_id, Case.county_code, Case.process_id))


def _filtered(query: Select[Any], scope: StuckScope, flt: StuckFilter, limits: WorkdayLimits,
              facts: tuple[Any, Any, Any]) -> Select[Any]:
    """``facts``: where the owner, county and process are read (the task row's copies for task tabs)."""
    owner, county, process = facts
    if scope.org_ids is not None:
        ids = sorted(scope.org_ids)
        query = query.where(or_(Task.organisation_id.in_(ids), owner.in_(ids)))
    if flt.city:
        query = query.where(county.in_(_counties_of(flt.city)))
    if flt.county:
        query = query.where(county == flt.county)
    if flt.institute:
        query = query.where(Task.organisation_id == flt.institute)
    if flt.process_id:
        query = query.where(process == flt.process_id)
    if flt.spec_name:
        query = query.where(Task.spec_name == flt.spec_name)
    if flt.age:
        query = query.where(_DUE < limits.older_than(flt.age))
    return query


def _counties_of(city_region: str) -> Select[tuple[str]]:
    city = select(Organisation.id).where(Organisation.kind == OrgKind.CITY_BUREAU.value,
                                         Organisation.region_code == city_region)
    return select(Organisation.region_code).where(Organisation.kind == OrgKind.COUNTY_BUREAU.value,
                                                  Organisation.parent_id.in_(city.scalar_subquery()))


def _named(session: Session, raw: Sequence[Any], limits: WorkdayLimits) -> list[StuckRow]:
    """Rows with organisation and instrument names (one query each for the whole batch)."""
    org_ids = {r[6] for r in raw if r[6] is not None} | {r[9] for r in raw if r[9] is not None}
    found = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
    names: dict[int | None, str] = {org_id: name for org_id, name in found}
    instrument_ids = {_instrument_id(r[4]) for r in raw} - {None}
    ledger = session.execute(select(Instrument.id, Instrument.name).where(Instrument.id.in_(instrument_ids)))
    instruments: dict[int | None, str] = {item_id: name for item_id, name in ledger} if instrument_ids else {}
    cache: dict[date, int] = {}
    rows = []
    for (case_id, number, process_id, title, subject, kind, owner_id, status, step, acting_id, due) in raw:
        label = INSTRUMENT_TYPES.get(kind or "", "")
        name = instruments.get(_instrument_id(subject))
        instrument = "，".join(dict.fromkeys(x for x in (name, label) if x)) or title
        rows.append(StuckRow(case_id, number, process_id, instrument, names.get(owner_id, "—"),
                             names.get(acting_id, "—"), step or "—", due, limits.days_late(due, cache), status))
    return rows


def _instrument_id(subject: str | None) -> int | None:
    kind, _, value = (subject or "").partition(":")
    return int(value) if kind == "instrument" and value.isdigit() else None
