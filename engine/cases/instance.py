"""``CaseInstance`` wraps a BpmnWorkflow with the few named views the runtime needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.store.errors import NotFound


@dataclass(frozen=True)
class HumanTask:
    """What the task table stores about a READY user task."""

    id: str
    spec_name: str
    title: str
    role: str
    organisation_id: int | None
    form: str | None
    due_at: datetime | None
    process_id: str


@dataclass(frozen=True)
class ArmedTimer:
    """A timer event that is waiting, with the time it is due."""

    task_id: str
    name: str
    due_at: datetime
    fired: bool


def parse_iso(value: Any) -> datetime | None:
    """An aware datetime from an ISO string (dates mean midnight +08:00), or None."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed: datetime = TimerEventDefinition.get_datetime(value if "T" in value else value + "T00:00:00+08:00")
        return parsed
    except ValueError:
        return None


class CaseInstance:
    """A loaded case: the SpiffWorkflow object plus named views of its tasks and timers."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self.workflow = workflow

    @property
    def completed(self) -> bool:
        return bool(self.workflow.completed)

    @property
    def ready_human_tasks(self) -> list[HumanTask]:
        """READY user tasks in every (sub)process, as task-table rows see them."""
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        return [self._describe(t) for t in tasks]

    def spiff_task(self, task_id: str) -> SpiffTask:
        """The SpiffWorkflow task with this id, in the case or any of its subprocesses."""
        task = self.workflow.get_task_from_id(UUID(task_id))
        if task is None:
            raise NotFound(f"task {task_id} is not part of this case")
        return task

    @property
    def armed_timers(self) -> list[ArmedTimer]:
        """Timers that are armed and waiting (read from the event manager, about 1 µs each)."""
        timers = []
        for task in self.workflow.event_manager.tasks.values():
            definition = getattr(task.task_spec, "event_definition", None)
            value = task.internal_data.get("event_value")
            due = parse_iso(value) if isinstance(definition, TimerEventDefinition) else None
            if due is not None:
                fired = bool(task.internal_data.get("event_fired", False))
                timers.append(ArmedTimer(str(task.id), task.task_spec.bpmn_name or task.task_spec.name, due, fired))
        return timers

    @property
    def next_timer_at(self) -> datetime | None:
        """When the earliest unfired timer is due; stored in the indexed column the sweep reads."""
        pending = [t.due_at for t in self.armed_timers if not t.fired]
        return min(pending) if pending else None

    @property
    def facts(self) -> dict[str, Any]:
        """The freshest case data of the top-level process (called processes see only their inputs).

        Parallel branches each carry a copy of the data; merging the live top-level tasks in the
        order they last changed gives the newest value of every variable.
        """
        live = [t for t in self.workflow.get_tasks(state=TaskState.DEFINITE_MASK) if t.workflow is self.workflow]
        if not live:
            last = self.workflow.last_task
            return dict(last.data) if last is not None else dict(self.workflow.data)
        merged: dict[str, Any] = {}
        for task in sorted(live, key=lambda t: t.last_state_change):
            merged.update(task.data)
        return merged

    def _describe(self, task: SpiffTask) -> HumanTask:
        spec = task.task_spec
        props = getattr(spec, "extensions", {}).get("properties", {})
        org = task.data.get(props.get("organisation", ""), None)
        return HumanTask(
            id=str(task.id),
            spec_name=spec.bpmn_id or spec.name,
            title=spec.bpmn_name or spec.name,
            role=spec.lane or "",
            organisation_id=org if isinstance(org, int) else None,
            form=props.get("formJsonSchemaFilename"),
            due_at=parse_iso(task.data.get(props.get("dueAt", ""), None)),
            process_id=task.workflow.spec.name,
        )
