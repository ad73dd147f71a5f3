"""Runs engine steps on a case and records what happened, for the task table and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask

from engine.sandbox.script_env import Effect, current
from engine.store.errors import QiangjianError, ScriptError

from .instance import CaseInstance, HumanTask


@dataclass(frozen=True)
class FiredTimer:
    """A timer event that fired during this operation."""

    task_id: str
    name: str
    due_at: str | None
    process_id: str


class StepRecorder:
    """Wraps one operation on a case: snapshots before, runs steps, collects what changed."""

    def __init__(self, instance: CaseInstance) -> None:
        self.instance = instance
        self.before_ready: dict[str, HumanTask] = {t.id: t for t in instance.ready_human_tasks}
        self.before_facts: dict[str, Any] = instance.facts
        self.fired_timers: list[FiredTimer] = []
        self.events: list[tuple[str, Any, Any]] = []  # audit rows in the order things happened
        self.effects: list[Effect] = []
        self.deadline_reason: str | None = None  # why a deadline moves, when it is not an agreed extension

    def refresh_timers(self) -> None:
        """Fire every timer whose time has come, then run what follows it."""
        self._guard(self.instance.workflow.refresh_timers)
        self.run_engine_steps()

    def run_engine_steps(self) -> None:
        """Run automatic tasks until the case waits for a person or a timer."""
        self.effects = current().effects
        self._guard(lambda: self.instance.workflow.do_engine_steps(did_complete_task=self._observe))

    def run_task(self, task: SpiffTask) -> None:
        """Complete a READY user task (the caller checked its state) and advance the case."""
        self._guard(task.run)
        self.run_engine_steps()

    def note(self, action: str, before: Any, after: Any) -> None:
        """Record an audit row at this point of the operation."""
        self.events.append((action, before, after))

    def _observe(self, task: SpiffTask) -> None:
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            fired = FiredTimer(
                str(task.id), task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name,
                task.internal_data.get("event_value") or task.data.get("event_value"),
                task.workflow.spec.name,
            )
            self.fired_timers.append(fired)
            self.note("timer_fired", None, {"timer": fired.name, "due_at": fired.due_at, "process": fired.process_id})

    @staticmethod
    def _guard(action: Any) -> None:
        try:
            action()
        except QiangjianError:
            raise
        except SpiffWorkflowException as exc:
            error = wrap_spiff_error(exc)
            if isinstance(error, ScriptError) and not error.where:
                error.where = element_of(exc)
            raise error from exc


# What policy staff call each kind of element whose code can fail, by SpiffWorkflow class name.
_KINDS = (("ScriptTask", "脚本任务"), ("BusinessRuleTask", "决策任务"), ("Gateway", "网关"), ("Event", "事件"),
          ("Task", "任务"))


def element_of(exc: BaseException) -> str:
    """The element whose code failed, as 「脚本任务「计算费用」」, or "" when SpiffWorkflow did not say."""
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None)
    if spec is None:
        return ""
    name = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    kind = next((label for key, label in _KINDS if key in type(spec).__name__), "步骤")
    return f"{kind}「{name}」"


def wrap_spiff_error(exc: BaseException) -> QiangjianError:
    """Our error for a SpiffWorkflow one, keeping the sandbox's ScriptError when it is the cause."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, QiangjianError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return ScriptError(f"{exc}")
