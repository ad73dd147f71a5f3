"""manager facts: a verification's receipt and result on the case row, countable events, latest activity

The managers' figures and stuck-cases page read narrow, indexed facts instead of probing task rows and the
audit log per case (issue 10). Case gets ``last_activity_at`` (time of its latest audit entry) and
``open_tasks`` (how many of its tasks are open), and for a
verification ``received_at`` (``record_receipt`` completed) and its result: ``result_day`` and
``result_month`` (yyyymm; China time),
``result_institute_id``, ``result_on_time`` (by ``deadline_at``) and ``result_working_days`` (receipt day →
result day on the working-day calendar; NULL when a year is not loaded). ``case_event`` holds extension
requests, agreed extensions, refusals and escalations, one row each, credited to an institute. From now
on the engine's step writes them (engine/cases/case_facts.py); here they are backfilled from the task rows
and the audit log by the same definitions the figures used before (engine/reads/figure_queries.py at 0006).
``ix_task_case_id`` carries the task columns the stuck cases' case tabs read, so they need no task row.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CASE_TASK_COLUMNS = ["case_id", "status", "due_at", "organisation_id", "spec_name", "id"]
RESULT_COLUMNS = ["result_month", "result_institute_id", "county_code", "result_on_time", "result_working_days"]
IDLE_COLUMNS = ["status", "last_activity_at", "owner_org_id", "county_code", "process_id", "open_tasks"]
SHANGHAI = timezone(timedelta(hours=8))
VERIFICATION = "verification_request"

TS = sa.DateTime(timezone=True)
case = sa.table("case", sa.column("id", sa.Integer), sa.column("process_id", sa.String),
                sa.column("updated_at", TS), sa.column("deadline_at", TS), sa.column("last_activity_at", TS),
                sa.column("open_tasks", sa.Integer),
                sa.column("received_at", TS), sa.column("result_day", sa.Date), sa.column("result_month", sa.Integer),
                sa.column("result_institute_id", sa.Integer), sa.column("result_on_time", sa.Boolean),
                sa.column("result_working_days", sa.Integer))
task = sa.table("task", sa.column("id", sa.String), sa.column("case_id", sa.Integer), sa.column("spec_name", sa.String),
                sa.column("role", sa.String), sa.column("organisation_id", sa.Integer), sa.column("status", sa.String),
                sa.column("created_at", TS), sa.column("completed_at", TS))
audit = sa.table("audit_entry", sa.column("case_id", sa.Integer), sa.column("task_id", sa.String),
                 sa.column("action", sa.String), sa.column("at", TS), sa.column("after", sa.JSON))
event = sa.table("case_event", sa.column("case_id", sa.Integer), sa.column("kind", sa.String),
                 sa.column("institute_id", sa.Integer), sa.column("at", TS))
calendar_year = sa.table("calendar_year", sa.column("year", sa.Integer), sa.column("status", sa.String))
calendar_day = sa.table("calendar_day", sa.column("day", sa.Date), sa.column("kind", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("open_tasks", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("result_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("result_month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("result_institute_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("result_on_time", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("result_working_days", sa.Integer(), nullable=True))
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("institute_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index("ix_case_event_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_case_event_kind", ["kind", "institute_id", "at"], unique=False)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_case_id")
        batch_op.create_index("ix_task_case_id", CASE_TASK_COLUMNS, unique=False)
    backfill(op.get_bind())
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index("ix_case_result", RESULT_COLUMNS, unique=False)
        batch_op.create_index("ix_case_idle", IDLE_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_case_id")
        batch_op.create_index("ix_task_case_id", ["case_id"], unique=False)
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_idle")
        batch_op.drop_index("ix_case_result")
    op.drop_table("case_event")
    # ALTER TABLE DROP COLUMN on both databases (SQLite >= 3.35): a batch copy of "case" would trip the
    # foreign keys that point at it.
    for column in ("result_working_days", "result_on_time", "result_institute_id", "result_month", "result_day",
                   "received_at", "open_tasks", "last_activity_at"):
        op.drop_column("case", column)


def backfill(conn: Any) -> None:
    """Fill the new columns and events of existing cases, running and finished.

    On PostgreSQL the tables are analysed first: without statistics (a database just restored, or rows just
    loaded in bulk) the planner joined the 10,000 extension answers to the 95,000 verify rows by nested loops
    and the backfill did not finish in minutes."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text('ANALYZE task, audit_entry, "case"'))
    latest = sa.select(sa.func.max(audit.c.at)).where(audit.c.case_id == case.c.id).scalar_subquery()
    open_tasks = (sa.select(sa.func.count()).where(task.c.case_id == case.c.id, task.c.status == "ready")
                  .scalar_subquery())
    conn.execute(case.update().values(last_activity_at=sa.func.coalesce(latest, case.c.updated_at),
                                      open_tasks=open_tasks))
    receipt = (sa.select(sa.func.max(task.c.completed_at))
               .where(task.c.case_id == case.c.id, task.c.spec_name == "record_receipt", task.c.status == "completed")
               .scalar_subquery())
    conn.execute(case.update().where(case.c.process_id == VERIFICATION).values(received_at=receipt))
    _results(conn)
    _events(conn)


def _aware(value: Any) -> datetime:
    """A stored time as an aware UTC datetime (SQLite returns it naive, or as text)."""
    moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _results(conn: Any) -> None:
    result, later = task.alias("result"), task.alias("later")
    superseded = sa.exists().where(later.c.case_id == result.c.case_id,
                                   later.c.spec_name.in_(("verify", "answer_extension")),
                                   later.c.created_at >= result.c.completed_at, later.c.id != result.c.id)
    query = (sa.select(case.c.id, result.c.organisation_id, result.c.completed_at, case.c.deadline_at,
                       case.c.received_at)
             .select_from(result).join(case, case.c.id == result.c.case_id)
             .where(case.c.process_id == VERIFICATION, result.c.spec_name == "verify", result.c.status == "completed",
                    result.c.organisation_id.is_not(None), ~superseded))
    rows = conn.execute(query).all()
    if not rows:
        return
    working = _working_days(conn)
    values = []
    for case_id, institute, completed, deadline, received in rows:
        resulted = _aware(completed)
        day = resulted.astimezone(SHANGHAI).date()
        start = None if received is None else _aware(received).astimezone(SHANGHAI).date()
        values.append({"b_id": case_id, "b_day": day, "b_month": day.year * 100 + day.month, "b_institute": institute,
                       "b_on_time": deadline is not None and resulted <= _aware(deadline),
                       "b_days": None if start is None else working(start, day)})
    conn.execute(case.update().where(case.c.id == sa.bindparam("b_id")).values(
        result_day=sa.bindparam("b_day"), result_month=sa.bindparam("b_month"),
        result_institute_id=sa.bindparam("b_institute"),
        result_on_time=sa.bindparam("b_on_time"), result_working_days=sa.bindparam("b_days")), values)


def _working_days(conn: Any) -> Any:
    """Working days in (start, end] on the stored calendar, or None when a year it spans is not loaded."""
    years = {int(y) for y, status in conn.execute(sa.select(calendar_year.c.year, calendar_year.c.status))
             if status in ("confirmed", "provisional")}
    days = {(d if isinstance(d, date) else date.fromisoformat(str(d))): kind
            for d, kind in conn.execute(sa.select(calendar_day.c.day, calendar_day.c.kind))}

    def count(start: date, end: date) -> int | None:
        total, day = 0, start + timedelta(days=1)
        while day <= end:
            if day.year not in years:
                return None
            kind = days.get(day)
            total += kind == "workday" if day.weekday() >= 5 else kind != "holiday"
            day += timedelta(days=1)
        return total

    return count


def _events(conn: Any) -> None:
    answer, proposal = task.alias("answer"), task.alias("proposal")
    review, accept = task.alias("review"), task.alias("accept")
    asked = (sa.select(answer.c.case_id, sa.literal("extension_asked"), proposal.c.organisation_id, answer.c.created_at)
             .select_from(answer)
             .join(proposal, sa.and_(proposal.c.case_id == answer.c.case_id, proposal.c.spec_name == "verify",
                                     proposal.c.status == "completed", proposal.c.completed_at == answer.c.created_at))
             .where(answer.c.spec_name == "answer_extension", proposal.c.organisation_id.is_not(None)))
    refused = (sa.select(review.c.case_id, sa.literal("refused"), accept.c.organisation_id, review.c.created_at)
               .select_from(review)
               .join(accept, sa.and_(accept.c.case_id == review.c.case_id, accept.c.spec_name == "accept_application",
                                     accept.c.status == "completed", accept.c.completed_at == review.c.created_at))
               .where(review.c.spec_name == "review_refusal", accept.c.organisation_id.is_not(None)))
    escalation, work = task.alias("escalation"), task.alias("work")
    institute = (sa.select(work.c.organisation_id)
                 .where(work.c.case_id == escalation.c.case_id, work.c.role == "institute",
                        work.c.created_at <= escalation.c.created_at)
                 .order_by(work.c.created_at.desc(), work.c.id.desc()).limit(1).correlate(escalation).scalar_subquery())
    opened = (sa.select(escalation.c.case_id, institute.label("institute_id"), escalation.c.created_at.label("at"))
              .select_from(escalation).join(case, case.c.id == escalation.c.case_id)
              .where(escalation.c.spec_name == "handle_escalation", case.c.process_id == VERIFICATION).subquery())
    escalated = sa.select(opened.c.case_id, sa.literal("escalated"), opened.c.institute_id, opened.c.at).where(
        opened.c.institute_id.is_not(None))
    columns = ["case_id", "kind", "institute_id", "at"]
    for query in (asked, refused, escalated):
        conn.execute(event.insert().from_select(columns, query))
    agreed = (sa.select(answer.c.case_id, proposal.c.organisation_id, answer.c.completed_at, audit.c.after)
              .select_from(answer)
              .join(proposal, sa.and_(proposal.c.case_id == answer.c.case_id, proposal.c.spec_name == "verify",
                                      proposal.c.status == "completed", proposal.c.completed_at == answer.c.created_at))
              .join(audit, sa.and_(audit.c.case_id == answer.c.case_id, audit.c.task_id == answer.c.id,
                                   audit.c.action == "task_completed"))
              .where(answer.c.spec_name == "answer_extension", answer.c.status == "completed",
                     proposal.c.organisation_id.is_not(None)))
    rows = [{"case_id": c, "kind": "extension_agreed", "institute_id": i, "at": at}
            for c, i, at, after in conn.execute(agreed)
            if isinstance(after, dict) and after.get("extension_answer") == "agree"]
    if rows:
        conn.execute(event.insert(), rows)
