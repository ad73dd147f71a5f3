"""The set-based queries behind the managers' figures: GROUP BY over the task, case and audit tables.

No case is deserialized: every fact comes from task rows (who acts, when a step opened and closed), the
case row (its legal deadline) and task-completion audit entries (the answer to an extension request).
The diagram ``verification_request`` gives the meaning of the rows:
- receipt: the ``record_receipt`` task completed (Regulation 第九条: the clock starts at receipt);
- result: the ``verify`` task completed with a result. ``verify`` also completes when the institute
  proposes an extension; then an ``answer_extension`` task opens in the same step, and later a new
  ``verify`` task. So a completed ``verify`` row is the result when no ``verify`` or ``answer_extension``
  row of the case was created at or after its completion;
- extension asked: an ``answer_extension`` row (opened in the step that completed a ``verify`` row);
- refusal: a ``review_refusal`` row (opened in the step that completed ``accept_application``);
- escalation: a ``handle_escalation`` row (the escalation process, called within the case).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from engine.store.models import AuditEntry, Case, Organisation, Task
from engine.store.status import OrgKind, TaskStatus

RECEIPT, VERIFY, ANSWER, REFUSAL_REVIEW, ACCEPT, ESCALATION = (
    "record_receipt", "verify", "answer_extension", "review_refusal", "accept_application", "handle_escalation")
READY, DONE = TaskStatus.READY.value, TaskStatus.COMPLETED.value


@dataclass(frozen=True)
class ResultGroup:
    """Verification results with the same institute, county, receipt day, result day and on-time flag."""

    institute_id: int
    county_code: str | None
    received: date
    resulted: date
    on_time: bool
    count: int


def _shanghai_day(session: Session, column: Any) -> Any:
    """The China-time calendar day of a UTC timestamp column, as SQL (each database has its own words)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def open_steps(session: Session, org_ids: Collection[int]) -> list[tuple[str | None, str, int]]:
    """(process id, step title, cases) for the open tasks the organisations must act on, most cases first."""
    cases = func.count(func.distinct(Task.case_id))
    query = (select(Task.case_process_id, Task.title, cases)
             .where(Task.status == READY, Task.organisation_id.in_(org_ids))
             .group_by(Task.case_process_id, Task.title).order_by(cases.desc(), Task.title))
    return [(p, t, int(n)) for p, t, n in session.execute(query)]


def result_groups(session: Session, institute_ids: Collection[int], start: datetime, end: datetime
                  ) -> list[ResultGroup]:
    """Verification results given in [start, end) by the institutes, grouped by day pair and timeliness."""
    result, later, receipt = aliased(Task), aliased(Task), aliased(Task)
    superseded = exists().where(later.case_id == result.case_id, later.spec_name.in_((VERIFY, ANSWER)),
                                later.created_at >= result.completed_at, later.id != result.id)
    on_time = case((result.completed_at <= Case.deadline_at, literal(1)), else_=literal(0))
    received, resulted = _shanghai_day(session, receipt.completed_at), _shanghai_day(session, result.completed_at)
    query = (
        select(result.organisation_id, result.county_code, received, resulted, on_time, func.count())
        .select_from(result).join(Case, Case.id == result.case_id)
        .join(receipt, and_(receipt.case_id == result.case_id, receipt.spec_name == RECEIPT,
                            receipt.status == DONE))
        .where(result.spec_name == VERIFY, result.status == DONE, result.completed_at >= start,
               result.completed_at < end, result.organisation_id.in_(institute_ids), ~superseded)
        .group_by(result.organisation_id, result.county_code, received, resulted, on_time)
    )
    return [ResultGroup(int(i), c, _as_date(r), _as_date(d), bool(o), int(n))
            for i, c, r, d, o, n in session.execute(query)]


def overdue_now(session: Session, institute_ids: Collection[int], now: datetime) -> dict[int, int]:
    """Open verifications past their legal deadline now, per institute."""
    query = (select(Task.organisation_id, func.count())
             .where(Task.spec_name == VERIFY, Task.status == READY, Task.due_at < now,
                    Task.organisation_id.in_(institute_ids))
             .group_by(Task.organisation_id))
    return {int(i): int(n) for i, n in session.execute(query)}


def extensions(session: Session, institute_ids: Collection[int], start: datetime, end: datetime
               ) -> tuple[dict[int, int], dict[int, int]]:
    """Extension requests made, and agreed by the owner, in [start, end) per institute: (asked, agreed)."""
    answer, proposal = aliased(Task), aliased(Task)
    base = (select(proposal.organisation_id, func.count()).select_from(answer)
            .join(proposal, and_(proposal.case_id == answer.case_id, proposal.spec_name == VERIFY,
                                 proposal.status == DONE, proposal.completed_at == answer.created_at))
            .where(answer.spec_name == ANSWER, proposal.organisation_id.in_(institute_ids))
            .group_by(proposal.organisation_id))
    asked = base.where(answer.created_at >= start, answer.created_at < end)
    agree = exists().where(AuditEntry.case_id == answer.case_id, AuditEntry.task_id == answer.id,
                           AuditEntry.action == "task_completed",
                           AuditEntry.after["extension_answer"].as_string() == "agree")
    agreed = base.where(answer.status == DONE, answer.completed_at >= start, answer.completed_at < end, agree)
    return _counts(session, asked), _counts(session, agreed)


def refusals(session: Session, institute_ids: Collection[int], start: datetime, end: datetime) -> dict[int, int]:
    """Applications refused in [start, end) per institute (each refusal opens a review by the bureau)."""
    review, accept = aliased(Task), aliased(Task)
    query = (select(accept.organisation_id, func.count()).select_from(review)
             .join(accept, and_(accept.case_id == review.case_id, accept.spec_name == ACCEPT,
                                accept.status == DONE, accept.completed_at == review.created_at))
             .where(review.spec_name == REFUSAL_REVIEW, review.created_at >= start, review.created_at < end,
                    accept.organisation_id.in_(institute_ids))
             .group_by(accept.organisation_id))
    return _counts(session, query)


def escalations(session: Session, institute_ids: Collection[int], start: datetime, end: datetime
                ) -> dict[int, int]:
    """Escalations opened in [start, end), per the institute whose task was the case's latest before it."""
    escalation, work = aliased(Task), aliased(Task)
    institute = (select(work.organisation_id)
                 .where(work.case_id == escalation.case_id, work.role == "institute",
                        work.created_at <= escalation.created_at)
                 .order_by(work.created_at.desc(), work.id.desc()).limit(1).correlate(escalation)
                 .scalar_subquery())
    inner = (select(institute.label("institute_id"))
             .where(escalation.spec_name == ESCALATION, escalation.created_at >= start,
                    escalation.created_at < end).subquery())
    query = (select(inner.c.institute_id, func.count()).where(inner.c.institute_id.in_(institute_ids))
             .group_by(inner.c.institute_id))
    return _counts(session, query)


def _counts(session: Session, query: Any) -> dict[int, int]:
    return {int(i): int(n) for i, n in session.execute(query) if i is not None}


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

