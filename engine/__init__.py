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
from .demo import DEMO_PASSWORD, INSTRUMENT_TYPES
from .errors import (
    CalendarError,
    Conflict,
    DiagramInvalid,
    InvalidTransition,
    NotAllowed,
    NotFound,
    QiangjianError,
    ScriptError,
    ValidationFailed,
)
from .models import AuditEntry, Capability, Case, Document, Instrument, Organisation, SpecVersion, Task, User
from .owner_actions import apply_for_verification, file_instruments
from .queries import (
    case_documents,
    case_history,
    case_tasks,
    counties,
    get_case,
    inbox,
    ledger,
    overdue_cases,
    owner_cases,
)
from .runtime import CaseRef, Engine
from .scheduler import make_scheduler, sweep_once
from .status import CaseStatus, InstrumentStatus, Role, TaskStatus
from .task_view import TaskForm, task_form
from .timers import fire_due_timers
from .workdays import SHANGHAI, WorkdayCalendar

__all__ = [
    "Actor",
    "AuditEntry",
    "CalendarError",
    "Capability",
    "Case",
    "CaseRef",
    "CaseStatus",
    "Conflict",
    "DEMO_PASSWORD",
    "DiagramInvalid",
    "Document",
    "Engine",
    "INSTRUMENT_TYPES",
    "Instrument",
    "InstrumentStatus",
    "InvalidTransition",
    "NotAllowed",
    "NotFound",
    "Organisation",
    "QiangjianError",
    "Role",
    "SHANGHAI",
    "ScriptError",
    "SpecVersion",
    "System",
    "Task",
    "TaskForm",
    "TaskStatus",
    "User",
    "ValidationFailed",
    "WorkdayCalendar",
    "actor_for",
    "apply_for_verification",
    "case_documents",
    "case_history",
    "case_tasks",
    "confirm_calendar_year",
    "confirm_year",
    "counties",
    "file_instruments",
    "fire_due_timers",
    "get_case",
    "inbox",
    "ledger",
    "load_calendar",
    "make_scheduler",
    "open_system",
    "overdue_cases",
    "owner_cases",
    "prepare_database",
    "seed_calendar",
    "set_day",
    "sweep_once",
    "task_form",
    "utc_now",
]
