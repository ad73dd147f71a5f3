"""Lint rule: expressions read only variables that the process defines (a misspelled name is a problem)."""

from __future__ import annotations

import pytest

from engine.rules.lint import Problem, lint_sources
from engine.rules.specs import read_sources

from .test_lint import BPMN_DIR, VR, edited

TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{}</bpmn:timeDate>'


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def test_misspelled_variable_in_a_timer(production: dict[str, str]) -> None:
    sources = edited(production, VR, TIMER.format("deadline"), TIMER.format("reminder_time(dedline, 3)"), 2)
    message = "表达式中的「dedline」未在流程中定义（拼写错误？）"
    assert lint_sources(sources) == [
        Problem(VR, "deadline_passed", "检定期限届满", message),
        Problem(VR, "answer_deadline_passed", "检定期限届满", message),
    ]


def test_misspelled_variable_in_a_condition(production: dict[str, str]) -> None:
    sources = edited(production, VR, 'acceptance == "accept"', 'acceptanse == "accept"')
    assert lint_sources(sources) == [Problem(VR, "flow_application_accepted_to_receipt_merge", "受理",
                                             "表达式中的「acceptanse」未在流程中定义（拼写错误？）")]


def test_misspelled_variable_in_a_script(production: dict[str, str]) -> None:
    sources = edited(production, VR, "deadline = working_day_deadline(received_on, 7)\n",
                     "deadline = working_day_deadline(received_on, 7)\nbasis = [d for d in (deadline, recieved_on)]\n")
    (problem,) = lint_sources(sources)
    assert (problem.element_id, problem.message) == (
        "start_clock", "表达式中的「recieved_on」未在流程中定义（拼写错误？）")


def test_names_from_forms_decisions_functions_and_case_facts_are_known(production: dict[str, str]) -> None:
    # received_on: a form field; route: a decision output; case_number: a case fact; len: a builtin.
    condition = 'acceptance == "accept" and route and received_on and case_number and len(now()) > 0'
    sources = edited(production, VR, 'acceptance == "accept"', condition)
    assert lint_sources(sources) == []


def test_a_name_the_process_never_defines_is_unknown_even_if_another_process_does(production: dict[str, str]) -> None:
    # filing_decision is a field of the filing process only; verification_request calls no process that sets it.
    sources = edited(production, VR, 'acceptance == "accept"', 'filing_decision == "accept"')
    assert [p.message for p in lint_sources(sources)] == ["表达式中的「filing_decision」未在流程中定义（拼写错误？）"]
