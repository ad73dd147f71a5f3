"""ORM rows. Columns only: queries live in queries.py, writes in runtime.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, UtcDateTime


class Organisation(Base):
    """A bureau, institute or owner unit, placed in the province → city → county hierarchy."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # For an institute: the bureau of the same level that supervises it (escalations go there).
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # For a county bureau: the institute it delegated filing and verification to (Notice 一.（二）).
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))


class Capability(Base):
    """One line of the verification capability ledger (检定能力台账): institute x instrument type."""

    __tablename__ = "capability"
    __table_args__ = (UniqueConstraint("institute_id", "instrument_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    instrument_type: Mapped[str] = mapped_column(String(64), index=True)
    has_regulation: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    """A person who signs in; belongs to one organisation and has roles."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated Role values
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarYear(Base):
    """Whether a year's official holiday schedule is known (confirmed) or guessed (provisional)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CalendarDay(Base):
    """An exception to the Monday–Friday week: a holiday on a weekday or a make-up working day (调休)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")


class SpecVersion(Base):
    """One version of a process: its BPMN/DMN sources, identified by content hash, stored once."""

    __tablename__ = "spec_version"
    __table_args__ = (UniqueConstraint("process_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)  # file name -> text (bpmn, dmn, json forms)
    spec_json: Mapped[str] = mapped_column(Text)  # serialized spec + subprocess specs
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(100))  # who published it; None = installed


class RuleFileRevision(Base):
    """One published revision of a rule file (diagram, decision table or form); never changed."""

    __tablename__ = "rule_file_revision"
    __table_args__ = (UniqueConstraint("file_name", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per file
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # "installed" from bpmn/ (first run or a program upgrade), "editor" (published), "rollback"
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RuleFileDraft(Base):
    """The working copy of a rule file being edited; publishing turns it into a revision."""

    __tablename__ = "rule_file_draft"

    file_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    base_number: Mapped[int | None] = mapped_column(Integer)  # the revision it started from
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # lint result of the last save
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A new random token on every save (set by rule_files). An editor sends the token it loaded: a draft
    # saved, published or recreated since then has another token (a counter would restart at 1).
    token: Mapped[str] = mapped_column(String(32))

    __mapper_args__ = {"version_id_col": token, "version_id_generator": False}


class CaseMigration(Base):
    """A running case moved to another version of its process, with what is needed to move it back."""

    __tablename__ = "case_migration"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("spec_version.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("spec_version.id"))
    state_before: Mapped[str] = mapped_column(Text)
    case_version_after: Mapped[int] = mapped_column(Integer)
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    moved_by: Mapped[str] = mapped_column(String(100))
    moved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reverted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


RESULT_COLUMNS = ("result_month", "result_institute_id", "county_code", "result_on_time", "result_working_days")
IDLE_COLUMNS = ("status", "last_activity_at", "owner_org_id", "county_code", "process_id", "open_tasks")


class Case(Base):
    """A running or finished process instance; ``state`` is SpiffWorkflow's JSON without the spec."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    spec_version_id: Mapped[int] = mapped_column(ForeignKey("spec_version.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. "instrument:42"
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    # Inbox filters: where the instruments are used and what type they are, copied from the start data
    # (None when the case has no single value, e.g. a filing that lists several types).
    county_code: Mapped[str | None] = mapped_column(String(16))
    instrument_type: Mapped[str | None] = mapped_column(String(64))
    # The time of the case's latest audit entry (every writer of one keeps it), for "no activity for N days".
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # How many of its tasks are open (written with each step), so "idle cases" count their rows without a join.
    open_tasks: Mapped[int | None] = mapped_column(Integer)
    # A verification's facts for the managers' figures, written by the step that makes them true
    # (engine/cases/case_facts.py): receipt time; result day and month (yyyymm, China time), institute, on
    # time, working days receipt → result (None when the calendar could not count them then).
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    result_day: Mapped[date | None] = mapped_column(Date)
    result_month: Mapped[int | None] = mapped_column(Integer)
    result_institute_id: Mapped[int | None] = mapped_column(Integer)
    result_on_time: Mapped[bool | None] = mapped_column(Boolean)
    result_working_days: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_case_next_timer_at", "next_timer_at"),
        # Every column the results figures read, in the order they group by: answered from the index alone,
        # grouped as the index is read (no sort).
        Index("ix_case_result", *RESULT_COLUMNS),
        # Running cases by their latest activity (the stuck cases' "no activity" tab).
        Index("ix_case_idle", *IDLE_COLUMNS),
    )


class CaseEvent(Base):
    """One countable event of a verification (extension asked or agreed, refusal, escalation), in the
    month it happened, credited to an institute; written by the step it happened in."""

    __tablename__ = "case_event"
    # Events of a kind per institute in a time range, counted in the order the index is read.
    __table_args__ = (Index("ix_case_event_kind", "kind", "institute_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    institute_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


CLAIMED = text("assignee_id IS NOT NULL")
# Every column the stuck-cases counts read from a task (engine/reads/stuck_cases.py).
STUCK_COLUMNS = ("status", "spec_name", "due_at", "organisation_id", "owner_org_id", "county_code", "case_process_id",
                 "case_id")
CASE_TASK_COLUMNS = ("case_id", "status", "due_at", "organisation_id", "spec_name", "id")
INBOX_COLUMNS = ("assignee_id", "created_at", "id", "spec_name", "case_process_id", "county_code", "instrument_type",
                 "owner_org_id", "case_number")


class Task(Base):
    """A human task as inbox queries see it; kept in step with the case state on every save."""

    __tablename__ = "task"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task UUID
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    spec_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    form: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Copies of the case's facts the inbox filters on, written with the task row (a case never changes them),
    # so an inbox reads the task table alone.
    case_number: Mapped[str | None] = mapped_column(String(32))
    case_process_id: Mapped[str | None] = mapped_column(String(100))
    owner_org_id: Mapped[int | None] = mapped_column(Integer)
    county_code: Mapped[str | None] = mapped_column(String(16))
    instrument_type: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        # The group's open tasks by due time, carrying every column the inbox filters, sorts and counts on,
        # so both databases answer those from the index alone (no visit to the scattered task rows).
        Index("ix_task_inbox", "organisation_id", "role", "status", "due_at", *INBOX_COLUMNS),
        # Claimed tasks only: "assignee_id IS NULL" (the group's unclaimed tasks) must not be answered from here.
        Index("ix_task_mine", "assignee_id", "status", "due_at", sqlite_where=CLAIMED, postgresql_where=CLAIMED),
        Index("ix_task_status_due", "status", "due_at"),
        # Open tasks waiting at one step (the managers' stuck-cases tabs).
        Index("ix_task_stuck", *STUCK_COLUMNS),
        # A case's tasks, carrying what the stuck cases' case tabs read of them (answered from the index).
        Index("ix_task_case_id", *CASE_TASK_COLUMNS),
    )


class AuditEntry(Base):
    """Append-only record of who did what and when, with the data before and after."""

    __tablename__ = "audit_entry"
    # Sign-in failures of one username in a time window (the account lock) are found through this index.
    # The stuck-cases page asks whether a case has any entry since a time: (case_id, at).
    __table_args__ = (Index("ix_audit_entry_action_actor_at", "action", "actor", "at"),
                      Index("ix_audit_entry_case_at", "case_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(100))  # username, or "scheduler"/"system"
    action: Mapped[str] = mapped_column(String(50), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SavedFilter(Base):
    """An inbox filter a user saved by name; ``shared`` ones are offered to their whole organisation."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("owner_user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(50))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # InboxFilter.params(): field -> value
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Instrument(Base):
    """The instrument ledger (工作计量器具台账): accepted filings with period and next due date."""

    __tablename__ = "instrument"
    __table_args__ = (UniqueConstraint("owner_org_id", "serial_no", "instrument_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    filing_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    serial_no: Mapped[str] = mapped_column(String(100))
    instrument_type: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(String(16))
    period_months: Mapped[int] = mapped_column(Integer)
    next_due: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))


class Document(Base):
    """A certificate or notice issued by a case (检定证书 / 检定结果通知书 / 校准证书)."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class UserSession(Base):
    """A signed-in browser: the cookie names this row, and only a live (unrevoked) row signs anyone in."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, carried in the signed cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    address: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
