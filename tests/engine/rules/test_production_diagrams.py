"""The production rule files in bpmn/ pass every lint rule (parse-and-lint only).

Behaviour is tested on tiny diagrams in tests/bpmn/ (STYLE.md rule 21), and each lint rule on a
broken copy of these files in test_lint.py. The rules themselves live in ``engine.lint``, the same
check that blocks publishing an edit made in the policy editor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.rules.lint import lint_sources
from engine.rules.specs import read_sources

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def test_the_production_diagrams_are_present() -> None:
    names = set(read_sources(BPMN_DIR))
    assert {"filing.bpmn", "verification_request.bpmn", "escalation.bpmn"} <= names
    assert {"instrument_scope.dmn", "application_routing.dmn", "verification_period.dmn"} <= names


def test_the_production_rule_files_pass_lint() -> None:
    assert lint_sources(read_sources(BPMN_DIR)) == []


# Each waiting user task: its due-date variable and the boundary timer that acts when it passes.
DEADLINES = [
    ("verification_request.bpmn", "accept_application", "acceptance_due", "acceptance_overdue", False),
    ("verification_request.bpmn", "review_refusal", "refusal_review_due", "refusal_review_overdue", False),
    ("verification_request.bpmn", "verify", "deadline", "deadline_passed", False),
    ("filing.bpmn", "review_filing", "review_due", "filing_review_overdue", False),
    ("filing.bpmn", "correct_filing", "correction_due", "correction_lapsed", True),
    ("escalation.bpmn", "handle_escalation", "escalation_due", "escalation_overdue", False),
    ("yearly_report.bpmn", "submit_report", "deadline", "report_overdue", False),
]


@pytest.mark.parametrize(("file", "task_id", "due", "timer_id", "interrupting"), DEADLINES,
                         ids=[d[1] for d in DEADLINES])
def test_each_waiting_step_has_a_due_date_and_a_timer(file, task_id, due, timer_id, interrupting) -> None:
    root = etree.fromstring(read_sources(BPMN_DIR)[file].encode())
    [task] = root.xpath(f"//bpmn:userTask[@id='{task_id}']", namespaces=NS)
    assert task.xpath("string(.//spiffworkflow:property[@name='dueAt']/@value)", namespaces=NS) == due
    [timer] = root.xpath(f"//bpmn:boundaryEvent[@id='{timer_id}']", namespaces=NS)
    assert timer.get("attachedToRef") == task_id
    assert (timer.get("cancelActivity") != "false") is interrupting
    assert timer.xpath("string(.//bpmn:timeDate)", namespaces=NS).strip() == due
    assert timer.xpath("string(bpmn:documentation)", namespaces=NS)  # says where the length comes from


# record_receipt waits for the owner to bring the instrument; the 7-working-day clock starts only then
# (Regulation 第九条) and no rule limits the wait, so it has no due date yet.
NO_DUE_DATE = {"record_receipt"}


def test_every_user_task_waits_with_a_due_date() -> None:
    for file, source in read_sources(BPMN_DIR).items():
        if file.endswith(".bpmn"):
            root = etree.fromstring(source.encode())
            for task in root.xpath("//bpmn:userTask", namespaces=NS):
                if task.get("id") in NO_DUE_DATE:
                    continue
                assert task.xpath(".//spiffworkflow:property[@name='dueAt']", namespaces=NS), task.get("id")
