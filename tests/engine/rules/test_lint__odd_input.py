"""Whatever policy staff save, the lint answers with problems, never with an exception."""

from __future__ import annotations

import pytest

from engine.rules.lint import Problem, lint_sources
from engine.rules.specs import read_sources

from .test_lint import BPMN_DIR, VR, edited

HUGE = "-" * 300_000 + "1"
ID = '"$id": "verify.schema.json",'


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def test_form_nested_too_deep(production: dict[str, str]) -> None:
    sources = {**production, "verify.schema.json": "[" * 100_000}
    assert lint_sources(sources) == [
        Problem("verify.schema.json", "", "", "表单文件嵌套过深，无法读取（最多 64 层）")]


def test_valid_json_form_nested_too_deep(production: dict[str, str]) -> None:
    nested = '{"properties": {"a": ' * 200 + "{}" + "}}" * 200
    sources = edited(production, "verify.schema.json", ID, f'{ID} "x-deep": {nested},')
    assert [p.message for p in lint_sources(sources)] == ["表单文件嵌套过深，无法读取（最多 64 层）"]


def test_required_entries_that_are_not_names(production: dict[str, str]) -> None:
    sources = edited(production, "verify.schema.json", ID, f'{ID} "$defs": {{"odd": {{"required": [{{}}, ["x"]]}}}},')
    (problem,) = lint_sources(sources)
    assert problem.file == "verify.schema.json"
    assert problem.message.startswith("表单不是有效的 JSON Schema（位置 /$defs/odd/required/0）")


def test_condition_too_long_to_parse(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'acceptance == "accept"', HUGE)
    assert lint_sources(sources) == [Problem(VR, "flow_application_accepted_to_receipt_merge", "受理",
                                             "顺序流「受理」的条件无法检查：表达式过长或嵌套过深（超过 10000 个字符）")]


def test_condition_nested_too_deep_to_parse(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'acceptance == "accept"', "-" * 9_000 + "1")
    assert lint_sources(sources) == [Problem(VR, "flow_application_accepted_to_receipt_merge", "受理",
                                             "顺序流「受理」的条件无法检查：表达式过长或嵌套过深")]


def test_timer_and_script_too_long_to_parse(production: dict[str, str]) -> None:
    sources = edited(production, VR, '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">answer_due<',
                     f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{HUGE}<')
    sources = edited(sources, VR, "extension_count = 0\n", f"extension_count = {'-' * 9_000}0\n")
    assert [(p.element_id, p.message) for p in lint_sources(sources)] == [
        ("start_clock", "脚本任务「计算检定期限」的脚本无法检查：表达式过长或嵌套过深"),
        ("extension_unanswered",
         "定时事件「答复期限届满」的时间表达式无法检查：表达式过长或嵌套过深（超过 10000 个字符）"),
    ]


def test_decision_cell_too_long_to_parse(production: dict[str, str]) -> None:
    sources = edited(production, "verification_period.dmn", "<text>6</text>", f"<text>{HUGE}</text>")
    problems = lint_sources(sources)  # SpiffWorkflow may report it; the lint must just not crash
    assert all(p.file == "verification_period.dmn" for p in problems)
