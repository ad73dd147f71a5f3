"""Whether a task changed between two versions only by new steps put around it, and where.

A new version that gives a waiting step a deadline puts new steps around the steps next to it: a script
computing the due date in front of it, a boundary split and join around it. For the tasks next to it,
SpiffWorkflow's diff then reports changed inputs and outputs (a gateway also the target its condition
names). ``inserted_before`` tells such a change from any other: everything the task does is the same, and
each former successor it no longer leads to directly is now reached through new steps only.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.specs.base import TaskSpec

# The attributes that change when new steps are put around a task: its links, its properties (a ``dueAt``
# may be added) and, for a gateway, the targets its conditions name.
NEIGHBOUR_CHANGES = {"inputs", "outputs", "extensions", "cond_task_specs"}


def inserted_before(old: TaskSpec, new: TaskSpec, spec_diff: SpecDiff) -> dict[str, TaskSpec] | None:
    """For each former successor of ``old`` now reached through new steps, the first new step; None when the
    task changed otherwise (code, conditions, a property other than ``dueAt``, a link to an existing step)."""
    if not set(spec_diff.changed.get(old, ())) <= NEIGHBOUR_CHANGES:
        return None
    if properties_but_due(old) != properties_but_due(new):
        return None
    old_inputs, old_outputs = {s.name for s in old.inputs}, [s.name for s in old.outputs]
    if any(s not in spec_diff.added and s.name not in old_inputs for s in new.inputs):
        return None
    if any(s not in spec_diff.added and s.name not in old_outputs for s in new.outputs):
        return None
    inserted: dict[str, TaskSpec] = {}
    kept = {s.name for s in new.outputs}
    for name in old_outputs:
        if name in kept:
            continue
        first = next((s for s in new.outputs if s in spec_diff.added and name in _behind(s, spec_diff)), None)
        if first is None:
            return None
        inserted[name] = first
    if _conditions(old, {}) != _conditions(new, {s.name: n for n, s in inserted.items()}):
        return None
    return inserted


def properties_but_due(spec: TaskSpec) -> dict[str, Any]:
    """The task's extensions with its properties but ``dueAt``."""
    extensions = dict(getattr(spec, "extensions", None) or {})
    extensions["properties"] = {k: v for k, v in extensions.get("properties", {}).items() if k != "dueAt"}
    return extensions


def _behind(start: TaskSpec, spec_diff: SpecDiff) -> set[str]:
    """Names of the existing steps reached from the new step ``start`` through new steps only."""
    found: set[str] = set()
    seen: set[str] = set()
    stack = [start]
    while stack:
        spec = stack.pop()
        if spec.name in seen:
            continue
        seen.add(spec.name)
        for output in spec.outputs:
            if output in spec_diff.added:
                stack.append(output)
            else:
                found.add(output.name)
    return found


def _conditions(spec: TaskSpec, renamed: dict[str, str]) -> list[tuple[Any, str]]:
    """A gateway's (condition, target) pairs and default, with new first steps named as the targets they lead to."""
    pairs = [(getattr(condition, "args", condition), renamed.get(name, name))  # a condition is its expression
             for condition, name in getattr(spec, "cond_task_specs", [])]
    default = getattr(spec, "default_task_spec", None)
    return pairs + [("default", renamed.get(default, default))] if default else pairs
