"""Lint rule: scripts and flow conditions are Python that parses.

SpiffWorkflow compiles them only when a case reaches them, so a typo would otherwise surface as a
stuck case instead of a problem on save.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.rules.rule_xml import BPMN_NS, NS, display_name, element_label, local_name

from .problem import Problem
from .python_text import parse_python
from .rule_set import RuleSet

_SCRIPTS = ".//bpmn:scriptTask/bpmn:script | .//spiffworkflow:preScript | .//spiffworkflow:postScript"


def process_scripts(process: Any) -> Iterator[tuple[Any, str]]:
    """(element, script text) for script tasks and spiffworkflow pre-/post-scripts of a process."""
    for script in process.xpath(_SCRIPTS, namespaces=NS):
        if (script.text or "").strip():
            # bpmn:script sits in its task; spiffworkflow:*Script in the task's extensionElements.
            owner = script.getparent()
            yield (owner if local_name(script) == "script" else owner.getparent()), script.text


def expression_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each script or condition with a Python syntax error."""
    problems = []
    for diagram, process in rule_set.processes():
        for element, script in process_scripts(process):
            tree = parse_python(script, "exec")
            if isinstance(tree, str):
                problems.append(diagram.problem(
                    element, f"{element_label(element)}「{display_name(element)}」的脚本{tree}"))
        for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            parsed = parse_python(condition.text or "", "eval") if condition is not None else None
            if isinstance(parsed, str):
                problems.append(diagram.problem(flow, f"顺序流「{display_name(flow)}」的条件{parsed}"))
    return problems
