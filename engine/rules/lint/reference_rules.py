"""Lint rules for references between elements and files: calls, decisions, forms, flow ends.

A reference to something that is not in the set fails at the latest when a case reaches it. An
escalation (a call to the escalation process, or a call named 上报…) must also reach someone: the
called process needs a user task in a role lane, and that lane is the escalation's target role.
"""

from __future__ import annotations

from typing import Any

from engine.rules.form_fields import FORM_SUFFIX
from engine.rules.rule_xml import (
    BPMN_NS,
    FLOW_NODE_TAGS,
    display_name,
    element_label,
    form_references,
    local_name,
    node_lanes,
    spiff_text,
)

from .problem import Problem
from .process_rules import ROLE_LIST, TASK_ROLES
from .rule_set import RuleSet

ESCALATION_PROCESS = "escalation"
ESCALATION_WORD = "上报"


def reference_problems(rule_set: RuleSet) -> list[Problem]:
    """Problems with calls, decisions, forms and flow ends that point at nothing."""
    return _call_problems(rule_set) + _decision_problems(rule_set) + _form_problems(rule_set) + _flow_problems(rule_set)


def target_roles(process: Any) -> set[str]:
    """The role lanes of a process's user tasks: who receives what the process is called for."""
    lanes = node_lanes(process)
    roles = set()
    for task in process.iter(f"{{{BPMN_NS}}}userTask"):
        found = lanes.get(str(task.get("id")), [])
        if len(found) == 1 and found[0].get("name") in TASK_ROLES:
            roles.add(str(found[0].get("name")))
    return roles


def _call_problems(rule_set: RuleSet) -> list[Problem]:
    by_id = rule_set.process_by_id()
    problems = []
    for diagram, process in rule_set.processes():
        for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
            name, called = display_name(call), call.get("calledElement") or ""
            if not called:
                problems.append(diagram.problem(call, f"调用活动「{name}」没有指定被调用的流程（calledElement）"))
            elif called not in by_id:
                problems.append(diagram.problem(call, f"调用活动「{name}」调用的流程「{called}」不存在"))
            elif (called == ESCALATION_PROCESS or ESCALATION_WORD in name) and not target_roles(by_id[called][1]):
                problems.append(diagram.problem(call, (
                    f"上报「{name}」没有接收角色：被调用的流程「{display_name(by_id[called][1])}」中"
                    f"没有位于办理角色泳道（{ROLE_LIST}）的用户任务")))
    return problems


def _decision_problems(rule_set: RuleSet) -> list[Problem]:
    decisions = rule_set.decision_ids()
    problems = []
    for diagram, process in rule_set.processes():
        for task in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
            decision = spiff_text(task, "calledDecisionId")
            if not decision:
                problems.append(diagram.problem(
                    task, f"业务规则任务「{display_name(task)}」没有指定决策表（calledDecisionId）"))
            elif decision not in decisions:
                problems.append(diagram.problem(
                    task, f"业务规则任务「{display_name(task)}」调用的决策「{decision}」不存在"))
    return problems


def _form_problems(rule_set: RuleSet) -> list[Problem]:
    problems = []
    for diagram, process in rule_set.processes():
        for node, form in form_references(process):
            if form.endswith(FORM_SUFFIX) and form not in rule_set.sources:
                problems.append(diagram.problem(
                    node, f"{element_label(node)}「{display_name(node)}」的表单文件「{form}」不存在"))
    return problems


def _flow_problems(rule_set: RuleSet) -> list[Problem]:
    problems = []
    for diagram, process in rule_set.processes():
        nodes = {str(n.get("id")) for n in process.iter() if local_name(n) in FLOW_NODE_TAGS}
        for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            for attribute, end in (("sourceRef", "起点"), ("targetRef", "终点")):
                if flow.get(attribute) not in nodes:
                    problems.append(diagram.problem(
                        flow, f"顺序流「{display_name(flow)}」的{end}「{flow.get(attribute) or ''}」不存在"))
        for event in process.iter(f"{{{BPMN_NS}}}boundaryEvent"):
            if event.get("attachedToRef") not in nodes:
                problems.append(diagram.problem(
                    event, f"边界事件「{display_name(event)}」附着的活动「{event.get('attachedToRef') or ''}」不存在"))
    return problems
