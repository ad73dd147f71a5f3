"""Where a case stands on its process diagram: the BPMN source and a mark per activity.

An activity is *completed* when the case has run it, *current* while it waits for someone (an open user
task, or a called process still running), and *overdue* when an open task under it is past its due time.
Tasks of a called process (the escalation) are marked on the call activity that started it, because that
is the element the case's own diagram shows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from enum import StrEnum
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from engine.cases.instance import CaseInstance
from engine.store.errors import NotFound

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ACTIVITY_TAGS = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
    "receiveTask", "callActivity", "subProcess", "transaction",
})
_WAITING = TaskState.READY | TaskState.STARTED | TaskState.WAITING


class Mark(StrEnum):
    """How an activity is drawn; the values are the CSS marker names the page uses."""

    COMPLETED = "completed"
    CURRENT = "current"
    OVERDUE = "overdue"


_RANK = {Mark.COMPLETED: 0, Mark.CURRENT: 1, Mark.OVERDUE: 2}


def process_diagram(sources: dict[str, str], process_id: str) -> str:
    """The BPMN XML of the file that defines ``process_id`` (by convention ``<process_id>.bpmn``).

    :raises NotFound: no source defines the process.
    """
    named = f"{process_id}.bpmn"
    ordered = sorted(sources, key=lambda name: name != named)
    for name in ordered:
        if name.endswith(".bpmn") and process_id in _process_ids(sources[name]):
            return sources[name]
    raise NotFound(f"no diagram defines process {process_id!r}")


def process_name(xml: str, process_id: str) -> str:
    """The ``name`` of the process in a BPMN document (its Chinese title), or the id if it has none."""
    for el in ET.fromstring(xml).iter(f"{{{BPMN_NS}}}process"):
        if el.get("id") == process_id:
            return el.get("name") or process_id
    return process_id


def activity_ids(xml: str) -> set[str]:
    """Ids of every activity (task, call activity, subprocess) in a BPMN document."""
    root = ET.fromstring(xml)
    return {el.get("id", "") for tag in ACTIVITY_TAGS for el in root.iter(f"{{{BPMN_NS}}}{tag}")} - {""}


def activity_marks(
    instance: CaseInstance, activities: Iterable[str], overdue_task_ids: Iterable[str]
) -> dict[str, str]:
    """Activity id → mark for the case's own diagram; activities the case has not reached are left out."""
    wanted = set(activities)
    marks: dict[str, Mark] = {}
    for task in instance.workflow.get_tasks():
        element = _top_element(instance.workflow, task)
        if element not in wanted:
            continue
        if task.state & _WAITING:
            _raise(marks, element, Mark.CURRENT)
        elif task.state == TaskState.COMPLETED:
            _raise(marks, element, Mark.COMPLETED)
    for task_id in overdue_task_ids:
        task = instance.workflow.get_task_from_id(UUID(task_id))
        element = _top_element(instance.workflow, task) if task is not None else None
        if element in wanted and element is not None:
            _raise(marks, element, Mark.OVERDUE)
    return {element: mark.value for element, mark in sorted(marks.items())}


def _raise(marks: dict[str, Mark], element: str, mark: Mark) -> None:
    """Keep the strongest mark: an activity run before and waiting again is current, not completed."""
    if element not in marks or _RANK[mark] > _RANK[marks[element]]:
        marks[element] = mark


def _top_element(top: BpmnWorkflow, task: SpiffTask) -> str | None:
    """The id of the element of the top-level diagram this task is, or runs under (its call activity)."""
    workflow = task.workflow
    while workflow is not top:
        parent = top.get_task_from_id(workflow.parent_task_id)
        if parent is None:
            return None
        task, workflow = parent, parent.workflow
    bpmn_id = task.task_spec.bpmn_id
    return str(bpmn_id) if bpmn_id else None


def _process_ids(xml: str) -> set[str]:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return set()
    return {el.get("id", "") for el in root.iter(f"{{{BPMN_NS}}}process")}
