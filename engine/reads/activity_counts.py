"""The managers' process heatmap: per activity of a process diagram, how many running cases wait there and
how many of them are overdue, and the list of those cases.

Counts come from one GROUP BY over open task rows of running cases (``ix_task_stuck``), scoped as the stuck
cases are (the acting organisation or the owner unit in the manager's scope); nothing parses case JSON.
The diagram is the current version's; its activities are read from the BPMN XML. A case waiting in a
called process (the escalation) is counted at the call activity in its parent's diagram and at the task
itself in the called process's own diagram. Several call activities of one parent that call the same process
(the escalations of a verification) are told apart by the escalation reason the script before each sets
(``escalation_reason = "overdue"``): the step that opens an escalation task records that reason in its
``escalated`` audit entry at the task's creation time, and only those few task rows look it up. Where the
diagram does not say a distinct reason for each, they share one count (``Slot.activity_ids`` lists them).
Steps of older versions that the current diagram no longer has are counted too, under their task id, so the
table still adds up to every waiting case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from engine.store.errors import NotFound
from engine.store.models import AuditEntry, Case, Organisation, SpecVersion, Task
from engine.store.status import CaseStatus, TaskStatus

from .diagram_marks import BPMN_NS, process_diagram, process_name
from .stuck_cases import StuckScope

_WAITING_TAGS = ("userTask", "manualTask")  # the human tasks SpiffWorkflow turns into task rows
MAX_LIST_SIZE = 100
_REASON_SCRIPT = re.compile(r"""escalation_reason\s*=\s*["']([A-Za-z0-9_]+)["']""")
# The reason an open escalation task was opened for: its case's "escalated" audit entry of the same step.
_TASK_REASON = (select(AuditEntry.after["reason"].as_string())
                .where(AuditEntry.case_id == Task.case_id, AuditEntry.action == "escalated",
                       AuditEntry.at == Task.created_at)
                .order_by(AuditEntry.id.desc()).limit(1).correlate(Task).scalar_subquery())


@dataclass(frozen=True)
class Slot:
    """One place cases wait: the diagram activities drawn for it and the task ids (``spec_name``) counted."""

    key: str  # the first activity id, or the task id of a step the current diagram lacks
    activity_ids: tuple[str, ...]
    name: str
    spec_names: tuple[str, ...]
    reason: str | None = None  # only tasks opened for this escalation reason (call activities told apart)

    def rows(self) -> ColumnElement[bool]:
        """The task rows that wait at this slot."""
        if self.reason is None:
            return Task.spec_name.in_(self.spec_names)
        return and_(Task.spec_name.in_(self.spec_names), _TASK_REASON == self.reason)


@dataclass(frozen=True)
class ActivityCount:
    """A slot with its numbers: distinct running cases waiting there, and those with an open task past due."""

    slot: Slot
    waiting: int
    overdue: int

    @property
    def in_diagram(self) -> bool:
        return bool(self.slot.activity_ids)


@dataclass(frozen=True)
class ProcessHeat:
    """A process's current diagram and the numbers of each slot (diagram order, then steps of old versions)."""

    process_id: str
    name: str
    diagram: str
    called: bool  # a process other processes call (its cases belong to the callers)
    counts: Sequence[ActivityCount]

    def count(self, key: str) -> ActivityCount | None:
        return next((c for c in self.counts if c.slot.key == key), None)


@dataclass(frozen=True)
class WaitingRow:
    """One open task at a slot: its case, who must act, and when it is due."""

    case_id: int
    case_number: str
    case_title: str
    step: str
    acting_org: str
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class WaitingPage:
    rows: Sequence[WaitingRow]
    has_next: bool


@dataclass(frozen=True)
class _Layout:
    """A process as the heatmap reads it: diagram, slots, and the task rows that belong to it."""

    process_id: str
    name: str
    diagram: str
    called: bool
    slots: tuple[Slot, ...]
    rows: ColumnElement[bool]  # which task rows belong to this process (by the case's top-level process)
    wanted: tuple[str, ...] | None  # the only task ids counted (a called process); None = every one


def heatmap_processes(session: Session) -> list[tuple[str, str]]:
    """The picker's (process id, name) pairs: processes cases are started on, then the processes they call."""
    diagrams = _current_diagrams(session)
    callers = _callers(diagrams)
    named = [(pid, process_name(xml, pid)) for pid, xml in sorted(diagrams.items())]
    return [p for p in named if p[0] not in callers] + [p for p in named if p[0] in callers]


def activity_counts(session: Session, now: datetime, scope: StuckScope, process_id: str) -> ProcessHeat:
    """Every slot of ``process_id``'s current diagram with its waiting and overdue cases in ``scope``.

    :raises NotFound: no current version of that process.
    """
    layout = _layout(session, process_id)
    slots = {slot.key: slot for slot in layout.slots}
    mapped = [(slot.rows(), literal(key)) for key, slot in slots.items()]
    key = case(*mapped, else_=Task.spec_name) if mapped else Task.spec_name
    inner = _scoped(select(key.label("slot"), Task.case_id, (Task.due_at < now).label("late")), layout, scope)
    rows = inner.subquery()
    query = select(rows.c.slot, func.count(distinct(rows.c.case_id)),
                   func.count(distinct(rows.c.case_id)).filter(rows.c.late)).group_by(rows.c.slot)
    found = {k: (int(w), int(o or 0)) for k, w, o in session.execute(query)}
    counts = [ActivityCount(slot, *found.pop(key, (0, 0))) for key, slot in slots.items()]
    counts += [ActivityCount(Slot(k, (), k, (k,)), w, o) for k, (w, o) in sorted(found.items())]
    return ProcessHeat(layout.process_id, layout.name, layout.diagram, layout.called, counts)


def activity_cases(session: Session, now: datetime, scope: StuckScope, process_id: str, key: str, *,
                   overdue_only: bool = False, page: int = 1, size: int = 20) -> WaitingPage:
    """One page of the open tasks at slot ``key`` (or any activity of it; most overdue first), named.

    :raises NotFound: no current version of that process.
    """
    layout = _layout(session, process_id)
    slot = next((s for s in layout.slots if key == s.key or key in s.activity_ids), None)
    rows_here = slot.rows() if slot else Task.spec_name == key
    size = max(1, min(size, MAX_LIST_SIZE))
    query = select(Case.id, Case.number, Case.title, Task.title, Organisation.name, Task.due_at).outerjoin(
        Organisation, Organisation.id == Task.organisation_id)
    query = _scoped(query, layout, scope).where(rows_here)
    if overdue_only:
        query = query.where(Task.due_at < now)
    query = query.order_by(Task.due_at.is_(None), Task.due_at, Case.id, Task.id)
    found = session.execute(query.limit(size + 1).offset((max(page, 1) - 1) * size)).all()
    rows = [WaitingRow(cid, number, title or "", step, org or "—", due, due is not None and due < now)
            for cid, number, title, step, org, due in found[:size]]
    return WaitingPage(rows, len(found) > size)


def _scoped(query: Select[Any], layout: _Layout, scope: StuckScope) -> Select[Any]:
    """Open tasks of running cases of ``layout``'s process, in scope."""
    query = query.select_from(Task).join(Case, Case.id == Task.case_id).where(
        Task.status == TaskStatus.READY.value, Case.status == CaseStatus.RUNNING.value, layout.rows)
    if layout.wanted is not None:
        query = query.where(Task.spec_name.in_(layout.wanted))
    if scope.org_ids is not None:
        ids = sorted(scope.org_ids)
        query = query.where(or_(Task.organisation_id.in_(ids), Task.owner_org_id.in_(ids)))
    return query


def _layout(session: Session, process_id: str) -> _Layout:
    diagrams = _current_diagrams(session)
    if process_id not in diagrams:
        raise NotFound(f"no current version of process {process_id!r}")
    xml = diagrams[process_id]
    callers = _callers(diagrams)
    name = process_name(xml, process_id)
    if process_id in callers:
        slots = tuple(Slot(aid, (aid,), label, (aid,)) for aid, label in _waiting_tasks(xml, process_id))
        wanted = tuple(s.key for s in slots)
        rows = Task.case_process_id.in_(sorted(callers[process_id]))
        return _Layout(process_id, name, xml, True, slots, rows, wanted)
    sources = session.scalar(select(SpecVersion.sources).where(SpecVersion.process_id == process_id,
                                                               SpecVersion.is_current)) or {}
    slots_list: list[Slot] = []
    shared: dict[str, list[tuple[str, str]]] = {}
    for aid, label, called in _activities(xml, process_id):
        if called is None:
            slots_list.append(Slot(aid, (aid,), label, (aid,)))
        else:
            shared.setdefault(called, []).append((aid, label))
    for called, activities in shared.items():
        try:
            inner = tuple(t for t, _ in _waiting_tasks(process_diagram(sources, called), called))
        except NotFound:
            inner = ()
        reasons = _escalation_reasons(xml, process_id)
        told_apart = [reasons.get(a) for a, _ in activities]
        if len(activities) > 1 and None not in told_apart and len(set(told_apart)) == len(activities):
            slots_list += [Slot(a, (a,), lbl, inner or ("",), reasons[a]) for a, lbl in activities]
            continue
        label = "、".join(lbl for _, lbl in activities)
        slots_list.append(Slot(activities[0][0], tuple(a for a, _ in activities), label, inner or ("",)))
    return _Layout(process_id, name, xml, False, tuple(slots_list), Task.case_process_id == process_id, None)


def _current_diagrams(session: Session) -> dict[str, str]:
    """Process id -> the BPMN XML defining it, from each process's current version."""
    found = session.execute(select(SpecVersion.process_id, SpecVersion.sources).where(SpecVersion.is_current))
    diagrams = {}
    for process_id, sources in found:
        try:
            diagrams[process_id] = process_diagram(sources or {}, process_id)
        except NotFound:
            continue
    return diagrams


def _callers(diagrams: dict[str, str]) -> dict[str, set[str]]:
    """Called process id -> the processes whose current diagram calls it."""
    callers: dict[str, set[str]] = {}
    for process_id, xml in diagrams.items():
        for _aid, _label, called in _activities(xml, process_id):
            if called is not None and called != process_id:
                callers.setdefault(called, set()).add(process_id)
    return callers


def _process(xml: str, process_id: str) -> ET.Element | None:
    for el in ET.fromstring(xml).iter(f"{{{BPMN_NS}}}process"):
        if el.get("id") == process_id:
            return el
    return None


def _activities(xml: str, process_id: str) -> list[tuple[str, str, str | None]]:
    """(id, name, called process or None) of the human tasks and call activities, in document order."""
    root = _process(xml, process_id)
    found = []
    for el in root.iter() if root is not None else ():
        tag = el.tag.rpartition("}")[2]
        if el.get("id") and (tag in _WAITING_TAGS or tag == "callActivity"):
            called = el.get("calledElement", "") if tag == "callActivity" else None
            activity_id = el.get("id", "")
            found.append((activity_id, el.get("name") or activity_id, called))
    return found


def _escalation_reasons(xml: str, process_id: str) -> dict[str, str]:
    """Call activity id -> the escalation reason the script task before it sets (through gateways), where the
    scripts that lead there agree on one."""
    root = _process(xml, process_id)
    if root is None:
        return {}
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    sources: dict[str, list[str]] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        sources.setdefault(flow.get("targetRef", ""), []).append(flow.get("sourceRef", ""))
    reasons = {}
    for activity_id, _label, called in _activities(xml, process_id):
        found, seen, todo = set(), set(), list(sources.get(activity_id, []))
        while todo:
            node = by_id.get(todo.pop())
            if node is None or node.get("id") in seen:
                continue
            seen.add(node.get("id"))
            script = node.find(f"{{{BPMN_NS}}}script")
            match = _REASON_SCRIPT.search(script.text or "") if script is not None else None
            if match:
                found.add(match.group(1))
            elif node.tag.endswith("Gateway"):
                todo += sources.get(node.get("id", ""), [])
        if called is not None and len(found) == 1:
            reasons[activity_id] = found.pop()
    return reasons


def _waiting_tasks(xml: str, process_id: str) -> list[tuple[str, str]]:
    return [(aid, label) for aid, label, called in _activities(xml, process_id) if called is None]
