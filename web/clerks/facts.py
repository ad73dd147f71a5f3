"""The case facts shown beside a task form, with Chinese labels and readable values.

A task's data holds everything the case has gathered (ids, routing results, timer bookkeeping);
the clerk needs a readable subset: the facts the form itself declares (``readOnly`` properties
and ``x-case-facts``, titled by the schema) and a few well-known facts when the case has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import INSTRUMENT_TYPES, SHANGHAI

from ..shared import Schema, choices, raw_text, resolve

WELL_KNOWN = {
    "case_number": "案件编号", "instrument_name": "器具名称", "serial_no": "出厂编号",
    "instrument_type": "器具类型", "deadline": "检定期限", "received_on": "收到受检器具日期",
    "proposed_deadline": "建议的新期限", "extension_reason": "延期理由", "refusal_reason": "拒绝理由",
    "escalation_reason": "上报原因", "case_summary": "案件摘要", "filed_instruments": "拟备案器具",
    "noncompulsory_items": "不属于强制检定范围的器具",
}
COLUMNS = {
    "name": "器具名称", "model": "型号规格", "serial_no": "出厂编号", "instrument_type": "器具类型",
    "category": "类别", "in_catalogue": "列入目录", "purpose": "用途", "location": "使用地点",
    "period_months": "检定周期（月）", "scope_reason": "判定理由",
    "passed": "合格", "failed": "不合格", "calibrated": "校准", "total": "合计",
}
# Codes of well-known facts whose form (with the oneOf titles) is not the current task's.
CODES = {
    "category": {"public_standard": "社会公用计量标准器具", "highest_standard": "部门、企事业单位最高计量标准器具",
                 "working": "工作计量器具"},
    "purpose": {"trade_settlement": "贸易结算", "safety_protection": "安全防护", "medical_health": "医疗卫生",
                "environmental_monitoring": "环境监测", "other": "其他"},
    "escalation_reason": {"overdue": "逾期未完成检定", "extension_unanswered": "延期申请未获答复",
                          "refusal": "拒绝受理", "not_accepted": "逾期未受理检定申请",
                          "filing_review_overdue": "逾期未审核备案",
                          "yearly_report_overdue": "逾期未报送年度强制检定工作报告"},
    "instrument_type": INSTRUMENT_TYPES,
}


@dataclass
class Fact:
    """One labelled fact: a text, or a table for a list of records."""

    label: str
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def case_facts(schema: Schema, data: dict[str, Any]) -> list[Fact]:
    """The form's own facts first (even when empty), then the well-known ones the case has."""
    props = schema.get("properties", {})
    declared = [name for name, sub in props.items() if sub.get("readOnly")]
    declared += [name for name in schema.get("x-case-facts", []) if name not in declared]
    facts = []
    for name in declared:
        sub = resolve(props.get(name, {}), schema)
        facts.append(_fact(str(sub.get("title") or WELL_KNOWN.get(name, name)), name, data.get(name), sub))
    for name, label in WELL_KNOWN.items():
        if name not in declared and data.get(name) not in (None, "", []):
            facts.append(_fact(label, name, data[name], {}))
    return facts


def _fact(label: str, name: str, value: Any, sub: Schema) -> Fact:
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        records = [item for item in value if isinstance(item, dict)]
        keys = list(dict.fromkeys(key for item in records for key in item))
        return Fact(label, headers=[COLUMNS.get(key, key) for key in keys],
                    rows=[[display(key, item.get(key)) for key in keys] for item in records])
    titles = {posted: title for posted, _, title in choices(sub)} if sub.get("type") != "boolean" else {}
    return Fact(label, titles.get(raw_text(value), "") or display(name, value))


def display(name: str, value: Any) -> str:
    """A fact value as a clerk reads it: 是/否, codes by name, times in Beijing time, lists joined."""
    if value is None or value == "" or value == []:
        return "无" if value == [] else "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(display(name, item) for item in value)
    if isinstance(value, str):
        if name in CODES:
            return CODES[name].get(value, value)
        return _beijing_time(value) or value
    return str(value)


def _beijing_time(text: str) -> str:
    """'2026-10-13T23:59:59+08:00' → '2026-10-13 23:59' (Beijing); '' if it is not a date-time."""
    if "T" not in text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M")
