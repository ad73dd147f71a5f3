"""Who may start a process or act on a task: the checks every engine command makes first."""

from __future__ import annotations

from engine.organisations.actors import Actor
from engine.rules.specs import ProcessVersion
from engine.store.errors import NotAllowed
from engine.store.models import Task as TaskRow


def check_may_start(version: ProcessVersion, actor: Actor) -> None:
    """Only the role of the start event's lane (or the system) may start a case."""
    lanes = {t.lane for t in version.spec.task_specs.values() if type(t).__name__ == "StartEvent"}
    lanes.discard(None)
    if not actor.is_system and lanes and not lanes & actor.roles:
        raise NotAllowed(f"starting {version.process_id} needs the role {', '.join(sorted(lanes))}")


def check_may_act(task_row: TaskRow, actor: Actor) -> None:
    """The task belongs to the actor's group and is not claimed by another clerk."""
    if not actor.can_work_on(task_row.role, task_row.organisation_id):
        raise NotAllowed(f"task {task_row.title} belongs to another group")
    if task_row.assignee_id is not None and task_row.assignee_id != actor.user_id:
        raise NotAllowed(f"task {task_row.title} is claimed by another clerk")
