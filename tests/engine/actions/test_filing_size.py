"""A filing's cost is linear in its instruments, and one filing lists at most MAX_FILING_INSTRUMENTS.

Multi-instance decisions run as one task (``engine.decision_items``); the first tests check on a tiny
diagram that they decide every item exactly as SpiffWorkflow's own multi-instance tasks do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.rules.decision_items import DecisionItemsTask
from engine.rules.filing_limits import MAX_FILING_INSTRUMENTS, too_many_instruments
from engine.rules.serializer import StateSerializer
from engine.rules.timer_events import ClockedParser, QiangjianParser
from engine.sandbox import SandboxScriptEngine
from engine.store.errors import ValidationFailed
from engine.store.models import Case, Instrument
from tests.engine.scenario import Scenario, instrument

TESTS_BPMN = Path(__file__).resolve().parents[2] / "bpmn"
ITEMS = [{"kind": "a", "size": 12}, {"kind": "a", "size": 3}, {"kind": "b", "size": 10}, {"kind": "c", "size": 7},
         {"kind": "c", "size": 20}]


def _run(parser_class: type, items: list[dict[str, Any]]) -> BpmnWorkflow:
    parser = parser_class()
    parser.add_bpmn_file(str(TESTS_BPMN / "decision_items.bpmn"))
    parser.add_dmn_files([str(TESTS_BPMN / "decision_items_grade.dmn"), str(TESTS_BPMN / "decision_items_tags.dmn")])
    workflow = BpmnWorkflow(parser.get_spec("decision_items"), script_engine=SandboxScriptEngine())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(items=items, limit=5, label="L")
    workflow.do_engine_steps()
    assert workflow.completed
    return workflow


def test_one_task_decides_each_item_as_spiffworkflows_multi_instance_does():
    ours, stock = _run(QiangjianParser, ITEMS), _run(ClockedParser, ITEMS)
    assert isinstance(ours.spec.task_specs["grade_items"], DecisionItemsTask)
    assert not isinstance(stock.spec.task_specs["grade_items"], DecisionItemsTask)
    assert ours.data["grades"] == stock.data["grades"] == [
        {"level": "big", "note": "a12"}, {"level": "small", "note": "ab"}, {"level": "small", "note": "ab"},
        {"level": "other", "note": "L"}, {"level": "other", "note": "L"}]
    assert ours.data["tags"] == stock.data["tags"] == [
        ["even", "large", "seen"], ["seen"], ["even", "large", "seen"], ["seen"], ["even", "large", "seen"]]
    assert ours.data == stock.data


@pytest.mark.parametrize("parser_class", [QiangjianParser, ClockedParser])
def test_a_cell_failing_on_one_item_fails_the_task_naming_the_row(parser_class):
    with pytest.raises(WorkflowTaskException) as failed:
        _run(parser_class, [ITEMS[0], {"kind": "a"}])  # no size: the first rule's size cell raises
    assert "KeyError: 'size'" in str(failed.value)
    assert "Rule failed on row 1" in failed.value.notes and "Grade each item" in str(failed.value)


def test_the_number_of_tasks_does_not_grow_with_the_items():
    few, many = _run(QiangjianParser, ITEMS), _run(QiangjianParser, ITEMS * 20)
    assert len(many.tasks) == len(few.tasks)
    assert len(_run(ClockedParser, ITEMS * 20).tasks) > len(many.tasks) + 100  # one child per item and table


def test_a_decided_workflow_round_trips_through_the_state_serializer():
    workflow = _run(QiangjianParser, ITEMS)
    serializer = StateSerializer()
    state = serializer.dump_state(workflow)
    restored = serializer.load_state(state, (workflow.spec, {}))
    assert json.loads(serializer.dump_state(restored)) == json.loads(state)


@pytest.fixture
def sc(database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(database, clock, restart=False)


def _state_bytes(sc: Scenario, count: int, tag: str) -> int:
    case_id = sc.file("xinmin_gas", "210181", [instrument(f"{tag}-{n:05d}") for n in range(count)])
    return len(sc.case(case_id).state)


def test_a_filings_state_grows_linearly_with_its_instruments(sc):
    small, large = _state_bytes(sc, 100, "S"), _state_bytes(sc, 400, "L")
    assert large / small < 5  # four times the instruments; it was 16 times the bytes with a task per item


def test_a_filing_over_the_cap_is_refused_on_the_instruments_field(sc):
    with pytest.raises(ValidationFailed) as refused:
        sc.file("xinmin_gas", "210181", [instrument(f"X-{n:05d}") for n in range(MAX_FILING_INSTRUMENTS + 1)])
    assert refused.value.errors == {"instruments": [too_many_instruments(MAX_FILING_INSTRUMENTS + 1)]}
    assert "一次备案最多 5,000 台（件）器具，本次 5,001 台（件）" in refused.value.errors["instruments"][0]
    with sc.db.factory() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_correction_over_the_cap_is_refused_too(sc):
    case_id = sc.file("xinmin_gas", "210181", [instrument("JYJ-1")])
    sc.complete(case_id, "review_filing", "xinmin_institute",
                {"filing_decision": "return", "filing_reason": "请补全清单"})
    too_many = [instrument(f"X-{n:05d}") for n in range(MAX_FILING_INSTRUMENTS + 1)]
    with pytest.raises(ValidationFailed) as refused:
        sc.complete(case_id, "correct_filing", "xinmin_gas", {"instruments": too_many})
    assert refused.value.errors == {"instruments": [too_many_instruments(MAX_FILING_INSTRUMENTS + 1)]}
    assert sc.open_tasks(case_id) == ["correct_filing"]


def test_a_filing_at_the_cap_is_accepted_and_registered(sc):
    items = [instrument(f"M-{n:05d}", purpose="other" if n % 10 == 0 else "trade_settlement")
             for n in range(MAX_FILING_INSTRUMENTS)]
    case_id = sc.file("xinmin_gas", "210181", items)
    sc.complete(case_id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    assert sc.case(case_id).status == "completed"
    with sc.db.factory() as s:
        serials = set(s.scalars(select(Instrument.serial_no).where(Instrument.filing_case_id == case_id)))
    assert serials == {i["serial_no"] for i in items if i["purpose"] != "other"}  # 4,500: the others are not compulsory
