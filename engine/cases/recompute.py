"""Recompute deadlines that were computed on a provisional calendar year.

A year whose official holiday schedule is not yet published is provisional (e.g. 2027 as
of November 2026). Diagrams that compute a working-day deadline also store its basis,
``deadline_basis = {"from": <date>, "working_days": <n>, "reminder_working_days": <m>}`` (the
reminder part is optional); when an administrator confirms
the year, every running case whose deadline is provisional gets the deadline recomputed
from that basis, its armed timers re-evaluated, and an audit entry. An agreed extension
clears the basis: a date the owner agreed to is not a working-day computation.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.sandbox.script_env import current

from .instance import CaseInstance


def rebase_deadline(instance: CaseInstance) -> tuple[Any, Any] | None:
    """Recompute ``deadline`` from ``deadline_basis`` on the current calendar; (old, new) if it moved."""
    facts = instance.facts
    basis, old = facts.get("deadline_basis"), facts.get("deadline")
    if not isinstance(basis, dict) or old is None:
        return None
    ctx = current()
    new = ctx.calendar_function("working_day_deadline")(basis["from"], int(basis["working_days"]))
    provisional = bool(ctx.calendar_function("is_provisional")(new))
    if new == old and provisional == bool(facts.get("deadline_provisional")):
        return None
    changes: dict[str, Any] = {"deadline": new, "deadline_provisional": provisional}
    if basis.get("reminder_working_days"):
        changes["reminder_at"] = ctx.calendar_function("reminder_time")(new, int(basis["reminder_working_days"]))
    for task in instance.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        if task.data.get("deadline") == old:
            task.data.update(changes)
    _rearm_timers(instance)
    return old, new


def _rearm_timers(instance: CaseInstance) -> None:
    """Re-evaluate the expression of every armed, unfired timer against its task's current data."""
    engine = instance.workflow.script_engine
    for task in list(instance.workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        expression = getattr(definition, "expression", None)
        if expression and "event_value" in task.internal_data and not task.internal_data.get("event_fired"):
            task.internal_data["event_value"] = engine.evaluate(task, expression)
