"""Lint rules on sequence flows: every node can be reached from a start event and left again."""

from __future__ import annotations

import pytest

from engine.rules.lint import Problem, lint_sources
from engine.rules.specs import read_sources

from .test_lint import BPMN_DIR, VR, edited, element_xml


@pytest.fixture(scope="module")
def production() -> dict[str, str]:
    return read_sources(BPMN_DIR)


def without_flow(sources: dict[str, str], file: str, flow_id: str) -> dict[str, str]:
    """``sources`` with the sequence flow ``flow_id`` deleted from ``file``, with its edge and node references."""
    text = sources[file]
    flow = element_xml(text, f'<bpmn:sequenceFlow id="{flow_id}"', ">")
    if not flow.endswith("/>"):
        flow = element_xml(text, f'<bpmn:sequenceFlow id="{flow_id}"', "</bpmn:sequenceFlow>")
    edge = element_xml(text, f'<bpmndi:BPMNEdge id="{flow_id}_di"', "</bpmndi:BPMNEdge>")
    sources = edited(sources, file, flow, "")
    sources = edited(sources, file, edge, "")
    sources = edited(sources, file, f"<bpmn:outgoing>{flow_id}</bpmn:outgoing>", "")
    return edited(sources, file, f"<bpmn:incoming>{flow_id}</bpmn:incoming>", "")


def test_task_without_outgoing_flow(production: dict[str, str]) -> None:
    sources = without_flow(production, VR, "flow_record_receipt_to_start_clock")
    # Everything after 计算检定期限 is unreachable too, but the problem lies here: two problems, not dozens.
    assert lint_sources(sources) == [
        Problem(VR, "record_receipt", "登记收到受检器具",
                "用户任务「登记收到受检器具」没有流出的顺序流：案件到这里会停住"),
        Problem(VR, "start_clock", "计算检定期限", "脚本任务「计算检定期限」没有流入的顺序流：案件永远不会到达这里"),
    ]


def test_boundary_event_without_outgoing_flow(production: dict[str, str]) -> None:
    text = production[VR]
    flow_id = element_xml(text[text.index('<bpmn:boundaryEvent id="reminder_due"'):], "<bpmn:outgoing>",
                          "</bpmn:outgoing>")[len("<bpmn:outgoing>"):-len("</bpmn:outgoing>")]
    problems = lint_sources(without_flow(production, VR, flow_id))
    assert Problem(VR, "reminder_due", "期限将至", "定时事件「期限将至」没有流出的顺序流：案件到这里会停住") in problems


def test_loop_that_no_start_event_reaches(production: dict[str, str]) -> None:
    # Two tasks that only lead to each other: both have incoming flows, yet no case gets there.
    sources = edited(production, VR, 'sourceRef="record_receipt" targetRef="start_clock"',
                     'sourceRef="start_clock" targetRef="start_clock"')
    problems = lint_sources(sources)
    assert Problem(VR, "start_clock", "计算检定期限",
                   "脚本任务「计算检定期限」从开始事件沿顺序流无法到达：案件永远不会到达这里") in problems
    assert Problem(VR, "record_receipt", "登记收到受检器具",
                   "用户任务「登记收到受检器具」没有流出的顺序流：案件到这里会停住") in problems
