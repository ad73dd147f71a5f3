"""Decision-table lint: every input is covered (by a catch-all or every enumerated combination); rules cite sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.rules.lint import Problem, lint_sources
from engine.rules.lint.decision_cells import cell_matcher, enumerated_domain, first_uncovered
from engine.rules.specs import read_sources

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
DMN = "application_routing.dmn"
CATEGORIES = '"public_standard", "highest_standard", "working"'


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def edit(sources: dict[str, str], old: str, new: str) -> dict[str, str]:
    assert sources[DMN].count(old) == 1, old
    return {**sources, DMN: sources[DMN].replace(old, new)}


def without_rule(sources: dict[str, str], rule_id: str) -> dict[str, str]:
    text = sources[DMN]
    start = text.index(f'<rule id="{rule_id}">')
    return edit(sources, text[start:text.index("</rule>", start) + len("</rule>")], "")


def with_categories(sources: dict[str, str], values: str = CATEGORIES) -> dict[str, str]:
    expression = "<text>category</text>\n        </inputExpression>"
    return edit(sources, expression, f"{expression}\n        <inputValues><text>{values}</text></inputValues>")


def test_table_without_a_catch_all_is_not_covered(production: dict[str, str]) -> None:
    assert lint_sources(without_rule(production, "rule_other")) == [Problem(
        DMN, "application_routing_table", "检定申请受理路由",
        "决策表「检定申请受理路由」未覆盖所有输入：缺少兜底规则（末条规则各输入均为“-”）")]


def test_enumerated_inputs_covered_by_rules_need_no_catch_all(production: dict[str, str]) -> None:
    assert lint_sources(with_categories(without_rule(production, "rule_other"))) == []


def test_uncovered_enumerated_value_is_named(production: dict[str, str]) -> None:
    sources = with_categories(without_rule(without_rule(production, "rule_other"), "rule_working"))
    (problem,) = lint_sources(sources)
    assert (problem.element_id, problem.element_name) == ("application_routing_table", "检定申请受理路由")
    assert problem.message.startswith('决策表「检定申请受理路由」未覆盖所有输入：没有规则匹配 类别 = "working"：')


def test_question_mark_cells_cover_their_values(production: dict[str, str]) -> None:
    sources = with_categories(without_rule(without_rule(production, "rule_other"), "rule_working"))
    sources = edit(sources, '<text>"highest_standard"</text>', '<text>? in ("highest_standard", "working")</text>')
    assert lint_sources(sources) == []


def test_input_without_listed_values_still_needs_a_catch_all(production: dict[str, str]) -> None:
    sources = with_categories(without_rule(production, "rule_other"), "category_values()")
    assert [p.message for p in lint_sources(sources)] == [
        "决策表「检定申请受理路由」未覆盖所有输入：缺少兜底规则（末条规则各输入均为“-”）"]


def test_rule_without_a_source(production: dict[str, str]) -> None:
    sources = edit(production, "<description>《通知》一.（三）2：强制检定的工作计量器具",
                   "<description>强制检定的工作计量器具")
    assert lint_sources(sources) == [Problem(
        DMN, "rule_working", "第3条规则",
        "决策表「检定申请受理路由」第3条规则没有注明依据：规则说明应引用《通知》《条例》等文件的条款")]


def test_feel_style_list_cell_is_refused(production: dict[str, str]) -> None:
    sources = edit(production, '<text>"working"</text>', '<text>"working", "other"</text>')
    (problem,) = lint_sources(sources)
    assert (problem.element_id, problem.element_name) == ("rule_working", "第3条规则")
    assert "会按整体比较，不匹配其中任一取值：请写成 ? in (" in problem.message


@pytest.mark.parametrize(("cell", "matches", "misses"), [
    ("-", ["a", None, 3], []),
    ("", ["a"], []),
    ('"a"', ["a"], ["b"]),
    ("True", [True], [False]),
    ('? in ("a", "b")', ["a", "b"], ["c"]),
    ('? not in ["a"]', ["b"], ["a"]),
    ("? == 3", [3], [4]),
    ('? != "x"', ["y"], ["x"]),
    ('"a", "b"', [], ["a", "b"]),       # SpiffWorkflow compares the whole tuple
    ('in ("a", "b")', [], ["a"]),        # not valid SpiffWorkflow Python: matches nothing
    ("1 < ? < 5", [], [3]),              # not interpreted: matches nothing
    ("lookup(?)", [], ["a"]),
])
def test_cell_matcher_reads_cells_as_spiffworkflow_evaluates_them(cell: str, matches: list[object],
                                                                  misses: list[object]) -> None:
    match = cell_matcher(cell)
    assert all(match(value) for value in matches)
    assert not any(match(value) for value in misses)


def test_enumerated_domain() -> None:
    assert enumerated_domain('"a","b"') == ("a", "b")
    assert enumerated_domain('"a"') == ("a",)
    assert enumerated_domain("") is None
    assert enumerated_domain("values()") is None


def test_more_combinations_than_the_limit_are_not_enumerated() -> None:
    domains = [tuple(range(101)), tuple(range(100))]
    with pytest.raises(OverflowError):
        first_uncovered(domains, [[cell_matcher("-"), cell_matcher("-")]])
    rules = [[cell_matcher("-"), cell_matcher("? != 7")]]
    assert first_uncovered([tuple(range(100)), tuple(range(100))], rules) == (0, 7)


@pytest.mark.parametrize("cell", ['"public_standard', "public standard ((", '"a" "b" ('])
def test_an_input_cell_that_cannot_be_evaluated_is_a_problem_on_its_rule(production: dict[str, str], cell) -> None:
    """SpiffWorkflow evaluates input cells only when a case reaches the table; a typo must stop the publish."""
    sources = edit(production, '<text>"public_standard"</text>', f"<text>{cell}</text>")
    [problem] = lint_sources(sources)
    assert (problem.file, problem.element_id, problem.element_name) == (DMN, "rule_public_standard", "第1条规则")
    assert "第1列" in problem.message and "有语法错误" in problem.message


@pytest.mark.parametrize("cell", ['"working"', "< 5", '? in ("a", "b")', '4 < ? < 6', "not in (1, 2)", "-", ""])
def test_cells_spiffworkflow_can_evaluate_are_fine(cell) -> None:
    from engine.rules.lint.decision_rules import cell_syntax_error

    assert cell_syntax_error(cell) == ""
