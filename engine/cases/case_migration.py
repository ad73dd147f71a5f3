"""Moving a running case to another version of its process, where that is safe.

SpiffWorkflow aligns the tasks of two versions by BPMN id (``diff_workflow``) and can swap a
case's spec (``migrate_workflow``). We allow a move only when every change lies downstream of
where the case is: no task that has run, is open, or is in progress may be removed or changed,
nor may the form of an open task. The one exception is an armed timer that has not fired: its
(changed) expression is evaluated again after the move, which is how a changed reminder reaches
running cases. Dates a case already holds (the legal deadline) live in its data and do not move.

A second exception lets a new deadline reach cases already waiting at a step: an open user task whose
only change is new boundary events (and a new ``dueAt``), reached from its completed predecessor (a task or
a decision gateway) through new steps only, is entered again after the move. The predecessor keeps its
result and is given the new path, so the new steps (the script computing the due date, the boundary split)
run and arm the timers; the task itself is opened anew (its form is unchanged, a claim on it is dropped).
A completed task may then have changed too, but only by new steps around it (``step_insertion``): new
boundary events, or new steps in front of a task the case has already done or enters again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.rules.specs import ProcessVersion

from .instance import CaseInstance
from .step_insertion import inserted_before, properties_but_due

# Tasks the case has not reached yet: changing them cannot contradict anything that happened.
NOT_REACHED = TaskState.PREDICTED_MASK | TaskState.FUTURE
# Open tasks: a clerk may have the form on screen, so it must not change under them.
OPEN = TaskState.READY | TaskState.STARTED
# What SpiffWorkflow's diff reports for a task that only gained boundary events (and a property).
BOUNDARY_CHANGES = {"inputs", "outputs", "extensions"}


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

    def top_spec_diff(self, workflow: BpmnWorkflow, source: ProcessVersion, target: ProcessVersion) -> SpecDiff:
        """The spec diff of the case's top-level process (which tasks are new, what changed in each)."""
        return self._spec_diff(source, target, workflow.spec, target.spec)

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
    spec_diff = diffs.top_spec_diff(workflow, source, target)
    reentered = [task for task, _step in _reentered(top, spec_diff)]
    reasons = _diff_blockers(top, {t.id for task in reentered for t in (task, task.parent)}, spec_diff)
    for sp_id, sub_diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        if sub_diff is None:
            reasons.append(f"正在运行的子流程「{_spec_title(sub)}」在新版本中已删除")
        else:
            reasons += _diff_blockers(sub_diff, set(), None)
    reasons += _form_blockers(workflow, source, target)
    return sorted(set(reasons))


def _diff_blockers(diff: WorkflowDiff, reentered: set[UUID], spec_diff: SpecDiff | None) -> list[str]:
    reasons = []
    for task in diff.removed:
        if not task.has_state(NOT_REACHED):
            reasons.append(f"「{_task_title(task)}」（{_state(task)}）在新版本中已删除")
    for task in diff.changed:
        if task.has_state(NOT_REACHED) or _is_unfired_timer(task) or task.id in reentered:
            continue
        if spec_diff is not None and _only_new_steps_around(task, diff, spec_diff, reentered):
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
    reentered = _reentered(top, diffs.top_spec_diff(workflow, source, target))
    migrate_workflow(top, workflow, target.spec, reset_mask=TaskState.WAITING)
    for task, first_step in reentered:
        _enter_again(task, first_step)
    for sp_id, sub_diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        if sub_diff is not None:
            migrate_workflow(sub_diff, sub, target.subprocess_specs[sub.spec.name], reset_mask=TaskState.WAITING)
    workflow.subprocess_specs = target.subprocess_specs


def _reentered(diff: WorkflowDiff, spec_diff: SpecDiff) -> list[tuple[SpiffTask, TaskSpec]]:
    """Open user tasks that only gained boundary events, reached from their completed parent through new steps;
    each with the first of those new steps (what the parent leads to instead of the task).

    The parent may have changed only in where it leads (a gateway also in which target its condition names);
    the task only in its inputs (now its boundary split), its outputs (plus the boundary join) and its
    properties (plus ``dueAt``).
    """
    found = []
    for task in diff.changed:
        parent, new = task.parent, diff.alignment.get(task)
        new_parent = diff.alignment.get(parent) if parent is not None else None
        if (parent is None or new is None or new_parent is None or not task.has_state(OPEN)
                or task.has_state(TaskState.STARTED) or parent.state != TaskState.COMPLETED
                or [c for c in parent.children if not c.has_state(NOT_REACHED)] != [task]):
            continue
        old = task.task_spec
        first_step = (inserted_before(parent.task_spec, new_parent, spec_diff) or {}).get(old.name)
        if (first_step is not None and set(spec_diff.changed.get(old, ())) <= BOUNDARY_CHANGES
                and _all_new(new.inputs, spec_diff)
                and [s.name for s in new.outputs if s not in spec_diff.added] == [s.name for s in old.outputs]
                and properties_but_due(old) == properties_but_due(new)):
            found.append((task, first_step))
    return found


def _only_new_steps_around(task: SpiffTask, diff: WorkflowDiff, spec_diff: SpecDiff, reentered: set[UUID]) -> bool:
    """A completed task changed only by new steps around it, where the new steps in front of the next task
    lead to a task this case has already done or enters again: nothing the case did is contradicted."""
    new = diff.alignment.get(task)
    inserted = inserted_before(task.task_spec, new, spec_diff) if new is not None else None
    if task.state != TaskState.COMPLETED or inserted is None:
        return False
    return all(child.state == TaskState.COMPLETED or child.id in reentered
               for child in task.children if child.task_spec.name in inserted)


def _all_new(specs: list[TaskSpec], spec_diff: SpecDiff) -> bool:
    return bool(specs) and all(spec in spec_diff.added for spec in specs)


def _enter_again(task: SpiffTask, first_step: TaskSpec) -> None:
    """Give the task's completed parent its new path: the new steps become ready, the open task is dropped.

    The engine run after the move runs those steps; they lead to the task again, now with its timers. A
    gateway parent gets only the branch it took, now starting at ``first_step``.
    """
    parent = task.parent
    workflow = task.workflow
    parent._drop_children(force=True)
    parent._sync_children([first_step], TaskState.FUTURE)
    for child in parent.children:  # as Task.reset_branch does, for the parent's new children
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
    for child in parent.children:
        child.task_spec._update(child)
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = parent


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
