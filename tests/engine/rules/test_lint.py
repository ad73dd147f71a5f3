"""Lint rules, each shown by breaking one thing in the production rule files.

Decision-table coverage and cells: test_lint__decision_tables.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.calendar.workdays import DIAGRAM_FUNCTION_NAMES
from engine.rules.lint import CALENDAR_FUNCTIONS, Problem, lint_sources
from engine.rules.specs import read_sources

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
VR = "verification_request.bpmn"
ROLE_LIST = "owner、institute、bureau、filing_handler"


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def edited(sources: dict[str, str], file: str, old: str, new: str, count: int = 1) -> dict[str, str]:
    """A copy of ``sources`` with ``old`` replaced by ``new`` in ``file`` (``old`` must occur ``count`` times)."""
    assert sources[file].count(old) == count, (file, old)
    return {**sources, file: sources[file].replace(old, new)}


def element_xml(text: str, start: str, end: str) -> str:
    """The text from ``start`` to the first ``end`` after it."""
    begin = text.index(start)
    return text[begin:text.index(end, begin) + len(end)]


def problems_of(sources: dict[str, str], element_id: str) -> list[Problem]:
    return [p for p in lint_sources(sources) if p.element_id == element_id]


def test_the_production_rule_files_pass(production: dict[str, str]) -> None:
    assert lint_sources(production) == []


def test_calendar_functions_are_diagram_functions() -> None:
    assert CALENDAR_FUNCTIONS <= set(DIAGRAM_FUNCTION_NAMES) - {"add_months", "today"}


def test_user_task_outside_every_lane(production: dict[str, str]) -> None:
    sources = edited(production, VR, "<bpmn:flowNodeRef>accept_application</bpmn:flowNodeRef>", "")
    assert lint_sources(sources) == [Problem(VR, "accept_application", "受理检定申请",
                                             f"用户任务「受理检定申请」不在任何泳道中：泳道名即办理角色（{ROLE_LIST}）")]


def test_user_task_in_a_lane_that_is_no_role(production: dict[str, str]) -> None:
    sources = edited(production, VR, '<bpmn:lane id="lane_bureau" name="bureau">',
                     '<bpmn:lane id="lane_bureau" name="manager">')
    (problem,) = problems_of(sources, "review_refusal")
    assert (problem.file, problem.element_name) == (VR, "审核拒绝受理")
    assert "所在泳道「manager」不是办理角色" in problem.message


def test_user_task_without_a_form(production: dict[str, str]) -> None:
    form = '<spiffworkflow:property name="formJsonSchemaFilename" value="record_receipt.schema.json" />'
    assert lint_sources(edited(production, VR, form, "")) == [
        Problem(VR, "record_receipt", "登记收到受检器具",
                "用户任务「登记收到受检器具」没有表单："
                "请在属性 formJsonSchemaFilename 中填写表单文件（….schema.json）"),
    ]


def test_user_task_naming_a_missing_form(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'value="verify.schema.json"', 'value="verify_v2.schema.json"')
    problems = lint_sources(sources)
    assert problems == [
        Problem(VR, "verify", "检定并出具结果",
                "用户任务「检定并出具结果」的表单文件「verify_v2.schema.json」不存在"),
    ]


def test_user_task_without_organisation_or_documentation(production: dict[str, str]) -> None:
    organisation = '<spiffworkflow:property name="organisation" value="bureau_id" />'
    sources = edited(production, "escalation.bpmn", organisation, "")
    task = element_xml(sources["escalation.bpmn"], '<bpmn:userTask id="handle_escalation"', "</bpmn:userTask>")
    documentation = element_xml(task, "<bpmn:documentation>", "</bpmn:documentation>")
    sources = edited(sources, "escalation.bpmn", task, task.replace(documentation, ""))
    messages = [p.message for p in problems_of(sources, "handle_escalation")]
    assert messages == [
        "用户任务「监管部门处理」没有办理单位：属性 organisation 应为保存单位编号的变量名（如 institute_id）",
        "用户任务「监管部门处理」没有说明：请写明办理依据（《通知》或《条例》条款）",
    ]


def test_timer_with_a_calendar_duration(production: dict[str, str]) -> None:
    sources = edited(production, VR, '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">answer_due</bpmn:timeDate>',
                     '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P3D"</bpmn:timeDuration>')
    (problem,) = lint_sources(sources)
    assert (problem.file, problem.element_id, problem.element_name) == (VR, "extension_unanswered", "答复期限届满")
    assert problem.message.startswith("定时事件「答复期限届满」使用了 timeDuration：日历时长不考虑节假日和调休")


def test_timer_on_a_variable_from_plain_date_arithmetic(production: dict[str, str]) -> None:
    sources = edited(production, VR, "answer_due = working_day_deadline(today(), 3)",
                     'answer_due = today() + "T23:59:59+08:00"')
    (problem,) = lint_sources(sources)
    assert (problem.element_id, problem.element_name) == ("extension_unanswered", "答复期限届满")
    assert "的时间「answer_due」不是按工作日历计算的" in problem.message


def test_timer_variable_is_derived_only_when_every_assignment_is(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'extension_answer = "unanswered"',
                     'extension_answer = "unanswered"\nanswer_due = today()')
    assert [p.element_id for p in lint_sources(sources)] == ["extension_unanswered"]


def test_timer_calling_the_calendar_directly_passes(production: dict[str, str]) -> None:
    sources = edited(production, VR, '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">reminder_at</bpmn:timeDate>',
                     '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">reminder_time(deadline, 2)</bpmn:timeDate>', 2)
    assert lint_sources(sources) == []


def test_escalation_without_a_target_role(production: dict[str, str]) -> None:
    lane = element_xml(production["escalation.bpmn"], '<bpmn:lane id="lane_bureau"', "</bpmn:lane>")
    problems = lint_sources(edited(production, "escalation.bpmn", lane, ""))
    target = f"没有接收角色：被调用的流程「上报同级市场监管部门」中没有位于办理角色泳道（{ROLE_LIST}）的用户任务"
    assert Problem(VR, "escalate_overdue", "上报逾期检定", f"上报「上报逾期检定」{target}") in problems
    assert Problem(VR, "escalate_unanswered", "上报延期未答复", f"上报「上报延期未答复」{target}") in problems


def test_call_of_a_process_that_is_not_in_the_set(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'calledElement="escalation"', 'calledElement="escalation_v2"', 3)
    assert lint_sources(sources) == [
        Problem(VR, element_id, name, f"调用活动「{name}」调用的流程「escalation_v2」不存在")
        for element_id, name in [("escalate_not_accepted", "上报受理逾期"), ("escalate_overdue", "上报逾期检定"),
                                 ("escalate_unanswered", "上报延期未答复")]]


def test_business_rule_task_calling_a_missing_decision(production: dict[str, str]) -> None:
    sources = edited(production, VR, "<spiffworkflow:calledDecisionId>application_routing<",
                     "<spiffworkflow:calledDecisionId>routing<")
    assert lint_sources(sources) == [
        Problem(VR, "route_application", "确定受理途径", "业务规则任务「确定受理途径」调用的决策「routing」不存在")]


def test_malformed_xml_names_the_file_and_line(production: dict[str, str]) -> None:
    sources = edited(production, "escalation.bpmn", "</bpmn:process>", "</bpmn:proces>")
    line = sources["escalation.bpmn"][:sources["escalation.bpmn"].index("</bpmn:proces>")].count("\n") + 1
    (problem,) = lint_sources(sources)
    assert (problem.file, problem.element_id) == ("escalation.bpmn", "")
    assert problem.message.startswith(f"XML 格式错误（第{line}行）：")


def test_doctype_is_refused(production: dict[str, str]) -> None:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    sources = edited(production, "escalation.bpmn", declaration, declaration + '<!DOCTYPE x [<!ENTITY a "b">]>')
    assert lint_sources(sources) == [
        Problem("escalation.bpmn", "", "", "文件含有 DOCTYPE 声明：规则文件不允许 DOCTYPE 或实体声明")]


def test_xsd_error_points_at_the_element(production: dict[str, str]) -> None:
    sources = edited(production, VR, '<bpmn:userTask id="verify"', '<bpmn:userTask colour="red" id="verify"')
    (problem,) = lint_sources(sources)
    assert (problem.element_id, problem.element_name) == ("verify", "检定并出具结果")
    assert re.fullmatch(r"不符合 BPMN 2\.0 规范（第\d+行）：用户任务（userTask）不允许有属性 colour", problem.message)


def test_xsd_errors_are_in_chinese(production: dict[str, str]) -> None:
    sources = edited(production, VR, '<bpmn:scriptTask id="start_clock"', '<bpmn:scriptTask id="start clock"')
    sources = edited(sources, VR, 'id="flow_record_receipt_to_start_clock" sourceRef="record_receipt"',
                     'id="flow_record_receipt_to_start_clock"')
    messages = [re.sub(r"（第\d+行）", "", p.message) for p in lint_sources(sources) if p.message.startswith("不符合")]
    assert messages == [
        "不符合 BPMN 2.0 规范：脚本任务（scriptTask）的 id「start clock」无效或重复：id 须以字母或下划线开头，"
        "只含字母、数字、下划线、连字符和点，且在文件中不能重复",
        "不符合 BPMN 2.0 规范：顺序流（sequenceFlow）缺少必需的属性 sourceRef",
    ]


def test_exclusive_flow_without_condition_is_explained_in_chinese(production: dict[str, str]) -> None:
    condition = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">acceptance == "accept"'
                 "</bpmn:conditionExpression>")
    assert lint_sources(edited(production, VR, condition, "")) == [Problem(
        VR, "flow_application_accepted_to_receipt_merge", "受理",
        "SpiffWorkflow 无法解析：排他网关流出的顺序流没有条件：除默认顺序流外，每条流出的顺序流都要写条件")]


def test_spiffworkflow_parse_error_points_at_the_element(production: dict[str, str]) -> None:
    sources = edited(production, "verification_period.dmn", "<text>6</text>", "<text>6 +</text>")
    (problem,) = lint_sources(sources)
    assert (problem.file, problem.element_id) == ("verification_period.dmn", "rule_pressure_gauge_out_1")
    assert problem.message == "SpiffWorkflow 无法解析：决策表输出表达式「6 +」有语法错误：第1行 invalid syntax"


def test_script_and_condition_syntax_errors(production: dict[str, str]) -> None:
    sources = edited(production, "escalation.bpmn", "escalation_note = \"\"", "escalation_note = ")
    sources = edited(sources, "escalation.bpmn", 'escalation_decision == "order_action"',
                     'escalation_decision = "order_action"')
    assert [(p.element_id, p.message.split("：")[0]) for p in lint_sources(sources)] == [
        ("open_escalation", "脚本任务「登记上报并计算处理期限」的脚本有语法错误"),
        ("flow_escalation_decided_to_notify_order", "顺序流「责令限期办理」的条件有语法错误"),
    ]


def test_undrawn_element(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'bpmnElement="verify">', 'bpmnElement="verify_old">')
    assert lint_sources(sources) == [
        Problem(VR, "verify", "检定并出具结果", "用户任务「检定并出具结果」没有画在图上：编辑器无法显示它")]


def test_process_must_be_named_after_its_file(production: dict[str, str]) -> None:
    sources = {("filing_v2.bpmn" if name == "filing.bpmn" else name): text for name, text in production.items()}
    assert lint_sources(sources) == [
        Problem("filing_v2.bpmn", "filing", "强制检定计量器具备案", "流程 id 应与文件名相同：「filing_v2」")]


def test_invalid_form_schema_and_writable_case_fact(production: dict[str, str]) -> None:
    sources = edited(production, "record_receipt.schema.json", '"type": "object"', '"type": "objekt"')
    sources = edited(sources, "verify.schema.json", '"readOnly": true', '"readOnly": false')
    problems = lint_sources(sources)
    assert [(p.file, p.element_id) for p in problems] == [
        ("record_receipt.schema.json", ""), ("verify.schema.json", "/properties/regulation_exists")]
    assert problems[0].message.startswith("表单不是有效的 JSON Schema（位置 /type）：")
    assert problems[1] == Problem("verify.schema.json", "/properties/regulation_exists", "该类器具有计量检定规程",
                                  "字段「该类器具有计量检定规程」是案件事实（x-case-facts），必须设为只读（readOnly）")


def test_form_must_declare_draft_2020_12(production: dict[str, str]) -> None:
    sources = edited(production, "verify.schema.json", "draft/2020-12", "draft-07")
    assert [p.message for p in lint_sources(sources)] == [
        '表单应声明 "$schema": "https://json-schema.org/draft/2020-12/schema"']


def test_unknown_file_is_a_problem_but_an_unused_form_is_not(production: dict[str, str]) -> None:
    """A replaced form stays behind unused (files cannot be deleted); that must not block publishing."""
    sources = {**production, "old_review.schema.json": production["review_filing.schema.json"], "notes.txt": "x"}
    assert [(p.file, p.message[:6]) for p in lint_sources(sources)] == [("notes.txt", "不支持的文件")]
    del sources["notes.txt"]
    assert lint_sources(sources) == []


def test_problems_are_sorted_by_file_then_element_order(production: dict[str, str]) -> None:
    sources = edited(production, VR, "<bpmn:flowNodeRef>verify</bpmn:flowNodeRef>", "")
    sources = edited(sources, VR, "<bpmn:flowNodeRef>accept_application</bpmn:flowNodeRef>", "")
    sources = edited(sources, "escalation.bpmn", "<bpmn:flowNodeRef>handle_escalation</bpmn:flowNodeRef>", "")
    assert [(p.file, p.element_id) for p in lint_sources(sources)] == [
        ("escalation.bpmn", "handle_escalation"), ("filing.bpmn", "escalate_filing_review"),
        (VR, "accept_application"), (VR, "escalate_not_accepted"), (VR, "verify"), (VR, "escalate_overdue"),
        (VR, "escalate_unanswered"), ("yearly_report.bpmn", "escalate_late_report"),
    ]
