"""Lint rule: every timer is a date computed on the working-day calendar.

Deadlines count working days (Notice 一.（四）2; 民法典 第二百零一条), which a literal ISO duration such
as ``P7D`` or a cycle cannot express: they ignore holidays and 调休. So a timer is a ``timeDate`` whose
expression calls a calendar function, or names variables that every script of the process assigns
from such a function (``deadline = working_day_deadline(received_on, 7)``).
"""

from __future__ import annotations

import ast
from typing import Any

from engine.rules.rule_xml import BPMN_NS, display_name

from .expression_rules import process_scripts
from .problem import Problem
from .python_text import parse_python
from .rule_set import RuleSet

# The calendar functions (of engine.workdays.DIAGRAM_FUNCTION_NAMES) that yield a deadline. Not add_months
# (calendar months, for verification periods), today (no working-day arithmetic), is_provisional and
# working_days_left (not dates).
CALENDAR_FUNCTIONS = frozenset({"add_working_days", "working_day_deadline", "reminder_time", "end_of_day",
                                "calendar_period_end", "working_day_from"})
_FUNCTION_LIST = "、".join(sorted(CALENDAR_FUNCTIONS))
_SHOWN = 200  # a longer expression is not repeated in the message


def timer_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each timer that is not a working-day date."""
    problems = []
    for diagram, process in rule_set.processes():
        derived = calendar_derived_names(process)
        for definition in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
            message = _timer_message(definition, derived)
            if message:
                event = definition.getparent()
                problems.append(diagram.problem(event, f"定时事件「{display_name(event)}」{message}"))
    return problems


def calendar_derived_names(process: Any) -> set[str] | None:
    """Variables that every assignment in the process's scripts computes from a calendar function.

    None when a script does not parse: that is reported on the script, and the timers are judged once it does.
    """
    assignments: dict[str, list[ast.AST]] = {}
    for _, script in process_scripts(process):
        tree = parse_python(script, "exec")
        if isinstance(tree, str):
            return None
        for node in ast.walk(tree):
            for target, value in _assigned(node):
                assignments.setdefault(target, []).append(value)
    derived: set[str] = set()
    changed = True
    while changed:
        changed = False
        for target, values in assignments.items():
            if target not in derived and all(_names(v) & (CALENDAR_FUNCTIONS | derived) for v in values):
                derived.add(target)
                changed = True
    return derived


def _timer_message(definition: Any, derived: set[str] | None) -> str:
    for kind in ("timeDuration", "timeCycle"):
        if definition.find(f"{{{BPMN_NS}}}{kind}") is not None:
            return (f"使用了 {kind}：日历时长不考虑节假日和调休，期限必须用 timeDate 按工作日历计算"
                    f"（如 working_day_deadline(received_on, 7)）")
    time_date = definition.find(f"{{{BPMN_NS}}}timeDate")
    text = (time_date.text or "").strip() if time_date is not None else ""
    if not text:
        return "没有时间表达式（timeDate）"
    expression = parse_python(text, "eval")
    if isinstance(expression, str):
        return f"的时间表达式{f'「{text}」' if len(text) <= _SHOWN else ''}{expression}"
    called = {n.func.id for n in ast.walk(expression) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    names = _names(expression)
    if called & CALENDAR_FUNCTIONS or (names and (derived is None or names <= derived)):
        return ""
    return (f"的时间「{text}」不是按工作日历计算的：应调用 {_FUNCTION_LIST} 之一，"
            f"或使用流程脚本中全部由这些函数赋值的变量")


def _assigned(node: ast.AST) -> list[tuple[str, ast.AST]]:
    if isinstance(node, ast.Assign):
        return [(n.id, node.value) for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        return [(node.target.id, node.value)]
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        return [(node.target.id, node)]  # the new value depends on the old one too
    return []


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
