"""The SpiffWorkflow script engine that runs every diagram text in the sandbox, with an injectable clock.

How errors surface: the environment raises :class:`ScriptError` for every violation and every failure
(``ScriptBudgetExceeded`` when over budget). ``evaluate``/``execute`` re-raise it as SpiffWorkflow's
``WorkflowTaskException`` (SpiffWorkflow then marks the task ERROR and adds notes such as the DMN row)
whose message contains the ScriptError's text and whose ``__cause__`` is the ScriptError. SpiffWorkflow
paths that call the environment directly (process data inputs/outputs, message correlation) get the bare
ScriptError. ``find_script_error(exc)`` returns the ScriptError in every case.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from engine.store.errors import ScriptError

from .budget import Budget
from .compiler import SCRIPT_FILENAME
from .environment import SandboxEnvironment

Clock = Callable[[], datetime]
Functions = Mapping[str, Callable[..., Any]]
External = Mapping[str, Any] | None


def _script_line(err: BaseException) -> int:
    """Line of the diagram text where the error happened, 0 when unknown."""
    errors = [exc for exc in (err, err.__cause__) if exc is not None]
    frames = [frame for exc in errors for frame in traceback.extract_tb(exc.__traceback__)]
    lines = [frame.lineno for frame in frames if frame.filename == SCRIPT_FILENAME]
    return (lines[-1] or 0) if lines else 0


def find_script_error(exc: BaseException) -> ScriptError | None:
    """The ScriptError behind a SpiffWorkflow exception (via __cause__/__context__), if any."""
    current: BaseException | None = exc
    for _ in range(20):  # real chains are short; the bound guards against cycles
        if current is None or isinstance(current, ScriptError):
            return current
        current = current.__cause__ or current.__context__
    return None


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow script engine that runs all diagram code in the sandbox, within ``budget``."""

    def __init__(self, functions: Functions | None = None, clock: Clock | None = None,
                 budget: Budget | None = None) -> None:
        super().__init__(environment=SandboxEnvironment(functions, budget))
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    @property
    def budget(self) -> Budget:
        """The time and memory budget of each text the engine runs."""
        budget: Budget = self.environment.budget
        return budget

    def now(self) -> datetime:
        """Aware UTC "now" from the injected clock."""
        moment = self._clock()
        if moment.tzinfo is None:
            raise ValueError("The clock must return an aware datetime")
        return moment.astimezone(timezone.utc)

    def evaluate(self, task: Any, expression: str, external_context: External = None) -> Any:
        """Value of the expression in the task's context; raises WorkflowTaskException from ScriptError."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as err:
            message = f"Error evaluating expression '{expression}': {err}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def execute(self, task: Any, script: str, external_context: External = None) -> bool:
        """Run a script on the task's data; failures raise WorkflowTaskException from ScriptError."""
        try:
            return bool(self.environment.execute(script, task.data, external_context or {}))
        except ScriptError as err:
            line = _script_line(err)
            error_line = script.splitlines()[line - 1] if 0 < line <= len(script.splitlines()) else ""
            raise WorkflowTaskException(
                str(err), task=task, exception=err, line_number=line, error_line=error_line
            ) from err
