"""Lint a set of rule files before it can be published: ``lint_sources(sources) -> [Problem]``.

The rules, each in its own module:
- every file reads: well-formed XML without DOCTYPE, JSON forms (``rule_set``);
- calls, decisions, forms and flow ends point at something in the set, and an escalation reaches a
  role (``reference_rules``);
- the BPMN/DMN XSDs accept the files and SpiffWorkflow parses the set (``spiff_rules``);
- one documented, executable process per file, named after it; user tasks lie in one role lane and
  name a form, an organisation and their source (``process_rules``);
- timers are working-day dates (``timer_rules``); scripts and conditions parse (``expression_rules``)
  and read only variables the process defines (``name_rules``); the sandbox compiles every script,
  condition, timer expression and decision cell, refusing what it would refuse at run time (``sandbox_rules``);
  a ``while True:`` with no way out is refused rather than left to time out (``loop_rules``);
- every element is drawn (``drawing_rules``);
- every flow node can be reached from a start event and left again (``flow_rules``);
- decision tables cover every input and cite their sources (``decision_rules``);
- forms are valid JSON Schema 2020-12 with read-only case facts, and used (``form_rules``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .decision_rules import decision_problems
from .drawing_rules import drawing_problems
from .expression_rules import expression_problems
from .flow_rules import flow_problems
from .form_rules import form_problems
from .loop_rules import loop_problems
from .name_rules import name_problems
from .problem import Problem
from .process_rules import process_problems, user_task_problems
from .reference_rules import reference_problems
from .rule_set import RuleSet, read_rule_set
from .sandbox_rules import sandbox_problems
from .spiff_rules import parse_problems, schema_problems
from .timer_rules import CALENDAR_FUNCTIONS, timer_problems

__all__ = ["CALENDAR_FUNCTIONS", "Problem", "lint_sources"]

_RULES: tuple[Callable[[RuleSet], list[Problem]], ...] = (
    schema_problems, process_problems, user_task_problems, timer_problems, expression_problems,
    drawing_problems, decision_problems, form_problems, flow_problems, name_problems, sandbox_problems,
    loop_problems,
)


def lint_sources(sources: Mapping[str, str]) -> list[Problem]:
    """Every problem that blocks publishing ``sources`` ({file name: text}), by file and element order."""
    rule_set, problems = read_rule_set(sources)
    if problems:
        # Cross-file rules would report whatever an unreadable file defines as missing.
        return _ordered(rule_set, problems)
    broken_references = reference_problems(rule_set)
    problems = broken_references + [p for rule in _RULES for p in rule(rule_set)]
    if not broken_references:
        # SpiffWorkflow stops at the first broken reference and would only repeat it, in English.
        problems += parse_problems(rule_set)
    return _ordered(rule_set, problems)


def _ordered(rule_set: RuleSet, problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, rule_set.position(p)))
