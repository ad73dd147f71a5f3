"""Lint rule: the sandbox compiles every text of the set, so what it refuses is never published.

Scripts, flow conditions, timer expressions, multi-instance expressions and decision-table cells are
compiled with the sandbox's own compiler (``engine.sandbox.compile_text``): imports, names and attributes
starting with ``_``, class definitions, ``eval``, a bare ``except:`` or catching BaseException are
refused here with the sandbox's Chinese reason, instead of failing every case that reaches them. Texts
that do not parse are left to the rules that report syntax errors, so each problem is reported once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from engine.rules.rule_xml import BPMN_NS, display_name, element_label
from engine.sandbox import Mode, ScriptRefused, compile_text

from .expression_rules import process_scripts
from .problem import Problem
from .python_text import parse_python
from .rule_set import RuleSet, XmlFile

_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # SpiffWorkflow's DMNEngine pattern
_EXPRESSIONS = ("conditionExpression", "timeDate", "timeDuration", "timeCycle", "loopCardinality",
                "completionCondition")
_WHAT = {"conditionExpression": "条件", "loopCardinality": "循环次数", "completionCondition": "完成条件"}


def refusal(text: str, mode: Mode) -> str:
    """The sandbox's Chinese reason for refusing ``text``, or "" (also when it does not parse at all)."""
    if isinstance(parse_python(text, mode), str):
        return ""  # a syntax error, reported by the expression, timer and decision rules
    try:
        compile_text(mode, text.strip())
    except ScriptRefused as exc:
        return exc.chinese
    return ""


def sandbox_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each text of the set the sandbox would refuse to run."""
    problems = []
    for diagram, process in rule_set.processes():
        for element, script in process_scripts(process):
            reason = refusal(script, "exec")
            if reason:
                problems.append(diagram.problem(
                    element, f"{element_label(element)}「{display_name(element)}」的脚本不能运行：{reason}"))
        for owner, what, text in _process_expressions(process):
            reason = refusal(text, "eval")
            if reason:
                problems.append(diagram.problem(
                    owner, f"{element_label(owner)}「{display_name(owner)}」的{what}不能运行：{reason}"))
    for dmn in rule_set.decision_files.values():
        problems += _decision_problems(dmn)
    return problems


def _process_expressions(process: Any) -> Iterator[tuple[Any, str, str]]:
    """(element the editor selects, what the text is, text) for every expression of a process."""
    for tag in _EXPRESSIONS:
        for node in process.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (node.text or "").strip()
            if not text:
                continue
            owner = node.getparent()
            if tag.startswith("time"):
                owner = owner.getparent()  # the timer's event, not its eventDefinition
                yield owner, "时间表达式", text
            elif tag != "conditionExpression":
                yield owner.getparent(), _WHAT[tag], text  # the task of the loop characteristics
            else:
                yield owner, _WHAT[tag], text


def _decision_problems(dmn: XmlFile) -> list[Problem]:
    ns = etree.QName(dmn.root).namespace
    problems = []
    for decision in dmn.root.iterchildren(f"{{{ns}}}decision"):
        name = display_name(decision)
        for column in decision.iter(f"{{{ns}}}inputExpression"):
            reason = refusal(column.findtext(f"{{{ns}}}text") or "", "eval")
            if reason:
                problems.append(dmn.problem(decision, f"决策表「{name}」的输入表达式不能运行：{reason}", name))
        for number, rule in enumerate(decision.iter(f"{{{ns}}}rule"), start=1):
            entries = [*rule.findall(f"{{{ns}}}inputEntry"), *rule.findall(f"{{{ns}}}outputEntry")]
            for column, entry in enumerate(entries, start=1):
                reason = _cell_refusal(entry.findtext(f"{{{ns}}}text") or "")
                if reason:
                    label = f"第{number}条规则"
                    problems.append(dmn.problem(
                        rule, f"决策表「{name}」{label}第{column}列不能运行：{reason}", label))
    return problems


def _cell_refusal(text: str) -> str:
    """Read a cell the way SpiffWorkflow evaluates it: "?" is the input, else the cell alone or after it."""
    stripped = text.strip()
    if stripped in ("", "-"):
        return ""
    with_input = _QUESTION_MARK.sub("dmninputexpr", stripped)
    if with_input != stripped:
        return refusal(with_input, "eval")
    if not isinstance(parse_python(stripped, "eval"), str):
        return refusal(stripped, "eval")
    return refusal(f"dmninputexpr {stripped}", "eval")
