"""Start the yearly reports (Notice 一.（五）1, 三): one ``yearly_report`` case per institute and year.

Run by ``qiangjian start-yearly-reports --year Y`` (or by a manager for the institutes below them). It starts a
case for every institute that reports to a same-level bureau (``Organisation.supervisor_id``) and has no report
case for the year yet, whatever that case's state: running it twice starts nothing new. Each case's start data
are the institute's figures of the year (``engine.reads.yearly_figures``, which says why they are computed here
and not by the diagram).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI
from engine.cases.runtime import CaseRef, Engine
from engine.organisations.actors import Actor
from engine.organisations.orgs import visible_org_ids
from engine.reads.yearly_figures import yearly_figures
from engine.reads.yearly_reports import REPORT_PROCESS, report_subject
from engine.store.bounds import MAX_CASE_TITLE
from engine.store.errors import NotAllowed
from engine.store.models import Case, Organisation
from engine.store.status import OrgKind, Role

FIRST_YEAR, LAST_YEAR = 2000, 9999  # the start form's bounds of report_year


def start_yearly_reports(session: Session, engine: Engine, year: int, actor: Actor,
                         within_org_id: int | None = None) -> list[CaseRef]:
    """Start the missing report cases of ``year``; returns the started ones (in institute code order).

    ``within_org_id`` limits the start to the institutes at or below that organisation (a manager's scope).
    A case whose diagram code fails (e.g. no working-day calendar for the year) is parked in error and
    returned with its message, like any start.

    :raises NotAllowed: a person who is not a manager, or a year before 2000 or after this one.
    """
    if not actor.is_system and Role.MANAGER.value not in actor.roles:
        raise NotAllowed("only a manager or the system starts the yearly reports")
    this_year = engine.clock().astimezone(SHANGHAI).year
    if not FIRST_YEAR <= year <= min(this_year, LAST_YEAR):
        raise NotAllowed(f"the report year must lie in {FIRST_YEAR}–{this_year}: a year's report covers its cases")
    missing = _missing(session, year, visible_org_ids(session, within_org_id) if within_org_id else None)
    if not missing:
        return []
    figures = yearly_figures(session, [i.id for i in missing], year, engine.clock())
    # The start event sits in the institute lane (the institute owns its report); a bureau's manager starts
    # it on the system's behalf, and the audit names the manager.
    starter = actor if actor.is_system else Actor.system(actor.username)
    started = []
    for institute in missing:
        data = {"institute_id": institute.id, "institute_name": institute.name, **figures[institute.id]}
        title = f"{year}年度强制检定工作报告：{institute.name}"[:MAX_CASE_TITLE]
        started.append(engine.start_case(session, REPORT_PROCESS, data, starter, title=title,
                                         subject=report_subject(institute.id, year)))
    return started


def _missing(session: Session, year: int, scope: Collection[int] | None) -> list[Organisation]:
    """Institutes with a same-level bureau and no report case for the year."""
    query = select(Organisation).where(Organisation.kind == OrgKind.INSTITUTE.value,
                                       Organisation.supervisor_id.is_not(None)).order_by(Organisation.code)
    if scope is not None:
        query = query.where(Organisation.id.in_(scope))
    institutes = list(session.scalars(query))
    subjects = {report_subject(i.id, year): i for i in institutes}
    have = set(session.scalars(select(Case.subject).where(Case.subject.in_(subjects),
                                                          Case.process_id == REPORT_PROCESS)))
    return [i for s, i in subjects.items() if s not in have]
