"""Parking a case whose diagram code failed: status error, an audit entry, nothing else changed.

When a script, condition, timer expression or decision cell of a step fails or runs over its budget,
the step is discarded: the engine writes nothing before its final save (script side effects are
collected and applied with the state), so dropping the in-memory workflow rolls the case back to where
it was before the step. The case row is then marked ``error`` (the sweep stops firing it, further
completions answer 409) and a ``script_failed`` audit entry keeps the Chinese message and the data the
clerk submitted, so nothing typed is lost. Policy staff fix the diagram; the message says what failed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.organisations.actors import Actor
from engine.sandbox import ScriptRefused
from engine.store.errors import Conflict, InvalidTransition, ScriptBudgetExceeded, ScriptError
from engine.store.models import AuditEntry, Case
from engine.store.status import CaseStatus

SCRIPT_FAILED = "script_failed"
_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))


def failure_message(error: ScriptError) -> str:
    """The Chinese message of a failed step: 「脚本超出时间限制（1 秒）：脚本任务「计算费用」」."""
    where = f"：{error.where}" if error.where else ""
    if isinstance(error, ScriptBudgetExceeded):
        return f"{error}{where}"
    if isinstance(error, ScriptRefused):  # published before the lint refused such code
        return f"流程规则不能运行{where}：{error.chinese}"
    return f"流程规则执行出错{where}（{error}）"


def park_case(
    session: Session, row: Case, error: ScriptError, actor: Actor, now: datetime,
    task_id: str | None = None, submitted: dict[str, Any] | None = None,
) -> str:
    """Mark the case ``error`` and audit why, with what was submitted; returns the Chinese message.

    :raises Conflict: the case changed since it was read (the failed step is then simply lost).
    """
    message = failure_message(error)
    number = row.number
    row.status = CaseStatus.ERROR.value
    row.next_timer_at = None
    row.updated_at = now
    row.last_activity_at = now  # the audit entry below
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"case {number} was changed by someone else; reload and try again") from exc
    session.connection().execute(_INSERT_AUDIT, [{
        "case_id": row.id, "task_id": task_id, "actor_id": actor.user_id, "actor": actor.username,
        "action": SCRIPT_FAILED, "at": now, "before": None,
        "after": {"error": message, "data": submitted or {}},
    }])
    return message


def case_error_message(session: Session, case_id: int) -> str | None:
    """The message of the last failed step of a case, or None when it never failed."""
    query = (select(AuditEntry.after).where(AuditEntry.case_id == case_id, AuditEntry.action == SCRIPT_FAILED)
             .order_by(AuditEntry.id.desc()).limit(1))
    after = session.scalar(query)
    return str(after.get("error", "")) if isinstance(after, dict) else None


def check_not_parked(row: Case) -> None:
    """Refuse to act on a case parked in error (InvalidTransition, 409)."""
    if row.status == CaseStatus.ERROR.value:
        raise InvalidTransition(f"case {row.number} is parked in error after a failed rule")


def check_not_halted(row: Case) -> None:
    """Refuse to claim or complete a task of a suspended or terminated case (InvalidTransition, 409)."""
    if row.status == CaseStatus.SUSPENDED.value:
        raise InvalidTransition(f"案件 {row.number} 已被管理人员暂停办理，恢复办理前不能认领或办理其中的任务")
    if row.status == CaseStatus.TERMINATED.value:
        raise InvalidTransition(f"案件 {row.number} 已终止，不能再认领或办理")
