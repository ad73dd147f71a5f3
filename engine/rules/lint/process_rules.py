"""Lint rules for processes and their user tasks: who does the task, on which form, under which rule.

A user task is routed by its lane (the lane name is the role, ``engine.status.Role``) and by the
organisation variable named in its properties; its form is a JSON Schema file of the set. Without any
of these the task would be created but nobody could see or complete it.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from engine.rules.form_fields import FORM_SUFFIX
from engine.rules.rule_xml import BPMN_NS, child_text, display_name, node_lanes, processes, spiff_properties
from engine.store.status import Role

from .problem import Problem
from .rule_set import RuleSet, XmlFile

# Roles that do tasks; policy, manager and admin only look on.
TASK_ROLES = frozenset({Role.OWNER.value, Role.INSTITUTE.value, Role.BUREAU.value, Role.FILING_HANDLER.value})
ROLE_LIST = "、".join(r for r in (Role.OWNER, Role.INSTITUTE, Role.BUREAU, Role.FILING_HANDLER))


def process_problems(rule_set: RuleSet) -> list[Problem]:
    """One process per file, named after the file, executable and documented."""
    problems = []
    for name, diagram in rule_set.diagrams.items():
        found = processes(diagram.root)
        stem = PurePosixPath(name).stem
        if len(found) != 1:
            problems.append(Problem(name, "", "", f"每个文件应只有一个流程，本文件有 {len(found)} 个"))
            continue
        process = found[0]
        if process.get("id") != stem:
            problems.append(diagram.problem(process, f"流程 id 应与文件名相同：「{stem}」"))
        if process.get("isExecutable") != "true":
            problems.append(diagram.problem(process, "流程未设为可执行（isExecutable）"))
        if not child_text(process, "documentation"):
            problems.append(diagram.problem(process, "流程没有说明：请写明流程的依据（《通知》或《条例》条款）"))
    return problems


def user_task_problems(rule_set: RuleSet) -> list[Problem]:
    """Every user task lies in one role lane and names its form, organisation and source."""
    problems = []
    for diagram, process in rule_set.processes():
        lanes = node_lanes(process)
        for task in process.iter(f"{{{BPMN_NS}}}userTask"):
            problems += _lane_problems(diagram, task, lanes.get(str(task.get("id")), []))
            problems += _property_problems(diagram, task, rule_set)
            if not child_text(task, "documentation"):
                problems.append(diagram.problem(
                    task, f"用户任务「{display_name(task)}」没有说明：请写明办理依据（《通知》或《条例》条款）"))
    return problems


def _lane_problems(diagram: XmlFile, task: Any, lanes: list[Any]) -> list[Problem]:
    name = display_name(task)
    if not lanes:
        return [diagram.problem(task, f"用户任务「{name}」不在任何泳道中：泳道名即办理角色（{ROLE_LIST}）")]
    if len(lanes) > 1:
        names = "、".join(display_name(lane) for lane in lanes)
        return [diagram.problem(task, f"用户任务「{name}」同时在多个泳道中（{names}）：只能属于一个泳道")]
    lane_name = lanes[0].get("name") or ""
    if lane_name not in TASK_ROLES:
        return [diagram.problem(
            task, f"用户任务「{name}」所在泳道「{lane_name}」不是办理角色：泳道名应为 {ROLE_LIST} 之一")]
    return []


def _property_problems(diagram: XmlFile, task: Any, rule_set: RuleSet) -> list[Problem]:
    name = display_name(task)
    props = spiff_properties(task)
    problems = []
    form = props.get("formJsonSchemaFilename", "")
    if not form:
        problems.append(diagram.problem(
            task, f"用户任务「{name}」没有表单：请在属性 formJsonSchemaFilename 中填写表单文件（…{FORM_SUFFIX}）"))
    elif not form.endswith(FORM_SUFFIX):
        problems.append(diagram.problem(task, f"用户任务「{name}」的表单「{form}」应是 {FORM_SUFFIX} 文件"))
    # A form that is named but absent is reported by the reference rules, where SpiffWorkflow would fail too.
    organisation = props.get("organisation", "")
    if not organisation.isidentifier():
        problems.append(diagram.problem(
            task, f"用户任务「{name}」没有办理单位：属性 organisation 应为保存单位编号的变量名（如 institute_id）"))
    due_at = props.get("dueAt")
    if due_at is not None and not due_at.isidentifier():
        problems.append(diagram.problem(
            task, f"用户任务「{name}」的办理期限属性 dueAt「{due_at}」应为保存期限的变量名（如 deadline）"))
    return problems
