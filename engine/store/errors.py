"""One exception tree for everything the engine raises.

    QiangjianError
    ├── NotFound            a case, task, organisation or diagram does not exist
    ├── NotAllowed          the user may not act on this task or case
    ├── InvalidTransition   the task is not ready, already done, or the action does not apply
    ├── Conflict            someone else changed the case first (optimistic lock)
    ├── ValidationFailed    submitted data breaks the task's form or a rule; carries field errors
    ├── DiagramInvalid      a diagram or decision table does not parse or fails our lint rules
    ├── ScriptError         a diagram script or expression failed or tried something forbidden
    │   └── ScriptBudgetExceeded   it ran past its time budget or asked for more memory than its budget
    └── CalendarError       a date outside the known working-day calendar, or bad calendar data

Lower-level errors (SpiffWorkflow, SQLAlchemy) are wrapped once at the engine boundary.
"""

from __future__ import annotations


class QiangjianError(Exception):
    """Base of every error raised by the engine."""


class NotFound(QiangjianError):
    """The requested object does not exist (or is not visible to the caller)."""


class NotAllowed(QiangjianError):
    """The caller lacks the role or organisation needed for this action."""


class InvalidTransition(QiangjianError):
    """The action does not apply to the current state."""


class Conflict(QiangjianError):
    """The case changed since it was read; reload and try again."""


class ValidationFailed(QiangjianError):
    """Submitted data is invalid; ``errors`` maps field paths to messages."""

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        self.errors = errors
        super().__init__(message or "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


class DiagramInvalid(QiangjianError):
    """A diagram failed to parse or to pass lint; ``problems`` lists (element_id, message)."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class ScriptError(QiangjianError):
    """A diagram expression failed or attempted a forbidden operation."""

    where: str = ""  # the diagram element whose code failed, in Chinese, when known


class ScriptBudgetExceeded(ScriptError):
    """Diagram code ran past its time budget or would exceed its memory budget; the message is Chinese."""

    def __init__(self, message: str, kind: str) -> None:
        self.kind = kind  # "time" or "memory"
        super().__init__(message)


class CalendarError(QiangjianError):
    """A date is outside the working-day calendar or the calendar data is inconsistent."""
