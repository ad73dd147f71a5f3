"""Lint rule: a script loop that can never end is not published.

The sandbox's time budget stops any loop at run time, but by then the case is parked in error and a
clerk is waiting. A ``while`` whose condition is a true constant (``while True:``, ``while 1:``) and
whose body has no ``break``, ``return`` or ``raise`` that leaves it can only end by running out of
budget, so it is refused on save. Loops whose end depends on data are left to the budget: whether they
end cannot be known before they run.
"""

from __future__ import annotations

import ast

from engine.rules.rule_xml import display_name, element_label

from .expression_rules import process_scripts
from .problem import Problem
from .python_text import parse_python
from .rule_set import RuleSet


def loop_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each script with a ``while`` loop that never ends."""
    problems = []
    for diagram, process in rule_set.processes():
        for element, script in process_scripts(process):
            tree = parse_python(script, "exec")
            if isinstance(tree, str):
                continue  # a syntax error, reported by expression_rules
            for line in endless_loops(tree):
                problems.append(diagram.problem(element, (
                    f"{element_label(element)}「{display_name(element)}」的脚本第{line}行的 while 循环条件永远成立，"
                    "循环内又没有 break：脚本永远不会结束，每个办到这一步的案件都会因超时而运行出错")))
    return problems


def endless_loops(tree: ast.AST) -> list[int]:
    """Line numbers of the ``while`` loops in ``tree`` with a true constant condition and no way out."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.While) and _always_true(node.test) and not any(_leaves(s) for s in node.body)]


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _leaves(node: ast.AST) -> bool:
    """Whether a ``break``, ``return`` or ``raise`` in this statement can end the loop it stands in.

    A ``break`` inside a nested loop ends only that loop (unless it is in the nested loop's ``else``);
    nothing inside a nested function or class runs as part of the loop.
    """
    if isinstance(node, ast.Break | ast.Return | ast.Raise):
        return True
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
        return False
    if isinstance(node, ast.For | ast.AsyncFor | ast.While):
        exits = (n for s in node.body for n in ast.walk(s) if isinstance(n, ast.Return | ast.Raise))
        return any(exits) or any(_leaves(s) for s in node.orelse)
    return any(_leaves(child) for child in ast.iter_child_nodes(node))
