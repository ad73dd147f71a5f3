"""Lint refuses what the sandbox would refuse: each case is a production rule file with one text broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.rules.lint import Problem, lint_sources
from engine.rules.specs import read_sources

from .test_lint import edited

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
VR = "verification_request.bpmn"
PERIOD = "verification_period.dmn"
SCRIPT = "<bpmn:script>bureau_id = supervising_bureau(institute_id)</bpmn:script>"
CONDITION = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">institute_id is not None<'
TIMER = ('<bpmn:timerEventDefinition id="deadline_passed_definition">\n'
         '        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">deadline<')
CELL = "<text>\"pressure_gauge\"</text>"


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def _refused(sources: dict[str, str]) -> list[Problem]:
    return [p for p in lint_sources(sources) if "不能运行" in p.message]


@pytest.mark.parametrize("script, reason", [
    ("import os\nbureau_id = supervising_bureau(institute_id)", "第1行使用了 import：脚本不能导入模块"),
    ("bureau_id = supervising_bureau(institute_id).__class__", "第1行读取了属性「__class__」"),
    ("bureau_id = __import__('os')", "第1行使用了以下划线开头的名称「__import__」"),
    ("try:\n    bureau_id = supervising_bureau(institute_id)\nexcept:\n    bureau_id = None",
     "第3行使用了不带异常类型的 except"),
    ("try:\n    bureau_id = supervising_bureau(institute_id)\nexcept BaseException:\n    bureau_id = None",
     "第3行捕获了 BaseException"),
    ("class Bureau:\n    pass\nbureau_id = supervising_bureau(institute_id)", "第1行定义了类（class）"),
])
def test_a_script_the_sandbox_refuses_is_a_problem(production, script, reason):
    sources = edited(production, VR, SCRIPT, f"<bpmn:script>{script}</bpmn:script>")
    (problem,) = _refused(sources)
    assert (problem.file, problem.element_id) == (VR, "set_bureau")
    assert problem.message.startswith("脚本任务「确定同级监管部门」的脚本不能运行：") and reason in problem.message


def test_a_condition_the_sandbox_refuses_is_a_problem(production):
    sources = edited(production, VR, CONDITION, CONDITION.replace("institute_id is not None",
                                                                  "institute_id.__class__ is not None"))
    (problem,) = _refused(sources)
    assert problem.file == VR and "的条件不能运行：第1行读取了属性「__class__」" in problem.message


def test_a_timer_expression_the_sandbox_refuses_is_a_problem(production):
    sources = edited(production, VR, TIMER, TIMER.replace(">deadline<", ">deadline.__str__()<"))
    (problem,) = _refused(sources)
    assert (problem.element_id, problem.message) == ("deadline_passed", (
        "定时事件「检定期限届满」的时间表达式不能运行：第1行读取了属性「__str__」：不允许访问 Python 内部属性"))


@pytest.mark.parametrize("cell", ["\"pressure_gauge\".__len__()", "? == __name__", "len(?.__doc__) > 0"])
def test_a_decision_cell_the_sandbox_refuses_is_a_problem(production, cell):
    sources = edited(production, PERIOD, CELL, f"<text>{cell}</text>")
    (problem,) = _refused(sources)
    assert (problem.file, problem.element_id) == (PERIOD, "rule_pressure_gauge")
    assert "第1条规则第1列不能运行" in problem.message


def test_an_output_cell_the_sandbox_refuses_is_a_problem(production):
    sources = edited(production, PERIOD, "<text>6</text>", "<text>(6).__class__</text>")
    (problem,) = _refused(sources)
    assert problem.element_id == "rule_pressure_gauge" and "第2列不能运行" in problem.message


def test_a_syntax_error_is_reported_once_not_again_as_refused(production):
    sources = edited(production, VR, SCRIPT, "<bpmn:script>bureau_id = (</bpmn:script>")
    assert _refused(sources) == []
    assert any("语法错误" in p.message for p in lint_sources(sources) if p.element_id == "set_bureau")


def test_budget_examples_still_publish(production):
    """Lint cannot tell how long code runs: the budget catches that at run time, the lint only what never runs."""
    sources = edited(production, VR, SCRIPT, "<bpmn:script>bureau_id = supervising_bureau(institute_id)\n"
                                             "while bureau_id is None:\n    pass</bpmn:script>")
    assert _refused(sources) == []
