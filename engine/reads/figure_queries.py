"""The set-based queries behind the managers' figures: GROUP BY over narrow, indexed facts.

No case is deserialized and no task row or audit entry is probed per case: the engine's step writes each
verification's receipt and result onto its case row (``result_day``, ``result_institute_id``,
``result_on_time``, ``result_working_days``; index ``ix_case_result``) and its extension requests, agreed
extensions, refusals and escalations into ``case_event`` (index ``ix_case_event_kind``); what each of
them means is in engine/cases/case_facts.py. Open steps and "overdue now" read the open task rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.store.models import Case, CaseEvent, Organisation, Task
from engine.store.status import OrgKind, TaskStatus

VERIFY = "verify"
ASKED, AGREED, REFUSED, ESCALATED = "extension_asked", "extension_agreed", "refused", "escalated"
READY = TaskStatus.READY.value


@dataclass(frozen=True)
class ResultGroup:
    """Verification results with the same month (of the result day), institute, county and on-time flag."""

    month: int
    institute_id: int
    county_code: str | None
    on_time: bool
    count: int


@dataclass(frozen=True)
class Results:
    """A year's results: ``groups`` for the on-time figures; ``spans`` institute → {working days from receipt
    to result: results}; ``uncounted`` results whose working days were not counted when given."""

    groups: list[ResultGroup]
    spans: dict[int, dict[int, int]]
    uncounted: int


@dataclass(frozen=True)
class Unknown:
    """Results whose working days were not counted when given (a year's calendar was missing then)."""

    institute_id: int
    received: date
    resulted: date
    count: int


def _shanghai_day(session: Session, column: Any) -> Any:
    """The China-time calendar day of a UTC timestamp column, as SQL (each database has its own words)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _in_year(year: int) -> Any:
    return Case.result_month.between(year * 100 + 1, year * 100 + 12)


def open_steps(session: Session, org_ids: Collection[int]) -> list[tuple[str | None, str, int]]:
    """(process id, step title, cases) for the open tasks the organisations must act on, most cases first.

    Counted per step id from ``ix_task_stuck`` alone; each step's title is then read from one of its rows."""
    grouped = (select(Task.case_process_id.label("process"), Task.spec_name.label("step"),
                      func.count(func.distinct(Task.case_id)).label("cases"))
               .where(Task.status == READY, Task.organisation_id.in_(org_ids))
               .group_by(Task.case_process_id, Task.spec_name).subquery())
    named = aliased(Task)
    title = (select(named.title).where(named.status == READY, named.spec_name == grouped.c.step,
                                       named.case_process_id == grouped.c.process)
             .limit(1).scalar_subquery())
    rows = [(p, t or s, int(n)) for p, s, n, t in
            session.execute(select(grouped.c.process, grouped.c.step, grouped.c.cases, title))]
    return sorted(rows, key=lambda r: (-r[2], r[1]))


def results(session: Session, institute_ids: Collection[int], year: int) -> Results:
    """Verification results given in ``year`` (China time) by the institutes: one query grouped in the order
    of ``ix_case_result`` (one pass over the index, no sort), folded here into the two shapes the figures use."""
    columns = (Case.result_month, Case.result_institute_id, Case.county_code, Case.result_on_time,
               Case.result_working_days)
    query = (select(*columns, func.count())
             .where(_in_year(year), Case.result_institute_id.in_(institute_ids)).group_by(*columns))
    timely: dict[tuple[int, int, str | None, bool], int] = defaultdict(int)
    spans: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    uncounted = 0
    for month, institute, county, on_time, days, n in session.execute(query):  # none is NULL but days
        timely[(month % 100, institute, county, bool(on_time))] += n
        if days is None:
            uncounted += n
        else:
            spans[institute][days] += n
    return Results([ResultGroup(*key, n) for key, n in timely.items()], spans, uncounted)


def uncounted(session: Session, institute_ids: Collection[int], year: int) -> list[Unknown]:
    """Results of ``year`` whose working days were not counted when given, by receipt day and result day."""
    received = _shanghai_day(session, Case.received_at)
    query = (select(Case.result_institute_id, received, Case.result_day, func.count())
             .where(_in_year(year), Case.result_institute_id.in_(institute_ids),
                    Case.result_working_days.is_(None), Case.received_at.is_not(None))
             .group_by(Case.result_institute_id, received, Case.result_day))
    return [Unknown(int(i), _as_date(r), _as_date(d), int(n)) for i, r, d, n in session.execute(query)]


def overdue_now(session: Session, institute_ids: Collection[int], now: datetime) -> dict[int, int]:
    """Open verifications past their legal deadline now, per institute."""
    query = (select(Task.organisation_id, func.count())
             .where(Task.spec_name == VERIFY, Task.status == READY, Task.due_at < now,
                    Task.organisation_id.in_(institute_ids))
             .group_by(Task.organisation_id))
    return {int(i): int(n) for i, n in session.execute(query)}


def events(session: Session, institute_ids: Collection[int], start: datetime, end: datetime
           ) -> dict[str, dict[int, int]]:
    """Extension requests, agreed extensions, refusals and escalations in [start, end): kind → institute → n."""
    query = (select(CaseEvent.kind, CaseEvent.institute_id, func.count())
             .where(CaseEvent.kind.in_((ASKED, AGREED, REFUSED, ESCALATED)), CaseEvent.at >= start,
                    CaseEvent.at < end, CaseEvent.institute_id.in_(institute_ids))
             .group_by(CaseEvent.kind, CaseEvent.institute_id))
    found: dict[str, dict[int, int]] = defaultdict(dict)
    for kind, institute, n in session.execute(query):
        found[kind][int(institute)] = int(n)
    return found


def institutes(session: Session, org_ids: Collection[int]) -> dict[int, str]:
    """Names of the institutes among the organisations."""
    query = select(Organisation.id, Organisation.name).where(
        Organisation.kind == OrgKind.INSTITUTE.value, Organisation.id.in_(org_ids))
    return {int(i): n for i, n in session.execute(query)}


def places(session: Session) -> dict[str, tuple[str, str]]:
    """County region code → (county name, city name), from the county bureaus and their parents."""
    city = aliased(Organisation)
    query = (select(Organisation.region_code, Organisation.name, city.name)
             .join(city, city.id == Organisation.parent_id)
             .where(Organisation.kind == OrgKind.COUNTY_BUREAU.value))
    return {code: (_place(county), _place(parent)) for code, county, parent in session.execute(query)}


def _place(bureau_name: str) -> str:
    """沈阳市市场监督管理局 → 沈阳市: the place a bureau is named after."""
    return bureau_name.removesuffix("市场监督管理局") or bureau_name

