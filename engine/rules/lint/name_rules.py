"""Lint rule: every variable an expression reads is one the process can have.

Timers, flow conditions and scripts are evaluated only when a case reaches them; a misspelled name
(``dedline``, ``acceptanse``) would then fail the case at run time. ``known_names`` says which names a
process can have.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from engine.rules.rule_xml import BPMN_NS

from .expression_rules import process_scripts
from .known_names import always_known, known_names, stored_names
from .problem import Problem
from .python_text import parse_python
from .rule_set import RuleSet

_TIMES = ("timeDate", "timeDuration", "timeCycle")


def name_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each name an expression reads that nothing in its process defines."""
    known_by_process = known_names(rule_set)
    everywhere = always_known()
    problems = []
    for diagram, process in rule_set.processes():
        defined = known_by_process.get(str(process.get("id")))
        if defined is None:
            continue  # the process's names cannot be told until the problems that hide them are fixed
        known = defined | everywhere
        for element, text, mode in _expressions(process):
            tree = parse_python(text, mode)
            if isinstance(tree, str):
                continue  # reported by the expression and timer rules
            local = stored_names(tree)
            for name in _read_names(tree):
                if name not in known and name not in local:
                    problems.append(diagram.problem(element, f"表达式中的「{name}」未在流程中定义（拼写错误？）"))
    return problems


def _expressions(process: Any) -> Iterator[tuple[Any, str, Any]]:
    """(element, text, parse mode) for every timer, flow condition and script of a process."""
    for definition in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        for kind in _TIMES:
            found = definition.find(f"{{{BPMN_NS}}}{kind}")
            if found is not None and (found.text or "").strip():
                yield definition.getparent(), found.text, "eval"
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        if condition is not None and (condition.text or "").strip():
            yield flow, condition.text, "eval"
    for element, script in process_scripts(process):
        yield element, script, "exec"


def _read_names(tree: ast.AST) -> list[str]:
    """The names ``tree`` reads, each once, in the order they appear."""
    loads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    loads.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in loads))
