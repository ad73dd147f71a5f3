"""Qiangjian's engine: the public API the web application and the CLI use.

Build a ``System`` with ``open_system(url)``, prepare it with ``prepare_database`` and act
through ``system.engine`` (``start_case``, ``complete_task``, ``claim_task``, ...) inside a
session you commit. Read screens with the query functions. Nothing here imports Flask.
"""

from __future__ import annotations

from .actors import Actor, actor_for
from .bootstrap import System, open_system, prepare_database, utc_now
from .calendar_admin import confirm_calendar_year
from .calendar_store import confirm_year, load_calendar, seed_calendar, set_day
from .case_migration import MigrationCheck
from .case_moves import MoveResult, dry_run, migrate_cases, undo_migration
from .case_parking import case_error_message
from .case_view import CaseView, DocumentSheet, case_document, case_view, working_days_left
from .catalogue import FORM_OPTIONS, INSTRUMENT_TYPES
from .demo import DEMO_PASSWORD, DemoSummary
from .errors import (
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
from .filing_limits import MAX_FILING_INSTRUMENTS, MAX_UPLOAD_ROWS, too_many_instruments, too_many_rows
from .inbox_filters import (
    MAX_PAGE_SIZE,
    DueWindow,
    InboxCounts,
    InboxFilter,
    InboxPage,
    InboxRow,
    due_window,
    inbox_counts,
    inbox_page,
)
from .lint import CALENDAR_FUNCTIONS, Problem, lint_sources
from .model_diff import Change, diff_sources
from .models import (
    AuditEntry,
    Capability,
    Case,
    Document,
    Instrument,
    Organisation,
    SavedFilter,
    SpecVersion,
    Task,
    User,
)
from .owner_actions import FILING, VERIFICATION_REQUEST, apply_for_verification, file_instruments
from .queries import (
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
from .rule_files import (
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
from .rule_overview import (
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
from .runtime import CaseRef, Engine
from .sandbox import Budget
from .saved_filters import delete_filter, list_filters, save_filter
from .scheduler import make_scheduler, sweep_once
from .status import CaseStatus, InstrumentStatus, Role, TaskStatus
from .task_assignment import BulkResult, Skipped, claim_tasks, colleagues, reassign_tasks
from .task_view import TaskForm, task_form
from .timers import fire_due_timers
from .workdays import SHANGHAI, WorkdayCalendar

__all__ = [
    "Actor",
    "AuditEntry",
    "Budget",
    "BulkResult",
    "CALENDAR_FUNCTIONS",
    "CalendarError",
    "Capability",
    "Case",
    "CaseRef",
    "CaseStatus",
    "CaseView",
    "Change",
    "Conflict",
    "DEMO_PASSWORD",
    "DemoSummary",
    "DiagramInvalid",
    "Document",
    "DocumentSheet",
    "DueWindow",
    "Engine",
    "FILING",
    "FORM_OPTIONS",
    "INSTRUMENT_TYPES",
    "InboxChoices",
    "InboxCounts",
    "InboxFilter",
    "InboxPage",
    "InboxRow",
    "Instrument",
    "InstrumentStatus",
    "InvalidTransition",
    "MAX_FILING_INSTRUMENTS",
    "MAX_PAGE_SIZE",
    "MAX_UPLOAD_ROWS",
    "MigrationCheck",
    "MigrationRow",
    "MoveResult",
    "NotAllowed",
    "NotFound",
    "Organisation",
    "Problem",
    "PublishResult",
    "QiangjianError",
    "RevisionCases",
    "Role",
    "RuleFileRow",
    "SHANGHAI",
    "SavedDraft",
    "SavedFilter",
    "ScriptBudgetExceeded",
    "ScriptError",
    "Skipped",
    "SpecVersion",
    "System",
    "Task",
    "TaskForm",
    "TaskStatus",
    "User",
    "VERIFICATION_REQUEST",
    "ValidationFailed",
    "VersionRow",
    "WorkdayCalendar",
    "actor_for",
    "apply_for_verification",
    "audit_refusal",
    "case_document",
    "case_documents",
    "case_error_message",
    "case_history",
    "case_tasks",
    "case_view",
    "claim_tasks",
    "colleagues",
    "confirm_calendar_year",
    "confirm_year",
    "counties",
    "delete_filter",
    "diff_sources",
    "discard_draft",
    "draft_problems_alone",
    "drafts",
    "dry_run",
    "due_window",
    "file_instruments",
    "file_kind",
    "file_revisions",
    "file_title",
    "fire_due_timers",
    "get_case",
    "get_version",
    "inbox",
    "inbox_choices",
    "inbox_counts",
    "inbox_page",
    "latest_revision",
    "ledger",
    "lint_sources",
    "list_filters",
    "live_sources",
    "load_calendar",
    "make_scheduler",
    "migrate_cases",
    "open_system",
    "overdue_cases",
    "owner_cases",
    "prepare_database",
    "process_migrations",
    "process_versions",
    "publish",
    "reassign_tasks",
    "revision_case_counts",
    "rollback",
    "rule_file_rows",
    "save_draft",
    "save_filter",
    "seed_calendar",
    "set_day",
    "sweep_once",
    "task_form",
    "too_many_instruments",
    "too_many_rows",
    "undo_migration",
    "utc_now",
    "version_sources",
    "working_days_left",
    "workspace",
]
