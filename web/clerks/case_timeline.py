"""The case page's audit timeline and extension history, in Chinese: who did what, and when.

Audit entries store action codes and the data before and after; a clerk reads "办理：受理检定申请 —
受理意见：受理". Labels of submitted fields come from the task's own JSON Schema form, so they match
what the clerk saw on the task page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import AuditEntry, CaseView

from ..shared import DOCUMENT_KINDS, choices, raw_text, resolve
from .case_errors import STATE, CaseErrorNote, explain_error
from .facts import CODES, WELL_KNOWN, display

ACTIONS = {
    "case_started": "立案", "task_completed": "办理", "timer_fired": "定时器触发", "escalated": "上报",
    "deadline_changed": "期限变更", "notify": "通知", "issue_document": "出具文书",
    "register_instruments": "登记台账", "set_instrument_status": "台账状态变更", "task_claimed": "认领",
    "task_released": "退回", "task_reassigned": "转办", "script_failed": STATE + "（流程规则）",
    "timer_failed": STATE + "（定时器）", "case_suspended": "暂停办理", "case_resumed": "恢复办理",
    "case_retried": "重试", "case_terminated": "终止案件",
}
CASE_STATUS = {"running": "办理中", "completed": "已办结", "error": STATE, "suspended": "已暂停",
               "terminated": "已终止"}
MANAGER_ACTIONS = ("case_suspended", "case_resumed", "case_retried", "case_terminated")
INSTRUMENT_STATUS = {"in_use": "在用", "out_of_use": "停止使用"}
SYSTEM_ACTORS = {"scheduler": "系统（定时器）", "system": "系统"}
DEADLINE_REASONS = {"calendar_year_confirmed": "节假日安排公布，按正式日历重算"}
# What a case's ``deadline`` is called, by process (a verification's by default).
DEADLINE_NAMES = {"yearly_report": "报送期限"}
EXTENSION_TASKS = ("answer_extension",)
LISTED_INSTRUMENTS = 10  # instruments named in one timeline line; the ledger lists them all
PARKING_ACTIONS = ("script_failed", "timer_failed")  # audit entries written when a case is parked in error


@dataclass(frozen=True)
class Event:
    """One line of the timeline."""

    at: datetime
    who: str
    action: str
    text: str
    code: str


def timeline(view: CaseView) -> list[Event]:
    """Every audit entry of the case, oldest first, described in Chinese."""
    return [_event(view, entry, _describe(view, entry)) for entry in view.history]


def extension_history(view: CaseView) -> list[Event]:
    """Deadline changes, extension requests and the owner's answers, oldest first."""
    events = []
    for entry in view.history:
        after = _after(entry)
        if entry.action == "deadline_changed":
            events.append(_event(view, entry, _deadline_change(view, entry)))
        elif entry.action == "task_completed" and after.get("action") == "propose_extension":
            proposed, reason = after.get("proposed_deadline", "—"), after.get("extension_reason", "—")
            events.append(_event(view, entry, f"检定机构申请延期至 {proposed}，理由：{reason}"))
        elif entry.action == "task_completed" and after.get("task") in EXTENSION_TASKS:
            events.append(_event(view, entry, "送检单位答复：" + _task_data(view, after)))
        elif entry.action == "escalated" and after.get("reason") == "extension_unanswered":
            events.append(_event(view, entry, "送检单位逾期未答复，原期限不变，已上报"))
    return events


def parked_message(view: CaseView) -> CaseErrorNote | None:
    """Why a case parked in error stopped (its last failed step), or None for a case that is not parked."""
    if view.case.status != "error":
        return None
    failures = [_after(e).get("error") for e in view.history if e.action in PARKING_ACTIONS]
    return explain_error(str(failures[-1]) if failures and failures[-1] else None)


def who(view: CaseView, entry: AuditEntry) -> str:
    """The person and their organisation, or the system part that acted."""
    user = view.people.get(entry.actor_id) if entry.actor_id is not None else None
    if user is None:
        return SYSTEM_ACTORS.get(entry.actor, entry.actor)
    org = view.organisations.get(user.organisation_id, "")
    return f"{user.display_name}（{org}）" if org else user.display_name


def beijing(value: Any) -> str:
    """An ISO date-time as Beijing time to the minute; dates and other text unchanged, None as —."""
    return display("", value)


def _event(view: CaseView, entry: AuditEntry, text: str) -> Event:
    return Event(entry.at, who(view, entry), ACTIONS.get(entry.action, entry.action), text, entry.action)


def _after(entry: AuditEntry) -> dict[str, Any]:
    return entry.after if isinstance(entry.after, dict) else {}


def _describe(view: CaseView, entry: AuditEntry) -> str:
    after = _after(entry)
    org = view.organisations.get(after.get("org_id") or after.get("organisation_id") or 0, "")
    match entry.action:
        case "case_started":
            return view.case.title or view.process_name
        case "task_completed":
            data = _task_data(view, after)
            return _task_title(view, after.get("task")) + (f" — {data}" if data else "")
        case "task_claimed" | "task_released":
            return _task_title(view, after.get("task"))
        case "task_reassigned":
            person = view.people.get(after.get("assignee_id") or 0)
            text = _task_title(view, after.get("task")) + (f" → {person.display_name}" if person else "")
            return text + (f"；理由：{after['reason']}" if after.get("reason") else "")
        case action if action in MANAGER_ACTIONS:
            return f"理由：{after.get('reason', '')}"
        case "script_failed" | "timer_failed":  # the raw exception text stays in the banner's details
            return explain_error(str(after.get("error", ""))).reason
        case "timer_fired":
            return f"{after.get('timer', '')}（到期时间 {beijing(after.get('due_at'))}）"
        case "escalated":
            reason = CODES["escalation_reason"].get(after.get("reason") or "", after.get("reason") or "")
            return f"上报{org}" + (f"：{reason}" if reason else "")
        case "deadline_changed":
            return _deadline_change(view, entry)
        case "notify":
            return f"通知{org}：{after.get('message', '')}"
        case "issue_document":
            return f"{DOCUMENT_KINDS.get(after.get('kind', ''), after.get('kind', ''))} {after.get('number', '')}"
        case _:
            return _ledger_change(entry.action, after)


def _ledger_change(action: str, after: dict[str, Any]) -> str:
    if action == "register_instruments":
        added = [f"{i.get('name', '')} {i.get('serial_no', '')}" for i in after.get("instruments", [])]
        text = f"登记 {len(added)} 台：" + _some(added) if added else "未登记新器具"
        already = after.get("already_in_ledger") or []
        return text + (f"；已在台账中：{_some(already)}" if already else "")
    if action == "set_instrument_status":
        status = INSTRUMENT_STATUS.get(after.get("status", ""), after.get("status", ""))
        due = after.get("next_due")
        return f"器具状态：{status}" + (f"；下次检定日期 {due}" if due else "")
    return ""


def _some(names: list[str]) -> str:
    """The first few names and how many in all: a filing of 1,000 instruments is one line, not a page."""
    if len(names) <= LISTED_INSTRUMENTS:
        return "、".join(names)
    return "、".join(names[:LISTED_INSTRUMENTS]) + f" 等 {len(names)} 台"


def _deadline_change(view: CaseView, entry: AuditEntry) -> str:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = _after(entry)
    old, new = before.get("deadline"), after.get("deadline")
    what = DEADLINE_NAMES.get(view.case.process_id, "检定期限")
    text = f"{what}起算：{beijing(new)}" if old is None else f"{what}由 {beijing(old)} 变更为 {beijing(new)}"
    if new is None:
        text = f"{what} {beijing(old)} 已撤销"
    reason = after.get("reason")
    if reason:
        text += f"（{DEADLINE_REASONS.get(reason, reason)}）"
    return text + ("，按暂定日历计算" if after.get("provisional") else "")


def _task_title(view: CaseView, spec_name: Any) -> str:
    for task in view.tasks:
        if task.spec_name == spec_name:
            return task.title
    return str(view.forms.get(str(spec_name), {}).get("title") or spec_name or "")


def _task_data(view: CaseView, after: dict[str, Any]) -> str:
    """The submitted fields as "label：value", labelled and decoded by the task's form."""
    schema = view.forms.get(str(after.get("task")), {})
    props = schema.get("properties", {})
    parts = []
    for key, value in after.items():
        if key == "task" or value in (None, "", []):
            continue
        sub = resolve(props.get(key, {}), schema)
        label = sub.get("title") or WELL_KNOWN.get(key, key)
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            parts.append(f"{label}：{len(value)} 项")
            continue
        titles = {posted: title for posted, _, title in choices(sub)}
        parts.append(f"{label}：{titles.get(raw_text(value)) or display(key, value)}")
    return "；".join(parts)
