"""What a task page shows: the form, the rule it comes from and the case facts beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.organisations.actors import Actor
from engine.store.errors import NotAllowed, NotFound
from engine.store.models import Case, Task
from engine.store.status import TaskStatus

from .source import CaseSource


@dataclass(frozen=True)
class TaskForm:
    """An open task with its JSON Schema form, the BPMN documentation and the case data it sees."""

    task: Task
    case: Case
    schema: dict[str, Any]
    documentation: str
    facts: dict[str, Any]


def task_form(session: Session, engine: CaseSource, task_id: str, actor: Actor) -> TaskForm:
    """The form of an open task the actor may work on.

    :raises NotFound: no such task (also for tasks of other groups, so ids reveal nothing).
    :raises NotAllowed: the task is claimed by another clerk of the group.
    """
    found = session.execute(select(Task, Case).join(Case, Task.case_id == Case.id).where(Task.id == task_id)).first()
    if found is None or found[0].status != TaskStatus.READY.value:
        raise NotFound(f"open task {task_id} does not exist")
    task, case = found
    if not actor.can_work_on(task.role, task.organisation_id):
        raise NotFound(f"open task {task_id} does not exist")
    if task.assignee_id not in (None, actor.user_id):
        raise NotAllowed(f"task {task.title} is claimed by another clerk")
    version = engine.registry.get(session, case.spec_version_id)
    spiff_task = engine.load_case(session, case).spiff_task(task_id)
    schema = version.forms.get(task.form or "", {"type": "object", "properties": {}})
    return TaskForm(task, case, schema, spiff_task.task_spec.documentation or "", dict(spiff_task.data))
