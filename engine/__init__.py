"""Qiangjian's engine: the public API the web application and the CLI use.

Build a ``System`` with ``open_system(url)``, prepare it with ``prepare_database`` and act
through ``system.engine`` (``start_case``, ``complete_task``, ``claim_task``, ...) inside a
session you commit. Read screens with the query functions. Nothing here imports Flask.
"""

from __future__ import annotations

from .actions.calendar_admin import confirm_calendar_year
from .actions.case_control import (
    MAX_REASON,
    CaseControls,
    Clerk,
    OpenTask,
    Suspension,
    case_controls,
    reassign_case_task,
    resume_case,
    retry_case,
    suspend_case,
    suspension,
    terminate_case,
)
from .actions.case_moves import MoveResult, dry_run, migrate_cases, undo_migration
from .actions.owner_actions import FILING, VERIFICATION_REQUEST, apply_for_verification, file_instruments
from .actions.task_assignment import BulkResult, Skipped, claim_tasks, colleagues, reassign_tasks
from .actions.yearly_reports import start_yearly_reports
from .bootstrap import System, open_system, prepare_database, utc_now
from .calendar.holiday_table import confirm_year, load_calendar, seed_calendar, set_day
from .calendar.workdays import SHANGHAI, WorkdayCalendar
from .cases.case_migration import MigrationCheck
from .cases.case_parking import case_error_message
from .cases.runtime import CaseRef, Engine
from .cases.timers import fire_due_timers
from .organisations.actors import Actor, actor_for
from .organisations.catalogue import FORM_OPTIONS, INSTRUMENT_TYPES
from .organisations.demo import DEMO_PASSWORD, DemoSummary
from .organisations.passwords import hash_password
from .organisations.sign_in import (
    SIGN_IN_FAILED,
    SIGN_IN_LOCKED,
    LockPolicy,
    account_locked_until,
    open_user_session,
    recent_sign_in_events,
    record_sign_in_event,
    revoke_all_sessions,
    revoke_user_session,
    session_user,
)
from .reads.activity_counts import (
    ActivityCount,
    ProcessHeat,
    Slot,
    WaitingPage,
    WaitingRow,
    activity_cases,
    activity_counts,
    heatmap_processes,
)
from .reads.case_view import CaseView, DocumentSheet, case_document, case_view, may_view_case, working_days_left
from .reads.figures import Figure, ManagerFigures, manager_figures
from .reads.inbox_filters import (
    DUE_WINDOWS,
    MAX_PAGE_SIZE,
    SORTS,
    VIEWS,
    DueWindow,
    InboxCounts,
    InboxFilter,
    InboxPage,
    InboxRow,
    due_window,
    inbox_counts,
    inbox_page,
)
from .reads.queries import (
    InboxChoices,
    case_documents,
    case_history,
    case_tasks,
    counties,
    get_case,
    inbox,
    inbox_choices,
    ledger,
    overdue_cases,
    owner_cases,
)
from .reads.saved_filters import delete_filter, list_filters, save_filter
from .reads.stuck_cases import (
    StuckPage,
    StuckRow,
    StuckScope,
    stuck_counts,
    stuck_export,
    stuck_page,
    stuck_scope,
)
from .reads.stuck_choices import StuckChoices, stuck_choices
from .reads.stuck_filter import STUCK_EXPORT_LIMIT, STUCK_TABS, StuckFilter
from .reads.task_view import TaskForm, task_form
from .reads.yearly_reports import (
    REPORT_STATUSES,
    ReportNotice,
    ReportRow,
    ReportSheet,
    report_list,
    report_notices,
    report_sheet,
    report_sheets,
)
from .rules.filing_limits import MAX_FILING_INSTRUMENTS, MAX_UPLOAD_ROWS, too_many_instruments, too_many_rows
from .rules.lint import CALENDAR_FUNCTIONS, Problem, lint_sources
from .rules.model_diff import Change, diff_sources
from .rules.rule_files import (
    PublishResult,
    SavedDraft,
    audit_refusal,
    discard_draft,
    drafts,
    latest_revision,
    live_sources,
    publish,
    rollback,
    save_draft,
    workspace,
)
from .rules.rule_overview import (
    MigrationRow,
    RevisionCases,
    RuleFileRow,
    VersionRow,
    draft_problems_alone,
    file_kind,
    file_revisions,
    file_title,
    get_version,
    process_migrations,
    process_versions,
    revision_case_counts,
    rule_file_rows,
    version_sources,
)
from .sandbox import Budget
from .scheduler import make_scheduler, sweep_once
from .store.bounds import (
    MAX_ID,
    MAX_JSON_DEPTH,
    JSONTooDeep,
    field_length,
    json_problems,
    loads_json,
    unstorable,
    valid_id,
)
from .store.errors import (
    CalendarError,
    Conflict,
    DiagramInvalid,
    InvalidTransition,
    NotAllowed,
    NotFound,
    QiangjianError,
    ScriptBudgetExceeded,
    ScriptError,
    ValidationFailed,
)
from .store.models import (
    AuditEntry,
    Capability,
    Case,
    CaseEvent,
    Document,
    Instrument,
    Organisation,
    SavedFilter,
    SpecVersion,
    Task,
    User,
    UserSession,
)
from .store.status import CaseStatus, InstrumentStatus, Role, TaskStatus

__all__ = [
    "ActivityCount", "Actor", "AuditEntry", "Budget", "BulkResult", "CALENDAR_FUNCTIONS", "CalendarError",
    "Capability", "Case", "CaseControls", "CaseEvent", "CaseRef", "CaseStatus", "CaseView", "Change", "Clerk",
    "Conflict", "DEMO_PASSWORD", "DUE_WINDOWS", "DemoSummary", "DiagramInvalid", "Document", "DocumentSheet",
    "DueWindow", "Engine", "FILING", "FORM_OPTIONS", "Figure", "INSTRUMENT_TYPES", "InboxChoices", "InboxCounts",
    "InboxFilter", "InboxPage", "InboxRow", "Instrument", "InstrumentStatus", "InvalidTransition", "JSONTooDeep",
    "LockPolicy", "MAX_FILING_INSTRUMENTS", "MAX_ID", "MAX_JSON_DEPTH", "MAX_PAGE_SIZE", "MAX_REASON",
    "MAX_UPLOAD_ROWS", "ManagerFigures", "MigrationCheck", "MigrationRow", "MoveResult", "NotAllowed", "NotFound",
    "OpenTask", "Organisation", "Problem", "ProcessHeat", "PublishResult", "QiangjianError", "REPORT_STATUSES",
    "ReportNotice", "ReportRow", "ReportSheet", "RevisionCases", "Role", "RuleFileRow", "SHANGHAI",
    "SIGN_IN_FAILED", "SIGN_IN_LOCKED", "SORTS", "STUCK_EXPORT_LIMIT", "STUCK_TABS", "SavedDraft", "SavedFilter",
    "ScriptBudgetExceeded", "ScriptError", "Skipped", "Slot", "SpecVersion", "StuckChoices", "StuckFilter",
    "StuckPage", "StuckRow", "StuckScope", "Suspension", "System", "Task", "TaskForm", "TaskStatus", "User",
    "UserSession", "VERIFICATION_REQUEST", "VIEWS", "ValidationFailed", "VersionRow", "WaitingPage", "WaitingRow",
    "WorkdayCalendar", "account_locked_until", "activity_cases", "activity_counts", "actor_for",
    "apply_for_verification", "audit_refusal", "case_controls", "case_document", "case_documents",
    "case_error_message", "case_history", "case_tasks", "case_view", "claim_tasks", "colleagues",
    "confirm_calendar_year", "confirm_year", "counties", "delete_filter", "diff_sources", "discard_draft",
    "draft_problems_alone", "drafts", "dry_run", "due_window", "field_length", "file_instruments", "file_kind",
    "file_revisions", "file_title", "fire_due_timers", "get_case", "get_version", "hash_password",
    "heatmap_processes", "inbox", "inbox_choices", "inbox_counts", "inbox_page", "json_problems", "latest_revision",
    "ledger", "lint_sources", "list_filters", "live_sources", "load_calendar", "loads_json", "make_scheduler",
    "manager_figures", "may_view_case", "migrate_cases", "open_system", "open_user_session", "overdue_cases",
    "owner_cases", "prepare_database", "process_migrations", "process_versions", "publish", "reassign_case_task",
    "reassign_tasks", "recent_sign_in_events", "record_sign_in_event", "report_list", "report_notices",
    "report_sheet", "report_sheets", "resume_case", "retry_case", "revision_case_counts", "revoke_all_sessions",
    "revoke_user_session", "rollback", "rule_file_rows", "save_draft", "save_filter", "seed_calendar",
    "session_user", "set_day", "start_yearly_reports", "stuck_choices", "stuck_counts", "stuck_export",
    "stuck_page", "stuck_scope", "suspend_case", "suspension", "sweep_once", "task_form", "terminate_case",
    "too_many_instruments", "too_many_rows", "undo_migration", "unstorable", "utc_now", "valid_id",
    "version_sources", "working_days_left", "workspace",
]
