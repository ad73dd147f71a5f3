"""Lint rules for decision tables: every input is covered and every rule cites its source.

A case whose inputs no rule matches gets no decision and stops. A table is covered when it ends with a
catch-all rule, or when every input column lists its values (``inputValues``) and every combination of
them is matched by some rule. Every rule names the regulation it encodes (《通知》, 《条例》...).
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from engine.rules.rule_xml import display_name

from .decision_cells import (
    COMBINATION_LIMIT,
    cell_matcher,
    enumerated_domain,
    first_uncovered,
    is_any,
    is_tuple_literal,
)
from .problem import Problem
from .python_text import parse_python
from .rule_set import RuleSet, XmlFile

CATCH_ALL = "缺少兜底规则（末条规则各输入均为“-”）"
# SpiffWorkflow's DMNEngine replaces a "?" outside quotes by the input's value.
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def decision_problems(rule_set: RuleSet) -> list[Problem]:
    """Coverage and citation problems of every decision table."""
    problems = []
    for dmn in rule_set.decision_files.values():
        ns = etree.QName(dmn.root).namespace
        for decision in dmn.root.iterchildren(f"{{{ns}}}decision"):
            table = decision.find(f"{{{ns}}}decisionTable")
            if table is not None:
                problems += _table_problems(dmn, ns, decision, table)
    return problems


def _table_problems(dmn: XmlFile, ns: str, decision: Any, table: Any) -> list[Problem]:
    decision_name = display_name(decision)
    inputs = table.findall(f"{{{ns}}}input")
    rules = table.findall(f"{{{ns}}}rule")
    cells = [[entry.findtext(f"{{{ns}}}text") or "" for entry in rule.findall(f"{{{ns}}}inputEntry")]
             for rule in rules]
    problems = []
    for number, (rule, row) in enumerate(zip(rules, cells, strict=True), start=1):
        problems += _rule_problems(dmn, ns, decision_name, rule, number, row, len(inputs))
    if any(len(row) != len(inputs) for row in cells):
        return problems  # coverage cannot be read until every row has one cell per input
    gap = _coverage_gap(ns, inputs, cells)
    if gap:
        target = table if table.get("id") else decision  # the editor selects the table, else its decision
        problems.insert(0, dmn.problem(target, f"决策表「{decision_name}」未覆盖所有输入：{gap}", decision_name))
    return problems


def _rule_problems(
    dmn: XmlFile, ns: str, decision_name: str, rule: Any, number: int, row: list[str], input_count: int
) -> list[Problem]:
    name = f"第{number}条规则"
    problems = []
    if len(row) != input_count:
        problems.append(dmn.problem(
            rule, f"决策表「{decision_name}」{name}有 {len(row)} 个输入单元格，表头有 {input_count} 个输入", name))
    if "《" not in (rule.findtext(f"{{{ns}}}description") or ""):
        problems.append(dmn.problem(
            rule, f"决策表「{decision_name}」{name}没有注明依据：规则说明应引用《通知》《条例》等文件的条款", name))
    for column, text in enumerate(row, start=1):
        unreadable = cell_syntax_error(text)
        if unreadable:
            problems.append(dmn.problem(rule, (
                f"决策表「{decision_name}」{name}第{column}列「{_clipped(text)}」{unreadable}：单元格是 Python 表达式，"
                "文字须加引号，如 \"working\"；比较写成 < 5 或 ? in (\"a\", \"b\")"), name))
        elif is_tuple_literal(text):
            problems.append(dmn.problem(rule, (
                f"决策表「{decision_name}」{name}第{column}列「{text.strip()}」会按整体比较，不匹配其中任一取值："
                f"请写成 ? in ({text.strip()})"), name))
    return problems


def cell_syntax_error(text: str) -> str:
    """Why SpiffWorkflow could not evaluate this input cell, or "" (it reads "?" as the input, else the cell
    alone as the value to compare with, else the cell after the input as in ``< 5``)."""
    if is_any(text):
        return ""
    stripped = text.strip()
    with_input = _QUESTION_MARK.sub("dmninputexpr", stripped)
    if with_input != stripped:
        found = parse_python(with_input, "eval")
        return found if isinstance(found, str) else ""
    alone = parse_python(stripped, "eval")
    if not isinstance(alone, str):
        return ""
    after_input = parse_python(f"dmninputexpr {stripped}", "eval")
    return alone if isinstance(after_input, str) else ""


def _clipped(text: str, limit: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _coverage_gap(ns: str, inputs: list[Any], cells: list[list[str]]) -> str:
    """Why the table does not cover every input, or "" when it does."""
    if not cells:
        return "没有任何规则"
    if all(is_any(text) for text in cells[-1]):
        return ""
    domains = [enumerated_domain(i.findtext(f"{{{ns}}}inputValues/{{{ns}}}text") or "") for i in inputs]
    if any(domain is None for domain in domains):
        return CATCH_ALL
    try:
        gap = first_uncovered([d for d in domains if d is not None], [[cell_matcher(t) for t in row] for row in cells])
    except OverflowError:
        return f"{CATCH_ALL}；各输入取值的组合超过 {COMBINATION_LIMIT} 种，无法逐一核对"
    if gap is None:
        return ""
    shown = "、".join(f"{_column_name(ns, i)} = {_shown(value)}" for i, value in zip(inputs, gap, strict=True))
    return f"没有规则匹配 {shown}：请补充规则或添加兜底规则（末条规则各输入均为“-”）"


def _column_name(ns: str, column: Any) -> str:
    expression = column.findtext(f"{{{ns}}}inputExpression/{{{ns}}}text") or ""
    return str(column.get("label") or expression.strip() or column.get("id") or "")


def _shown(value: Any) -> str:
    # Cells are Python, so show Python literals, but with the double quotes policy staff type.
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
