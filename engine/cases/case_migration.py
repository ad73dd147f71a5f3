"""Moving a running case to another version of its process, where that is safe.

SpiffWorkflow aligns the tasks of two versions by BPMN id (``diff_workflow``) and can swap a
case's spec (``migrate_workflow``). We allow a move only when every change lies downstream of
where the case is: no task that has run, is open, or is in progress may be removed or changed,
nor may the form of an open task. The one exception is an armed timer that has not fired: its
(changed) expression is evaluated again after the move, which is how a changed reminder reaches
running cases. Dates a case already holds (the legal deadline) live in its data and do not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.rules.specs import ProcessVersion

from .instance import CaseInstance

# Tasks the case has not reached yet: changing them cannot contradict anything that happened.
NOT_REACHED = TaskState.PREDICTED_MASK | TaskState.FUTURE
# Open tasks: a clerk may have the form on screen, so it must not change under them.
OPEN = TaskState.READY | TaskState.STARTED


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one case can move to the target version, and if not, why (in Chinese, per task)."""

    case_id: int
    case_number: str
    from_version_id: int
    can_move: bool
    reasons: tuple[str, ...]


class SpecDiffs:
    """Spec diffs between two versions, built once per pair and reused for every case on it.

    ``SpecDiff`` is keyed by the old version's task spec objects, so it can be reused only for
    workflows loaded over the same (cached) spec objects; any other workflow gets a fresh diff.
    """

    def __init__(self, registry: object) -> None:
        self.registry = registry
        self._cache: dict[tuple[int, int, str], tuple[Any, SpecDiff]] = {}

    def workflow_diffs(self, workflow: BpmnWorkflow, source: ProcessVersion, target: ProcessVersion,
                       ) -> tuple[WorkflowDiff, dict[UUID, WorkflowDiff | None]]:
        """The case's top-level diff and one per running subprocess (None: its process was removed)."""
        top = WorkflowDiff(workflow, self._spec_diff(source, target, workflow.spec, target.spec))
        subs: dict[UUID, WorkflowDiff | None] = {}
        for sp_id, sub in workflow.subprocesses.items():
            new = target.subprocess_specs.get(sub.spec.name)
            subs[sp_id] = None if new is None else WorkflowDiff(sub, self._spec_diff(source, target, sub.spec, new))
        return top, subs

    def _spec_diff(self, source: ProcessVersion, target: ProcessVersion, old: Any, new: Any) -> SpecDiff:
        key = (source.id, target.id, str(old.name))
        cached = self._cache.get(key)
        if cached is not None and cached[0] is old:
            return cached[1]
        diff = SpecDiff(self.registry, old, new)
        self._cache[key] = (old, diff)
        return diff


def blockers(instance: CaseInstance, source: ProcessVersion, target: ProcessVersion, diffs: SpecDiffs) -> list[str]:
    """Why the case (on ``source``) cannot move to ``target`` (empty if it can)."""
    workflow = instance.workflow
    if workflow.spec.name != target.spec.name:
        return [f"流程不同：{workflow.spec.name} → {target.spec.name}"]
    top, subprocesses = diffs.workflow_diffs(workflow, source, target)
    reasons = _diff_blockers(top)
    for sp_id, sub_diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        if sub_diff is None:
            reasons.append(f"正在运行的子流程「{_spec_title(sub)}」在新版本中已删除")
        else:
            reasons += _diff_blockers(sub_diff)
    reasons += _form_blockers(workflow, source, target)
    return sorted(set(reasons))


def _diff_blockers(diff: WorkflowDiff) -> list[str]:
    reasons = []
    for task in diff.removed:
        if not task.has_state(NOT_REACHED):
            reasons.append(f"「{_task_title(task)}」（{_state(task)}）在新版本中已删除")
    for task in diff.changed:
        if task.has_state(NOT_REACHED) or _is_unfired_timer(task):
            continue
        reasons.append(f"「{_task_title(task)}」（{_state(task)}）在新版本中有改动")
    return reasons


def _form_blockers(workflow: BpmnWorkflow, source: ProcessVersion, target: ProcessVersion) -> list[str]:
    """Open user tasks whose form schema differs between the versions (forms live outside the spec)."""
    reasons = []
    for task in workflow.get_tasks(state=OPEN):
        form = getattr(task.task_spec, "extensions", {}).get("properties", {}).get("formJsonSchemaFilename")
        if form and source.forms.get(form) != target.forms.get(form):
            reasons.append(f"「{_task_title(task)}」（{_state(task)}）的表单在新版本中有改动")
    return reasons


def migrate(instance: CaseInstance, source: ProcessVersion, target: ProcessVersion, diffs: SpecDiffs) -> None:
    """Swap the case onto ``target`` (the caller checked ``blockers``); armed timers are reset to re-arm.

    The caller then runs the engine inside an operation so the timers evaluate their expressions again.
    """
    workflow = instance.workflow
    top, subprocesses = diffs.workflow_diffs(workflow, source, target)
    migrate_workflow(top, workflow, target.spec, reset_mask=TaskState.WAITING)
    for sp_id, sub_diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        if sub_diff is not None:
            migrate_workflow(sub_diff, sub, target.subprocess_specs[sub.spec.name], reset_mask=TaskState.WAITING)
    workflow.subprocess_specs = target.subprocess_specs


def _is_unfired_timer(task: SpiffTask) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    return (isinstance(definition, TimerEventDefinition) and task.state == TaskState.WAITING
            and not task.internal_data.get("event_fired"))


def _task_title(task: SpiffTask) -> str:
    spec = task.task_spec
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def _spec_title(workflow: BpmnWorkflow) -> str:
    return str(getattr(workflow.spec, "description", None) or workflow.spec.name)


_STATE_NAMES = {TaskState.COMPLETED: "已完成", TaskState.READY: "办理中", TaskState.STARTED: "进行中",
                TaskState.WAITING: "等待中", TaskState.ERROR: "出错", TaskState.CANCELLED: "已取消"}


def _state(task: SpiffTask) -> str:
    return _STATE_NAMES.get(task.state) or str(TaskState.get_name(task.state))
