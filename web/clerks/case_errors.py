"""Why a case stopped in error, said in plain Chinese with what to do next; the raw text kept for support.

The engine parks a case (status ``error``) with a message that mixes a Chinese prefix with the exception text
of whatever failed, often English (``CalendarError: No working-day calendar for 2028 …``). Managers and clerks
need the kind of failure and the fix — load the missing calendar year, or have the rules staff correct the
diagram — then a retry; the technical text goes behind a collapsed <details> for whoever supports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STATE = "运行出错"  # the one word users see for a case in status ``error``
_MISSING_YEAR = re.compile(r"No working-day calendar for (\d{4})")
_STEP = re.compile(r"：([^：（]*「[^」]+」)")  # 「…：脚本任务「计算费用」（…）」 names the failed step
_RULE_PREFIXES = ("流程规则执行出错", "流程规则不能运行")
_BUDGET = "脚本超出"
_RULE_FIX = "需规则人员修正流程后重试；办理人已填写的内容已保存为草稿。"


@dataclass(frozen=True)
class CaseErrorNote:
    """A parked case's failure for people: its kind, a plain reason, the fix, and the technical text."""

    kind: str  # "calendar", "rule" or "unknown"
    reason: str
    fix: str
    technical: str


def explain_error(message: str | None) -> CaseErrorNote:
    """The known kinds of failure explained; anything else gets a generic message (never the raw text)."""
    text = (message or "").strip()
    year = _MISSING_YEAR.search(text)
    if year:
        return CaseErrorNote("calendar", f"{year.group(1)} 年的工作日历尚未导入，无法计算该年的工作日期限。",
                             f"需先导入 {year.group(1)} 年工作日历（由系统管理员导入当年节假日安排），然后重试。",
                             text)
    if "CalendarError" in text:
        return CaseErrorNote("calendar", "工作日历缺少所需的日期或数据有误，无法计算工作日期限。",
                             "需先由系统管理员检查并导入所需年份的工作日历，然后重试。", text)
    if text.startswith(_BUDGET):  # already plain Chinese: 「脚本超出时间限制（1 秒）：脚本任务「计算费用」」
        return CaseErrorNote("rule", f"流程图中的规则运行超限：{text}。", _RULE_FIX, text)
    if text.startswith(_RULE_PREFIXES):
        step = _STEP.search(text)
        where = f"（{step.group(1)}）" if step else ""
        return CaseErrorNote("rule", f"流程图中的规则{where}运行时出错，案件停在出错前的一步。",
                             _RULE_FIX, text)
    return CaseErrorNote("unknown", "案件运行时发生了未预期的错误，停在出错前的一步。",
                         "请联系系统支持人员，并提供下方的技术信息；问题排除后可重试。", text)
