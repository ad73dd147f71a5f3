"""Lint refuses a script loop that can never end (``while True:`` with no way out) on save."""

from __future__ import annotations

import pytest

from engine.rules.lint import Problem, lint_sources

from .test_lint import edited
from .test_lint__sandbox import SCRIPT, VR, production  # noqa: F401 - the fixture is used by name

SET = "bureau_id = supervising_bureau(institute_id)"


def _endless(sources: dict[str, str]) -> list[Problem]:
    return [p for p in lint_sources(sources) if "永远不会结束" in p.message]


@pytest.mark.parametrize("script, line", [
    ("while True: pass\n" + SET, 1),
    ("while True:\n    pass\n" + SET, 1),
    # that break ends only the inner loop
    ("bureau_id = None\nwhile 1:\n    for n in range(3):\n        break\n" + SET, 2),
    # a return in a function defined in the loop does not leave the loop
    ("while True:\n    def f():\n        return 1\n" + SET, 1),
])
def test_a_while_true_loop_with_no_way_out_is_a_problem(production, script, line):  # noqa: F811
    sources = edited(production, VR, SCRIPT, f"<bpmn:script>{script}</bpmn:script>")
    (problem,) = _endless(sources)
    assert (problem.file, problem.element_id) == (VR, "set_bureau")
    assert problem.message.startswith(
        f"脚本任务「确定同级监管部门」的脚本第{line}行的 while 循环条件永远成立，循环内又没有 break")


@pytest.mark.parametrize("script", [
    "while True:\n    bureau_id = supervising_bureau(institute_id)\n    if bureau_id:\n        break",
    "while True:\n    bureau_id = supervising_bureau(institute_id)\n    raise ValueError('无监管部门')",
    "while True:\n    for n in range(3):\n        pass\n    else:\n        break\n" + SET,
    "bureau_id = None\nwhile bureau_id is None:\n    bureau_id = supervising_bureau(institute_id)",
    "while False:\n    pass\n" + SET,
])
def test_a_loop_with_a_way_out_is_not_refused(production, script):  # noqa: F811
    assert _endless(edited(production, VR, SCRIPT, f"<bpmn:script>{script}</bpmn:script>")) == []
