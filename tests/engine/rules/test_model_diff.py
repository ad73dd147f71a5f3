"""The version diff names what policy staff changed, shown on small edits of the production rule files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.rules.model_diff import Change, diff_sources
from engine.rules.specs import read_sources

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
VR = "verification_request.bpmn"
DMN = "application_routing.dmn"
TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">'


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def edited(sources: dict[str, str], file: str, old: str, new: str, count: int = 1) -> dict[str, str]:
    assert sources[file].count(old) == count, (file, old)
    return {**sources, file: sources[file].replace(old, new)}


def form_edited(sources: dict[str, str], file: str, change: Callable[[dict[str, Any]], None]) -> dict[str, str]:
    form = json.loads(sources[file])
    change(form)
    return {**sources, file: json.dumps(form, ensure_ascii=False, indent=2)}


def rule_xml(text: str, rule_id: str) -> str:
    start = text.index(f'<rule id="{rule_id}">')
    return text[start:text.index("</rule>", start) + len("</rule>")]


def test_unchanged_sources_have_no_changes(production: dict[str, str]) -> None:
    assert diff_sources(production, dict(production)) == []


def test_renamed_task(production: dict[str, str]) -> None:
    new = edited(production, VR, 'name="受理检定申请"', 'name="受理强制检定申请"')
    assert diff_sources(production, new) == [
        Change(VR, "changed", "用户任务", "accept_application", "受理强制检定申请",
               ("名称：「受理检定申请」→「受理强制检定申请」",))]


def test_changed_reminder_timer_expression(production: dict[str, str]) -> None:
    old = edited(production, VR, f"{TIMER}reminder_at<", f"{TIMER}reminder_time(deadline, 2)<", 2)
    definition = '<bpmn:timerEventDefinition id="reminder_due_definition">\n        '
    new = edited(old, VR, f"{definition}{TIMER}reminder_time(deadline, 2)",
                 f"{definition}{TIMER}reminder_time(deadline, 3)")
    assert diff_sources(old, new) == [Change(
        VR, "changed", "定时事件", "reminder_due", "期限将至",
        ("定时表达式：reminder_time(deadline, 2) → reminder_time(deadline, 3)",))]


def test_timer_changed_to_a_duration(production: dict[str, str]) -> None:
    new = edited(production, VR, f"{TIMER}answer_due</bpmn:timeDate>",
                 '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P3D"</bpmn:timeDuration>')
    (change,) = diff_sources(production, new)
    assert (change.element_id, change.details) == (
        "extension_unanswered", ("定时类型：timeDate → timeDuration", '定时表达式：answer_due → "P3D"'))


def test_added_decision_rule(production: dict[str, str]) -> None:
    working = rule_xml(production[DMN], "rule_working")
    calibration = working.replace("rule_working", "rule_calibration").replace('"working"', '"calibration"')
    (change,) = diff_sources(production, edited(production, DMN, working, f"{working}\n      {calibration}"))
    assert (change.file, change.kind, change.element_type, change.element_id, change.name) == (
        DMN, "added", "决策规则", "rule_calibration", "第4条规则")
    assert '规则输入第1列："calibration"' in change.details


def test_changed_rule_cell(production: dict[str, str]) -> None:
    new = edited(production, DMN, '<text>"public_standard"</text>', '<text>"working"</text>')
    assert diff_sources(production, new) == [Change(DMN, "changed", "决策规则", "rule_public_standard", "第1条规则",
                                                    ('规则输入第1列："public_standard" → "working"',))]


def test_swapped_rules_are_reported_as_moved(production: dict[str, str]) -> None:
    first = rule_xml(production[DMN], "rule_public_standard")
    second = rule_xml(production[DMN], "rule_highest_standard")
    new = edited(production, DMN, f"{first}\n      {second}", f"{second}\n      {first}")
    assert [(c.element_id, c.details) for c in diff_sources(production, new)] == [
        ("rule_highest_standard", ("顺序：第2条 → 第1条",)), ("rule_public_standard", ("顺序：第1条 → 第2条",))]


def test_removed_form_field_and_required_change(production: dict[str, str]) -> None:
    def change(form: dict[str, Any]) -> None:
        del form["properties"]["fail_reason"]
        form["required"].append("fee")

    changes = diff_sources(production, form_edited(production, "verify.schema.json", change))
    assert [(c.kind, c.element_type, c.element_id, c.name) for c in changes] == [
        ("changed", "表单字段", "/properties/fee", "收费（元）"),
        ("removed", "表单字段", "/properties/fail_reason", "不合格项目及原因"),
    ]
    assert changes[0].details == ("必填：否 → 是",)
    assert "错误提示：检定不合格的必须写明不合格项目及原因" in changes[1].details


def test_form_options_and_title(production: dict[str, str]) -> None:
    def change(form: dict[str, Any]) -> None:
        form["properties"]["action"]["title"] = "办理结果"
        form["properties"]["action"]["oneOf"] = [{"const": "result", "title": "出具检定结果"}]

    (change_,) = diff_sources(production, form_edited(production, "verify.schema.json", change))
    assert change_.details == (
        "名称：「办理方式」→「办理结果」",
        '选项："result"（出具检定结果）、"propose_extension"（申请延长检定期限） → "result"（出具检定结果）',
    )


def test_layout_only_change(production: dict[str, str]) -> None:
    new = edited(production, "escalation.bpmn", '<dc:Bounds x="510" y="240" width="100" height="80" />',
                 '<dc:Bounds x="530" y="250" width="100" height="80" />')
    assert diff_sources(production, new) == [
        Change("escalation.bpmn", "changed", "文件", "", "escalation.bpmn", ("布局调整",))]


def test_reindented_file_has_no_changes(production: dict[str, str]) -> None:
    new = {name: text.replace("\n    <", "\n      <") for name, text in production.items()}
    assert new != production
    assert diff_sources(production, new) == []


def test_lane_membership_and_flow_condition(production: dict[str, str]) -> None:
    new = edited(production, VR, "<bpmn:flowNodeRef>verify</bpmn:flowNodeRef>", "")
    new = edited(new, VR, "<bpmn:flowNodeRef>review_refusal</bpmn:flowNodeRef>",
                 "<bpmn:flowNodeRef>review_refusal</bpmn:flowNodeRef><bpmn:flowNodeRef>verify</bpmn:flowNodeRef>")
    new = edited(new, "escalation.bpmn", 'escalation_decision == "record_decision"',
                 'escalation_decision != "order_action"')
    assert [(c.file, c.element_type, c.element_id, c.details) for c in diff_sources(production, new)] == [
        ("escalation.bpmn", "顺序流", "flow_escalation_decided_to_decision_recorded",
         ('条件：escalation_decision == "record_decision" → escalation_decision != "order_action"',)),
        (VR, "泳道", "lane_institute", ("移出节点：「检定并出具结果」",)),
        (VR, "泳道", "lane_bureau", ("加入节点：「检定并出具结果」",)),
    ]


def test_script_property_and_unlisted_setting(production: dict[str, str]) -> None:
    new = edited(production, "escalation.bpmn", 'escalation_note = ""', 'escalation_note = "无"')
    new = edited(new, "escalation.bpmn", 'value="escalation_due"', 'value="order_deadline"')
    new = edited(new, "escalation.bpmn", 'name="已通知上一级">', 'name="已通知上一级" completionQuantity="2">')
    assert [(c.element_id, c.details) for c in diff_sources(production, new)] == [
        ("open_escalation", ('脚本：- escalation_note = ""', '脚本：+ escalation_note = "无"')),
        ("handle_escalation", ("属性 dueAt：escalation_due → order_deadline",)),
        ("next_bureau_notified", ("其他设置已修改",)),
    ]


def test_added_removed_and_unreadable_files(production: dict[str, str]) -> None:
    new = {**production, "extra.schema.json": '{"title": "补充材料"}', "escalation.bpmn": "<bpmn:definitions"}
    del new["record_receipt.schema.json"]
    assert diff_sources(production, new) == [
        Change("escalation.bpmn", "changed", "文件", "", "escalation.bpmn", ("文件无法解析，未逐项比较",)),
        Change("extra.schema.json", "added", "文件", "", "补充材料"),
        Change("record_receipt.schema.json", "removed", "文件", "", "登记收到受检器具"),
    ]


def test_long_documentation_shows_the_changed_excerpt(production: dict[str, str]) -> None:
    new = edited(production, "escalation.bpmn", "或记录处理决定。", "或者记录处理决定。")
    (change,) = diff_sources(production, new)
    assert change.details == ("说明：…责令检定机构限期办理，或记录处理决定。应在收到上… → "
                              "…责令检定机构限期办理，或者记录处理决定。应在收到上…",)


def test_saving_with_another_tool_is_no_change(production: dict[str, str]) -> None:
    new = edited(production, "escalation.bpmn", 'exporter="Qiangjian hand-written"', 'exporter="bpmn-js (https://demo.bpmn.io)"')
    assert diff_sources(production, new) == []


def test_definitions_outside_processes_are_noted(production: dict[str, str]) -> None:
    new = edited(production, "escalation.bpmn", "</bpmn:collaboration>",
                 '</bpmn:collaboration>\n  <bpmn:message id="message_answer" name="answer" />')
    new = edited(new, "escalation.bpmn", 'name="已通知上一级"', 'name="已通知上级"')
    assert [(c.element_id, c.details) for c in diff_sources(production, new)] == [
        ("next_bureau_notified", ("名称：「已通知上一级」→「已通知上级」",)), ("", ("其他定义已修改",))]


def test_very_long_documentation_change_is_diffed_in_linear_time(production: dict[str, str]) -> None:
    # Comparing character by character took a minute at 20,000 characters; trimming the shared ends is linear.
    long_text = "依据《通知》办理。" * 5_600  # 50,400 characters
    old = edited(production, "escalation.bpmn", "或记录处理决定。", f"或记录处理决定。{long_text}")
    new = edited(production, "escalation.bpmn", "或记录处理决定。", f"或记录处理决定。{long_text[:25_000]}并备案。"
                 f"{long_text[25_000:]}")
    started = time.perf_counter()
    (change,) = diff_sources(old, new)
    print(f"diff of a 50,000-character documentation: {time.perf_counter() - started:.3f} s")
    assert change.details == (f"说明：…{long_text[24_988:25_012]}… → …{long_text[24_988:25_000]}并备案。"
                              f"{long_text[25_000:25_012]}…",)


def test_rewritten_long_text_shows_only_the_start_of_the_change(production: dict[str, str]) -> None:
    old = edited(production, "escalation.bpmn", "或记录处理决定。", "或记录处理决定。" + "甲" * 5_000)
    new = edited(production, "escalation.bpmn", "或记录处理决定。", "或记录处理决定。" + "乙" * 5_000)
    (change,) = diff_sources(old, new)
    (line,) = change.details
    assert line == f"说明：…期办理，或记录处理决定。{'甲' * 200}… → …期办理，或记录处理决定。{'乙' * 200}…"


def test_very_long_script_change_is_not_listed_line_by_line(production: dict[str, str]) -> None:
    lines = "".join(f"\nnote_{n} = {n}" for n in range(3_000))
    new = edited(production, "escalation.bpmn", 'escalation_note = ""', f'escalation_note = ""{lines}')
    (change,) = diff_sources(production, new)
    assert (change.element_id, change.details) == ("open_escalation", ("脚本：内容已修改（过长，不逐行显示）",))


def test_form_nested_too_deep_is_a_changed_file(production: dict[str, str]) -> None:
    new = {**production, "verify.schema.json": "[" * 100_000}
    assert diff_sources(production, new) == [
        Change("verify.schema.json", "changed", "文件", "", "verify.schema.json", ("文件无法解析，未逐项比较",))]
