"""Does a Qiangjian database still agree with itself? The check the fault test runs after its kills.

Each case's SpiffWorkflow state is the source of truth; everything else is derived from it in the same
transaction and must still match after any crash:

- every state loads through the engine's serializer over its stored spec version;
- the task table's open rows are exactly the READY user tasks in the state (same due time, group);
  a row marked completed is a completed task in the state, a cancelled row is no longer ready;
- the case row agrees: ``completed`` exactly when the workflow is, ``next_timer_at`` is the earliest
  waiting timer of the state (the sweep reads only that column), and no case is parked in error;
- the audit log has exactly one ``task_completed`` entry per completed task row (same actor) and one
  ``timer_fired`` entry per timer event the state shows as fired;
- the ledgers hold no duplicates: one instrument per natural key (owner, serial number, type), each
  announced by exactly one ``register_instruments`` entry of its filing case, and one document per
  case, each announced by exactly one ``issue_document`` entry (see ``bench/integrity_ledger.py``).

Usage: ``python -m bench.integrity URL`` prints the problems (exit status 1 when there are any).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bootstrap import open_system
from engine.cases.instance import CaseInstance
from engine.cases.runtime import Engine
from engine.store.errors import NotFound
from engine.store.models import AuditEntry, Case, Task

from .integrity_ledger import check_ledgers

BATCH = 200


@dataclass
class IntegrityReport:
    """What was checked and every disagreement found (empty ``problems`` means the database is whole)."""

    cases: int = 0
    open_tasks: int = 0
    completions: int = 0
    timers_fired: int = 0
    ledger_entries: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line of counts and the verdict."""
        verdict = "OK" if self.ok else f"{len(self.problems)} PROBLEMS"
        return (f"integrity {verdict}: {self.cases} cases (every state loaded), {self.open_tasks} open tasks, "
                f"{self.completions} completions, {self.timers_fired} timers fired, {self.ledger_entries} ledger "
                f"entries, {self.documents} documents")


@dataclass
class _CaseAudit:
    """The audit entries of one case that the state must explain."""

    completions: Counter[str] = field(default_factory=Counter)  # task id -> task_completed entries
    completed_by: dict[str, int | None] = field(default_factory=dict)
    timers_fired: int = 0


def check_integrity(url: str) -> IntegrityReport:
    """Check every case, task row, audit entry and ledger row of the database at ``url``."""
    system = open_system(url)
    report = IntegrityReport()
    try:
        with system.readers() as session:
            audits = _case_audits(session)
            last_id = 0
            while True:  # keyset batches: a large database is never held in memory at once
                rows = list(session.scalars(select(Case).where(Case.id > last_id).order_by(Case.id).limit(BATCH)))
                if not rows:
                    break
                tasks = _task_rows(session, [r.id for r in rows])
                for row in rows:
                    _check_case(system.engine, session, row, tasks.get(row.id, []),
                                audits.pop(row.id, _CaseAudit()), report)
                last_id = rows[-1].id
                session.expunge_all()
            for case_id in audits:
                report.problems.append(f"audit entries name case {case_id}, which does not exist")
            check_ledgers(session, report)
    finally:
        system.db.dispose()
    return report


def _case_audits(session: Session) -> dict[int, _CaseAudit]:
    audits: dict[int, _CaseAudit] = defaultdict(_CaseAudit)
    query = (select(AuditEntry.case_id, AuditEntry.task_id, AuditEntry.action, AuditEntry.actor_id)
             .where(AuditEntry.action.in_(("task_completed", "timer_fired")), AuditEntry.case_id.is_not(None)))
    for case_id, task_id, action, actor_id in session.execute(query):
        audit = audits[case_id]
        if action == "timer_fired":
            audit.timers_fired += 1
        else:
            audit.completions[task_id] += 1
            audit.completed_by[task_id] = actor_id
    return audits


def _task_rows(session: Session, case_ids: list[int]) -> dict[int, list[Task]]:
    found: dict[int, list[Task]] = defaultdict(list)
    for task in session.scalars(select(Task).where(Task.case_id.in_(case_ids))):
        found[task.case_id].append(task)
    return found


def _check_case(engine: Engine, session: Session, row: Case, tasks: list[Task], audit: _CaseAudit,
                report: IntegrityReport) -> None:
    report.cases += 1
    try:
        instance = engine.load_case(session, row)
    except Exception as exc:  # any failure to load is the finding
        report.problems.append(f"{row.number}: state does not load ({type(exc).__name__}: {exc})")
        return
    problems = [*_case_row_problems(row, instance), *_task_table_problems(instance, tasks),
                *_audit_problems(instance, tasks, audit)]
    report.problems += [f"{row.number}: {p}" for p in problems]
    report.open_tasks += sum(1 for t in tasks if t.status == "ready")
    report.completions += sum(1 for t in tasks if t.status == "completed")
    report.timers_fired += audit.timers_fired


def _case_row_problems(row: Case, instance: CaseInstance) -> list[str]:
    problems = []
    if row.status == "error":
        problems.append("parked in error (a timer or step failed)")
    elif (row.status == "completed") != instance.completed:
        problems.append(f"case row says {row.status} but the workflow is "
                        f"{'completed' if instance.completed else 'running'}")
    expected = None if instance.completed else instance.next_timer_at
    if row.status != "error" and row.next_timer_at != expected:
        problems.append(f"next_timer_at is {row.next_timer_at} but the state's earliest waiting timer is {expected}")
    return problems


def _task_table_problems(instance: CaseInstance, tasks: list[Task]) -> list[str]:
    problems = []
    ready = {t.id: t for t in instance.ready_human_tasks}
    rows = {t.id: t for t in tasks if t.status == "ready"}
    for task_id in ready.keys() - rows.keys():
        problems.append(f"READY task {ready[task_id].spec_name} {task_id} has no open row in the task table")
    for task_id in rows.keys() - ready.keys():
        problems.append(f"task row {rows[task_id].spec_name} {task_id} is open but the task is not READY")
    for task_id in ready.keys() & rows.keys():
        want, have = ready[task_id], rows[task_id]
        if (want.due_at, want.organisation_id, want.role) != (have.due_at, have.organisation_id, have.role):
            problems.append(f"task row {task_id} has due/group {(have.due_at, have.organisation_id, have.role)}, "
                            f"the state {(want.due_at, want.organisation_id, want.role)}")
    for task in tasks:
        state = _spiff_state(instance, task.id)
        if task.status == "completed" and state != "COMPLETED":
            problems.append(f"task row {task.spec_name} {task.id} is completed but the task is {state}")
        elif task.status == "cancelled" and state == "READY":
            problems.append(f"task row {task.spec_name} {task.id} is cancelled but the task is READY")
    return problems


def _audit_problems(instance: CaseInstance, tasks: list[Task], audit: _CaseAudit) -> list[str]:
    problems = []
    completed = {t.id: t for t in tasks if t.status == "completed"}
    for task_id, count in audit.completions.items():
        if count > 1:
            problems.append(f"completion of task {task_id} recorded {count} times in the audit log")
    for task_id in completed.keys() - audit.completions.keys():
        problems.append(f"task {completed[task_id].spec_name} {task_id} is completed but has no audit entry")
    for task_id in audit.completions.keys() - completed.keys():
        problems.append(f"the audit log completes task {task_id}, which is not a completed task row")
    for task_id in completed.keys() & audit.completions.keys():
        if completed[task_id].completed_by_id != audit.completed_by[task_id]:
            problems.append(f"task {task_id} completed by user {completed[task_id].completed_by_id}, "
                            f"audited as user {audit.completed_by[task_id]}")
    fired = _fired_timer_events(instance)
    if fired != audit.timers_fired:
        problems.append(f"{fired} timer events fired in the state, {audit.timers_fired} timer_fired audit entries")
    return problems


def _spiff_state(instance: CaseInstance, task_id: str) -> str:
    try:
        return str(TaskState.get_name(instance.spiff_task(task_id).state))
    except (NotFound, TaskNotFoundException):  # ours when the lookup finds None, SpiffWorkflow's otherwise
        return "absent"


def _fired_timer_events(instance: CaseInstance) -> int:
    """Timer events the state has run (a fired timer completes its event task)."""
    tasks: Any = instance.workflow.get_tasks(state=TaskState.COMPLETED)
    return sum(1 for t in tasks if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition))


def main(argv: list[str] | None = None) -> int:
    """Print the report for the URL given; 1 when anything disagrees."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.integrity DATABASE_URL", file=sys.stderr)
        return 2
    report = check_integrity(args[0])
    for problem in report.problems:
        print("PROBLEM", problem)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
